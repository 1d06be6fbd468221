from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Logins: who may make them and set their passwords (constitution.permissions), enforced
    below the admin and the shell by model signals, with every change on the record."""

    name = "communard.web.accounts"
    label = "accounts"

    def ready(self) -> None:
        from communard.web.accounts import guard, signins

        guard.connect()
        signins.connect()
