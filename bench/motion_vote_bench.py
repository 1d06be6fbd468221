"""A congress roll call on the database (issue 17's "Fast"): 1,000 delegates (two for each of
500 assemblies), every assembly with a binding mandate on the motion; the poll's close (count,
record, the motion's handler: roll call read from the polls' rows, compared with the mandates,
deviation notices and verdict rows written) is timed, goal ≤ 1 s. Then a delegate's scorecard
page over 10,000 closed roll calls is rendered through the real view, goal ≤ 100 ms: first by
the old path (the fixture's roll calls have no verdict rows, so the page computes them from the
polls' rows, as for roll calls closed before the read model), then from the verdict rows once
``verdicts.backfill`` has written them; the ratio is printed and the two pages must be equal.

The peer for the comparison itself is ``bench/mandate_bench.py`` (plain Python on the same
rule); this one measures what the database adds. Fixture rows for the 10,000 past roll calls are
inserted in bulk (bench data, not a path of the application); everything timed is the app's.

    python bench/motion_vote_bench.py [--assemblies 500] [--history 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def structure(assemblies: int) -> str:
    councils = "".join(f'[[councils]]\nkey = "a{i}"\nname = "Assembly {i}"\ntier = "workplace"\n'
                       f'parent = "congress"\n' for i in range(assemblies))
    delegates = "".join(f'[[delegates]]\nmember = "{n}"\nconstituency = "a{(n - 1) // 2}"\n'
                        for n in range(1, 2 * assemblies + 1))
    return f"""[federation]
slug = "bench"
name = "Bench federation"
constitution = '''
version = 1
[meetings]
motion_supporters = 0
[eligibility]
cutoff_days = 30
[[tiers]]
key = "workplace"
name = "Workplace assembly"
[[tiers]]
key = "congress"
name = "Congress"
apportionment = {{ rule = "fixed", seats = {2 * assemblies}, method = "sainte-lague", minimum = 2 }}
'''

[[councils]]
key = "congress"
name = "Congress"
tier = "congress"
{councils}{delegates}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assemblies", type=int, default=500)
    parser.add_argument("--history", type=int, default=10_000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="motion-bench-")
    os.environ.pop("DATABASE_URL", None)  # a throwaway SQLite file in ``tmp``
    os.environ.update(DJANGO_SETTINGS_MODULE="communard.web.settings", COMMUNARD_DATA_DIR=tmp,
                      COMMUNARD_SECRET_KEY="bench-not-secret")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    from django.conf import settings

    from communard.constitution.mandates import Stance
    from communard.constitution.meetings import MotionState
    from communard.constitution.permissions import MemberActor, OperatorActor
    from communard.web.accounts.actions import do_create_member_account
    from communard.web.councils.models import Council, Delegate, OfficeHolder
    from communard.web.meetings.actions.attendance import do_check_in
    from communard.web.meetings.actions.call_meeting import do_call_meeting
    from communard.web.meetings.actions.motions import do_move_motion, do_submit_motion
    from communard.web.meetings.actions.vote import do_put_motion_to_vote
    from communard.web.meetings.models import DeviationNotice, Mandate, Motion
    from communard.web.meetings.verdicts import backfill
    from communard.web.members.importing import do_import
    from communard.web.members.models import Member
    from communard.web.polls.actions.cast import do_cast
    from communard.web.polls.actions.close import do_close_poll
    from communard.web.polls.models import NamedVote, Poll, RollEntry

    n = 2 * args.assemblies
    (Path(tmp) / "f.toml").write_text(structure(args.assemblies), encoding="utf-8")
    rows = ["number,name,council,admitted_on"] + [
        f"{i},Member {i},a{(i - 1) // 2},2024-01-01" for i in range(1, n + 1)]
    (Path(tmp) / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    do_import(Path(tmp) / "f.toml", Path(tmp) / "m.csv", actor=OperatorActor("bench"))
    members = {m.number: m for m in Member.objects.all()}
    # Logins as an operator makes them (the cast needs the voter signed in as themself), with a
    # fast hasher: hashing a thousand real passwords would time PBKDF2, not this.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for m in members.values():
        do_create_member_account(m, username=f"bench-voter-{m.pk}", password="bench password 1871",
                                 actor=OperatorActor("bench"))
    members = {m.number: m for m in Member.objects.select_related("user")}

    def actor(number: str) -> MemberActor:
        return MemberActor(f"bench-voter-{members[number].pk}")

    congress = Council.objects.get(key="congress")
    start = dt.datetime.now(dt.UTC)
    OfficeHolder.objects.create(council=congress, office="chair", member=members["1"],
                                began_at=start - dt.timedelta(days=1), source="bench")
    meeting = do_call_meeting(congress, title="Congress", starts_at=start, agenda=["Motions"],
                              actor=actor("1"))
    for i in range(1, n // 2 + 2):
        do_check_in(meeting, actor=actor(str(i)))
    motion = do_submit_motion(congress, title="Budget", text="Spend it.", reasons="",
                              actor=actor("2"))
    for state in (MotionState.ADMITTED, MotionState.DEBATED):
        do_move_motion(motion, state, meeting=meeting, actor=actor("1"))
    assemblies = list(Council.objects.filter(parent=congress))
    Mandate.objects.bulk_create([
        Mandate(motion=motion, constituency=c, meeting=meeting, stance=Stance.AGAINST.label,
                binding=True, adopted_at=start) for c in assemblies])
    poll = do_put_motion_to_vote(motion, meeting=meeting, actor=actor("1"))
    at = poll.opens_at + dt.timedelta(seconds=1)
    for i in range(1, n + 1):
        if i % 20:  # one in twenty absent
            do_cast(poll, members[str(i)], [1 + i % 3], actor=actor(str(i)), now=at)
    t = time.perf_counter()
    do_close_poll(poll, now=poll.closes_at)
    close = time.perf_counter() - t
    motion.refresh_from_db()
    notices = DeviationNotice.objects.count()
    print(f"roll call of {n:,} delegates, {len(assemblies):,} binding mandates: close + compare "
          f"+ {notices:,} notices in {close * 1000:.0f} ms (goal 1,000 ms); motion {motion.state}")

    # A delegate's history: --history closed roll calls on motions, each with a mandate of
    # their assembly (bench fixture rows, inserted in bulk).
    delegate = Delegate.objects.get(council=congress, member=members["1"])
    base = start + dt.timedelta(days=1)  # after the delegate's seat began
    motions = Motion.objects.bulk_create([
        Motion(federation=congress.federation, council=congress, title=f"M{k}", text="x",
               submitted_at=base, state="adopted") for k in range(args.history)])
    polls = Poll.objects.bulk_create([
        Poll(federation=congress.federation, electorate=congress, voters="delegates",
             purpose="motion", subject=f"motion:{m.pk}", title=m.title, question="yes-no",
             method="yes-no", seats=1, secret=False, majority="simple", turnout_floor="0/1",
             opens_at=base + dt.timedelta(hours=k), closes_at=base + dt.timedelta(hours=k, minutes=30),
             roll_at=base + dt.timedelta(hours=k), roll_frozen_at=base + dt.timedelta(hours=k),
             roll_size=1, closed_at=base + dt.timedelta(hours=k, minutes=30))
        for k, m in enumerate(motions)], batch_size=2000)
    entries = RollEntry.objects.bulk_create([RollEntry(poll=p, member=members["1"]) for p in polls],
                                            batch_size=2000)
    NamedVote.objects.bulk_create([NamedVote(entry=e, choices=[1 + k % 3])
                                   for k, e in enumerate(entries)], batch_size=2000)
    Mandate.objects.bulk_create([
        Mandate(motion=m, constituency=delegate.constituency, meeting=meeting,
                stance=Stance(k % 4).label, binding=k % 10 != 0,
                adopted_at=base + dt.timedelta(hours=k) - dt.timedelta(minutes=5))
        for k, m in enumerate(motions)], batch_size=2000)
    client = Client(HTTP_HOST="localhost")
    url = f"/delegates/{delegate.pk}/scorecard/"

    def render() -> tuple[list[float], bytes]:
        samples = []
        for _ in range(5):
            t = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - t)
            assert response.status_code == 200, response.status_code
        return samples, response.content

    # The old path: the fixture's roll calls have no verdict rows (as if closed before the
    # read model), so the page computes them all from polls, votes and mandates.
    old, old_page = render()
    t = time.perf_counter()
    written = backfill(Poll.objects.filter(purpose="motion").order_by("closed_at", "pk"))
    fill = time.perf_counter() - t
    new, new_page = render()
    assert new_page == old_page, "the read model's page differs from the old computation's"
    print(f"backfill of {written:,} verdict rows over {args.history:,} roll calls: "
          f"{fill * 1000:.0f} ms")
    print(f"scorecard page over {args.history + 1:,} roll calls, median (best) of 5: "
          f"old path {statistics.median(old) * 1000:.0f} ms ({min(old) * 1000:.0f}), "
          f"verdict rows {statistics.median(new) * 1000:.0f} ms ({min(new) * 1000:.0f}) "
          f"(goal 100 ms); {statistics.median(old) / statistics.median(new):.1f}x faster, "
          f"same page")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))

if __name__ == "__main__":
    main()
