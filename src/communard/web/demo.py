"""The demo federation: three tiers, a dozen workplaces, a few hundred members, three platforms.

It is built the way an operator would build a real one: a structure file and a membership CSV
through ``communard import``, then accounts for the demo logins, all through recorded actions.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import random
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from communard.constitution.permissions import MemberActor, OperatorActor
from communard.constitution.rules import DEFAULT_CONSTITUTION_TOML
from communard.sealing import TellerKey as DeliveryKey
from communard.web.accounts.actions import do_create_member_account, do_create_operator
from communard.web.councils.models import Delegate, Federation
from communard.web.members.importing import do_import
from communard.web.members.models import Member

DEMO_SLUG = "riverside"
DEMO_PASSWORD = "commune1871"
#: The tellers of the open election: each holds a share of its poll's key (issue 16).
DEMO_TELLERS = 5
DEMO_LOGINS = {
    "member": "a member of the Harbour Bakery assembly",
    "delegate": "a delegate of Harbour Bakery to the East district council",
    "operator": "an operator (admin)",
    **{f"teller{n}": "a teller of the Harbour Bakery election (its sealed ballots)"
       for n in range(1, DEMO_TELLERS + 1)},
}

DISTRICTS = {
    "east": ("East district council", ["Harbour Bakery", "Dockside Printers", "Eastgate Clinic"]),
    "north": (
        "North district council",
        ["Mill Lane Textiles", "Northern Rail Depot", "Hilltop School", "Canal Brewery"],
    ),
    "west": ("West district council", ["Westside Grocers", "Riverside Bus Garage"]),
    "south": ("South district council", ["Southport Care Home", "Foundry Works", "Market Cafe"]),
}
PLATFORMS = [
    ("workers-democracy", "Workers' Democracy", "For recallable delegates on workers' wages."),
    ("cooperative-unity", "Co-operative Unity", "For one federation-wide purchasing co-operative."),
    ("left-opposition", "Left Opposition", "For a shorter working week, won at the congress."),
]
FIRST = [
    "Ada",
    "Alex",
    "Amal",
    "Ana",
    "Ben",
    "Bo",
    "Carla",
    "Chen",
    "Dara",
    "Eli",
    "Emma",
    "Farah",
    "Finn",
    "Gita",
    "Hana",
    "Ivan",
    "Jo",
    "Kai",
    "Lea",
    "Lin",
    "Malik",
    "Mara",
    "Nia",
    "Noor",
    "Olga",
    "Omar",
    "Pia",
    "Ravi",
    "Rosa",
    "Sam",
    "Sara",
    "Tariq",
    "Una",
    "Vera",
    "Wei",
    "Yara",
    "Zoe",
]
LAST = [
    "Abbott",
    "Adeyemi",
    "Baker",
    "Bauer",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Khan",
    "Kowalski",
    "Larsen",
    "Lopez",
    "Mbeki",
    "Meyer",
    "Novak",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Santos",
    "Silva",
    "Singh",
    "Tanaka",
    "Ueda",
    "Varga",
    "Walsh",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
]


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")


DEMO_RECALL_RULES = """
[recall]
replacement = "replacement-question"
vote_opens_within_days = 2
"""


def write_demo_files(folder: Path, *, seed: int = 1871) -> tuple[Path, Path]:
    """Write the demo's federation.toml and members.csv into ``folder``."""
    rng = random.Random(seed)
    lines = [
        "[federation]",
        f'slug = "{DEMO_SLUG}"',
        'name = "Riverside Federation of Workers\' Councils"',
        'time_zone = "Europe/London"',
        # The default constitution, but a recalled delegate's seat is refilled by a question on
        # the recall ballot itself (countback when nobody stands), with two days to stand.
        f"constitution = '''{DEFAULT_CONSTITUTION_TOML}{DEMO_RECALL_RULES}'''",
        "",
    ]
    lines += ["[[councils]]", 'key = "congress"', 'name = "Congress"', 'tier = "congress"', ""]
    workplaces: list[tuple[str, str]] = []
    for key, (name, places) in DISTRICTS.items():
        lines += [
            "[[councils]]",
            f'key = "{key}"',
            f'name = "{name}"',
            'tier = "district"',
            'parent = "congress"',
            "",
        ]
        for place in places:
            lines += [
                "[[councils]]",
                f'key = "{_slug(place)}"',
                f'name = "{place}"',
                'tier = "workplace"',
                f'parent = "{key}"',
                "",
            ]
            workplaces.append((_slug(place), key))
    for slug, name, description in PLATFORMS:
        lines += [
            "[[platforms]]",
            f'slug = "{slug}"',
            f'name = "{name}"',
            f'description = "{description}"',
            "",
        ]

    today = dt.date.today()
    rows = []
    number = 1000
    by_place: dict[str, list[str]] = {}
    for place, _district in workplaces:
        for _ in range(rng.randint(14, 48)):
            number += 1
            admitted = today - dt.timedelta(days=rng.randint(5, 3 * 365))
            platforms = [p[0] for p in PLATFORMS if rng.random() < 0.12]
            rows.append(
                [
                    str(number),
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    f"m{number}@riverside.example",
                    place,
                    admitted.isoformat(),
                    ";".join(platforms),
                ]
            )
            by_place.setdefault(place, []).append(str(number))
    # Founding delegates: the mandates the federation's councils held when it adopted Communard.
    district_members: dict[str, list[str]] = {}
    for place, district in workplaces:
        seats = max(1, len(by_place[place]) // 10)
        for n in by_place[place][:seats]:
            lines += ["[[delegates]]", f'member = "{n}"', f'constituency = "{place}"', ""]
        district_members.setdefault(district, []).extend(by_place[place][:seats])
    for district, delegates in district_members.items():
        lines += ["[[delegates]]", f'member = "{delegates[0]}"', f'constituency = "{district}"', ""]

    structure = folder / "federation.toml"
    structure.write_text("\n".join(lines), encoding="utf-8")
    members = folder / "members.csv"
    with members.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["number", "name", "email", "council", "admitted_on", "platforms"])
        writer.writerows(rows)
    return structure, members


def load_demo(*, more_members: Sequence[str] = ()) -> bool:
    """Build the demo federation and its logins; False if it is already there.

    ``more_members``: further lines of the members CSV (``number,name,email,council,
    admitted_on,platforms``) for the founding import, e.g. voters for a load test. Members can
    only join a roll whose cut-off has passed by the founding import: a later one records them
    today (constitution/membership.py)."""
    if Federation.objects.filter(slug=DEMO_SLUG).exists():
        return False
    with tempfile.TemporaryDirectory() as tmp:
        structure, members = write_demo_files(Path(tmp))
        with members.open("a", encoding="utf-8") as f:
            f.writelines(line.rstrip("\n") + "\n" for line in more_members)
        do_import(structure, members, actor=OperatorActor("operator"))
    bakery_delegates = Delegate.objects.filter(
        constituency__key="harbour-bakery", constituency__federation__slug=DEMO_SLUG
    ).select_related("member")
    delegate = bakery_delegates.order_by("member__number").first()
    assert delegate is not None
    member = (
        Member.objects.filter(federation__slug=DEMO_SLUG, council__key="harbour-bakery")
        .exclude(mandates__isnull=False)
        .order_by("number")
        .first()
    )
    assert member is not None
    # The demo is built by whoever installs it: that person is the installation's operator.
    installer = OperatorActor("operator")
    do_create_operator(username="operator", password=DEMO_PASSWORD, actor=installer)
    do_create_member_account(member, username="member", password=DEMO_PASSWORD, actor=installer)
    do_create_member_account(
        delegate.member, username="delegate", password=DEMO_PASSWORD, actor=installer
    )
    load_demo_elections()
    load_demo_recalls()
    from communard.web.demo_congress import load_demo_congress

    load_demo_congress(DEMO_SLUG)
    _register_demo_teller_keys()
    from communard.web.demo_recall import load_demo_replacement_recall

    load_demo_replacement_recall(DEMO_SLUG)
    return True


def _candidate_login(member: Member) -> MemberActor:
    """A demo candidate's own login (no password: nobody signs in with it), made by the demo's
    operator, so that the candidate nominates themself as a member does (``may_nominate``)."""
    username = f"candidate{member.number}"
    do_create_member_account(member, username=username, password=None,
                             actor=OperatorActor("operator"))
    return MemberActor(username)


def _own_login(member: Member, prefix: str) -> MemberActor:
    """The member acting through their own login, given one (no password) by the demo's
    operator if they have none: a ballot or a signature is cast only by its member."""
    member.refresh_from_db()
    if member.user_id is None:
        do_create_member_account(member, username=f"{prefix}{member.number}", password=None,
                                 actor=OperatorActor("operator"))
        member.refresh_from_db()
    return MemberActor(member.user.get_username())


def load_demo_elections(seed: int = 1917) -> None:
    """A closed election with its published count, and an open one the demo member can vote in.

    The closed one is played through its calendar in the past (``now=`` on every action).
    """
    from communard.web.councils.models import Council
    from communard.web.elections.actions import (
        do_call_election,
            do_close_election,
        do_nominate,
    )
    from communard.web.platforms.models import Platform
    from communard.web.polls.actions.cast import do_cast
    from communard.web.polls.models import RollEntry

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    day = dt.timedelta(days=1)
    east = Council.objects.get(federation__slug=DEMO_SLUG, key="east")
    _demo_teller_logins((now - 45 * day).date())
    # Closed a week ago: time for a recall of one of its delegates to run its course since.
    closed = do_call_election(east, nominations_open_at=now - 24 * day, poll_opens_at=now - 14 * day,
                              poll_closes_at=now - 7 * day, actor=OperatorActor("operator"),
                              now=now - 25 * day)
    eligible = list(Member.objects.filter(council__parent=east, admitted_on__lte=(now - 45 * day).date())
                    .order_by("number"))
    platforms = list(Platform.objects.filter(federation__slug=DEMO_SLUG))
    standing = rng.sample(eligible, 8)
    # A slate is its platform's own members: only a member joins a platform, themself, so the
    # demo's candidates stand for a platform the founding list put them in, if any.
    joined = {p.pk: set(p.members.values_list("pk", flat=True)) for p in platforms}
    for i, m in enumerate(standing):
        turn = platforms[i % len(platforms):] + platforms[:i % len(platforms)]
        platform = next((p for p in turn if m.pk in joined[p.pk]), None) if i < 6 else None
        do_nominate(closed, m, nominated_by=m, platform=platform, actor=_candidate_login(m),
                    now=now - 22 * day, statement=rng.choice(STATEMENTS))
    from communard.web.elections.actions import do_open_poll

    do_open_poll(closed, now=now - 14 * day)  # what the clock did then
    closed.refresh_from_db()
    assert closed.poll is not None  # the election votes in its poll (elections/poll.py)
    roll = list(RollEntry.objects.filter(poll=closed.poll).select_related("member")
                .order_by("member__number"))
    numbers = list(closed.candidates.filter(number__isnull=False).values_list("number", flat=True))
    for entry in roll:
        if rng.random() < 0.78:
            ranking = rng.sample(numbers, rng.randint(1, len(numbers)))
            do_cast(closed.poll, entry.member, ranking, actor=_own_login(entry.member, "voter"),
                    now=now - rng.randint(8, 13) * day)
    do_close_election(closed, now=now - 7 * day)

    bakery = Council.objects.get(federation__slug=DEMO_SLUG, key="harbour-bakery")
    # Its poll's time has just come: the server's clock opens it (freezes its roll) as soon as
    # the demo is served, and closes it when its week is up.
    running = do_call_election(bakery, poll_opens_at=now - dt.timedelta(hours=1),
                               actor=OperatorActor("operator"), now=now - 8 * day)
    bakers = list(Member.objects.filter(council=bakery, user__isnull=True).order_by("number"))
    for m in rng.sample(bakers, 6):
        do_nominate(running, m, nominated_by=m, actor=_candidate_login(m), now=now - 2 * day,
                    statement=rng.choice(STATEMENTS))


def demo_teller_key(n: int) -> DeliveryKey:
    """Demo teller ``n``'s delivery key. A real teller makes theirs with `communard teller
    init` on their own machine and the organisation only ever sees its public half; the demo's
    are derived from their names so that `communard demo` can write the key files for whoever
    tries the close (``write_demo_teller_keys``) and a test can open the shares. Never
    anywhere but the demo."""
    from nacl.public import PrivateKey

    seed = hashlib.sha256(f"communard demo teller {n}".encode()).digest()
    return DeliveryKey(f"teller{n}", PrivateKey(seed))


def _demo_teller_logins(admitted_by: dt.date) -> None:
    """Five bakers on the open election's roll get the demo logins teller1…teller5 (before the
    closed election's voters get theirs: a member has one login)."""
    from communard.web.councils.models import Council

    bakery = Council.objects.get(federation__slug=DEMO_SLUG, key="harbour-bakery")
    tellers = Member.objects.filter(council=bakery, user__isnull=True, status="active",
                                    admitted_on__lte=admitted_by).order_by("number")
    for n, member in enumerate(list(tellers[:DEMO_TELLERS]), start=1):
        do_create_member_account(member, username=f"teller{n}", password=DEMO_PASSWORD,
                                 actor=OperatorActor("operator"))


def _register_demo_teller_keys() -> None:
    """The demo tellers register their delivery keys, last of all the demo's steps: a secret
    poll opening after this is sealed to tellers drawn from them (the open election's, when the
    clock opens it: its five tellers, any three of whom open the box at the close, the
    constitution's default [tellers]), while the polls the demo plays through to their result
    (the closed election, the completed recall) opened before, unsealed, and need no hand-in."""
    from communard.sealing import public_text
    from communard.web.polls.actions.teller_key import do_register_teller_key

    for n in range(1, DEMO_TELLERS + 1):
        member = Member.objects.get(federation__slug=DEMO_SLUG, user__username=f"teller{n}")
        do_register_teller_key(member, public_text(demo_teller_key(n).public_key),
                               actor=MemberActor(f"teller{n}"))


def write_demo_teller_keys(folder: Path) -> list[Path]:
    """The demo tellers' key files, as `communard teller init` would have written them, under
    the demo password (kept if already there). Returns their paths."""
    from communard.sealing import write_teller_key_file

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(1, DEMO_TELLERS + 1):
        path = folder / f"teller{n}.key"
        if not path.exists():
            write_teller_key_file(path, demo_teller_key(n), DEMO_PASSWORD.encode(),
                                  strength="interactive")
        paths.append(path)
    return paths


def load_demo_recalls() -> None:
    """A completed recall of an East delegate, replaced by countback on the ballots that elected
    them, and a petition in progress against another that the demo member can sign (opened by
    the demo delegate, a member of the East district's constituency)."""
    from communard.constitution.permissions import MemberActor
    from communard.constitution.recall import threshold_signatures
    from communard.web.councils.models import Council
    from communard.web.elections.models import Election
    from communard.web.recalls.actions import do_open_petition, do_sign

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    day = dt.timedelta(days=1)
    east = Council.objects.get(federation__slug=DEMO_SLUG, key="east")
    first, second = Delegate.objects.filter(constituency=east, ended_at__isnull=True,
                                            source__startswith="election:").order_by("pk")[:2]
    delegate = MemberActor("delegate")
    # Members with no role in the demo (the demo logins and the candidates have one); many
    # hold a login from voting in the closed election already.
    signers = list(Member.objects.filter(council__parent=east)
                   .exclude(mandates__isnull=False).exclude(candidacies__isnull=False)
                   .exclude(user__username__in=["member", "delegate", "operator"])
                   .order_by("number"))
    needed = threshold_signatures(east.federation.constitution.recall,
                                  Member.objects.filter(council__parent=east).count())
    signing = {m.pk: _own_login(m, "signer") for m in signers[:needed]}
    election = Election.objects.get(pk=int(first.source.split(":")[1]))
    # The completed recall is shown where the ballots have a runner-up to count back to (a demo
    # grown with more members, as the load tests grow it, elects every candidate: a recall
    # there would call a by-election beside the demo's running election).
    if election.candidates.filter(number__isnull=False).count() > election.seats:
        recalled = do_open_petition(first, grounds="Voted for the rent rise the assemblies "
                                    "rejected.", actor=delegate, now=now - 6 * day)
        voters = signers[: recalled.threshold]
        for m in voters:
            do_sign(recalled, actor=signing[m.pk], now=now - 6 * day)
        _recall_vote(recalled, voters, signing)
    running = do_open_petition(second, grounds="Has not reported back to an assembly since "
                               "the election.", actor=delegate, now=now - day)
    for m in signers[: max(1, running.threshold // 3)]:
        do_sign(running, actor=signing[m.pk], now=now - day / 2)


def _recall_vote(petition: Any, voters: Sequence[Member], logins: dict[int, Any]) -> None:
    """What the clock did with the petition that met its threshold: it called the recall vote
    (a secret yes/no poll of the petition's roll, ``web/recalls/vote.py``), opened it, and,
    after the signers voted yes, closed it: the delegate recalled, the seat refilled by
    countback in the same transaction."""
    from communard.web.core import clock
    from communard.web.polls.actions.cast import do_cast
    from communard.web.polls.models import Poll
    from communard.web.recalls.vote import subject_of

    petition.refresh_from_db()
    clock.run_due(now=petition.vote_opens_at)
    poll = Poll.objects.get(purpose="recall", subject=subject_of(petition))
    clock.run_due(now=poll.opens_at)
    poll.refresh_from_db()
    for m in Member.objects.filter(pk__in=[v.pk for v in voters]).select_related("user"):
        do_cast(poll, m, [1], actor=logins[m.pk],
                now=poll.opens_at + dt.timedelta(hours=2))
    clock.run_due(now=poll.closes_at)


STATEMENTS = [
    "I will report back to every assembly and vote as the assembly mandates.",
    "Delegates on a worker's wage, recallable at any meeting: I will stand by that.",
    "Our shift workers need a voice at the district council. I have worked nights for ten years.",
    "I will publish every expense and every vote I cast.",
    "A federation-wide purchasing co-operative would cut our costs by a fifth.",
    "",
]
