"""The demo's past congress: the federation's top council meets, votes amendments and motions
by roll call (one amendment adopted with its sub-amendment, one rejected), forwards the amended
motion to a district, and one delegate breaks their district's binding mandate; the constituents are told, one of
them petitions for the recall, and the delegate reports back.

Everything goes through the actions a member would use (meetings, polls, recalls, reports), so
``communard verify`` replays it all from the record. Meetings take the record's time (now), so
this congress is held as the demo is loaded; its roll calls close as soon as every delegate
has voted, as the clock's early close does (``polls.actions.close_early``, docs/meetings.md),
so every instant here is the loading's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils import timezone

from communard.constitution.mandates import Stance
from communard.constitution.meetings import MotionState, quorum_needed
from communard.constitution.permissions import ClockActor, MemberActor, OperatorActor
from communard.web.accounts.actions import do_create_member_account
from communard.web.councils.models import Council, Delegate
from communard.web.meetings.actions._facts import body_size
from communard.web.meetings.actions.amendment_vote import do_put_amendment_to_vote
from communard.web.meetings.actions.amendments import do_amend_motion
from communard.web.meetings.actions.attendance import do_check_in, do_close_meeting
from communard.web.meetings.actions.call_meeting import do_join_meeting_call, do_request_meeting
from communard.web.meetings.actions.mandates import do_adopt_mandate
from communard.web.meetings.actions.motions import (
    do_forward_motion,
    do_move_motion,
    do_submit_motion,
    do_support_motion,
)
from communard.web.meetings.actions.vote import do_put_motion_to_vote
from communard.web.meetings.models import DeviationNotice, Meeting, Motion
from communard.web.members.models import Member
from communard.web.polls.actions.cast import do_cast
from communard.web.polls.actions.close_early import do_close_early
from communard.web.recalls.actions.open import do_open_petition
from communard.web.recalls.actions.sign import do_sign
from communard.web.reports.actions import do_file_report

YES, NO, ABSTAIN = [1], [2], [3]  # a motion's roll call: Yes, No, Abstain, numbered 1..3

WEEK = ("A shorter working week",
        "The federation campaigns for a 32-hour week at full pay in every workplace.\n\n"
        "Each district council reports on the campaign to the next congress.")
COOP = ("A federation-wide purchasing co-operative",
        "The federation founds one purchasing co-operative for all its workplaces.")
RENT = ("Support for the tenants' rent strike",
        "The federation's strike fund supports the Riverside tenants' rent strike.")


def login(member: Member) -> MemberActor:
    """The member's login, made by the demo's operator if they have none (no password: nobody
    signs in with it; the demo acts for them as they would themselves)."""
    if member.user_id is None:
        do_create_member_account(member, username=f"delegate{member.number}", password=None,
                                 actor=OperatorActor("operator"))
        member.refresh_from_db()
    assert member.user is not None
    return MemberActor(member.user.get_username())


def seated(council: Council) -> list[Delegate]:
    return list(Delegate.objects.filter(council=council, ended_at__isnull=True)
                .select_related("member", "constituency").order_by("pk"))


def convene(council: Council, title: str, agenda: Sequence[str],
            present: Iterable[Delegate]) -> Meeting:
    """The body's delegates ask for the meeting until their share calls it (the demo's councils
    have no chair), then check in."""
    present = list(present)
    meeting = do_request_meeting(council, title=title, starts_at=timezone.now(),
                                 agenda=list(agenda), actor=login(present[0].member))
    for d in present[1:]:
        meeting.refresh_from_db()
        if meeting.is_called:
            break
        do_join_meeting_call(meeting, actor=login(d.member))
    for d in present:
        do_check_in(meeting, actor=login(d.member))
    return meeting


def mandate_meeting(district: Council, motions: dict[str, Motion],
                    stances: dict[str, tuple[Stance, bool]]) -> None:
    """A district council meets and instructs its congress delegates on the motions."""
    delegates = seated(district)
    meeting = convene(district, f"{district.name}: mandates for the congress",
                      ["Mandates for the congress"], delegates)
    chair = login(delegates[0].member)
    for key, (stance, binding) in stances.items():
        do_adopt_mandate(meeting, motions[key], stance=stance, binding=binding, actor=chair)
    do_close_meeting(meeting, actor=chair)


def can_be_quorate(council: Council) -> bool:
    """Whether the delegates seated now can make the body's quorum (a demo grown with more
    members, as the load tests grow it, has seats no founding delegate fills)."""
    rules = council.federation.constitution.meetings
    return len(seated(council)) >= quorum_needed(rules, body_size(council))


def load_demo_congress(slug: str) -> bool:
    """The congress (see the module's docstring), after the demo's elections and recalls;
    False, and nothing done, where its councils could not be quorate."""
    congress = Council.objects.get(federation__slug=slug, parent__isnull=True)
    east = Council.objects.get(federation__slug=slug, key="east")
    north = Council.objects.get(federation__slug=slug, key="north")
    if not all(can_be_quorate(c) for c in (congress, east, north)):
        return False
    delegates = seated(congress)
    easterners = [d for d in delegates if d.constituency_id == east.pk]
    # The deviating delegate: an East delegate no petition is running against yet.
    deviant = next(d for d in easterners if not d.petitions.filter(state="open").exists())
    acts = {d.pk: login(d.member) for d in delegates}
    mover, seconds = delegates[0], delegates[1:3]

    motions: dict[str, Motion] = {}
    for key, (title, text) in {"week": WEEK, "coop": COOP, "rent": RENT}.items():
        motions[key] = do_submit_motion(congress, title=title, text=text, reasons="",
                                        actor=acts[mover.pk])
        for d in seconds:
            do_support_motion(motions[key], actor=acts[d.pk])
    first = do_amend_motion(
        motions["week"], paragraph=1, actor=acts[delegates[-1].pk],
        text="The federation campaigns for a 32-hour week at full pay in every workplace, "
             "with no loss of jobs.",
        reasons="A shorter week must not be paid for with redundancies.")
    sub = do_amend_motion(
        motions["week"], amends=first, actor=acts[delegates[-2].pk],
        text="The federation campaigns for a 32-hour week at full pay in every workplace, "
             "with no loss of jobs and no speed-up.",
        reasons="Nor with the same work in fewer hours.")
    monthly = do_amend_motion(
        motions["week"], paragraph=2, actor=acts[delegates[-1].pk],
        text="Each district council reports on the campaign every month.",
        reasons="A congress a year apart is too late to change course.")

    # The assemblies' mandates, before the congress votes.
    mandate_meeting(east, motions, {"week": (Stance.FOR, True), "coop": (Stance.AGAINST, True)})
    mandate_meeting(north, motions, {"week": (Stance.FOR, True), "coop": (Stance.FOR, False)})

    meeting = convene(congress, "Congress of the Riverside Federation",
                      ["A shorter working week", "The purchasing co-operative",
                       "The tenants' rent strike", "Reports"], delegates)
    chair = acts[mover.pk]
    for m in motions.values():
        do_move_motion(m, MotionState.ADMITTED, meeting=meeting, actor=chair)
    do_move_motion(motions["rent"], MotionState.REFERRED, meeting=meeting, actor=chair)
    polls = {}
    for key in ("week", "coop"):
        do_move_motion(motions[key], MotionState.DEBATED, meeting=meeting, actor=chair)
    # The week's amendments, each by roll call in its debate: the sub-amendment before the
    # amendment it amends (both adopted), the monthly reports rejected by all but its mover.
    for amendment, carried in ((sub, True), (first, True), (monthly, False)):
        vote = do_put_amendment_to_vote(amendment, meeting=meeting, actor=chair)
        for d in delegates:
            do_cast(vote, d.member, YES if carried or d.pk == delegates[-1].pk else NO,
                    actor=acts[d.pk])
        do_close_early(vote, actor=ClockActor())
    for key in ("week", "coop"):
        polls[key] = do_put_motion_to_vote(motions[key], meeting=meeting, actor=chair)
    for d in delegates:
        # East keeps its mandates but for the deviant, who votes against the shorter week.
        week = NO if d.pk == deviant.pk else YES
        coop = NO if d.constituency_id == east.pk or d.pk == delegates[-1].pk else ABSTAIN
        do_cast(polls["week"], d.member, week, actor=acts[d.pk])
        do_cast(polls["coop"], d.member, coop, actor=acts[d.pk])
    for poll in polls.values():
        do_close_early(poll, actor=ClockActor())  # every delegate has voted: the clock counts
    do_close_meeting(meeting, actor=chair)
    # The adopted week goes down to East with its amended text (the districts report on it).
    do_forward_motion(motions["week"], east, actor=chair)

    do_file_report(meeting, deviant, actor=acts[deviant.pk], text=(
        "## Report to the East district\n\n"
        "The congress **adopted** the shorter working week (amended: no loss of jobs, no "
        "speed-up) and **rejected** the purchasing co-operative, as our mandate asked. The "
        "rent strike motion was referred to the districts.\n\n"
        "I voted *against* the shorter week, against our binding mandate: I believe the "
        "campaign is premature without a strike fund. I will answer for it at our next "
        "assembly."))
    kept = next(d for d in easterners if d.pk != deviant.pk)
    do_file_report(meeting, kept, actor=acts[kept.pk], text=(
        "The congress decided as our mandates asked. The minutes are on the meeting's page."))

    # The petition that followed: a constituent beneath East, from the notice on their page.
    notice = DeviationNotice.objects.filter(delegate=deviant).select_related("member").first()
    assert notice is not None, "the deviation was not noticed"
    petitioners = (Member.objects.filter(council__parent=east, user__isnull=False,
                                         mandates__isnull=True)
                   .exclude(user__username__in=["member"]).order_by("number"))
    opener, *signers = list(petitioners[:4])
    petition = do_open_petition(deviant, grounds=notice.text, actor=login(opener))
    for m in signers:
        do_sign(petition, actor=login(m))
    return True
