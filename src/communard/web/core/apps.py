from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "communard.web.core"
    label = "core"

    def ready(self) -> None:
        from communard.web.core.writeonce import install_refusals

        # Every connection maps the database's write-once refusals to Immutable.
        connection_created.connect(install_refusals, dispatch_uid="communard.write_once")
