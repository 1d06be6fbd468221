from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "communard.web.meetings"
    label = "meetings"

    def ready(self) -> None:
        from communard.web.core.me_sections import MeSection, register_me_section
        from communard.web.meetings import (
            amendment_audit,  # noqa: F401  (votes on amendments)
            audit,  # noqa: F401  (registers verify's audit)
            vote_audit,  # noqa: F401  (outcomes and history)
        )
        from communard.web.meetings.actions import (
            amendment_vote,  # noqa: F401  (an amendment's close)
            close_vote,  # noqa: F401  (closed early)
            vote,  # noqa: F401  (the motion's close)
        )
        from communard.web.meetings.mine import my_meetings

        register_me_section(MeSection("meetings", "meetings/me_section.html", my_meetings,
                                      order=10))
