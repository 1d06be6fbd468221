from django.apps import AppConfig


class RecallsConfig(AppConfig):
    name = "communard.web.recalls"
    label = "recalls"

    def ready(self) -> None:
        from communard.web.recalls import transitions

        transitions.register()
        from communard.web.recalls import (
            audit,  # noqa: F401  (registers verify's audit)
            replacement_audit,  # noqa: F401
        )
