"""Every kind of record entry, declared once: its name, its version and the type of its body.

The web actions name a kind by importing its constant (``from communard.record.kinds import
MEMBER_ADMITTED``), so a misspelt kind is an import error, and the record's one door
(``web/records/services.append``) checks each body against its declaration before it writes
anything. ``communard verify`` checks every stored entry the same way, so an entry that no
action could have written is reported by its index.

A body is a ``msgspec.Struct``: exactly its fields (a missing or an extra one is refused), each
of exactly its type (no ``True`` for an integer, no number for a string). Personal data appears
only as a :data:`Commitment`, the salted commitment ``commit:<64 hex>`` of ``_entry.commit``.

Versions. The stored kind names its version: version 1 is the bare name, as every entry written
before kinds were declared carries it, and version *n* > 1 is written ``<name>.v<n>``. A body
that changes shape gets a new version beside the old one, never an edited declaration: the
record keeps the old entries for ever, and they must keep verifying. Declarations live here
only; ``docs/record/kinds.md`` says what each body means and what a replay of the whole state
will need from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar, Union

import msgspec
import msgspec.inspect as mi

from communard.record._entry import MalformedEntry

# ------------------------------------------------------------------ the values bodies are made of

# Patterns end in \Z, not $: a "$" would let a trailing newline through.
_COMMITMENT_PATTERN = r"^commit:[0-9a-f]{64}\Z"
Commitment = Annotated[
    str,
    msgspec.Meta(pattern=_COMMITMENT_PATTERN,
                 description="salted commitment to personal data (commit:<hex SHA-256>)"),
]
Sha256 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}\Z", description="hex SHA-256")]
Day = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z",
                                  description="ISO 8601 date")]
Moment = Annotated[
    str,
    msgspec.Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                 r"([+-][0-9]{2}:[0-9]{2}|Z)\Z",
                 description="ISO 8601 date and time with its UTC offset"),
]
Key = Annotated[str, msgspec.Meta(min_length=1, description="a slug or a council's key")]
Count = Annotated[int, msgspec.Meta(ge=0)]
Seed = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,80}\Z",
                                   description="the count's lot seed, a decimal integer")]
Position = Annotated[int, msgspec.Meta(ge=1, description="a candidate's ballot number")]


class Body(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The base of every body: exact fields, immutable."""


class ElectionRef(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    election: int


class Numbered(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    number: Position
    member: Commitment


class CouncilSpec(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    key: Key
    name: str
    tier: str
    parent: Key | None


# ------------------------------------------------------------------ bodies, one per kind


class FederationFounded(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    name: str
    time_zone: str
    constitution: str  # the constitution's TOML text
    councils: list[CouncilSpec]


class SeatsApportioned(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    seats: dict[str, Count]  # council key -> its seats in the council above (changed ones only)
    members: dict[str, Count]  # council key -> its members counted for that apportionment


class OperatorCreated(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    username: str  # operators act in public: who holds that power is on the record


class MemberAdmitted(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    member: Commitment
    council: Key
    on: Day


class MemberTransferred(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    member: Commitment
    from_: Key = msgspec.field(name="from")
    to: Key
    on: Day


class MembershipEnded(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    member: Commitment
    council: Key
    on: Day


class AccountCreated(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    member: Commitment


class MembersImported(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    added: Count
    by_council: dict[str, Count]
    # Absent from imports recorded before 23 Nov 2026 (commit 4ee5d6e); those entries said
    # nothing about platforms, which is what the empty default means.
    by_platform: dict[str, Count] = msgspec.field(default_factory=dict)
    numbers_sha256: Sha256


class FoundingDelegate(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    constituency: Key
    council: Key | None
    member: Commitment


class PlatformFounded(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    platform: Key
    name: str


class PlatformJoined(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    platform: Key
    member: Commitment


class ElectionCalled(ElectionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: str  # what is filled: a constituency's delegates or a council's office
    constituency: Key
    council: Key
    office: str
    seats: Count
    method: str
    nominations_open_at: Moment
    poll_opens_at: Moment
    poll_closes_at: Moment
    roll_cutoff: Day
    fills_vacancy_of: int | None


class CandidateNominated(ElectionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    candidate: Commitment
    platform: Key | None
    accepted: bool


class CandidateAccepted(ElectionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    candidate: Commitment


class RollFrozen(ElectionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    cutoff: Day
    voters: Count
    members_sha256: Sha256
    candidates: list[Numbered]


class BallotCast(ElectionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Nothing about the voter: the roll's mark and the ballot are not linked."""


class ElectionClosed(ElectionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    ballots: Count
    marks: Count
    voters: Count | None
    box_sha256: Sha256
    seed: Seed
    winners: list[Position]
    candidates: list[Numbered]
    sheet_sha256: Sha256


class DelegatesSeated(ElectionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    council: Key
    constituency: Key
    members: list[Commitment]


class OfficeFilled(ElectionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    council: Key
    office: str
    members: list[Commitment]


class DelegateVacated(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    council: Key
    constituency: Key
    member: Commitment
    reason: Annotated[str, msgspec.Meta(max_length=200)]


# ------------------------------------------------------------------ version 2 of some kinds

# Changes of membership say whether they claim a day before the one they were recorded on
# (constitution/membership.py: within the constitution's window, shown as backdated).


class MemberAdmittedV2(MemberAdmitted, frozen=True, kw_only=True, forbid_unknown_fields=True):
    backdated: bool


class MemberTransferredV2(MemberTransferred, frozen=True, kw_only=True,
                          forbid_unknown_fields=True):
    backdated: bool


class MembershipEndedV2(MembershipEnded, frozen=True, kw_only=True, forbid_unknown_fields=True):
    backdated: bool


class MembersImportedV2(MembersImported, frozen=True, kw_only=True, forbid_unknown_fields=True):
    founding: bool  # a founding import's claimed dates count as the record's time


# Logins commit to their password hash (accounts/guard.py): verify sees a hash replaced behind
# the record's back. The commitment's value is a digest of the stored hash, never the hash.


class AccountCreatedV2(AccountCreated, frozen=True, kw_only=True, forbid_unknown_fields=True):
    credential: Commitment


class OperatorCreatedV2(OperatorCreated, frozen=True, kw_only=True, forbid_unknown_fields=True):
    credential: Commitment


class MemberPasswordSet(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    member: Commitment
    credential: Commitment


class OperatorPasswordSet(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    username: str
    credential: Commitment


class OperatorSignedIn(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    username: str  # operators act in public; members' sign-ins are never recorded


class Countback(ElectionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    withdrawn: list[Position]
    seed: Seed
    winners: list[Position]
    successor: Commitment | None


# ------------------------------------------------------------------ the declarations

B = TypeVar("B", bound=Body)
_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
_VERSIONED = re.compile(r"(?P<name>.+)\.v(?P<version>[2-9]|[1-9][0-9]+)")


class UnknownKind(MalformedEntry):
    """An entry kind (or a version of one) that is not declared here."""


class BodyMismatch(MalformedEntry):
    """A body that is not what its kind declares; the message names the field."""


@dataclass(frozen=True)
class Kind(Generic[B]):
    """One declared kind of entry at one version."""

    name: str
    version: int
    body: type[B]

    @property
    def tag(self) -> str:
        """The kind as stored in an entry: the bare name at version 1, ``name.vN`` after."""
        return self.name if self.version == 1 else f"{self.name}.v{self.version}"

    def __str__(self) -> str:
        return self.tag


FEDERATION_FOUNDED = Kind("federation.founded", 1, FederationFounded)
SEATS_APPORTIONED = Kind("seats.apportioned", 1, SeatsApportioned)
OPERATOR_CREATED = Kind("operator.created", 1, OperatorCreated)
MEMBER_ADMITTED = Kind("member.admitted", 1, MemberAdmitted)
MEMBER_TRANSFERRED = Kind("member.transferred", 1, MemberTransferred)
MEMBER_LAPSED = Kind("member.lapsed", 1, MembershipEnded)
MEMBER_EXPELLED = Kind("member.expelled", 1, MembershipEnded)
MEMBER_ACCOUNT_CREATED = Kind("member.account_created", 1, AccountCreated)
MEMBERS_IMPORTED = Kind("members.imported", 1, MembersImported)
DELEGATE_FOUNDING = Kind("delegate.founding", 1, FoundingDelegate)
PLATFORM_FOUNDED = Kind("platform.founded", 1, PlatformFounded)
PLATFORM_JOINED = Kind("platform.joined", 1, PlatformJoined)
ELECTION_CALLED = Kind("election.called", 1, ElectionCalled)
CANDIDATE_NOMINATED = Kind("candidate.nominated", 1, CandidateNominated)
CANDIDATE_ACCEPTED = Kind("candidate.accepted", 1, CandidateAccepted)
ELECTION_ROLL_FROZEN = Kind("election.roll_frozen", 1, RollFrozen)
BALLOT_CAST = Kind("ballot.cast", 1, BallotCast)
ELECTION_CLOSED = Kind("election.closed", 1, ElectionClosed)
DELEGATES_SEATED = Kind("delegates.seated", 1, DelegatesSeated)
OFFICE_FILLED = Kind("office.filled", 1, OfficeFilled)
DELEGATE_VACATED = Kind("delegate.vacated", 1, DelegateVacated)
ELECTION_COUNTBACK = Kind("election.countback", 1, Countback)
MEMBER_ADMITTED_V2 = Kind("member.admitted", 2, MemberAdmittedV2)
MEMBER_TRANSFERRED_V2 = Kind("member.transferred", 2, MemberTransferredV2)
MEMBER_LAPSED_V2 = Kind("member.lapsed", 2, MembershipEndedV2)
MEMBER_EXPELLED_V2 = Kind("member.expelled", 2, MembershipEndedV2)
MEMBERS_IMPORTED_V2 = Kind("members.imported", 2, MembersImportedV2)
MEMBER_ACCOUNT_CREATED_V2 = Kind("member.account_created", 2, AccountCreatedV2)
OPERATOR_CREATED_V2 = Kind("operator.created", 2, OperatorCreatedV2)
MEMBER_PASSWORD_SET = Kind("member.password_set", 1, MemberPasswordSet)
OPERATOR_PASSWORD_SET = Kind("operator.password_set", 1, OperatorPasswordSet)
OPERATOR_SIGNED_IN = Kind("operator.signed_in", 1, OperatorSignedIn)


# ------------------------------------------------------------------ members and seats replayable
# (issue 13: a member's history is a fold of the record; seats follow a census, not today)

#: At most this many members in one ``members.imported.v3`` entry: an import of 100,000 is
#: 200 entries of about 100 kB each, not one entry of 20 MB.
IMPORT_CHUNK = 500

MemberStatus = Annotated[str, msgspec.Meta(pattern=r"^(active|lapsed|expelled)\Z",
                                           description="a member's status")]


class ImportedMember(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One member of an import: who (by commitment), where, since when, in which platforms."""

    member: Commitment  # the membership number
    name: Commitment
    council: Key
    on: Day  # the admission date the file claims
    status: MemberStatus
    status_on: Day | None  # when a lapse or expulsion in the file took effect
    platforms: list[Key]


class MembersImportedV3(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One chunk of an import, every member of it: replayable member by member."""

    federation: Key
    founding: bool  # a founding import's claimed dates count as the record's time
    part: Annotated[int, msgspec.Meta(ge=1)]  # this chunk's place in its import, from 1
    members: Annotated[list[ImportedMember], msgspec.Meta(min_length=1, max_length=IMPORT_CHUNK)]


class SeatsApportionedV2(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A census: the members recorded by ``census`` (and claiming a day on or before
    ``census_day``) counted per base council, and every council's seats that follow."""

    federation: Key
    census_day: Day
    census: Moment  # the first moment after the census day, in the federation's time zone
    reason: Annotated[str, msgspec.Meta(pattern=r"^(founding|roll)\Z")]
    seats: dict[str, Count]  # every council's seats in the council above
    members: dict[str, Count]  # every base council's members counted at the census


MEMBERS_IMPORTED_V3 = Kind("members.imported", 3, MembersImportedV3)
SEATS_APPORTIONED_V2 = Kind("seats.apportioned", 2, SeatsApportionedV2)
_MEMBERS_KINDS: tuple[Kind[Any], ...] = (MEMBERS_IMPORTED_V3, SEATS_APPORTIONED_V2)
# ------------------------------------------------------------------ meetings, motions, mandates
# (issue 17: web/meetings). Ids are the rows' own; texts are public but long, so the record
# holds their SHA-256 (verify's audit recomputes it from the row).

MeetingBy = Annotated[str, msgspec.Meta(pattern=r"^(chair|members)\Z")]
MotionStateName = Annotated[
    str, msgspec.Meta(pattern=r"^(submitted|admitted|debated|voted|adopted|rejected|referred)\Z")]
StanceName = Annotated[str, msgspec.Meta(pattern=r"^(for|against|abstain|free)\Z")]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class MeetingRef(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    meeting: Position


class MeetingRequested(MeetingRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    council: Key
    title: Title
    starts_at: Moment
    agenda: list[Title]
    size: Count  # the body's seats (or an assembly's members) when asked
    needed: Count  # how many must ask together (constitution [meetings] call_share)
    member: Commitment


class MeetingMember(MeetingRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    member: Commitment


class MeetingCalled(MeetingRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    council: Key
    title: Title
    starts_at: Moment
    agenda: list[Title]
    by: MeetingBy
    callers: Count
    size: Count
    quorum: Count


class MeetingClosed(MeetingRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    present: Count


class MotionRef(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    motion: Position


class MotionSubmitted(MotionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    council: Key
    meeting: Position | None
    title: Title
    text_sha256: Sha256  # of the text and the reasons (web/meetings/models.py: Motion.digest)
    member: Commitment | None  # the mover; None: forwarded by a council (forwarded_from)
    forwarded_from: Position | None


class MotionSupported(MotionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    member: Commitment


class MotionStateChanged(MotionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    from_: MotionStateName = msgspec.field(name="from")
    to: MotionStateName
    present: Count | None  # checked in when put to the vote (the quorum's evidence)


class AmendmentProposed(MotionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    amendment: Position
    paragraph: Position | None
    amends: Position | None
    text_sha256: Sha256
    member: Commitment  # the mover


class MandateAdopted(MotionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    mandate: Position
    constituency: Key
    meeting: Position
    stance: StanceName
    binding: bool


MEETING_REQUESTED = Kind("meeting.requested", 1, MeetingRequested)
MEETING_CALL_JOINED = Kind("meeting.call_joined", 1, MeetingMember)
MEETING_CALLED = Kind("meeting.called", 1, MeetingCalled)
MEETING_CHECKED_IN = Kind("meeting.checked_in", 1, MeetingMember)
MEETING_SPEAKER_ADDED = Kind("meeting.speaker_added", 1, MeetingMember)
MEETING_CLOSED = Kind("meeting.closed", 1, MeetingClosed)
MOTION_SUBMITTED = Kind("motion.submitted", 1, MotionSubmitted)
MOTION_SUPPORTED = Kind("motion.supported", 1, MotionSupported)
MOTION_STATE_CHANGED = Kind("motion.state_changed", 1, MotionStateChanged)
AMENDMENT_PROPOSED = Kind("amendment.proposed", 1, AmendmentProposed)
MANDATE_ADOPTED = Kind("mandate.adopted", 1, MandateAdopted)
MEETINGS_KINDS = (
    MEETING_REQUESTED, MEETING_CALL_JOINED, MEETING_CALLED, MEETING_CHECKED_IN,
    MEETING_SPEAKER_ADDED, MEETING_CLOSED, MOTION_SUBMITTED, MOTION_SUPPORTED,
    MOTION_STATE_CHANGED, AMENDMENT_PROPOSED, MANDATE_ADOPTED,
)
# ------------------------------------------------------------------ recall (issue 15)
# A petition against a mandate, its signatures and withdrawals (each signer a commitment; the
# running count public), and how it ended. docs/recall.md says what a replay makes of them.


class MandateRef(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: Annotated[str, msgspec.Meta(pattern=r"^(delegate|office)\Z")]
    council: Key  # the council the seat or office is in
    constituency: Key  # who elected it: the constituency (delegate) or the council (office)
    office: str  # "" for a delegate
    member: Commitment


class PetitionRef(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    petition: int


class PetitionOpened(PetitionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    mandate: MandateRef
    grounds: Annotated[str, msgspec.Meta(max_length=2000)]
    opened_by: Commitment
    filed_at: Moment
    deadline: Moment
    roll: Count  # the constituency's members at filing, by the record
    threshold: Count  # signatures needed, frozen at filing


class PetitionSignature(PetitionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    signer: Commitment
    signatures: Count  # the petition's count after this entry


class PetitionThresholdMet(PetitionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    signatures: Count
    vote_opens_at: Moment
    vote_closes_at: Moment


class PetitionEnded(PetitionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    signatures: Count


class RecallDecided(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    petition: int | None  # None: recalled without a petition (at a base assembly's meeting)
    mandate: MandateRef
    outcome: Annotated[str, msgspec.Meta(pattern=r"^(recalled|kept)\Z")]
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]  # e.g. "poll:12"
    replacement: str  # countback | by-election | replacement-question | "" when kept


class OfficeVacated(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    council: Key
    office: str
    member: Commitment
    reason: Annotated[str, msgspec.Meta(max_length=200)]


RECALL_PETITION_OPENED = Kind("recall.petition_opened", 1, PetitionOpened)
RECALL_SIGNED = Kind("recall.signed", 1, PetitionSignature)
RECALL_SIGNATURE_WITHDRAWN = Kind("recall.signature_withdrawn", 1, PetitionSignature)
RECALL_THRESHOLD_MET = Kind("recall.threshold_met", 1, PetitionThresholdMet)
RECALL_PETITION_LAPSED = Kind("recall.petition_lapsed", 1, PetitionEnded)
RECALL_DECIDED = Kind("recall.decided", 1, RecallDecided)
OFFICE_VACATED = Kind("office.vacated", 1, OfficeVacated)
RECALL_KINDS = (RECALL_PETITION_OPENED, RECALL_SIGNED, RECALL_SIGNATURE_WITHDRAWN,
                RECALL_THRESHOLD_MET, RECALL_PETITION_LAPSED, RECALL_DECIDED, OFFICE_VACATED)
# ------------------------------------------------------------------ polls (web/polls)
# Every vote that is not an election (recall votes, motions, referendums) is a poll; elections
# keep their own kinds above. Options are numbered 1…k in the order the call lists them.


class PollRef(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    poll: int


class PollCalled(PollRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    electorate: Key
    voters: Annotated[str, msgspec.Meta(pattern=r"^(members|delegates)\Z")]
    purpose: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    subject: Annotated[str, msgspec.Meta(max_length=200)]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    question: Annotated[str, msgspec.Meta(pattern=r"^(ranked|yes-no|choose-n)\Z")]
    method: str
    seats: Position
    options: list[str]
    secret: bool
    majority: str  # constitution.majority.parse_majority reads it
    turnout_floor: Annotated[str, msgspec.Meta(pattern=r"^[0-9]+/[0-9]+\Z")]
    opens_at: Moment
    closes_at: Moment
    roll_at: Moment


class PollRollFrozen(PollRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    voters: Count
    members_sha256: Sha256


class PollBallotCast(PollRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Nothing about the voter: the roll's mark and the ballot are not linked."""


class VoteNamed(PollRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A roll call: the voter's choice is public, with them."""

    member: Commitment
    choices: list[Position]


class YesNoCounts(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    yes: Count
    no: Count
    abstain: Count


class PollClosed(PollRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    ballots: Count
    marks: Count
    voters: Count
    box_sha256: Sha256
    seed: Seed
    winners: list[Position]
    tally: YesNoCounts | None
    passed: bool
    reason: Annotated[str, msgspec.Meta(max_length=1000)]
    sheet_sha256: Sha256


POLL_CALLED = Kind("poll.called", 1, PollCalled)
POLL_ROLL_FROZEN = Kind("poll.roll_frozen", 1, PollRollFrozen)
POLL_BALLOT_CAST = Kind("poll.ballot_cast", 1, PollBallotCast)
VOTE_NAMED = Kind("vote.named", 1, VoteNamed)
POLL_CLOSED = Kind("poll.closed", 1, PollClosed)
POLL_KINDS = (POLL_CALLED, POLL_ROLL_FROZEN, POLL_BALLOT_CAST, VOTE_NAMED, POLL_CLOSED)


# ------------------------------------------------------------------ sealed ballots (issue 16)
# A secret poll's key: its public half, threshold and tellers' share commitments on the record
# at the opening (docs/sealing.md), the box's envelopes counted at the close. Tellers appear
# only as salted commitments.


class TellerKeyRegistered(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A member's delivery key: the shares they are dealt as a teller are sealed to it."""

    federation: Key
    member: Commitment
    public_key: Sha256  # 32 bytes of X25519, as 64 hex digits


class SealedTeller(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One teller: ``member`` is also the teller's name in their share and its commitment."""

    member: Commitment
    index: Position
    commitment: Sha256
    named_by: list[str]


class PollSealed(PollRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The poll's public key: every envelope is sealed to it; t of the tellers open the box."""

    key: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]  # the key's poll name
    public_key: Sha256
    threshold: Annotated[int, msgspec.Meta(ge=2)]
    capacity: Count
    envelope_version: Position
    members: list[SealedTeller]  # the tellers, by index (named so: they are people)
    draw_tree_size: Count  # the record's tree the draw's seed came from (teller_seed)
    draw_root: Sha256


class PollUnsealed(PollRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A secret poll opened without a key, and why (too few members with a delivery key)."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class PollBoxOpened(PollRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The close opened the box: envelopes = marks = ballots, and the envelopes' digest."""

    envelopes: Count
    marks: Count
    ballots: Count
    envelopes_sha256: Sha256
    tellers: list[Position]  # the indexes of the tellers whose shares opened it


class TellerNamed(PollRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A platform names its teller for a secret poll, before its opening (the newest naming of
    each platform counts); ``nominator`` is the platform's member who named them."""

    platform: Key
    member: Commitment
    nominator: Commitment


TELLER_KEY_REGISTERED = Kind("teller.key_registered", 1, TellerKeyRegistered)
POLL_SEALED = Kind("poll.sealed", 1, PollSealed)
POLL_UNSEALED = Kind("poll.unsealed", 1, PollUnsealed)
POLL_BOX_OPENED = Kind("poll.box_opened", 1, PollBoxOpened)
TELLER_NAMED = Kind("teller.named", 1, TellerNamed)
SEALING_KINDS = (TELLER_KEY_REGISTERED, POLL_SEALED, POLL_UNSEALED, POLL_BOX_OPENED,
                 TELLER_NAMED)


# ------------------------------------------------------------------ elections as polls (issue 15)
# An election's vote is a poll (purpose "election", subject "election:<id>"): its roll counts
# the changes recorded by ``roll_at`` that claim a day on or before the election's cut-off day,
# ``roll_day`` (docs/elections.md). The election keeps its own kinds above for its calendar,
# candidacies, the roll's freeze (with the candidates' numbers) and its close.


class PollCalledV2(PollCalled, frozen=True, kw_only=True, forbid_unknown_fields=True):
    roll_day: Day


POLL_CALLED_V2 = Kind("poll.called", 2, PollCalledV2)
ELECTION_POLL_KINDS = (POLL_CALLED_V2,)


# ------------------------------------------------------------------ recall: replacement question,
# assembly vote (issue 15, second part)


class ReplacementCandidateStood(PetitionRef, frozen=True, kw_only=True,
                                forbid_unknown_fields=True):
    """A member of the petition's roll stands for the seat on the recall ballot."""

    candidate: Commitment


class ReplacementSeated(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The recall ballot's replacement question seated its winner in the recalled seat (the
    recalled member's ``delegate.vacated`` comes just before it)."""

    federation: Key
    petition: int
    council: Key
    constituency: Key
    member: Commitment
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]  # "poll:13"


class RecallPutToAssembly(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Whoever presided at a base assembly's quorate meeting put its delegate's recall to a
    vote (``[recall] assembly_vote``): the poll that decides, and the quorum checked in."""

    federation: Key
    meeting: int
    poll: int
    mandate: MandateRef
    present: Count


RECALL_CANDIDATE_STOOD = Kind("recall.candidate_stood", 1, ReplacementCandidateStood)
RECALL_REPLACEMENT_SEATED = Kind("recall.replacement_seated", 1, ReplacementSeated)
RECALL_PUT_TO_ASSEMBLY = Kind("recall.put_to_assembly", 1, RecallPutToAssembly)
RECALL_MORE_KINDS = (RECALL_CANDIDATE_STOOD, RECALL_REPLACEMENT_SEATED, RECALL_PUT_TO_ASSEMBLY)


# ------------------------------------------------------------------ councils decide (issue 17)
# A roll call closed before its calendar's end: by the presiding member, or by the clock once
# everyone on its roll has voted. The poll.closed entry that follows counts it.


class PollClosedEarly(PollRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(pattern=r"^(presiding|all-voted)\Z")]
    at: Moment
    marks: Count  # how many on the roll had voted
    voters: Count  # the roll's size


POLL_CLOSED_EARLY = Kind("poll.closed_early", 1, PollClosedEarly)


class MotionMatterDeclared(MotionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What a motion is about, as its mover declared it at submission (or as the motion it was
    forwarded from had it): ``[meetings] secret_matters`` make some matters' votes secret."""

    matter: Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9-]{0,39}\Z")]


MOTION_MATTER_DECLARED = Kind("motion.matter_declared", 1, MotionMatterDeclared)
EARLY_CLOSE_KINDS = (POLL_CLOSED_EARLY, MOTION_MATTER_DECLARED)


# ------------------------------------------------------------------ report-back (issue 17)
# A delegate's report to their constituency on a meeting of the council they sit in: public, so
# the body holds the text itself beside its SHA-256 (the audit recomputes both). A correction is
# the next version, a new entry; none is ever edited.
ReportText = Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]


class ReportFiled(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    meeting: Position
    report: Position  # the row's id
    delegate: Position  # the seat (councils' Delegate) reported from
    constituency: Key  # to whom: the council that sent the delegate
    version: Position  # 1, then each correction one more
    text: ReportText
    text_sha256: Sha256  # of the text (web/meetings/models.py: text_digest of the one part)
    member: Commitment  # the delegate who wrote it


REPORT_FILED = Kind("report.filed", 1, ReportFiled)
REPORT_KINDS = (REPORT_FILED,)


# ------------------------------------------------------------------ recall: an office's
# replacement question (issue 15). An office-holder recalled on a ballot that asked who replaces
# them: the question's winner takes the office (the recalled holder's office.vacated comes just
# before it), as recall.replacement_seated seats a delegate.
class OfficeReplacementSeated(Body, frozen=True, kw_only=True, forbid_unknown_fields=True):
    federation: Key
    petition: int
    council: Key
    office: str
    member: Commitment
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]  # "poll:13"


RECALL_OFFICE_REPLACEMENT_SEATED = Kind("recall.office_replacement_seated", 1,
                                        OfficeReplacementSeated)
RECALL_OFFICE_KINDS = (RECALL_OFFICE_REPLACEMENT_SEATED,)


# ------------------------------------------------------------------ amendments voted (issue 17)
# An amendment put to the vote (its own roll call, at a meeting of the motion's council), how
# it was decided, the text a motion is voted on (its original folded with the adopted
# amendments: constitution.amendments.fold) and the amendments a forwarded motion carries.
AmendmentStateName = Annotated[str, msgspec.Meta(pattern=r"^(adopted|rejected|lapsed)\Z")]


class AmendmentPutToVote(MotionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    amendment: Position
    meeting: Position
    poll: Position
    text_sha256: Sha256  # of the text voted: the amendment's, as its adopted sub-amendments made it
    present: Count  # checked in when put to the vote (the quorum's evidence)


class AmendmentDecided(MotionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    amendment: Position
    state: AmendmentStateName
    poll: Position | None  # None: lapsed, never put to the vote


class MotionTextSettled(MotionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The text a motion is put to the vote on, when it is: ``text_sha256`` as ``Motion.digest``
    (title, text as amended, reasons), and the adopted amendments folded in, in order."""

    poll: Position
    text_sha256: Sha256
    amendments: list[Position]


class MotionForwarded(MotionRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``motion`` (the new one) carries ``origin``'s text as amended by ``amendments``."""

    origin: Position
    text_sha256: Sha256
    amendments: list[Position]


AMENDMENT_PUT_TO_VOTE = Kind("amendment.put_to_vote", 1, AmendmentPutToVote)
AMENDMENT_DECIDED = Kind("amendment.decided", 1, AmendmentDecided)
MOTION_TEXT_SETTLED = Kind("motion.text_settled", 1, MotionTextSettled)
MOTION_FORWARDED = Kind("motion.forwarded", 1, MotionForwarded)
AMENDMENT_VOTE_KINDS = (AMENDMENT_PUT_TO_VOTE, AMENDMENT_DECIDED, MOTION_TEXT_SETTLED,
                        MOTION_FORWARDED)


def _registry(*kinds: Kind[Any]) -> Mapping[str, Kind[Any]]:
    table: dict[str, Kind[Any]] = {}
    for k in kinds:
        if not _NAME.fullmatch(k.name) or _VERSIONED.fullmatch(k.name) or k.version < 1:
            raise ValueError(f"kind {k.name!r} v{k.version}: not a valid name and version")
        if k.tag in table:
            raise ValueError(f"kind {k.tag!r} is declared twice")
        table[k.tag] = k
    return table


KINDS: Mapping[str, Kind[Any]] = _registry(
    FEDERATION_FOUNDED, SEATS_APPORTIONED, OPERATOR_CREATED,
    MEMBER_ADMITTED, MEMBER_TRANSFERRED, MEMBER_LAPSED, MEMBER_EXPELLED, MEMBER_ACCOUNT_CREATED,
    MEMBERS_IMPORTED, DELEGATE_FOUNDING, PLATFORM_FOUNDED, PLATFORM_JOINED,
    ELECTION_CALLED, CANDIDATE_NOMINATED, CANDIDATE_ACCEPTED, ELECTION_ROLL_FROZEN, BALLOT_CAST,
    ELECTION_CLOSED, DELEGATES_SEATED, OFFICE_FILLED, DELEGATE_VACATED, ELECTION_COUNTBACK,
    MEMBER_ADMITTED_V2, MEMBER_TRANSFERRED_V2, MEMBER_LAPSED_V2, MEMBER_EXPELLED_V2,
    MEMBERS_IMPORTED_V2, MEMBER_ACCOUNT_CREATED_V2, OPERATOR_CREATED_V2, MEMBER_PASSWORD_SET,
    OPERATOR_PASSWORD_SET, OPERATOR_SIGNED_IN,
    *_MEMBERS_KINDS,
    *MEETINGS_KINDS,
    *RECALL_KINDS,
    *POLL_KINDS,
    *SEALING_KINDS,
    *ELECTION_POLL_KINDS,
    *RECALL_MORE_KINDS,
    *EARLY_CLOSE_KINDS,
    *REPORT_KINDS,
    *RECALL_OFFICE_KINDS,
    *AMENDMENT_VOTE_KINDS,
)
"""Every declared kind by the tag stored in its entries."""


def tags(name: str) -> list[str]:
    """Every stored tag of a kind's name, all its versions (a replay reads them all)."""
    return [tag for tag, k in KINDS.items() if k.name == name]


def kind_of(tag: str) -> Kind[Any]:
    """The declared kind an entry's ``kind`` names; :class:`UnknownKind` if none."""
    try:
        return KINDS[tag]
    except (KeyError, TypeError):
        raise UnknownKind(f"entry kind {tag!r} is not declared in communard.record.kinds") from None


def validate(kind: Kind[Any] | str, body: Mapping[str, Any]) -> Body:
    """Check ``body`` against its kind's declaration and return it typed.

    Raises :class:`UnknownKind` for an undeclared kind and :class:`BodyMismatch`, naming the
    field (``$.candidates[0].member``), for a missing, extra or mistyped field."""
    declared = kind_of(kind) if isinstance(kind, str) else kind
    if isinstance(kind, Kind) and KINDS.get(kind.tag) is not kind:
        raise UnknownKind(f"entry kind {kind.tag!r} is not one declared in communard.record.kinds")
    try:
        checked: Body = msgspec.convert(body, declared.body, strict=True)
        return checked
    except msgspec.ValidationError as e:
        raise BodyMismatch(f"{declared.tag} (version {declared.version}) body: {e}") from None



def personal_fields(kind: Kind[Any]) -> list[str]:
    """Where a kind's body holds personal data, as salted commitments: field paths such as
    ``member``, ``members[]`` or ``candidates[].member`` (what a replay must open, or match by
    commitment, to follow a person)."""
    def walk(t: Any, path: str) -> list[str]:
        if isinstance(t, mi.Metadata):
            if isinstance(t.type, mi.StrType) and t.type.pattern == _COMMITMENT_PATTERN:
                return [path]
            return walk(t.type, path)
        if isinstance(t, mi.UnionType):
            return [p for u in t.types for p in walk(u, path)]
        if isinstance(t, (mi.ListType, mi.DictType)):
            return walk(t.item_type if isinstance(t, mi.ListType) else t.value_type, path + "[]")
        if isinstance(t, mi.StructType):
            prefix = path + "." if path else ""
            return [p for f in t.fields for p in walk(f.type, prefix + f.encode_name)]
        return []

    return walk(mi.type_info(kind.body), "")


# An entry as the verifier reads it: one struct per declared kind, told apart by the entry's
# own "kind" member, so that one pass of msgspec's decoder checks the kind and the whole body
# (about a third of decoding to Python objects and then checking; the other members are the
# verifier's business elsewhere).
_ENVELOPES = tuple(
    msgspec.defstruct(f"Entry_{k.tag}", [("body", k.body)], tag_field="kind", tag=k.tag)
    for k in KINDS.values()
)
_ENTRIES: Any = msgspec.json.Decoder(Union[_ENVELOPES])  # noqa: UP007 (a tuple of types)


def entry_problem(data: bytes) -> str | None:
    """Why an entry's kind or body is not as declared here, or ``None`` when it is."""
    try:
        _ENTRIES.decode(data)
        return None
    except msgspec.ValidationError:
        pass
    except msgspec.DecodeError as e:
        return f"not JSON ({e})"
    # The rare failure: say exactly what is wrong, through the declaration.
    try:
        entry = msgspec.json.decode(data)
        validate(entry["kind"], entry["body"])
    except (msgspec.DecodeError, KeyError, TypeError) as e:
        return f"not an entry ({e})"
    except MalformedEntry as e:
        return str(e)
    return "does not match its declaration"
