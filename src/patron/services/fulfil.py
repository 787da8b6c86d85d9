"""Fulfilment of rewards: the voucher a redemption issues, its use at the till, a gift or
service handed over, the limit per member and period, and the totals of the causes.

A redemption of a discount, gift or service issues, in the redemption's own transaction,
a code drawn from `secrets` (domain/fulfilment.py gives its alphabet and entropy). The
till checks a code (`check`) and uses it (`use`): once. A use names the till's sale
(`transaction_id`) when it can; the same use sent again (same code, same sale) is answered
with the use already made, so a till that lost the answer can ask again; any other use of
a used code is refused. Every use and hand-over is audited with its actor. A code is
good at any till of the business, whichever shop or portal redeemed it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from patron.domain import events
from patron.domain.audit import AuditAction
from patron.domain.errors import NotFound, RewardLimitReached, VoucherUnknown, VoucherUsed
from patron.domain.fulfilment import (
    ALPHABET,
    CODE_LENGTH,
    FULFILLED,
    CauseTotal,
    Fulfilment,
    FulfilmentState,
    check_use,
    done_state,
    expiry,
    grouped,
    normalise_code,
    period_start,
    well_formed,
)
from patron.domain.program import Program
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class UseVoucher:
    code: str
    transaction_id: str | None = None  # the till's sale; the same sale again: the same answer
    actor: str = "system"


@dataclass(frozen=True)
class HandOver:
    redemption_id: int
    actor: str = "system"
    reason: str | None = None


@dataclass(frozen=True)
class Voucher:
    """A fulfilment as the till, the portal and the console read it: `state` is `expired`
    for an issued voucher past its moment; `repeated`: a use sent again, answered as it
    was made."""

    code: str
    redemption_id: int
    member_id: int
    reward_id: str
    reward_name: str
    kind: str
    state: str
    created_at: datetime
    expires_at: datetime | None
    used_at: datetime | None
    used_by: str | None
    transaction_id: str | None
    repeated: bool = False

    @property
    def grouped_code(self) -> str:
        return grouped(self.code)


def shown(found: Fulfilment, now: datetime, *, repeated: bool = False) -> Voucher:
    return Voucher(
        found.code,
        found.redemption_id,
        found.member_id,
        found.reward_id,
        found.reward_name,
        found.kind,
        found.shown_state(now),
        found.created_at,
        found.expires_at,
        found.done_at,
        found.done_by,
        found.transaction_id,
        repeated,
    )


def new_code() -> str:
    """A fresh code: CODE_LENGTH letters of ALPHABET, each from `secrets`."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def check_limit(uow: UnitOfWork, program: Program, member_id: int, reward_id: str) -> None:
    """Refuse a redemption past the reward's `limit` for its period (the member's
    redemptions of it not cancelled, since the period began)."""
    reward = program.reward(reward_id)
    if reward is None or reward.limit is None:
        return
    since = period_start(reward.per, uow.now)
    taken = uow.fulfilments.taken_since(member_id, reward_id, since)
    if taken >= reward.limit:
        period = "in all" if since is None else f"per {reward.per.value}"
        raise RewardLimitReached(
            f"reward {reward_id!r} may be redeemed {reward.limit} time(s) {period};"
            f" member {member_id} has had it {taken} time(s)",
            limit=reward.limit,
            per=reward.per.value,
        )


def issue(
    uow: UnitOfWork, program: Program, redemption_id: int, member_id: int, reward_id: str
) -> Voucher | None:
    """The fulfilment of a new redemption of a discount, gift or service; None for the
    other kinds (a cause is given at once)."""
    reward = program.reward(reward_id)
    if reward is None or reward.kind not in FULFILLED:
        return None
    code = new_code()
    while uow.fulfilments.code_taken(code):  # 1 chance in ~10^12 per live million
        code = new_code()
    days = reward.voucher_days or program.redemption.voucher_days
    made = Fulfilment(
        redemption_id=redemption_id,
        member_id=member_id,
        reward_id=reward_id,
        kind=reward.kind.value,
        code=code,
        state=FulfilmentState.ISSUED,
        created_at=uow.now,
        expires_at=expiry(reward.kind, uow.now, days),
        done_at=None,
        done_by=None,
        transaction_id=None,
        reward_name=reward.name,
    )
    uow.fulfilments.add(made)
    uow.outbox.add(
        [
            events.voucher_issued(
                member_id, uow.now, redemption_id, reward_id, made.kind, made.expires_at
            )
        ],
        uow.now,
    )
    return shown(made, uow.now)


def check(uow: UnitOfWork, code: str) -> Voucher:
    """The voucher with `code` (as typed: case and dashes do not matter), whatever its
    state; unknown refused."""
    return shown(_found(uow, code), uow.now)


def use(uow: UnitOfWork, cmd: UseVoucher) -> Voucher:
    """Use a voucher once (a gift or service: hand it over); the same sale again is
    answered with that use."""
    found = _found(uow, cmd.code)
    if _same_use(found, cmd):
        return shown(found, uow.now, repeated=True)
    check_use(found, found.code, uow.now)
    to = done_state(found.kind)
    if not uow.fulfilments.finish(found.redemption_id, to, uow.now, cmd.actor, cmd.transaction_id):
        # another till moved it between our read and our write: answer as it stands now
        now = _found(uow, cmd.code)
        if _same_use(now, cmd):
            return shown(now, uow.now, repeated=True)
        check_use(now, now.code, uow.now)
        raise VoucherUsed(f"voucher {now.code} was used at the same moment")  # pragma: no cover
    _audit(uow, found, to, cmd.actor, None)
    _announce(uow, found, to, cmd.transaction_id)
    after = uow.fulfilments.of_redemption(found.redemption_id)
    assert after is not None
    return shown(after, uow.now)


def hand_over(uow: UnitOfWork, cmd: HandOver) -> Voucher:
    """Mark a redemption's gift or service handed over (the console's and the CLI's action,
    by redemption id); refused as a use of its code would be."""
    found = uow.fulfilments.of_redemption(cmd.redemption_id)
    if found is None:
        raise NotFound(
            f"redemption {cmd.redemption_id} has no gift, service or voucher to hand over"
        )
    check_use(found, found.code, uow.now)
    to = done_state(found.kind)
    if not uow.fulfilments.finish(found.redemption_id, to, uow.now, cmd.actor):
        now = uow.fulfilments.of_redemption(cmd.redemption_id)
        check_use(now, found.code, uow.now)
        raise VoucherUsed(f"voucher {found.code} was used at the same moment")  # pragma: no cover
    _audit(uow, found, to, cmd.actor, cmd.reason)
    _announce(uow, found, to, None)
    after = uow.fulfilments.of_redemption(found.redemption_id)
    assert after is not None
    return shown(after, uow.now)


def cancel_fulfilment(uow: UnitOfWork, redemption_id: int) -> None:
    """Called by the redemption's cancellation: an issued code becomes cancelled; a used
    or handed-over one refuses the cancellation (the member has had the reward)."""
    found = uow.fulfilments.of_redemption(redemption_id)
    if found is None:
        return
    if not uow.fulfilments.finish(redemption_id, FulfilmentState.CANCELLED, uow.now, None):
        now = uow.fulfilments.of_redemption(redemption_id)
        assert now is not None
        raise VoucherUsed(
            f"redemption {redemption_id} cannot be cancelled: its {now.kind} was"
            f" {now.state.value.replace('_', ' ')} at {now.done_at}",
            redemption_id=redemption_id,
        )
    event = events.voucher_cancelled(
        found.member_id, uow.now, redemption_id, found.reward_id, found.kind
    )
    uow.outbox.add([event], uow.now)


def member_vouchers(uow: UnitOfWork, member_id: int) -> list[Voucher]:
    """The member's vouchers, gifts and services, newest first."""
    return [shown(f, uow.now) for f in uow.fulfilments.of_member(member_id)]


def voucher_of(uow: UnitOfWork, redemption_id: int) -> Voucher | None:
    found = uow.fulfilments.of_redemption(redemption_id)
    return shown(found, uow.now) if found is not None else None


def waiting(uow: UnitOfWork) -> list[Voucher]:
    """Gifts and services redeemed and not yet handed over, oldest first."""
    return [shown(f, uow.now) for f in uow.fulfilments.waiting()]


def cause_totals(uow: UnitOfWork) -> list[CauseTotal]:
    return uow.fulfilments.cause_totals()


def _found(uow: UnitOfWork, text: str) -> Fulfilment:
    """The fulfilment with the code as typed; unknown refused (a malformed code unread)."""
    code = normalise_code(text)
    found = uow.fulfilments.by_code(code) if well_formed(code) else None
    if found is None:
        raise VoucherUnknown(f"no voucher with code {text.strip()[:40]!r}")
    return found


def _same_use(found: Fulfilment, cmd: UseVoucher) -> bool:
    return (
        found.state in (FulfilmentState.USED, FulfilmentState.HANDED_OVER)
        and cmd.transaction_id is not None
        and found.transaction_id == cmd.transaction_id
    )


def _audit(
    uow: UnitOfWork, found: Fulfilment, to: FulfilmentState, actor: str, reason: str | None
) -> None:
    action = (
        AuditAction.VOUCHER_USED if to is FulfilmentState.USED else AuditAction.REWARD_HANDED_OVER
    )
    details = {"redemption_id": found.redemption_id, "reward_id": found.reward_id}
    uow.audit.record(uow.now, actor, action, found.member_id, reason, details)


def _announce(
    uow: UnitOfWork, found: Fulfilment, to: FulfilmentState, transaction_id: str | None
) -> None:
    """The outbox event of a use (a discount) or a hand-over (a gift or service)."""
    at, mid, rid = uow.now, found.member_id, found.redemption_id
    if to is FulfilmentState.USED:
        event = events.voucher_used(mid, at, rid, found.reward_id, found.kind, transaction_id)
    else:
        event = events.voucher_handed_over(mid, at, rid, found.reward_id, found.kind)
    uow.outbox.add([event], uow.now)
