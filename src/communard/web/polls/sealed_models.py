"""The rows of sealed ballots (issue 16, docs/sealing.md): a poll's public key and tellers, the
envelopes cast into it, and the tellers' hand-ins at the close.

Nothing here holds a secret in the clear: a teller's share is stored only sealed to the
teller's own delivery key (``PollTeller.sealed_share``), a hand-in only sealed to the close's
key, whose private half lives in one process's memory (``web/polls/closing.py``). No row
carries a time: a cast's time would follow its voter's sign-in.
"""

from __future__ import annotations

from django.db import models

from communard.web.core.writeonce import WriteOnce


class TellerKey(WriteOnce):
    """A member's delivery key (the public half printed by ``communard teller init``): shares
    dealt to them as a teller are sealed to it. A member registers one before polls open; a
    newer registration is a new row, and the newest (highest id) counts for polls that open
    later. Insert-only, refused by the database too: a shell that deletes or swaps keys would
    otherwise open a poll unsealed, or deal a share to a key it holds (issue 16)."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="teller_keys")
    public_key = models.CharField(max_length=64)  # hex X25519


class PollSeal(WriteOnce):
    """A secret poll's public key (X25519, hex), threshold and envelope capacity, made at the
    opening. Its private half was never stored: t of the tellers rebuild it at the close."""

    poll = models.OneToOneField("polls.Poll", on_delete=models.PROTECT, related_name="seal")
    key_name = models.CharField(max_length=200)  # the name the key's shares carry
    public_key = models.CharField(max_length=64)
    threshold = models.PositiveSmallIntegerField()
    capacity = models.PositiveIntegerField()


class PollTeller(WriteOnce):
    """One teller of a sealed poll, their share's public commitment, and their share sealed to
    their delivery key (only they can open it)."""

    poll = models.ForeignKey("polls.Poll", on_delete=models.PROTECT, related_name="tellers")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    index = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)  # the share's teller: their record commitment
    commitment = models.CharField(max_length=64)
    sealed_share = models.TextField()
    named_by = models.JSONField(default=list)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="one_teller_seat"),
            models.UniqueConstraint(fields=["poll", "index"], name="one_teller_index"),
        ]


class Envelope(WriteOnce):
    """One sealed ballot (tracking code and choices), written with its voter's mark. Unreadable
    without t tellers' shares; opened and shuffled into ballots only at the close."""

    poll = models.ForeignKey("polls.Poll", on_delete=models.PROTECT, related_name="envelopes")
    sealed = models.BinaryField()


class HandIn(models.Model):
    """A teller's share handed in at the close, sealed to the close's in-memory key (so a
    database reader holding t of these still cannot open them). Deleted once the box is open."""

    teller = models.OneToOneField(PollTeller, on_delete=models.CASCADE, related_name="hand_in")
    closing_key = models.CharField(max_length=64)  # which close key it is sealed to
    sealed_share = models.TextField()


class ClosingKey(models.Model):
    """The public half of the key hand-ins are sealed to; its private half is in the memory of
    the process named by ``holder`` only, and is lost (and replaced) when that process ends."""

    poll = models.OneToOneField("polls.Poll", on_delete=models.CASCADE, related_name="closing_key")
    public_key = models.CharField(max_length=64)
    holder = models.CharField(max_length=64)
    #: The indexes of the tellers whose hand-ins were lost when this key replaced one whose
    #: process had ended: the tellers' page asks them, by name, to hand in again.
    dropped = models.JSONField(default=list)


class TellerNomination(WriteOnce):
    """A platform names its teller for a secret poll, before the opening (issue 16): ``member``
    is the nominee, ``named_by`` the platform's member who named them. Insert-only: a newer
    naming is a new row and the newest of each platform counts at the opening."""

    poll = models.ForeignKey("polls.Poll", on_delete=models.PROTECT, related_name="nominations")
    platform = models.ForeignKey("platforms.Platform", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    named_by = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
