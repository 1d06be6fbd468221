"""``POST /api/polls/{id}/votes`` and ``POST /api/elections/{id}/ballots`` on PostgreSQL,
answered ahead of most of the middleware stack (``core/fast_doors.py``).

Casting is the one request a whole constituency makes within the same few hours, so its cost
per request sets what a server can take (bench/cast_bench.py). Through the full stack, django-
ninja and the ORM's reads (the poll, the voter's member row and login, the roll entry and the
seal, each a query) a ballot cost about eight times the server CPU of the elections' old door.
This door reads all of it in **one** prepared statement (:func:`read_for_session`: the
session's data, its login's user row, the poll, its federation, the voter's member row, their
roll entry, the poll's seal and number of options) and hands it to the one cast action as a ``CastContext``:
``polls.actions.cast.cast`` runs the same permission rule, phase check, choice check, sealing
and **one** store statement as for the page and the ninja operations. It is not a second cast
action, only a second way of reading what the action needs.

The door answers only what the cast action decides: the ballot (201) and the action's
refusals (not on the roll, already voted, wrong phase, bad choices, not the voter's own vote),
which both doors answer with the same status and ``{"detail": …}``. Anything decided before the
action (a CSRF failure, no session or no login, a body that is not ``{"choices": [...]}``
(``{"ranking": [...]}`` for an election), no such poll or election, an election whose poll is
not called yet, a login that is no member of the federation) goes on down the stack to the
ninja operation, which answers it as it always has: one answer for each case, written once.
Ids of other forms never match (``core.fast_doors.ID``) and go there too. On SQLite every
request takes the ninja operation.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from communard.constitution.permissions import MemberActor, NotAllowed
from communard.web.core.fast_doors import ID, FastDoor
from communard.web.core.models import LoginSession
from communard.web.core.prepared import prepared_cursor
from communard.web.core.rows import model_from_row
from communard.web.core.sessions import user_columns, user_fields
from communard.web.councils.models import Federation
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.polls.actions.cast import CastContext, cast
from communard.web.polls.errors import PollError
from communard.web.polls.models import Option, Poll, RollEntry
from communard.web.polls.sealed import sealing_from
from communard.web.polls.sealed_models import PollSeal

VOTES = re.compile(rf"/api/polls/{ID}/votes")
BALLOTS = re.compile(rf"/api/elections/{ID}/ballots")
#: Each path's body member holding the choices, as its ninja operation's schema names it.
_CHOICES = ("choices", "ranking")

# What casting reads of a poll (the rest loads on access, as for .only()).
POLL_FIELDS = ("id", "federation_id", "electorate_id", "voters", "question", "seats", "secret",
               "opens_at", "closes_at", "roll_at", "roll_day", "roll_frozen_at", "closed_at")


@dataclass(frozen=True)
class CastRead:
    """What the one read finds (``None``: no such session, user, poll or member)."""

    session_data: str | None
    user: AbstractBaseUser | None
    context: CastContext | None  # None: no such poll, or the login is no member of its federation


def read_for_session(which: int, id_: int, session_key: str) -> CastRead:
    """The one read for the session ``session_key`` and the poll ``id_`` (``which`` 0) or the
    election ``id_``'s poll (``which`` 1)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with prepared_cursor() as cursor:
        cursor.execute(_sql()[which], [session_key, now, id_])
        row = cursor.fetchone()
    model = get_user_model()
    n, m = len(user_fields()), len(POLL_FIELDS)
    session_data, user_row, poll_row = row[0], row[1 : n + 1], row[n + 1 : n + 1 + m]
    (federation, member_id, number, entry_id, public_key, capacity,
     options) = row[n + 1 + m :]
    found = user_row[user_fields().index(model._meta.pk.attname)] is not None
    user = model_from_row(model, user_fields(), user_row) if found else None
    context = None
    if user is not None and poll_row[0] is not None and member_id is not None:
        context = CastContext(
            poll=model_from_row(Poll, POLL_FIELDS, poll_row), federation=federation,
            voter_id=member_id, voter_number=number, login=user.get_username(), entry_id=entry_id,
            sealing=sealing_from(public_key, capacity), options=options)
    return CastRead(session_data=session_data, user=user, context=context)


class CastingDoor(FastDoor):
    paths = (VOTES, BALLOTS)

    def answer(self, request: HttpRequest, which: int, id_: int) -> HttpResponse:
        if not self.csrf_passes(request):
            return self.get_response(request)
        key = self.session_key(request)
        if key is None:
            return self.get_response(request)
        read = read_for_session(which, id_, key)
        user = self.login(request, key, read.session_data, read.user)
        choices = _choices(request.body, _CHOICES[which])
        # The read found the member by the session row's user column, which only saves a
        # query: the login is the one in the session's signed data, as Django checked it.
        same = read.user is not None and user.is_authenticated and user.pk == read.user.pk
        if not same or read.context is None or choices is None:
            return self.get_response(request)
        try:
            code = cast(read.context, choices, actor=MemberActor(user.get_username()))
        except PollError as refusal:
            return JsonResponse({"detail": str(refusal)}, status=refusal.status)
        except NotAllowed as refusal:
            return JsonResponse({"detail": str(refusal)}, status=403)
        return JsonResponse({"tracking_code": code}, status=201)


def _choices(body: bytes, name: str) -> list[Any] | None:
    """The body's list of choices, or None if the body does not fit the operation's schema
    (the ninja operation then answers it)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get(name), list):
        return None
    return data[name]


@functools.cache
def _sql() -> tuple[str, str]:
    q = connection.ops.quote_name

    def t(model: Any) -> str:
        return str(q(model._meta.db_table))

    user_key = q(get_user_model()._meta.pk.column)
    poll_columns = ", ".join(f"p.{q(Poll._meta.get_field(f).column)}"
                             for f in (a.removesuffix("_id") for a in POLL_FIELDS))

    def read(poll_id: str) -> str:
        # A row even when the session, the user, the poll or the member is missing. The member
        # is the ORM path's ``.first()`` (the model orders by name): a login may be more than
        # one member of a federation.
        return (
            f"SELECT s.session_data, {user_columns('u')}, {poll_columns}, f.slug, "
            "m.id, m.number, r.id, k.public_key, k.capacity, "
            f"(SELECT count(*) FROM {t(Option)} o WHERE o.poll_id = p.id) "
            "FROM (SELECT 1 AS one) one "
            f"LEFT JOIN {t(LoginSession)} s ON s.session_key = %s AND s.expire_date > %s "
            f"LEFT JOIN {t(get_user_model())} u ON u.{user_key} = s.user_id "
            f"LEFT JOIN {t(Poll)} p ON p.id = {poll_id} "
            f"LEFT JOIN {t(Federation)} f ON f.id = p.federation_id "
            f"LEFT JOIN LATERAL (SELECT id, number FROM {t(Member)} "
            f"WHERE user_id = u.{user_key} AND federation_id = p.federation_id "
            "ORDER BY name, id LIMIT 1) m ON true "
            f"LEFT JOIN {t(RollEntry)} r ON r.poll_id = p.id AND r.member_id = m.id "
            f"LEFT JOIN {t(PollSeal)} k ON k.poll_id = p.id"
        )

    return read("%s"), read(f"(SELECT poll_id FROM {t(Election)} WHERE id = %s)")
