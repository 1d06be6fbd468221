"""The logins audit: every login was made by its recorded action, and its password hash is
the one its last recorded credential commits to.

What it finds: a login made by SQL or ``bulk_create`` (no entry), an operator made unrecorded,
a member's login swapped for another (``members_member.user_id`` repointed), and a password hash
replaced behind the record's back (``QuerySet.update``, plain SQL), which is how an operator would
sign in as a member despite the login guard.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth import get_user_model

from communard.record import kinds as K
from communard.web.accounts.guard import credential
from communard.web.members.models import Member
from communard.web.records.audit import Divergence, audit, entries, openings

#: (index, credential commitment) of the last password recorded for a login.
Credential = tuple[int, object]


def _member_logins() -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], Credential]]:
    made: dict[tuple[str, str], int] = {}
    last: dict[tuple[str, str], Credential] = {}
    found = list(entries(K.MEMBER_ACCOUNT_CREATED, K.MEMBER_PASSWORD_SET))
    opened = openings(body.get("member") for _, _, body in found)
    for index, kind, body in found:
        number = opened.get(body.get("member"))  # type: ignore[arg-type]
        if number is None:
            continue  # unopenable: nothing in the tables can be matched to it
        key = (str(body.get("federation")), number)
        if kind == K.MEMBER_ACCOUNT_CREATED.name:
            made.setdefault(key, index)
        if "credential" in body:
            last[key] = (index, body["credential"])
    return made, last


def _operator_logins() -> tuple[dict[str, int], dict[str, Credential]]:
    made: dict[str, int] = {}
    last: dict[str, Credential] = {}
    for index, kind, body in entries(K.OPERATOR_CREATED, K.OPERATOR_PASSWORD_SET):
        name = str(body.get("username"))
        if kind == K.OPERATOR_CREATED.name:
            made.setdefault(name, index)
        if "credential" in body:
            last[name] = (index, body["credential"])
    return made, last


def _check_credential(row: str, password: str, last: Credential | None,
                      opened: dict[str, str]) -> Iterator[Divergence]:
    if last is None:
        return  # made before credentials were recorded: nothing to compare with
    index, commitment = last
    if opened.get(commitment) != credential(password):  # type: ignore[call-overload]
        yield Divergence(
            "auth_user", row, "its password hash is not the one last set on the record", index
        )


@audit
def audit_logins() -> Iterator[Divergence]:
    member_made, member_last = _member_logins()
    operator_made, operator_last = _operator_logins()
    opened = openings(c for _, c in [*member_last.values(), *operator_last.values()])
    owners = {
        user_id: (slug, number)
        for user_id, slug, number in Member.objects.filter(user__isnull=False).values_list(
            "user_id", "federation__slug", "number"
        )
    }
    users = get_user_model().objects.order_by("pk")
    for pk, username, password, is_staff, is_superuser in users.values_list(
        "pk", "username", "password", "is_staff", "is_superuser"
    ).iterator(chunk_size=2000):
        row = f"id={pk} ({username})"
        if is_staff or is_superuser:
            if pk in owners:
                yield Divergence("auth_user", row, "a member's login has an operator's powers")
            if username not in operator_made:
                yield Divergence("auth_user", row, "an operator no operator.created entry made")
                continue
            yield from _check_credential(row, password, operator_last.get(username), opened)
        elif pk in owners:
            slug, number = owners[pk]
            if (slug, number) not in member_made:
                yield Divergence(
                    "auth_user", row,
                    f"member {number} of {slug} holds a login no member.account_created made",
                )
                continue
            yield from _check_credential(row, password, member_last.get((slug, number)), opened)
        else:
            yield Divergence("auth_user", row, "a login of no member and no recorded operator")
