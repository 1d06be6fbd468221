from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "communard.web.polls"
    label = "polls"

    def ready(self) -> None:
        from communard.web.polls import transitions

        transitions.register()
        from communard.web.polls import early_close

        early_close.register()  # after the ordinary closes: a roll call all have voted in
        from communard.web.polls import (
            audit,  # noqa: F401  (registers verify's audit)
            early_audit,  # noqa: F401  (early closes' audit, issue 17)
            nomination_audit,  # noqa: F401  (the platforms' namings of tellers)
            roll_audit,  # noqa: F401  (the polls' rolls)
            sealed_audit,  # noqa: F401  (sealed polls' audit)
            teller_key_audit,  # noqa: F401  (teller keys and each opening's draw)
        )
