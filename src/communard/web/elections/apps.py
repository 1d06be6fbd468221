from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "communard.web.elections"
    label = "elections"

    def ready(self) -> None:
        from communard.web.elections import transitions

        transitions.register()
        from communard.web.elections import audit, roll_audit  # noqa: F401  (verify's audits)
