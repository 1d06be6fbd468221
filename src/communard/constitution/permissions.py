"""Who may do what: permission rules as pure functions over plain data.

Every rule answers ``None`` (allowed) or a :class:`Refusal` that says why not, so a caller can
show the reason to a person and a test can compare it. Rules never look anything up: the caller
passes the facts (who acts, whose account, whether an operator exists yet).

The actors are real identities, not free strings (issue 13, part 5):

* a **member** acts as themself, named on the record by a salted commitment;
* an **operator** runs the installation (the server, the database, imports), in public, by name;
* the **clock** runs the transitions the constitution schedules (open, freeze, close, seat).

Operators run the installation; they do not act as members. The histories this project learns
from show the apparatus capturing a democracy by acting for its members: appointing officers,
speaking for them, voting in their name. So no rule here lets an operator set a member's
password, hold a member's account, or seat anyone; seats follow only from recorded results.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MemberActor:
    """A member acting through their own account. ``account`` is their login name."""

    account: str


@dataclass(frozen=True)
class OperatorActor:
    """Someone who runs the installation: from its command line, or signed in to the admin."""

    username: str


@dataclass(frozen=True)
class ClockActor:
    """The constitution's calendar: transitions that fall due at a recorded time."""


Actor = MemberActor | OperatorActor | ClockActor


@dataclass(frozen=True)
class Refusal:
    """Why an actor may not do a thing. ``rule`` is a stable name for tests and the API."""

    rule: str
    reason: str

    def __str__(self) -> str:
        return self.reason


class NotAllowed(PermissionError):
    """An action was refused by a permission rule; nothing was changed."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


def check(refusal: Refusal | None) -> None:
    """Raise :class:`NotAllowed` for a refusal; do nothing when the rule allowed it."""
    if refusal is not None:
        raise NotAllowed(refusal)


@dataclass(frozen=True)
class Account:
    """A login, as the rules see it: whose it is and what it can do."""

    username: str
    is_operator: bool
    #: Whether the login belongs to a member (members and operators are distinct accounts).
    is_member: bool


def may_create_member_account(actor: Actor, *, member_has_account: bool) -> Refusal | None:
    """An operator gives a member who has none their first login, on the record.

    A member with an account keeps it: a second one made by an operator would be a login the
    operator knows the password of, in that member's name.
    """
    if not isinstance(actor, OperatorActor):
        return Refusal("operators-create-accounts", "only an operator creates members' logins")
    if member_has_account:
        return Refusal(
            "one-account-per-member",
            "the member already has a login; only they can change its password",
        )
    return None


def may_create_operator(actor: Actor, *, operators_exist: bool) -> Refusal | None:
    """Operators are made by an operator, in public; the first by whoever installs the server.

    "Whoever installs" is the command line of the machine (``communard manage createsuperuser``
    with no operator yet): that person runs the installation already.
    """
    if isinstance(actor, OperatorActor):
        return None
    if not operators_exist and isinstance(actor, ClockActor):
        return Refusal("no-operator-by-clock", "the clock never makes operators")
    if not operators_exist:
        return None
    return Refusal("operators-by-operators", "only an operator makes another operator")


def may_set_password(actor: Actor, account: Account) -> Refusal | None:
    """A password is set only by the one who signs in with it.

    An operator who could set a member's password could sign in and vote as that member, and
    one who could set another operator's could act in that operator's name.
    """
    if isinstance(actor, MemberActor) and account.is_member and actor.account == account.username:
        return None
    if (
        isinstance(actor, OperatorActor)
        and account.is_operator
        and actor.username == account.username
    ):
        return None
    if account.is_member:
        return Refusal(
            "own-password-only", "a member's password is set only by that member, signed in"
        )
    return Refusal("own-password-only", "an operator's password is set only by that operator")


def may_change_powers() -> Refusal:
    """Nobody turns a member's login into an operator's, or an operator's into a member's, or
    disables a member's login: whoever runs the server never also holds a vote through the same
    login, a member never gains the operator's powers unseen, and membership ends only by a
    recorded change. The rule is the same for every actor, so it takes none."""
    return Refusal(
        "powers-fixed",
        "its powers are fixed when it is made (make an operator with createsuperuser), and "
        "members' logins are never disabled (membership ends on the record)",
    )


# ------------------------------------------------------------------ membership, councils, platforms
# (issue 13, part 4). Membership is kept by whoever runs the installation (the membership office
# works through the operator's tools today: imports, admissions, transfers, lapses); members act
# only for themselves; the clock only takes the census its calendar makes due.


def may_found_federation(actor: Actor) -> Refusal | None:
    """A federation is founded (or imported) by an operator, in public."""
    if isinstance(actor, OperatorActor):
        return None
    return Refusal("operators-found-federations", "only an operator founds or imports a federation")


def may_change_membership(actor: Actor, *, kind: str, own: bool = False) -> Refusal | None:
    """Admissions, transfers, lapses and expulsions are recorded by an operator; a member may
    end only their own membership, by lapsing (resigning); nobody expels or admits by clock."""
    if isinstance(actor, OperatorActor):
        return None
    if isinstance(actor, MemberActor) and kind == "lapsed" and own:
        return None
    if isinstance(actor, MemberActor):
        return Refusal("membership-by-operators",
                       "a member may resign their own membership; other changes of membership "
                       "are recorded by an operator")
    return Refusal("no-membership-by-clock", "the clock never changes anyone's membership")


def may_join_platform(actor: Actor, *, own: bool) -> Refusal | None:
    """A member joins a platform themself: nobody, operator included, enrols a member in a
    faction (the import of a founding membership list is the operator's one exception, and it
    is on the record member by member)."""
    if isinstance(actor, MemberActor) and own:
        return None
    return Refusal("members-join-platforms", "only the member themself joins a platform")


def may_take_census(actor: Actor, *, reason: str) -> Refusal | None:
    """The census that fixes seats is taken by the calendar when a delegates election's roll is
    frozen, and once by the operator who founds the federation; never at will, since a census
    taken on a chosen day moves seats."""
    if reason == "roll" and isinstance(actor, ClockActor):
        return None
    if reason == "founding" and isinstance(actor, OperatorActor):
        return None
    return Refusal("census-by-calendar",
                   "a census is taken when a roll is frozen, or when a federation is founded")


# ------------------------------------------------------------------ elections (issue 13, part 5)
# An election is called in public by whoever runs the installation, or by the calendar (a
# by-election when a seat falls vacant); members nominate and accept for themselves; only the
# clock opens, closes and counts; and nobody seats a delegate: seats follow a recorded result.


def may_call_election(actor: Actor) -> Refusal | None:
    """An operator calls an election (on the record, by name), or the clock does when the
    constitution's calendar makes one due (a vacancy's by-election, a recall's). A member who
    wants one petitions; no member calls one alone."""
    if isinstance(actor, OperatorActor | ClockActor):
        return None
    return Refusal("elections-called-by-operator-or-calendar",
                   "an election is called by an operator or by the constitution's calendar")


def may_nominate(actor: Actor, *, is_nominator: bool, nominator_in_constituency: bool
                 ) -> Refusal | None:
    """A member of the constituency nominates, as themself: themself, or another member, who
    then stands only once they accept. Nobody nominates in a member's name, operator included."""
    if not isinstance(actor, MemberActor) or not is_nominator:
        return Refusal("members-nominate-as-themselves",
                       "a member nominates only as themself, signed in")
    if not nominator_in_constituency:
        return Refusal("nominator-in-constituency",
                       "only an active member of the constituency nominates")
    return None


def may_accept_nomination(actor: Actor, *, is_nominee: bool) -> Refusal | None:
    """Only the nominee accepts their own nomination: standing is a member's own choice."""
    if isinstance(actor, MemberActor) and is_nominee:
        return None
    return Refusal("nominee-accepts", "only the nominee accepts their nomination")


def may_run_poll_transition(actor: Actor) -> Refusal | None:
    """Only the clock opens a poll (freezing its roll), closes it and counts it, when the
    calendar says: an operator who could open or close at will could choose who is on the roll
    and when the count stops."""
    if isinstance(actor, ClockActor):
        return None
    return Refusal("poll-transitions-by-clock",
                   "only the constitution's clock opens, closes and counts a poll")


def may_vacate_seat(actor: Actor) -> Refusal | None:
    """A mandate ends on a recorded fact: an operator records a resignation, a death or a loss
    of membership; the clock ends it when a recall vote's result says so. A member never ends
    another's mandate, and nobody seats the successor: the countback or a by-election does."""
    if isinstance(actor, OperatorActor | ClockActor):
        return None
    return Refusal("vacancies-recorded-by-operator-or-result",
                   "a seat falls vacant by an operator's record of the fact or a recall's result")



def may_close_poll_early(actor: Actor, *, secret: bool, voters: str, is_open: bool,
                         all_voted: bool, purpose: Refusal | None) -> Refusal | None:
    """A poll closes before its calendar's end (issue 17) only when it is a roll call, it is
    open, and either everyone on its roll has voted (the clock closes it: nothing is left to
    wait for) or the member its purpose's app names (``purpose``: the presiding member of the
    meeting, for a motion) closes the vote in the room.

    A secret poll runs its whole window. A secret poll of the members (a recall, a referendum)
    is voted from home over the calendar the constitution fixes: a member who has not yet voted
    must not lose the days the constitution promised them, and nobody may watch the marks fill
    and stop the count when it suits them. A secret poll of delegates is sealed to its tellers,
    whose hand-ins are taken at the calendar's close; it closes then too. Operators never close
    a poll: the clock and the body do."""
    if secret and voters == "members":
        return Refusal("secret-poll-runs-its-calendar",
                       "a secret poll of the members runs its full calendar: it is never "
                       "closed early")
    if secret:
        return Refusal("secret-poll-runs-its-calendar",
                       "a secret ballot runs its whole window: only a roll call closes early")
    if not is_open:
        return Refusal("poll-not-open", "only an open poll is closed early")
    if isinstance(actor, ClockActor):
        if all_voted:
            return purpose
        return Refusal("poll-not-all-voted", "the clock closes a poll early only once everyone "
                                             "on its roll has voted")
    if isinstance(actor, OperatorActor):
        return Refusal("poll-closed-by-body", "an operator never closes a vote")
    return purpose
