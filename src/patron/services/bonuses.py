"""Vouchers given as a bonus: a milestone's or a birthday's discount, without points.

A bonus voucher is a redemption of the discount reward that spends no points (0 points,
no ledger entry) and records the reward's cost and value like any other redemption, so
the budget and the reward's stock count it; its voucher is issued by the voucher
machinery (services/fulfil.py) and used at the till as any other. Each bonus has a key
(`milestone:<name>`, `birthday:<year>`) kept as the redemption's transaction id, unique
per member: the same bonus is never given twice, even by two runs at once (the member's
row is locked first, and the unique constraint is the backstop). A reward out of stock
gives no voucher: the bonus is skipped, not owed.
"""

from __future__ import annotations

from decimal import Decimal

from patron.domain.money import quantize_money
from patron.domain.program import Milestone, Program
from patron.domain.redemption import NewRedemption
from patron.services.fulfil import Voucher, issue, voucher_of
from patron.store.uow import UnitOfWork

BONUS_PREFIX = "bonus:"  # the transaction ids of bonus vouchers (a till's never starts so)


def bonus_key(what: str) -> str:
    return f"{BONUS_PREFIX}{what}"[:128]


def give_voucher(
    uow: UnitOfWork, program: Program, member_id: int, reward_id: str, key: str
) -> tuple[Voucher | None, bool]:
    """The bonus voucher of `key` for the member (whose row the caller holds locked):
    (the voucher, whether it is new). An existing one is returned as it stands; none when
    the reward is out of stock."""
    first = uow.redemptions.by_transaction(member_id, bonus_key(key))
    if first is not None:
        return voucher_of(uow, first.id), False
    reward = program.reward(reward_id)
    assert reward is not None  # the program refuses a voucher naming no discount reward
    if not uow.rewards.take_one(reward_id):
        return None, False
    redemption_id = uow.redemptions.add(
        NewRedemption(
            member_id=member_id,
            reward_id=reward_id,
            points=0,
            value=quantize_money(reward.value if reward.value is not None else Decimal(0)),
            cost=quantize_money(reward.cost),
            currency=program.currency,
            created_at=uow.now,
            transaction_id=bonus_key(key),
            shop=None,
        )
    )
    return issue(uow, program, redemption_id, member_id, reward_id), True


def milestone_vouchers(
    uow: UnitOfWork, program: Program, member_id: int, crossed: list[Milestone]
) -> list[Voucher]:
    """The vouchers of the voucher milestones a purchase crossed, each once per member."""
    given = []
    for ms in crossed:
        if ms.voucher is None:
            continue
        voucher, new = give_voucher(uow, program, member_id, ms.voucher, f"milestone:{ms.name}")
        if voucher is not None and new:
            given.append(voucher)
    return given
