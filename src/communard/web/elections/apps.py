from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "communard.web.elections"
    label = "elections"
