from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "communard.web.elections"
    label = "elections"

    def ready(self) -> None:
        from communard.web.elections import transitions

        transitions.register()
        from communard.web.elections import (  # noqa: F401  (verify's audits)
            audit,
            poll,  # noqa: F401  (the election polls' close)
            roll_audit,
        )
