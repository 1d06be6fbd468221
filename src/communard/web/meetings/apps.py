from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "communard.web.meetings"
    label = "meetings"

    def ready(self) -> None:
        from communard.web.meetings import audit  # noqa: F401  (registers verify's audit)
