from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "communard.web.members"
    label = "members"
