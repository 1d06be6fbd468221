"""``communard verify --server URL``'s second half: what the public can replay from a server's
record, compared with the state the server publishes (``/api/public/state``, its ballot boxes).

No Django and no openings: only the entry bodies the server shows (``COMMUNARD_RECORD_BODIES``
= "public", or a member's session) and the public pages. What the public replays:

* each federation's constitution and council tree from ``federation.founded``;
* each council's seats from the last ``seats.apportioned`` naming it;
* each election's calendar and constituency from ``election.called``, its closing from
  ``election.closed`` (exactly one), and its published ballot box, which must hash to the
  recorded ``box_sha256`` and, recounted here by ``communard.count`` with the seed drawn from
  that hash, elect the recorded winners;
* the sitting delegates of each constituency **by commitment**: seated by
  ``delegate.founding``, ``delegates.seated`` (an election of all the seats replaces the
  previous ones) and ``election.countback``, less one for each ``delegate.vacated``. A vacating
  entry commits to the member with a fresh salt, so the public cannot tell *which* delegate
  left, only how many sit and that each one published was seated by an entry;
* each delegate's report-back, every version, from ``report.filed`` (which holds the text
  whole): the published text, meeting, seat and version, and the text's digest.

Each divergence names the entry (and its page) and the published URL that differs.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from communard.count import BallotFileError, CountError, count, parse_blt
from communard.record import HttpLogClient, RemoteError
from communard.record import kinds as K

STATE_PATH = "/api/public/state"
Entries = dict[str, list[tuple[int, str, dict[str, Any]]]]


@dataclass(frozen=True)
class PublicDivergence:
    """A published fact that differs from what the record makes of it (``index``: the entry
    it was checked against; ``None``: that there is none is the finding)."""

    url: str
    problem: str
    index: int | None
    entry_url: str | None = None

    def __str__(self) -> str:
        where = (f"entry #{self.index}, {self.entry_url}" if self.index is not None
                 else "no entry")
        return f"public state diverges from the record ({where}): {self.url}: {self.problem}"


class _Found:
    def __init__(self, client: HttpLogClient) -> None:
        self.client = client
        self.items: list[PublicDivergence] = []

    def __call__(self, url: str, problem: str, index: int | None) -> None:
        entry = None if index is None else self.client.url(f"/record/{index}/")
        self.items.append(PublicDivergence(url, problem, index, entry))


def _of(by_kind: Entries, *declared: K.Kind[Any]) -> list[tuple[int, str, dict[str, Any]]]:
    return sorted(e for k in {d.name for d in declared} for e in by_kind.get(k, []))


def audit_public(by_kind: Entries, client: HttpLogClient) -> list[PublicDivergence]:
    """Compare the server's published state with the replay of these entries (kind name ->
    (index, kind name, body) in record order)."""
    found = _Found(client)
    state_url = client.url(STATE_PATH)
    try:
        state = json.loads(client.fetch(STATE_PATH))
        federations, elections = list(state["federations"]), list(state["elections"])
    except (RemoteError, ValueError, KeyError, TypeError) as e:
        found(state_url, f"the published state cannot be read: {e}", None)
        return found.items
    _federations(by_kind, federations, state_url, found)
    _elections(by_kind, elections, state_url, found)
    _reports(by_kind, state.get("reports"), state_url, found)
    return found.items


def text_sha256(text: str) -> str:
    """A report's digest as the record holds it (``web.meetings.models.text_digest`` of the one
    part: its UTF-8 length in 8 bytes, then the text), computed here without Django."""
    data = text.encode("utf-8")
    return hashlib.sha256(len(data).to_bytes(8, "big") + data).hexdigest()


def _reports(by_kind: Entries, published: Any, state_url: str, found: _Found) -> None:
    """Each published report version is its ``report.filed`` entry (the entry holds the text
    whole), and each entry is published."""
    if not isinstance(published, list):
        found(f"{state_url}#reports", "the server publishes no report-backs", None)
        return
    filed = {(str(b.get("federation")), b.get("report")): (index, b)
             for index, _, b in _of(by_kind, K.REPORT_FILED)}
    for report in published:
        key = (str(report.get("federation")), report.get("report"))
        url = f"{state_url}#reports/{key[0]}/{key[1]}"
        if key not in filed:
            found(url, "a report no report.filed entry filed", None)
            continue
        index, body = filed.pop(key)
        said = {f: report.get(f) for f in ("meeting", "delegate", "version", "text")}
        recorded = {f: body.get(f) for f in said}
        if said != recorded:
            differ = ", ".join(f for f in said if said[f] != recorded[f])
            found(url, f"its {differ} differ from what the record filed", index)
        elif text_sha256(str(report.get("text"))) != body.get("text_sha256"):
            found(url, "its text does not hash to the recorded text_sha256", index)
    for (slug, report_id), (index, _) in sorted(filed.items(), key=lambda kv: kv[1][0]):
        found(f"{state_url}#reports/{slug}/{report_id}", "filed on the record but not "
              "published", index)


def _federations(by_kind: Entries, published: list[dict[str, Any]], state_url: str,
                 found: _Found) -> None:
    founded: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, _, body in _of(by_kind, K.FEDERATION_FOUNDED):
        founded.setdefault(str(body.get("federation")), (index, body))
    last: dict[tuple[str, str], tuple[int, int]] = {}
    for index, _, body in _of(by_kind, K.SEATS_APPORTIONED):
        for key, seats in (body.get("seats") or {}).items():
            last[(str(body.get("federation")), key)] = (index, seats)
    sitting = _sitting(by_kind)
    for fed in published:
        slug = str(fed.get("slug"))
        url = f"{state_url}#federations/{slug}"
        if slug not in founded:
            found(url, "a federation no federation.founded entry founded", None)
            continue
        index, body = founded.pop(slug)
        if fed.get("constitution") != body.get("constitution"):
            found(url, "its constitution is not the text the record adopted", index)
        recorded = {c["key"]: c for c in body.get("councils", [])}
        for council in fed.get("councils", []):
            key = str(council.get("key"))
            spec = recorded.pop(key, None)
            where = f"{url}/councils/{key}"
            if spec is None:
                found(where, "a council no entry founded", None)
                continue
            if (council.get("tier"), council.get("parent")) != (spec.get("tier"),
                                                                  spec.get("parent")):
                found(where, f"tier {council.get('tier')!r} under {council.get('parent')!r}; "
                      f"the record founded it as {spec.get('tier')!r} under "
                      f"{spec.get('parent')!r}", index)
            at, seats = last.get((slug, key), (None, 0))
            if council.get("seats_in_parent") != seats:
                found(where, f"seats_in_parent is {council.get('seats_in_parent')}; the record "
                      f"last apportioned {seats}", at)
        for key in sorted(recorded):
            found(f"{url}/councils/{key}", "founded on the record but not published", index)
        _delegates(slug, fed.get("delegates", []), sitting, url, found)
    for slug, (index, _) in sorted(founded.items()):
        found(f"{state_url}#federations/{slug}", "founded on the record but not published",
              index)


@dataclass
class _Seats:
    """A constituency's delegates by the public record: who was seated, how many left since."""

    seated: Counter[str]
    vacated: int
    last: int  # the entry that last changed them


def _sitting(by_kind: Entries) -> dict[tuple[str, str], _Seats]:
    called = {(str(b.get("federation")), b.get("election")): b
              for _, _, b in _of(by_kind, K.ELECTION_CALLED)}
    seats: dict[tuple[str, str], _Seats] = defaultdict(lambda: _Seats(Counter(), 0, 0))
    # (a recall's replacement question seats its winner as a founding seats a delegate)
    declared = (K.DELEGATE_FOUNDING, K.DELEGATES_SEATED, K.DELEGATE_VACATED, K.ELECTION_COUNTBACK,
                K.RECALL_REPLACEMENT_SEATED)
    for index, kind, body in _of(by_kind, *declared):
        fed = str(body.get("federation"))
        if kind == K.ELECTION_COUNTBACK.name:
            election = called.get((fed, body.get("election")), {})
            group = seats[(fed, str(election.get("constituency")))]
            if body.get("successor") is not None:
                group.seated[str(body["successor"])] += 1
        else:
            group = seats[(fed, str(body.get("constituency")))]
            if kind == K.DELEGATE_VACATED.name:
                group.vacated += 1
            elif kind == K.DELEGATES_SEATED.name:
                election = called.get((fed, body.get("election")), {})
                if election.get("fills_vacancy_of") is None:  # all the seats: a fresh start
                    group.seated, group.vacated = Counter(), 0
                group.seated.update(str(c) for c in body.get("members", []))
            else:
                group.seated[str(body.get("member"))] += 1
        group.last = index
    return seats


def _delegates(slug: str, published: list[dict[str, Any]], sitting: dict[tuple[str, str], _Seats],
               url: str, found: _Found) -> None:
    by_constituency: dict[str, list[Any]] = defaultdict(list)
    for d in published:
        by_constituency[str(d.get("constituency"))].append(d.get("member"))
    keys = sorted({w for f, w in sitting if f == slug} | set(by_constituency))
    for where in keys:
        group = sitting.get((slug, where), _Seats(Counter(), 0, 0))
        members = by_constituency.get(where, [])
        at = f"{url}/delegates/{where}"
        index = group.last if group.seated or group.vacated else None
        expected = sum(group.seated.values()) - group.vacated
        if len(members) != expected:
            found(at, f"{len(members)} sitting delegates published; the record seats "
                  f"{expected}", index)
        for commitment in members:
            if commitment is None or group.seated[commitment] <= 0:
                found(at, f"a delegate ({commitment or 'no commitment'}) whom no entry seated",
                      None)
            else:
                group.seated[commitment] -= 1


_CALLED = ("kind", "constituency", "council", "office", "seats", "method", "poll_opens_at",
           "poll_closes_at", "roll_cutoff")
_CLOSED = ("ballots", "marks", "box_sha256", "seed", "winners")


def _by_election(by_kind: Entries, kind: K.Kind[Any]
                 ) -> dict[tuple[str, Any], list[tuple[int, dict[str, Any]]]]:
    out: dict[tuple[str, Any], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for index, _, body in _of(by_kind, kind):
        out[(str(body.get("federation")), body.get("election"))].append((index, body))
    return out


def _elections(by_kind: Entries, published: list[dict[str, Any]], state_url: str,
               found: _Found) -> None:
    called = _by_election(by_kind, K.ELECTION_CALLED)
    closed = _by_election(by_kind, K.ELECTION_CLOSED)
    for e in published:
        key = (str(e.get("federation")), e.get("id"))
        url = f"{state_url}#elections/{e.get('id')}"
        calls = called.pop(key, [])
        if not calls:
            found(url, "an election no election.called entry called", None)
            continue
        index, body = calls[0]
        for field in _CALLED:
            if field in body and body[field] != e.get(field):
                found(url, f"{field} is {e.get(field)!r}; it was called with {body[field]!r}",
                      index)
        for problem in _closing(e, body, closed.get(key, []), url, found.client):
            found(*problem)
    for (_, election), calls in sorted(called.items(), key=lambda kv: kv[1][0][0]):
        found(f"{state_url}#elections/{election}", "called on the record but not published",
              calls[0][0])


def _closing(e: dict[str, Any], called: dict[str, Any], closings: list[tuple[int, dict[str, Any]]],
             url: str, client: HttpLogClient) -> Iterator[tuple[str, str, int | None]]:
    if len(closings) > 1:
        yield (url, f"closed {len(closings)} times on the record; a result is never superseded "
               "by counting again", closings[1][0])
    if not closings:
        if e.get("closed") or e.get("result") is not None:
            yield url, "closed with no election.closed entry", None
        return
    index, body = closings[0]
    if not e.get("closed"):
        yield url, "re-opened: the record closed it but it is published as open", index
    result = e.get("result")
    if not isinstance(result, dict):
        yield url, "the record closed it but no result is published", index
    else:
        for field in _CLOSED:
            if result.get(field) != body.get(field):
                yield (url, f"result {field} is {result.get(field)!r}; the record counted "
                       f"{body.get(field)!r}", index)
    yield from _recount(e, called, body, index, client)


def _recount(e: dict[str, Any], called: dict[str, Any], body: dict[str, Any], index: int,
             client: HttpLogClient) -> Iterator[tuple[str, str, int | None]]:
    """The published box must be the one the record counted, and elect its winners again."""
    path = f"/e/{e.get('id')}/box.blt"
    url = client.url(path)
    try:
        box = client.fetch(path)
    except RemoteError as err:
        yield url, f"the ballot box is not published ({err})", index
        return
    digest = hashlib.sha256(box).hexdigest()
    if digest != body.get("box_sha256"):
        yield (url, f"the published box hashes to {digest[:16]}…, the record counted "
               f"{str(body.get('box_sha256'))[:16]}…", index)
        return
    if not body.get("winners") and not body.get("ballots"):
        return  # nothing was counted: the close elected nobody
    try:
        ballots = parse_blt(box, source=url)
        outcome = count(ballots, str(called.get("method")), int(called.get("seats") or 0),
                        seed=int(digest[:16], 16))
    except (BallotFileError, CountError, ValueError) as err:
        yield url, f"the published box cannot be recounted: {err}", index
        return
    winners = [w + 1 for w in outcome.winners]
    if winners != body.get("winners"):
        yield url, f"a recount of the box elects {winners}; the record says " \
            f"{body.get('winners')}", index
