from django.apps import AppConfig


class RecallsConfig(AppConfig):
    name = "communard.web.recalls"
    label = "recalls"

    def ready(self) -> None:
        from communard.web.recalls import transitions

        transitions.register()
        from communard.web.core.me_sections import MeSection, register_me_section
        from communard.web.meetings.actions import recall  # noqa: F401  (the assembly's close)
        from communard.web.recalls import (
            audit,  # noqa: F401  (registers verify's audit)
            paths_audit,  # noqa: F401
        )
        from communard.web.recalls.mine import my_petitions

        register_me_section(MeSection("recalls", "recalls/my_petitions.html", my_petitions,
                                      order=30))
