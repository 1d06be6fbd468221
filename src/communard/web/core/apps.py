from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "communard.web.core"
    label = "core"
