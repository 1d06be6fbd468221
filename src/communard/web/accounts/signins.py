"""Operator sign-ins go on the record: whoever runs the installation does so in public.

Members' sign-ins are not recorded: when a member signs in is personal, and the record would
otherwise show who was active before a vote.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db import transaction

from communard.record.kinds import OPERATOR_SIGNED_IN
from communard.web.core.actors import operator
from communard.web.records import services as record


def record_operator_signin(sender: Any, request: Any, user: Any, **_: Any) -> None:
    if not (user.is_staff or user.is_superuser):
        return
    name = user.get_username()
    with transaction.atomic():
        record.append(OPERATOR_SIGNED_IN, {"username": name}, actor=operator(name))


def connect() -> None:
    user_logged_in.connect(record_operator_signin, dispatch_uid="communard-operator-signin")
