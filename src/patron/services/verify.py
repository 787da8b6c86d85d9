"""`verify`: the ledger's self-check, run after every test scenario and by operators.

Every total the store keeps next to the records it sums up is recomputed from them, so a
lost update or a hand edit shows up instead of silently skewing points or tiers:

- a member's cached balance = Σ ledger entries = Σ open lots, and is not negative;
- a lot's remaining points = what it received − what its allocations took;
- a purchase's `refunded_total` = Σ amounts of its refunds;
- a member's `lifetime_spend` = Σ totals of their purchases − Σ amounts of their refunds;
- a member's `purchase_count` = the number of their purchases (a refund does not undo a
  purchase: it stays counted);
- a limited reward's `stock` = the stock set by the program version that last set it,
  − its redemptions made since that version was loaded and not cancelled,
  + those made before it and cancelled since (a cancellation restocks);
- an event's seats taken = its RSVPs holding a seat (attending or attended).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from patron.domain.money import quantize_money
from patron.store.totals import Totals
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class VerifyReport:
    members: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(uow: UnitOfWork) -> VerifyReport:
    problems: list[str] = []
    totals = uow.totals
    balances = totals.balances()
    for row in balances:
        if not row.balance == row.entries == row.lots:
            problems.append(
                f"member {row.member_id}: balance {row.balance}, sum of entries {row.entries},"
                f" sum of open lots {row.lots}"
            )
        if row.balance < 0:
            problems.append(f"member {row.member_id}: negative balance {row.balance}")
    for lot in totals.lot_mismatches():
        problems.append(f"member {lot.member_id}: lot {lot.lot_id} disagrees with its allocations")
    problems += _refunded_totals(totals)
    problems += _member_totals(totals)
    problems += _stock(totals)
    problems += _seats(totals)
    return VerifyReport(len(balances), problems)


def _seats(totals: Totals) -> Iterator[str]:
    """An event's seats taken = its RSVPs holding a seat (domain/rsvp.py)."""
    for reward_id, taken, _capacity, held in totals.event_seats():
        if taken != held:
            yield f"event {reward_id}: {taken} seats taken, {held} RSVPs hold one"


def _refunded_totals(totals: Totals) -> Iterator[str]:
    for row in totals.refunded():
        stored, summed = quantize_money(row.refunded_total), quantize_money(row.refunds)
        if stored != summed:
            yield (
                f"purchase {row.purchase_id} (member {row.member_id}): refunded_total {stored},"
                f" sum of its refunds {summed}"
            )


def _member_totals(totals: Totals) -> Iterator[str]:
    for row in totals.members():
        stored = quantize_money(row.lifetime_spend)
        net = quantize_money(row.spent) - quantize_money(row.returned)
        if stored != net:
            yield (
                f"member {row.member_id}: lifetime_spend {stored}, sum of purchase totals net"
                f" of refunds {net}"
            )
        if row.purchase_count != row.purchases:
            yield (
                f"member {row.member_id}: purchase_count {row.purchase_count},"
                f" {row.purchases} purchases recorded"
            )


def _stock(totals: Totals) -> Iterator[str]:
    versions = [
        (v.loaded_at, {r["id"]: r.get("stock") for r in v.definition.get("rewards", [])})
        for v in totals.program_versions()
    ]
    for reward in totals.rewards_with_stock():
        found = _stock_set(versions, reward.reward_id)
        if found is None:
            continue  # not in the current program: the catalog keeps it inactive
        initial, since = found
        taken, given_back = totals.redemptions_since(reward.reward_id, since)
        expected = initial - taken + given_back
        if reward.stock != expected:
            yield (
                f"reward {reward.reward_id}: stock {reward.stock}, expected {expected}"
                f" ({initial} set by the program loaded at {since.isoformat()},"
                f" {taken} redeemed since, {given_back} earlier redemptions cancelled since)"
            )


def _stock_set(
    versions: list[tuple[datetime, dict[str, int | None]]], reward_id: str
) -> tuple[int, datetime] | None:
    """The stock the catalog took last and when: a version sets a reward's stock when the
    version before it lacks the reward or gives another stock (`Rewards.sync`)."""
    if not versions or reward_id not in versions[-1][1]:
        return None
    at = len(versions) - 1
    stock = versions[at][1][reward_id]
    while at > 0 and reward_id in versions[at - 1][1] and versions[at - 1][1][reward_id] == stock:
        at -= 1
    return (stock, versions[at][0]) if stock is not None else None
