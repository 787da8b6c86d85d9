"""Redemptions: a quote first, then spending points on a reward or as a basket discount.

Points closest to expiry are spent first. A cancelled redemption gives its points back
to the very lots they came from, with their original expiry dates, and restocks the
reward. Concurrent redemptions are serialized by the member row lock, so the same
points are never spent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import Row

from patron.domain import events
from patron.domain.errors import Conflict, InvalidInput, NotFound, RewardUnavailable
from patron.domain.lots import allocate_spend, spendable_points
from patron.domain.member import Member, ensure_not_erased
from patron.domain.money import quantize_money
from patron.domain.program import Program
from patron.domain.records import EntryKind, RedemptionStatus
from patron.services.commands import CancelRedemption, Redeem
from patron.services.ledger import current_program, debit, locked_member, settle_debt
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


def quote(uow: UnitOfWork, cmd: Redeem) -> Quote:
    """What a redemption would cost and be worth now; writes nothing."""
    _, program = current_program(uow)
    member = uow.members.get(cmd.member_id)
    if member is None:
        raise NotFound(f"no member with id {cmd.member_id}")
    ensure_not_erased(member, "redeem points")
    spendable = spendable_points(uow.ledger.open_lots(member.id), uow.now)
    points, value, reward_id = _price(uow, program, member, cmd, lock=False)
    return Quote(
        member.id,
        spendable,
        points,
        value,
        program.currency,
        _max_points(program, cmd.basket_total, spendable),
        reward_id,
    )


def redeem(uow: UnitOfWork, cmd: Redeem) -> Redeemed:
    _, program = current_program(uow)
    member = locked_member(uow, cmd.member_id)
    ensure_not_erased(member, "redeem points")
    points, value, reward_id = _price(uow, program, member, cmd, lock=True)
    allocations = allocate_spend(uow.ledger.open_lots(member.id), points, uow.now)
    reward = uow.rewards.get(reward_id) if reward_id else None
    redemption_id = uow.redemptions.add(
        member_id=member.id,
        reward_id=reward_id,
        points=points,
        value=value,
        cost=quantize_money(Decimal(str(reward.cost))) if reward else value,
        currency=program.currency,
        status=RedemptionStatus.COMPLETED,
        created_at=uow.now,
    )
    entry_id = debit(
        uow, member.id, EntryKind.REDEEM, allocations, uow.now, redemption_id=redemption_id
    )
    uow.redemptions.update(redemption_id, entry_id=entry_id)
    if reward_id:
        uow.rewards.change_stock(reward_id, -1)
    uow.outbox.add([events.redeemed(member.id, uow.now, redemption_id, points)], uow.now)
    return Redeemed(
        redemption_id,
        member.id,
        reward_id,
        points,
        value,
        program.currency,
        member.balance - points,
    )


def cancel(uow: UnitOfWork, cmd: CancelRedemption) -> Redeemed:
    found = uow.redemptions.get(cmd.redemption_id)
    if found is None:
        raise NotFound(f"no redemption with id {cmd.redemption_id}")
    member = locked_member(uow, int(found.member_id))
    row = uow.redemptions.get(cmd.redemption_id, lock=True)
    assert row is not None
    if row.status != RedemptionStatus.COMPLETED:
        raise Conflict(f"redemption {row.id} is already {row.status}")
    restored = [(lot_id, -pts) for lot_id, pts in uow.ledger.allocations_of(int(row.entry_id))]
    points = int(row.points)
    entry_id = uow.ledger.add_entry(
        member.id, EntryKind.REDEEM_CANCEL, points, uow.now, redemption_id=row.id, reason=cmd.reason
    )
    uow.ledger.apply(member.id, entry_id, restored)
    uow.members.add_points(member.id, points)
    uow.redemptions.update(row.id, status=RedemptionStatus.CANCELLED, cancelled_at=uow.now)
    if row.reward_id:
        uow.rewards.change_stock(row.reward_id, +1)
    settle_debt(uow, member.id, uow.now)
    uow.outbox.add([events.redemption_cancelled(member.id, uow.now, row.id, points)], uow.now)
    after = uow.members.get(member.id)
    assert after is not None
    return Redeemed(
        row.id,
        member.id,
        row.reward_id,
        points,
        Decimal(str(row.value)),
        row.currency,
        after.balance,
        status=RedemptionStatus.CANCELLED,
    )


def _price(
    uow: UnitOfWork, program: Program, member: Member, cmd: Redeem, *, lock: bool
) -> tuple[int, Decimal, str | None]:
    """Points and value of a redemption, refused as the redemption itself would be (out
    of stock included); `lock` takes the reward's row for the redemption, not a quote."""
    if (cmd.reward_id is None) == (cmd.points is None):
        raise InvalidInput("give either reward_id or points, not both and not neither")
    if cmd.reward_id is not None:
        reward = uow.rewards.get(cmd.reward_id, lock=lock)
        _check_reward(reward, cmd.reward_id, member)
        assert reward is not None
        value = Decimal(str(reward.value)) if reward.value is not None else Decimal(0)
        return int(reward.points), quantize_money(value), cmd.reward_id
    points = int(cmd.points or 0)
    if points <= 0:
        raise InvalidInput("points must be a positive whole number")
    policy = program.redemption
    if points < policy.min_points:
        raise InvalidInput(f"points: at least {policy.min_points} points per redemption")
    value = quantize_money(points * policy.point_value)
    if cmd.basket_total is not None:
        if cmd.basket_total <= 0:
            raise InvalidInput("basket_total must be positive")
        cap = cmd.basket_total * policy.max_basket_share
        if value > cap:
            raise InvalidInput(
                f"points: {points} points are worth {value} {program.currency}, more than the"
                f" {policy.max_basket_share:%} of the basket payable in points"
                f" ({quantize_money(cap)})"
            )
    return points, value, None


def _check_reward(reward: Row[Any] | None, reward_id: str, member: Member) -> None:
    if reward is None or not reward.active:
        raise NotFound(f"no reward {reward_id!r} in the catalog")
    if reward.tiers and member.tier not in reward.tiers:
        raise RewardUnavailable(
            f"reward {reward_id!r} is for tiers {list(reward.tiers)}; member is {member.tier}"
        )
    if reward.stock is not None and reward.stock <= 0:
        raise RewardUnavailable(f"reward {reward_id!r} is out of stock")


def _max_points(program: Program, basket: Decimal | None, spendable: int) -> int | None:
    if basket is None:
        return None
    policy = program.redemption
    cap = (basket * policy.max_basket_share / policy.point_value).to_integral_value(ROUND_FLOOR)
    return max(0, min(spendable, int(cap)))
