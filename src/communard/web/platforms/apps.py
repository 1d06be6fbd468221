from django.apps import AppConfig


class PlatformsConfig(AppConfig):
    name = "communard.web.platforms"
    label = "platforms"
