"""The demo federation: three tiers, a dozen workplaces, a few hundred members, three platforms.

It is built the way an operator would build a real one: a structure file and a membership CSV
through ``communard import``, then accounts for the demo logins, all through recorded actions.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from communard.web.core.actors import SYSTEM
from communard.web.councils.models import Delegate, Federation
from communard.web.members.actions import do_create_member_account, do_create_operator
from communard.web.members.importing import do_import
from communard.web.members.models import Member

DEMO_SLUG = "riverside"
DEMO_PASSWORD = "commune1871"
DEMO_LOGINS = {
    "member": "a member of the Harbour Bakery assembly",
    "delegate": "a delegate of Harbour Bakery to the East district council",
    "operator": "an operator (admin)",
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


def write_demo_files(folder: Path, *, seed: int = 1871) -> tuple[Path, Path]:
    """Write the demo's federation.toml and members.csv into ``folder``."""
    rng = random.Random(seed)
    lines = [
        "[federation]",
        f'slug = "{DEMO_SLUG}"',
        'name = "Riverside Federation of Workers\' Councils"',
        'time_zone = "Europe/London"',
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


def load_demo() -> bool:
    """Build the demo federation and its logins; False if it is already there."""
    if Federation.objects.filter(slug=DEMO_SLUG).exists():
        return False
    with tempfile.TemporaryDirectory() as tmp:
        structure, members = write_demo_files(Path(tmp))
        do_import(structure, members, actor=SYSTEM)
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
    do_create_member_account(member, username="member", password=DEMO_PASSWORD, actor=SYSTEM)
    do_create_member_account(
        delegate.member, username="delegate", password=DEMO_PASSWORD, actor=SYSTEM
    )
    do_create_operator(username="operator", password=DEMO_PASSWORD, actor=SYSTEM)
    return True
