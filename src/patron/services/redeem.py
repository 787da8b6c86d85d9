"""Redemptions: a quote first, then spending points on a reward or as a basket discount.

Points closest to expiry are spent first. A reward for some clubs is refused to a member
of none of them (`reward_for_club_members`, domain/clubs.py). A reward with a stock is
taken by a conditional UPDATE (never below zero); one with a `limit` per member and period
is refused past it; a discount, gift or service issues its code for the till
(services/fulfil.py), and a used or handed-over one can no longer be cancelled. A
cancelled redemption gives its points back to the very lots they came from, with their
original expiry dates, and restocks the reward. Concurrent redemptions are serialized by
the member row lock, so the same points are never spent twice.

A redemption may name the till's `transaction_id`, unique per member: the same sale sent
again (a till failing over to another API key, whose idempotency keys it does not share)
is answered with its first redemption as it stands now, and spends nothing; the same id
with other terms is refused. The look-up runs under the member's lock, so of two such
sends at once the second sees the first's redemption.

A redemption records the shop of the key that made it; a key bound to a shop cancels only
its shop's redemptions, and is not answered with another shop's redemption for a
transaction id that shop used (domain/access.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from patron.domain import events
from patron.domain.access import check_shop
from patron.domain.audit import AuditAction
from patron.domain.clubs import check_reward_clubs
from patron.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    RedemptionCancelled,
    RewardUnavailable,
    TransactionIdReused,
)
from patron.domain.ledger import EntryRefs
from patron.domain.lots import allocate_spend, spendable_points
from patron.domain.member import Member, ensure_not_erased
from patron.domain.program import Program
from patron.domain.records import EntryKind, RedemptionStatus
from patron.domain.redemption import (
    NewRedemption,
    Price,
    Redemption,
    Terms,
    check_terms,
    max_points,
    price,
    same_terms,
)
from patron.services.balances import debit, locked_account, restore, save
from patron.services.bonuses import BONUS_PREFIX
from patron.services.clubs import member_club_ids
from patron.services.commands import CancelRedemption, Redeem
from patron.services.fulfil import Voucher, cancel_fulfilment, check_limit, issue, voucher_of
from patron.services.members import find_member
from patron.services.program import current_program
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class Quote:
    member_id: int
    spendable: int
    points: int
    value: Decimal
    currency: str
    max_points: int | None
    reward_id: str | None

    @property
    def sufficient(self) -> bool:
        """Whether the member's spendable points cover the redemption."""
        return self.spendable >= self.points


@dataclass(frozen=True)
class Redeemed:
    redemption_id: int
    member_id: int
    reward_id: str | None
    points: int
    value: Decimal
    currency: str
    balance: int
    status: RedemptionStatus = RedemptionStatus.COMPLETED
    transaction_id: str | None = None
    repeated: bool = False  # an earlier redemption of the same transaction, not a new one
    # the code the member shows at the till (a discount, gift or service; services/fulfil.py)
    voucher: Voucher | None = None


def quote(uow: UnitOfWork, cmd: Redeem) -> Quote:
    """What a redemption would cost and be worth now; writes nothing."""
    _, program = current_program(uow)
    member = find_member(uow, cmd.member_id)
    ensure_not_erased(member, "redeem points")
    spendable = spendable_points(uow.ledger.open_lots(member.id), uow.now)
    priced = _price(uow, program, member, cmd, lock=False)
    return Quote(
        member.id,
        spendable,
        priced.points,
        priced.value,
        program.currency,
        max_points(program.redemption, cmd.basket_total, spendable),
        priced.reward_id,
    )


def redeem(uow: UnitOfWork, cmd: Redeem, *, seat: bool = False) -> Redeemed:
    """Spend points; a scheduled event's seat is paid so only by its RSVP (`seat`,
    services/events.py), never redeemed directly."""
    _, program = current_program(uow)
    if not seat:
        _not_a_seat(program, cmd.reward_id)
    account = locked_account(uow, cmd.member_id)
    member = account.member
    ensure_not_erased(member, "redeem points")
    if cmd.transaction_id is not None and cmd.transaction_id.startswith(BONUS_PREFIX):
        raise InvalidInput(
            f"transaction_id: {BONUS_PREFIX!r} starts the keys of bonus vouchers;"
            " name the sale otherwise"
        )
    if cmd.transaction_id is not None:
        first = uow.redemptions.by_transaction(member.id, cmd.transaction_id)
        if first is not None:
            what = f"redemption {first.id} (transaction_id {cmd.transaction_id!r})"
            check_shop(cmd.shop, first.shop, what)
            repeated = _repeated(member, first, _terms(cmd), cmd.transaction_id)
            return replace(repeated, voucher=voucher_of(uow, first.id))
    priced = _price(uow, program, member, cmd, lock=True)
    points, reward_id = priced.points, priced.reward_id
    if reward_id and not uow.rewards.take_one(reward_id):
        raise RewardUnavailable(f"reward {reward_id!r} is out of stock")
    allocations = allocate_spend(uow.ledger.open_lots(member.id), points, uow.now)
    redemption_id = uow.redemptions.add(
        NewRedemption(
            member_id=member.id,
            reward_id=reward_id,
            points=points,
            value=priced.value,
            cost=priced.cost,
            currency=program.currency,
            created_at=uow.now,
            transaction_id=cmd.transaction_id,
            shop=cmd.shop,
        )
    )
    entry_id = debit(
        uow,
        account,
        EntryKind.REDEEM,
        allocations,
        uow.now,
        refs=EntryRefs(redemption_id=redemption_id),
    )
    save(uow, account)
    uow.redemptions.spent_by(redemption_id, entry_id)
    voucher = issue(uow, program, redemption_id, member.id, reward_id) if reward_id else None
    uow.outbox.add([events.redeemed(member.id, uow.now, redemption_id, points)], uow.now)
    return Redeemed(
        redemption_id,
        member.id,
        reward_id,
        points,
        priced.value,
        program.currency,
        account.member.balance,
        transaction_id=cmd.transaction_id,
        voucher=voucher,
    )


def cancel(uow: UnitOfWork, cmd: CancelRedemption, *, seat: bool = False) -> Redeemed:
    """Give a redemption's points back; a seat's is cancelled by its RSVP (`seat`)."""
    found = uow.redemptions.get(cmd.redemption_id)
    if found is None:
        raise NotFound(f"no redemption with id {cmd.redemption_id}")
    if not seat and found.reward_id is not None:
        _, program = current_program(uow)
        reward = program.reward(found.reward_id)
        if reward is not None and reward.scheduled:
            raise Conflict(
                f"redemption {found.id} pays a seat at event {found.reward_id!r}: cancel"
                " the RSVP instead, which gives the points back and frees the seat",
                redemption_id=found.id,
            )
    check_shop(cmd.shop, found.shop, f"redemption {cmd.redemption_id}")
    account = locked_account(uow, found.member_id)
    member = account.member
    row = uow.redemptions.get(cmd.redemption_id, lock=True)
    assert row is not None
    if row.status != RedemptionStatus.COMPLETED:
        raise RedemptionCancelled(
            f"redemption {row.id} is already {row.status}", redemption_id=row.id
        )
    if row.entry_id is None:  # a voucher given as a bonus (services/bonuses.py)
        raise Conflict(
            f"redemption {row.id} is a voucher given as a bonus: it spent no points to give"
            " back; left unused, it lapses on its date"
        )
    cancel_fulfilment(uow, row.id)
    points = row.points
    restore(
        uow,
        account,
        EntryKind.REDEEM_CANCEL,
        uow.ledger.allocations_of(row.entry_id),
        uow.now,
        refs=EntryRefs(redemption_id=row.id, reason=cmd.reason),
    )
    save(uow, account)
    uow.redemptions.cancel(row.id, uow.now)
    if row.reward_id:
        uow.rewards.change_stock(row.reward_id, +1)
    uow.outbox.add([events.redemption_cancelled(member.id, uow.now, row.id, points)], uow.now)
    uow.audit.record(
        uow.now,
        cmd.actor,
        AuditAction.REDEMPTION_CANCELLED,
        member.id,
        cmd.reason,
        {"redemption_id": row.id, "points": points, "reward_id": row.reward_id},
    )
    return Redeemed(
        row.id,
        member.id,
        row.reward_id,
        points,
        row.value,
        row.currency,
        account.member.balance,
        status=RedemptionStatus.CANCELLED,
        transaction_id=row.transaction_id,
        voucher=voucher_of(uow, row.id),
    )


def _not_a_seat(program: Program, reward_id: str | None) -> None:
    reward = program.reward(reward_id) if reward_id is not None else None
    if reward is not None and reward.scheduled:
        raise RewardUnavailable(
            f"reward {reward_id!r} is an event with seats: RSVP to it"
            f" (POST /v1/events/{reward_id}/rsvps, `patron events rsvp`)"
        )


def _repeated(member: Member, first: Redemption, terms: Terms, transaction_id: str) -> Redeemed:
    """The member's redemption already made under `transaction_id`, as it stands now (its
    status, the member's balance), if `terms` ask for the same; refused otherwise."""
    check_terms(terms)
    if not same_terms(terms, first.reward_id, first.points):
        spent = f"reward {first.reward_id!r}" if first.reward_id else f"{first.points} points"
        asked = f"reward {terms.reward_id!r}" if terms.reward_id else f"{terms.points} points"
        raise TransactionIdReused(
            f"transaction_id {transaction_id!r} is already redemption {first.id} of member"
            f" {member.id} ({spent}); this request asks for {asked}: a new redemption needs"
            " a new transaction_id",
            redemption_id=first.id,
        )
    return Redeemed(
        first.id,
        member.id,
        first.reward_id,
        first.points,
        first.value,
        first.currency,
        member.balance,
        status=first.status,
        transaction_id=transaction_id,
        repeated=True,
    )


def _price(uow: UnitOfWork, program: Program, member: Member, cmd: Redeem, *, lock: bool) -> Price:
    """Points, value and cost of a redemption, refused as the redemption itself would be
    (out of stock included); `lock` takes the reward's row for the redemption, not a quote."""
    terms = _terms(cmd)
    reward = uow.rewards.get(cmd.reward_id, lock=lock) if cmd.reward_id is not None else None
    priced = price(program.redemption, program.currency, member.tier, terms, reward)
    if priced.reward_id is not None:
        check_reward_clubs(
            program.reward(priced.reward_id), member_club_ids(uow, program, member.id)
        )
        check_limit(uow, program, member.id, priced.reward_id)
    return priced


def _terms(cmd: Redeem) -> Terms:
    return Terms(cmd.reward_id, cmd.points, cmd.basket_total)
