from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Logins: who may make them and set their passwords (constitution.permissions), enforced
    below the admin and the shell by model signals, with every change on the record."""

    name = "communard.web.accounts"
    label = "accounts"

    def ready(self) -> None:
        from communard.web.accounts import audit, guard, signins  # noqa: F401 (audit registers)

        guard.connect()
        signins.connect()
