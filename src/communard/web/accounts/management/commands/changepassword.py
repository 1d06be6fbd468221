"""``communard manage changepassword USERNAME``: an operator changes their own password.

Replaces Django's command of the same name, with which whoever had the shell could set any
login's password, members' included, and sign in as them. A member changes theirs on their
password page; an operator here, after giving the current one.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from communard.constitution.permissions import NotAllowed, OperatorActor
from communard.web.accounts.actions import account_of, do_set_own_password


class Command(BaseCommand):
    help = (
        "Change an operator's password, after its current one. Members' passwords are set "
        "only by the members, on their password page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the operator's login name")
        parser.add_argument("--database", help="ignored: the configured database is used")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"there is no login {username!r}")
        if not account_of(user).is_operator:
            raise CommandError(
                f"{username!r} is a member's login: only that member sets its password, on "
                "their password page; nothing was changed"
            )
        if not user.check_password(getpass.getpass(f"Current password for {username}: ")):
            raise CommandError("that is not the current password; nothing was changed")
        password = getpass.getpass("New password: ")
        if password != getpass.getpass("New password (again): "):
            raise CommandError("the two passwords differ; nothing was changed")
        try:
            password_validation.validate_password(password, user)
            with transaction.atomic(durable=True):
                do_set_own_password(user, password=password, actor=OperatorActor(username))
        except ValidationError as e:
            raise CommandError("; ".join(e.messages)) from None
        except NotAllowed as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"Password changed for {username!r}; the record shows the change.")
