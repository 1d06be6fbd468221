from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "communard.web.reports"
    label = "reports"

    def ready(self) -> None:
        from communard.web.core.me_sections import MeSection, register_me_section
        from communard.web.reports import audit  # noqa: F401  (registers verify's audit)
        from communard.web.reports.mine import my_reports

        register_me_section(MeSection("reports", "reports/me_section.html", my_reports,
                                      order=20))
