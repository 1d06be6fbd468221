"""JSON API for recall petitions (OpenAPI at /api/docs): read one, open one, sign, withdraw.

Writing needs a signed-in member and the CSRF token. A refusal is a 4xx whose body names the
rule it broke (``rule``, stable for programs) and says why (``detail``, for people): 403 when
the rule is about who may act, 409 when it is about the petition's state, 400 for bad grounds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status
from ninja.security import django_auth

from communard.constitution.permissions import NotAllowed, Refusal
from communard.web.accounts.actions import actor_for
from communard.web.core.params import MAX_ID
from communard.web.councils.models import Delegate, OfficeHolder
from communard.web.recalls.actions import do_open_petition, do_sign, do_withdraw_signature
from communard.web.recalls.models import Petition

router = Router(tags=["recalls"])

PetitionId = Annotated[int, Path(ge=1, le=MAX_ID, description="the petition's id")]
#: Rules about who may act (403); the rest are about the petition or mandate's state (409).
_FORBIDDEN = {"not-in-constituency", "members-only"}
#: Grounds the schema's pattern and length let through are never refused by the rule; these
#: answer requests that skipped the schema (the pages' forms).
_BAD_INPUT = {"grounds-required", "grounds-too-long", "grounds-not-text"}


class MandateOut(Schema):
    kind: str = Field(description="delegate or office")
    id: int
    member: str
    council: str
    constituency: str
    office: str


class PetitionOut(Schema):
    id: int
    state: str = Field(description="open, threshold-met, vote-called, recalled, kept or lapsed")
    against: MandateOut
    grounds: str
    filed_at: str
    deadline: str
    roll_size: int = Field(description="members of the constituency at filing")
    threshold: int = Field(description="signatures needed")
    signatures: int = Field(description="signatures standing now")
    vote_opens_at: str | None
    vote_closes_at: str | None


class MandateIn(Schema):
    kind: Literal["delegate", "office"]
    id: int = Field(ge=1, le=MAX_ID, description="the delegate's mandate or the office tenure")


# Grounds are text with something in it besides white space (as Python's str.isspace counts
# it, which the rule uses) and no NUL: the schema says exactly what the rule accepts.
_SPACE = r"\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
GROUNDS_PATTERN = rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$"


class PetitionIn(Schema):
    mandate: MandateIn
    grounds: str = Field(min_length=1, max_length=2000, pattern=GROUNDS_PATTERN)


class RefusalOut(Schema):
    detail: str
    rule: str = Field("", description="the rule refused under, e.g. already-signed")


class Invalid(Schema):
    detail: str | list[dict[str, Any]]


def petition_out(p: Petition) -> dict[str, Any]:
    mandate = p.delegate or p.office_holder
    assert mandate is not None
    return {
        "id": p.pk, "state": p.state, "grounds": p.grounds,
        "against": {
            "kind": "delegate" if p.delegate_id else "office", "id": mandate.pk,
            "member": mandate.member.name, "council": mandate.council.key,
            "constituency": p.constituency.key,
            "office": getattr(mandate, "office", ""),
        },
        "filed_at": p.filed_at.isoformat(), "deadline": p.deadline.isoformat(),
        "roll_size": p.roll_size, "threshold": p.threshold, "signatures": p.signatures,
        "vote_opens_at": p.vote_opens_at.isoformat() if p.vote_opens_at else None,
        "vote_closes_at": p.vote_closes_at.isoformat() if p.vote_closes_at else None,
    }


def _read(petition_id: int) -> Petition | None:
    return (Petition.objects.select_related(
        "constituency", "delegate__member", "delegate__council", "office_holder__member",
        "office_holder__council").filter(pk=petition_id).first())


def refused(refusal: Refusal) -> Status:
    status = 403 if refusal.rule in _FORBIDDEN else 400 if refusal.rule in _BAD_INPUT else 409
    return Status(status, {"detail": refusal.reason, "rule": refusal.rule})


NOT_FOUND = Status(404, {"detail": "no such petition", "rule": ""})
WRITES = {400: RefusalOut, 401: RefusalOut, 403: RefusalOut, 404: RefusalOut,
           409: RefusalOut, 422: Invalid}


@router.get("/petitions/{petition_id}", response={200: PetitionOut, 404: RefusalOut,
                                                  422: Invalid})
def petition_detail(request: HttpRequest, petition_id: PetitionId) -> Any:
    """A petition: against whom, its grounds, deadline, threshold and the public count."""
    petition = _read(petition_id)
    return petition_out(petition) if petition else NOT_FOUND


@router.post("/petitions", response={201: PetitionOut, **WRITES}, auth=django_auth)
def open_petition(request: HttpRequest, body: PetitionIn) -> Status:
    """Open a petition to recall a delegate (``{"mandate": {"kind": "delegate", "id": 7}}``)
    or an office-holder (kind ``office``), with grounds. 403: not a member of that
    constituency, not a member at all, or CSRF failed; 404: no such mandate; 409: they hold no
    seat now, a petition against them is open, or the cool-off runs."""
    model = Delegate if body.mandate.kind == "delegate" else OfficeHolder
    mandate = model.objects.filter(pk=body.mandate.id).first()
    if mandate is None:
        return Status(404, {"detail": f"no such {body.mandate.kind}", "rule": ""})
    try:
        with transaction.atomic(durable=True):
            petition = do_open_petition(mandate, grounds=body.grounds,
                                        actor=actor_for(request.user))
    except NotAllowed as e:
        return refused(e.refusal)
    return Status(201, petition_out(_read(petition.pk)))  # type: ignore[arg-type]


def _signing(request: HttpRequest, petition_id: int, action: Any) -> Status:
    if not Petition.objects.filter(pk=petition_id).exists():
        return NOT_FOUND
    try:
        with transaction.atomic(durable=True):
            action(Petition(pk=petition_id), actor=actor_for(request.user))
    except NotAllowed as e:
        return refused(e.refusal)
    return Status(200, petition_out(_read(petition_id)))  # type: ignore[arg-type]


@router.post("/petitions/{petition_id}/signature", response={200: PetitionOut, **WRITES},
             auth=django_auth)
def sign(request: HttpRequest, petition_id: PetitionId) -> Status:
    """Sign the petition as the signed-in member. 403: not on its roll (a member of the
    constituency when it was filed); 409: signed already, withdrawn before, past the deadline,
    or no longer collecting."""
    return _signing(request, petition_id, do_sign)


@router.delete("/petitions/{petition_id}/signature", response={200: PetitionOut, **WRITES},
               auth=django_auth)
def withdraw(request: HttpRequest, petition_id: PetitionId) -> Status:
    """Withdraw one's signature while the petition is open. 409: no signature to withdraw,
    or the threshold is met."""
    return _signing(request, petition_id, do_withdraw_signature)
