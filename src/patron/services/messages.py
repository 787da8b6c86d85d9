"""The message core: campaigns and journeys ask for messages here, and the gate of
domain/messages.py decides at once whether each may go.

Every message asked for is recorded, queued or refused with its reason, in the caller's
transaction (nothing here commits): a campaign launch or a journey's routing pass either
records all its messages or none. The worker sends the queued ones and asks the gate
again before each send (`gate_now`).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from patron.domain.messages import (
    Channel,
    FrequencyCap,
    Kind,
    Outgoing,
    Queued,
    Recipient,
    Refusal,
    SuppressionReason,
    address_key,
    refusal,
)
from patron.domain.program import Program
from patron.store.messages import Suppression
from patron.store.uow import UnitOfWork

# a member the store does not know: nothing can reach them
_UNKNOWN = Recipient(erased=False, address=None, consented=False, recent=0)


def frequency_cap(program: Program | None) -> FrequencyCap | None:
    rule = None if program is None else program.messages.frequency_cap
    return None if rule is None else FrequencyCap(rule.messages, rule.days)


def _program(uow: UnitOfWork) -> Program | None:
    found = uow.programs.current()
    return None if found is None else found[1]


def enqueue(uow: UnitOfWork, outgoing: Outgoing) -> Queued:
    """Ask for one message: queued, refused (and why), or the one asked before under its key."""
    return enqueue_many(uow, [outgoing])[0]


def enqueue_many(uow: UnitOfWork, outgoings: Sequence[Outgoing]) -> list[Queued]:
    """Ask for many messages in batched queries. Within the batch, each marketing message
    queued counts against its member's frequency cap for the ones after it."""
    known = uow.messages.keys([o.key for o in outgoings])
    cap = frequency_cap(_program(uow))
    decided: dict[str, Refusal | None] = {}
    fresh = [o for o in outgoings if o.key not in known]
    for channel, group in groupby(sorted(fresh, key=lambda o: o.channel), key=lambda o: o.channel):
        decided.update(_decide(uow, channel, list(group), cap))
    rows = [(o, decided[o.key]) for o in fresh if o.key in decided]
    ids = uow.messages.add_many(rows, uow.now) if rows else {}
    return [
        Queued(known[o.key], duplicate=True)
        if o.key in known
        else Queued(ids.get(o.key), decided.get(o.key))
        for o in outgoings
    ]


def _decide(
    uow: UnitOfWork, channel: Channel, outgoings: list[Outgoing], cap: FrequencyCap | None
) -> dict[str, Refusal | None]:
    recipients = uow.messages.recipients([o.member_id for o in outgoings], channel, cap, uow.now)
    addresses = {r.address for r in recipients.values() if r.address is not None}
    suppressed = uow.suppressions.among(channel, addresses)
    queued_now: dict[int, int] = {}
    decided: dict[str, Refusal | None] = {}
    for outgoing in outgoings:
        if outgoing.key in decided:  # the same key twice in one batch: one message
            continue
        member = recipients.get(outgoing.member_id, _UNKNOWN)
        extra = queued_now.get(outgoing.member_id, 0)
        recipient = Recipient(
            member.erased, member.address, member.consented, member.recent + extra
        )
        refused = refusal(outgoing.kind, recipient, member.address in suppressed, cap)
        decided[outgoing.key] = refused
        if refused is None and outgoing.kind is Kind.MARKETING:
            queued_now[outgoing.member_id] = extra + 1
    return decided


def gate_now(uow: UnitOfWork, member_id: int, channel: Channel, kind: Kind) -> Refusal | None:
    """The gate asked again at the moment of sending a message already queued: consent,
    suppression and erasure as they are now. The cap is not asked again: the message was
    counted under it when queued."""
    member = uow.messages.recipients([member_id], channel, None, uow.now).get(member_id, _UNKNOWN)
    suppressed = bool(member.address and uow.suppressions.among(channel, [member.address]))
    return refusal(kind, member, suppressed, None)


def gate_batch(uow: UnitOfWork, asks: Sequence[tuple[int, Channel, Kind]]) -> list[Refusal | None]:
    """`gate_now` for a batch of (member, channel, kind) at once: per channel one query
    for the recipients and one for the suppressed among their addresses."""
    by_channel: dict[Channel, set[int]] = {}
    for member_id, channel, _ in asks:
        by_channel.setdefault(channel, set()).add(member_id)
    found: dict[Channel, dict[int, Recipient]] = {}
    suppressed: dict[Channel, set[str]] = {}
    for channel, ids in by_channel.items():
        found[channel] = uow.messages.recipients(sorted(ids), channel, None, uow.now)
        addresses = {r.address for r in found[channel].values() if r.address}
        suppressed[channel] = uow.suppressions.among(channel, addresses) if addresses else set()
    answers: list[Refusal | None] = []
    for member_id, channel, kind in asks:
        member = found[channel].get(member_id, _UNKNOWN)
        held = bool(member.address and member.address in suppressed[channel])
        answers.append(refusal(kind, member, held, None))
    return answers


def suppress(
    uow: UnitOfWork,
    channel: Channel,
    address: str,
    reason: SuppressionReason,
    source: str,
    actor: str | None = None,
) -> bool:
    """Put an address on the suppression list; whether it was not on it before."""
    key = address_key(channel, address)
    if key is None:
        return False
    return uow.suppressions.add(Suppression(channel, key, reason, source, actor, uow.now))


def unsuppress(uow: UnitOfWork, channel: Channel, address: str) -> bool:
    """Take an address off the list; whether it was on it."""
    key = address_key(channel, address)
    return key is not None and uow.suppressions.remove(channel, key)


def suppressed(uow: UnitOfWork, channel: Channel, address: str) -> bool:
    key = address_key(channel, address)
    return key is not None and bool(uow.suppressions.among(channel, [key]))


def counts(uow: UnitOfWork, campaign_id: int) -> dict[str, int]:
    """A campaign's messages by status, and its refused ones by reason."""
    return uow.messages.counts(campaign_id)
