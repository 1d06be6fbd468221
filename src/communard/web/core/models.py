"""The one model of the core app: the login session, with its user in a column of its own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class LoginSession(AbstractBaseSession):
    """Django's database session (key, signed data, expiry) plus the id of the user it is a login
    of, as Django's documentation shows for extending the session model. The column lets the
    ballot endpoint read the session, the user, the election and the voter's roll entry in one
    query (``elections/casting.py``); Django still takes the login from the signed data and
    checks it as ever, so the column only ever saves a query."""

    # No database constraint: a session saved while its user is deleted must not fail; Django
    # still deletes a user's sessions with the user, and a dangling id only costs the query.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+",
        db_constraint=False,
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "core_login_session"

    @classmethod
    def get_session_store_class(cls) -> Any:
        from communard.web.core.sessions import SessionStore

        return SessionStore
