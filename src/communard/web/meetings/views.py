"""Meeting, motion and scorecard pages. Views parse the form, call one action and render; a
refusal re-renders the page with its reason and a 4xx status, having changed nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from communard.constitution.mandates import Stance, Verdict
from communard.constitution.meetings import MotionState
from communard.constitution.permissions import NotAllowed
from communard.web.accounts.actions import actor_for
from communard.web.core.params import MAX_ID, BadParameter, parse_count
from communard.web.councils.models import Council, Delegate
from communard.web.councils.views import can_see_members
from communard.web.meetings.actions import (
    amendment_vote,
    amendments,
    attendance,
    call_meeting,
    mandates,
    vote,
)
from communard.web.meetings.actions import motions as motion_actions
from communard.web.meetings.amendment_read import amendment_rows, presides_at, text_as_amended
from communard.web.meetings.deviations import motion_votes
from communard.web.meetings.minutes import minutes
from communard.web.meetings.models import Amendment, Meeting, Motion
from communard.web.meetings.verdicts import read_scorecard
from communard.web.members.models import Member
from communard.web.polls.actions.close_early import do_close_early


class BadForm(ValueError):
    """A form field is missing or malformed; the message names it."""


def _field(request: HttpRequest, name: str, *, required: bool = True) -> str:
    value = request.POST.get(name, "")
    if required and not value.strip():
        raise BadForm(f"the field {name!r} is required")
    return value


def _starts_at(request: HttpRequest) -> dt.datetime:
    raw = _field(request, "starts_at")
    try:
        at = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise BadForm(f"starts_at: {raw[:40]!r} is not a date and time (2026-12-01T18:00)") \
            from None
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _act(request: HttpRequest, do: Callable[[], Any], done: str,
         page: Callable[[int], HttpResponse], back: str) -> HttpResponseBase:
    """Run one action for the signed-in user: on success back to the page (303), on a refusal
    the page again with the reason and 403 (not allowed) or 400 (a malformed form)."""
    try:
        do()
    except NotAllowed as e:
        messages.error(request, str(e))
        return page(403)
    except (BadForm, BadParameter) as e:
        messages.error(request, str(e))
        return page(400)
    messages.success(request, done)
    return HttpResponseRedirect(back, status=303)


def _me(request: HttpRequest, federation_id: int) -> Member | None:
    if not request.user.is_authenticated:
        return None
    return Member.objects.filter(user=request.user, federation_id=federation_id).first()


# ------------------------------------------------------------------ meetings


def council_meetings(request: HttpRequest, slug: str, key: str, status: int = 200) -> HttpResponse:
    body = get_object_or_404(Council.objects.select_related("federation"),
                             federation__slug=slug, key=key)
    return render(request, "meetings/council_meetings.html", {
        "council": body, "federation": body.federation,
        "meetings": body.meetings.all(),
        "motions": body.motions.select_related("mover"),
    }, status=status)


@login_required
@require_http_methods(["POST"])
def call(request: HttpRequest, slug: str, key: str) -> HttpResponseBase:
    body = get_object_or_404(Council.objects.select_related("federation"),
                             federation__slug=slug, key=key)

    def do() -> None:
        agenda = [line.strip() for line in _field(request, "agenda", required=False)
                  .splitlines() if line.strip()]
        how = (call_meeting.do_request_meeting if request.POST.get("how") == "request"
               else call_meeting.do_call_meeting)
        how(body, title=_field(request, "title"), starts_at=_starts_at(request), agenda=agenda,
            actor=actor_for(request.user))

    return _act(request, do, "Done: the meeting is on the record.",
                lambda s: council_meetings(request, slug, key, s),
                reverse("council_meetings", args=[slug, key]))


def _meeting(meeting_id: int) -> Meeting:
    if meeting_id > MAX_ID:  # no row has it, and SQLite cannot even be asked
        raise Http404("no such meeting")
    return get_object_or_404(Meeting.objects.select_related("council__parent", "federation"),
                             pk=meeting_id)


def meeting_page(request: HttpRequest, meeting_id: int, status: int = 200) -> HttpResponse:
    meeting = _meeting(meeting_id)
    me = _me(request, meeting.federation_id)
    above = meeting.council.parent
    present = list(meeting.attendance.select_related("member"))
    return render(request, "meetings/meeting.html", {
        "meeting": meeting, "federation": meeting.federation, "me": me,
        "show_names": can_see_members(request, meeting.federation),
        "agenda": meeting.agenda.all(), "present": present,
        "has_quorum": len(present) >= meeting.quorum,
        "callers": meeting.callers.count(),
        "speakers": meeting.speakers.select_related("member"),
        "motions": Motion.objects.filter(council=meeting.council).exclude(
            state__in=["adopted", "rejected", "referred"]).select_related("mover"),
        "decided": meeting.motions.filter(state__in=["adopted", "rejected", "referred"]),
        "above": (Motion.objects.filter(council=above).exclude(
            state__in=["adopted", "rejected", "referred"]) if above else []),
        "mandates": meeting.mandates.select_related("motion"),
        "minutes": minutes(meeting),
        "states": [s.value for s in MotionState if s is not MotionState.SUBMITTED],
        "stances": [s.label for s in Stance],
    }, status=status)


@login_required
@require_http_methods(["POST"])
def meeting_act(request: HttpRequest, meeting_id: int, what: str) -> HttpResponseBase:
    meeting = _meeting(meeting_id)
    actor = actor_for(request.user)

    def do() -> None:
        if what == "check-in":
            attendance.do_check_in(meeting, actor=actor)
        elif what == "speak":
            attendance.do_ask_to_speak(meeting, actor=actor)
        elif what == "close":
            attendance.do_close_meeting(meeting, actor=actor)
        elif what == "join":
            call_meeting.do_join_meeting_call(meeting, actor=actor)
        elif what == "move":
            motion = _motion_in(request, Motion.objects.filter(council=meeting.council))
            motion_actions.do_move_motion(motion, _choice(request, "to", MotionState),
                                          meeting=meeting, actor=actor)
        elif what == "vote":
            motion = _motion_in(request, Motion.objects.filter(council=meeting.council))
            vote.do_put_motion_to_vote(motion, meeting=meeting, actor=actor,
                                       secret=request.POST.get("secret") == "on")
        elif what == "close-vote":
            motion = _motion_in(request, Motion.objects.filter(council=meeting.council))
            poll = vote.vote_of(motion)
            if poll is None:
                raise BadForm(f"motion {motion.pk} has not been put to the vote")
            do_close_early(poll, actor=actor)
        elif what == "mandate":
            motion = _motion_in(request, Motion.objects.filter(council=meeting.council.parent))
            stance = Stance[_choice(request, "stance", Stance, by_label=True).name]
            mandates.do_adopt_mandate(meeting, motion, stance=stance,
                                      binding=request.POST.get("binding") == "on", actor=actor)
        else:
            raise BadForm(f"no such step {what!r}")

    return _act(request, do, "Done: it is on the record.",
                lambda s: meeting_page(request, meeting_id, s),
                reverse("meeting", args=[meeting_id]))


def _motion_in(request: HttpRequest, motions: Any) -> Motion:
    number = parse_count(_field(request, "motion"), "the field 'motion'")
    motion = motions.filter(pk=number).first()
    if motion is None:
        raise BadForm(f"motion {number} is not one this meeting can act on")
    return motion  # type: ignore[no-any-return]


def _choice(request: HttpRequest, name: str, enum: Any, by_label: bool = False) -> Any:
    raw = _field(request, name)
    values = {(e.label if by_label else e.value): e for e in enum}
    if raw not in values:
        raise BadForm(f"the field {name!r} must be one of {', '.join(values)}, not {raw[:40]!r}")
    return values[raw]


# ------------------------------------------------------------------ motions


def _motion(motion_id: int) -> Motion:
    if motion_id > MAX_ID:
        raise Http404("no such motion")
    return get_object_or_404(
        Motion.objects.select_related("council__parent", "federation", "mover", "meeting",
                                      "forwarded_from"), pk=motion_id)


def motion_page(request: HttpRequest, motion_id: int, status: int = 200) -> HttpResponse:
    motion = _motion(motion_id)
    return render(request, "meetings/motion.html", {
        "motion": motion, "federation": motion.federation,
        "show_names": can_see_members(request, motion.federation),
        "me": _me(request, motion.federation_id),
        "paragraphs": list(enumerate(motion.paragraphs(), start=1)),
        "amendments": amendment_rows(motion),
        "amended": text_as_amended(motion)[1],
        "presides_at": presides_at(_me(request, motion.federation_id), motion),
        "history": motion.history.all(),
        "supporters": motion.supports.select_related("member"),
        "mandates": motion.mandates.select_related("constituency"),
        "forwarded_to": motion.forwarded_to.select_related("council"),
        "neighbours": [c for c in [motion.council.parent, *motion.council.children.all()] if c],
        "vote": vote.vote_of(motion),
        "votes": motion_votes(motion),
    }, status=status)


@login_required
@require_http_methods(["POST"])
def submit_motion(request: HttpRequest, slug: str, key: str) -> HttpResponseBase:
    body = get_object_or_404(Council.objects.select_related("federation"),
                             federation__slug=slug, key=key)
    return _act(request, lambda: motion_actions.do_submit_motion(
        body, title=_field(request, "title"), text=_field(request, "text"),
        reasons=_field(request, "reasons", required=False), actor=actor_for(request.user)),
        "Your motion is submitted.", lambda s: council_meetings(request, slug, key, s),
        reverse("council_meetings", args=[slug, key]))


@login_required
@require_http_methods(["POST"])
def motion_act(request: HttpRequest, motion_id: int, what: str) -> HttpResponseBase:
    motion = _motion(motion_id)
    actor = actor_for(request.user)

    def do() -> None:
        if what == "support":
            motion_actions.do_support_motion(motion, actor=actor)
        elif what == "amend":
            target = request.POST.get("amends", "")
            amends = None
            paragraph = None
            if target:
                number = parse_count(target, "the field 'amends'")
                amends = Amendment.objects.filter(pk=number, motion=motion).first()
                if amends is None:
                    raise BadForm(f"amends: {number} is not an amendment of this motion")
            else:
                paragraph = parse_count(_field(request, "paragraph"), "the field 'paragraph'")
            amendments.do_amend_motion(motion, text=_field(request, "text"),
                                       reasons=_field(request, "reasons", required=False),
                                       paragraph=paragraph, amends=amends, actor=actor)
        elif what == "amendment-vote":
            amendment = motion.amendments.filter(
                pk=parse_count(_field(request, "amendment"), "the field 'amendment'")).first()
            meeting = motion.council.meetings.filter(
                pk=parse_count(_field(request, "meeting"), "the field 'meeting'")).first()
            if amendment is None or meeting is None:
                raise BadForm("amendment and meeting: an amendment of this motion, at a meeting "
                              "of its council")
            amendment_vote.do_put_amendment_to_vote(amendment, meeting=meeting, actor=actor)
        elif what == "forward":
            to = Council.objects.filter(federation=motion.federation,
                                        key=_field(request, "to")).first()
            if to is None:
                raise BadForm("to: no such council in this federation")
            motion_actions.do_forward_motion(motion, to, actor=actor)
        else:
            raise BadForm(f"no such step {what!r}")

    return _act(request, do, "Done: it is on the record.",
                lambda s: motion_page(request, motion_id, s),
                reverse("motion", args=[motion_id]))


# ------------------------------------------------------------------ scorecard


RECENT_DEVIATIONS = 100


def scorecard_page(request: HttpRequest, delegate_id: int) -> HttpResponse:
    if delegate_id > MAX_ID:
        raise Http404("no such delegate")
    delegate = get_object_or_404(
        Delegate.objects.select_related("member", "council__federation", "constituency"),
        pk=delegate_id)
    # The latest deviations first; the counts above cover them all (a delegate of long
    # standing has thousands, and the page stays one screen).
    card = read_scorecard(delegate, recent=RECENT_DEVIATIONS)
    return render(request, "meetings/scorecard.html", {
        "delegate": delegate, "card": card, "federation": delegate.council.federation,
        "rows": [(v.label, card.count(v, binding=True), card.count(v, binding=False))
                 for v in Verdict],
        "recent": card.latest,
    })
