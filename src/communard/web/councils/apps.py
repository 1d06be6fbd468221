from django.apps import AppConfig


class CouncilsConfig(AppConfig):
    name = "communard.web.councils"
    label = "councils"
