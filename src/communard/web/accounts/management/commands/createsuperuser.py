"""``communard manage createsuperuser``: make an operator, on the record.

Replaces Django's command of the same name, which made operators with no record entry.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from communard.constitution.permissions import NotAllowed, OperatorActor
from communard.web.accounts.actions import do_create_operator


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Command(BaseCommand):
    help = (
        "Make an operator (someone who runs this installation) with a password; the record "
        "names the operator and who made them. With --noinput the password is read from "
        "DJANGO_SUPERUSER_PASSWORD."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", help="the new operator's login name")
        parser.add_argument(
            "--by",
            default=_local_user(),
            help="who makes the operator, as the record will name them (default: your login "
            "on this machine)",
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="ask nothing: --username and DJANGO_SUPERUSER_PASSWORD are required",
        )
        parser.add_argument("--email", help="ignored (kept for Django's usual calls)")
        parser.add_argument("--database", help="ignored: the configured database is used")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        username = options["username"]
        if options["interactive"]:
            username = username or input("Username: ").strip()
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the two passwords differ; nothing was changed")
        else:
            password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
            if not username or not password:
                raise CommandError(
                    "--noinput needs --username and the DJANGO_SUPERUSER_PASSWORD variable"
                )
        if not username:
            raise CommandError("a username is required")
        if user_model.objects.filter(username=username).exists():
            raise CommandError(f"the login {username!r} exists already; nothing was changed")
        try:
            password_validation.validate_password(password, user_model(username=username))
        except ValidationError as e:
            raise CommandError("; ".join(e.messages)) from None
        try:
            with transaction.atomic(durable=True):
                do_create_operator(
                    username=username, password=password, actor=OperatorActor(options["by"])
                )
        except NotAllowed as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"Operator {username!r} made; the record names them.")
