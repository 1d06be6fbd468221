from django.apps import AppConfig


class RecallsConfig(AppConfig):
    name = "communard.web.recalls"
    label = "recalls"

    def ready(self) -> None:
        from communard.web.recalls import transitions

        transitions.register()
        from communard.web.meetings.actions import recall  # noqa: F401  (the assembly's close)
        from communard.web.recalls import (
            audit,  # noqa: F401  (registers verify's audit)
            paths_audit,  # noqa: F401
        )
