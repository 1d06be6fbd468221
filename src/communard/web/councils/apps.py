from django.apps import AppConfig


class CouncilsConfig(AppConfig):
    name = "communard.web.councils"
    label = "councils"

    def ready(self) -> None:
        from communard.web.councils import audit  # noqa: F401  (registers verify's audit)
