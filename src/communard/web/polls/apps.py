from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "communard.web.polls"
    label = "polls"

    def ready(self) -> None:
        from communard.web.polls import transitions

        transitions.register()
        from communard.web.polls import (
            audit,  # noqa: F401  (registers verify's audit)
            sealed_audit,  # noqa: F401  (sealed polls' audit)
            teller_key_audit,  # noqa: F401  (teller keys and each opening's draw)
        )
