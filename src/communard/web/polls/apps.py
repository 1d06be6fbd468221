from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "communard.web.polls"
    label = "polls"

    def ready(self) -> None:
        from communard.web.polls import transitions

        transitions.register()
        from communard.web.polls import (
            audit,  # noqa: F401  (registers verify's audit)
            roll_audit,  # noqa: F401  (the polls' rolls)
            sealed_audit,  # noqa: F401  (sealed polls' audit)
        )
