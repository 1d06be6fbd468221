"""Sealed polls in tests: tellers with delivery keys, and their shares handed in."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from communard.sealing import TellerKey as DeliveryKey
from communard.sealing import open_sealed_share, public_text
from communard.web.councils.models import Federation
from communard.web.polls.actions.hand_in import do_hand_in
from communard.web.polls.actions.teller_key import do_register_teller_key
from communard.web.polls.models import Poll, PollTeller
from tests.web.polls_helpers import voter

#: The delivery keys registered in this test process, by login: what each teller keeps.
KEYS: dict[str, DeliveryKey] = {}


def register_tellers(federation: Federation, numbers: list[str]) -> None:
    """Members ``numbers`` register a delivery key each, as `communard teller init` makes."""
    for number in numbers:
        member, actor = voter(federation, number)
        key = DeliveryKey.generate(actor.account)
        KEYS[actor.account] = key
        do_register_teller_key(member, public_text(key.public_key), actor=actor)


def share_text(teller: PollTeller) -> str:
    """The teller's share, opened with their own delivery key (what `teller keep --key` does)."""
    key = KEYS[teller.member.user.get_username()]
    return open_sealed_share(key.private, teller.sealed_share).to_text()


def hand_in(poll: Poll, teller: PollTeller, text: str | None = None) -> PollTeller:
    """The teller hands in their share (or ``text``) after the poll's close."""
    member, actor = voter(poll.federation, teller.member.number)
    return do_hand_in(poll, member, share_text(teller) if text is None else text, actor=actor,
                      now=poll.closes_at + dt.timedelta(hours=1))


PASSWORD = "a long test password 1871"  # polls_helpers.voter's logins


def client_for(federation: Federation, number: str) -> Client:
    """A browser-less client signed in as member ``number``."""
    member, _ = voter(federation, number)
    client = Client()
    assert client.login(username=member.user.get_username(), password=PASSWORD)
    return client
