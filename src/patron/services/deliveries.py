"""The delivery of queued messages, one transaction a step: claim a batch, prepare it
(the gate again, then the fields, in batched queries), finish (the batch's outcomes
together); and a campaign's unsubscribes.

Design overview. The message core (services/messages.py) decides at enqueue whether a
message may go; time passes before the worker sends it, and a member may unsubscribe or
an address be suppressed meanwhile (DESIGN.md §4: an unsubscribe takes effect before the
next send). So `prepare_batch` asks the gate again at send time: a marketing message whose
consent is no longer `granted`, whose address is gone, erased or suppressed is `refused`
with the reason and never sent. A message that may go gets what its template needs
(domain/message_fields.py): the member's name, balance, tier and referral code, the
soonest expiring points, the recommended reward, the portal's URL and, for marketing,
the one-click unsubscribe URL and its headers (RFC 8058). Rendering and sending belong to
the adapter (delivery.py), between `prepare` and `finish`, outside any transaction.

`finish` records the outcome: `sent` with the address and time; a temporary refusal
`deferred` until the retry policy's next time (domain/webhooks.RetryPolicy), `failed`
after its last attempt; a permanent refusal `bounced`, and the address of a marketing or
transactional e-mail suppressed (reason `bounce`) so no campaign reaches it again.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from patron.domain.errors import PatronError
from patron.domain.lots import expiring_soon, spendable_points
from patron.domain.member import Member
from patron.domain.message_fields import MessageTemplate, fields, recommended, soonest
from patron.domain.messages import (
    CONSENT_PURPOSE,
    Channel,
    Kind,
    Refusal,
    Status,
    SuppressionReason,
)
from patron.domain.webhooks import RetryPolicy
from patron.services.messages import gate_batch, suppress
from patron.services.preferences import unsubscribe_links
from patron.services.program import current_program
from patron.services.queries import active_rewards
from patron.store.deliveries import Claimed as Claimed
from patron.store.uow import UnitOfWork

DEFAULT_POLICY = RetryPolicy(
    max_attempts=6, base=timedelta(minutes=1), cap=timedelta(hours=6), jitter=0.5
)


@dataclass(frozen=True, slots=True)
class Claim:
    limit: int
    lease: timedelta


@dataclass(frozen=True, slots=True)
class Prepared:
    """A message that may go: to whom, what to render it from, with which headers."""

    claimed: Claimed
    channel: Channel
    marketing: bool
    address: str
    locale: str
    stored: Mapping[str, MessageTemplate]
    fields: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # a temporary refusal: again later, or failed after the last attempt
    BOUNCED = "bounced"  # a permanent refusal of the address
    FAILED = "failed"  # the message itself cannot go (its template does not render)


@dataclass(frozen=True, slots=True)
class Finish:
    claimed: Claimed
    outcome: Outcome
    address: str | None = None
    error: str | None = None
    policy: RetryPolicy = DEFAULT_POLICY
    draw: float = field(default_factory=random.random)


def claim_messages(uow: UnitOfWork, claim: Claim) -> list[Claimed]:
    """Lease up to `limit` messages due now: each `sending`, one attempt more."""
    return uow.deliveries.claim(uow.now, uow.now + claim.lease, claim.limit)


def release_messages(uow: UnitOfWork, claimed: list[Claimed]) -> None:
    uow.deliveries.release(claimed)


def reconcile_messages(uow: UnitOfWork, single: bool) -> int:
    return uow.deliveries.reconcile(uow.now, every_sending=single)


@dataclass(frozen=True, slots=True)
class PrepareBatch:
    """The messages of one claim, and what the adapter knows that the store does not:
    where the portal is (its public URL, https in production), the program's default
    language, and where a one-click unsubscribe by mail may also go (None: the https
    link only)."""

    claimed: Sequence[Claimed]
    base_url: str
    default_locale: str = "en"
    unsubscribe_mailto: str | None = None


@dataclass(frozen=True, slots=True)
class Unprepared:
    """A message whose fields cannot be read (no program loaded): it fails, saying why."""

    claimed: Claimed
    reason: str


def prepare_batch(uow: UnitOfWork, command: PrepareBatch) -> list[Prepared | Unprepared | None]:
    """`prepare` for a claimed batch in one transaction, with batched queries (the gate,
    the members and their languages, their open lots; the program, the rewards, the
    links' secret and each template read once): per message, in the claim's order, the
    message ready to render, None when refused at send time (recorded so), or
    Unprepared."""
    claimed = command.claimed
    now = uow.now
    asks = [(c.member_id, Channel(c.channel), Kind(c.kind)) for c in claimed]
    refusals = gate_batch(uow, asks)
    members = uow.members.many(c.member_id for c in claimed)
    answers: list[Prepared | Unprepared | None] = [None] * len(claimed)
    going: list[tuple[int, Claimed, Member, str | None, str]] = []
    for i, (one, refused) in enumerate(zip(claimed, refusals, strict=True)):
        found = members.get(one.member_id)
        address = _address_of(uow, found[0], Channel(one.channel)) if found else None
        if refused is None and (found is None or address is None):
            refused = Refusal.NO_ADDRESS
        if refused is not None or found is None or address is None:
            refusal = refused.value if refused else None
            uow.deliveries.finish(one, Status.REFUSED.value, refusal=refusal)
            continue
        going.append((i, one, found[0], found[1], address))
    if not going:
        return answers
    try:
        _, program = current_program(uow)
    except PatronError as exc:
        for i, one, *_ in going:
            answers[i] = Unprepared(one, exc.message)
        return answers
    lots = uow.ledger.open_lots_of(member.id for _, _, member, _, _ in going)
    rewards = active_rewards(uow)
    horizon = max(program.expiry.warn_days, 90)
    link_for = unsubscribe_links(uow, command.base_url)
    portal_url = f"{command.base_url.rstrip('/')}/portal"
    templates: dict[str, Mapping[str, MessageTemplate]] = {}
    for i, one, member, locale, address in going:
        channel = Channel(one.channel)
        marketing = one.kind == Kind.MARKETING.value
        link = link_for(member.id, CONSENT_PURPOSE[channel], one.message_id) if marketing else None
        own = lots.get(member.id, [])
        points = spendable_points(own, now)
        values = fields(
            name=member.name,
            balance=points,
            tier=member.tier,
            referral_code=member.referral_code,
            expiring=soonest(expiring_soon(own, now, horizon)),
            reward=recommended(rewards, points, member.tier),
            portal_url=portal_url,
            unsubscribe_url=link,
            context=one.context,
        )
        if one.template not in templates:
            templates[one.template] = uow.deliveries.templates(one.template)
        answers[i] = Prepared(
            one,
            channel,
            marketing,
            address,
            locale or command.default_locale,
            templates[one.template],
            values,
            _headers(link, command.unsubscribe_mailto) if link and channel is Channel.EMAIL else {},
        )
    return answers


def _address_of(uow: UnitOfWork, member: Member, channel: Channel) -> str | None:
    if channel is Channel.EMAIL:
        return member.email or None
    if channel is Channel.SMS:
        return uow.contacts.get(member.id).phone or None
    return member.external_id


def _headers(link: str, mailto: str | None) -> dict[str, str]:
    """RFC 8058: the https link first (the one a mail program posts to), a mailto beside
    it when one is configured; `List-Unsubscribe-Post` says the link takes a one-click
    POST."""
    targets = f"<{link}>" + (f", <mailto:{mailto}?subject=unsubscribe>" if mailto else "")
    return {"List-Unsubscribe": targets, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def finish(uow: UnitOfWork, command: Finish) -> str:
    """Record the attempt's outcome; the status the message is left in."""
    claimed, now = command.claimed, uow.now
    if command.outcome is Outcome.SENT:
        status, values = Status.SENT, {"address": command.address, "sent_at": now, "error": None}
    elif command.outcome is Outcome.RETRY:
        again = command.policy.after_failure(claimed.attempt, now, command.draw)
        status = Status.DEFERRED if again is not None else Status.FAILED
        values = {"error": command.error, **({"not_before": again} if again else {})}
    elif command.outcome is Outcome.BOUNCED:
        status, values = Status.BOUNCED, {"error": command.error, "address": command.address}
    else:
        status, values = Status.FAILED, {"error": command.error}
    recorded = uow.deliveries.finish(claimed, status.value, **values)
    if recorded and status is Status.BOUNCED and command.address:
        channel = Channel(claimed.channel)
        suppress(uow, channel, command.address, SuppressionReason.BOUNCE, "delivery", None)
    return status.value


def finish_batch(uow: UnitOfWork, commands: Sequence[Finish]) -> list[str]:
    """`finish` for several attempts in one transaction (the worker records a batch's
    outcomes together); the statuses, in order."""
    return [finish(uow, command) for command in commands]


def unsubscribes(uow: UnitOfWork, campaign_id: int) -> int:
    """The members who unsubscribed by the link of one of the campaign's messages."""
    return uow.deliveries.unsubscribes(campaign_id)


def message_status(uow: UnitOfWork, message_id: int) -> tuple[str, str | None] | None:
    """A message's status and refusal (None: no such message)."""
    return uow.deliveries.status(message_id)
