from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "communard.web.members"
    label = "members"

    def ready(self) -> None:
        from communard.web.members import audit  # noqa: F401  (registers verify's audit)
