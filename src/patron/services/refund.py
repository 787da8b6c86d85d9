"""Refunds: returned goods give back their points, and never push a balance below zero.

Points come back first from the purchase's own lot, then from the member's other lots;
what was already spent and cannot be covered becomes a debt, settled from later earnings.
Order-level bonuses (promotion bonus, milestone) are taken back when the last line goes.
A key bound to a shop refunds only that shop's purchases (domain/access.py), checked
before anything is locked or written. A referral paid on this purchase is taken back when
the refund comes within its window (services/referrals.py).
The money given back is the lines' share of the purchase total (`domain.refunds`), so
returning everything gives back exactly the total. Every refund locks the member first
and only then reads the purchase: two refunds of one purchase run one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from patron.domain import events
from patron.domain.access import check_shop
from patron.domain.earning import points_to_take_back
from patron.domain.errors import InvalidInput, NotFound, NothingToReturn
from patron.domain.ledger import EntryRefs
from patron.domain.lots import allocate_take_back
from patron.domain.money import quantize_money
from patron.domain.purchases import NewRefund, Purchase, PurchaseLine
from patron.domain.records import EntryKind
from patron.domain.refunds import amount_to_give_back, line_shares
from patron.services.balances import debit, locked_account, record_debt, save
from patron.services.commands import Refund, ReturnLine
from patron.services.program import current_program
from patron.services.referrals import on_refund
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class Refunded:
    refund_id: int
    purchase_id: int
    member_id: int
    amount: Decimal
    points_taken_back: int
    debt: int
    balance: int


def refund(uow: UnitOfWork, cmd: Refund) -> Refunded:
    found = uow.purchases.get(cmd.purchase_id)
    if found is None:
        raise NotFound(f"no purchase with id {cmd.purchase_id}")
    check_shop(cmd.shop, found.shop, f"purchase {cmd.purchase_id}")
    account = locked_account(uow, found.member_id)
    member = account.member
    # Read the purchase again under the member's lock: a concurrent refund of another of
    # its lines has committed by now, and its returned quantities must be seen.
    purchase = uow.purchases.get(cmd.purchase_id)
    assert purchase is not None
    lines = {line.line_no: line for line in uow.purchases.lines(purchase.id)}
    returns = _returns(cmd, lines)
    shares = _shares(purchase, lines)
    amount, points = Decimal(0), 0
    for ret in returns:
        line = lines[ret.line_no]
        amount += amount_to_give_back(
            shares[ret.line_no], line.quantity, line.refunded_quantity, ret.quantity
        )
        points += points_to_take_back(
            line.points, line.quantity, line.refunded_quantity, ret.quantity
        )
        uow.purchases.return_line(line.id, ret.quantity)
    if _fully_returned(lines, returns):
        points += purchase.bonus_points
    referrer = None
    if member.referred_by is not None:
        # a referral paid on this purchase, returned within its window, is taken back
        # first, from its own lots (services/referrals.py); then the purchase's points
        kept = quantize_money(purchase.total - purchase.refunded_total - amount)
        referrer = on_refund(uow, current_program(uow)[1], account, purchase.id, kept)
    own = set(uow.ledger.lots_of_purchase(purchase.id))
    allocations, shortfall = allocate_take_back(
        uow.ledger.open_lots(member.id), points, own, uow.now
    )
    refund_id = uow.purchases.add_refund(
        NewRefund(
            purchase_id=purchase.id,
            member_id=member.id,
            amount=amount,
            points_taken_back=points,
            debt=shortfall,
            lines=tuple(returns),
            reason=cmd.reason,
            created_at=uow.now,
        )
    )
    if allocations:
        debit(
            uow,
            account,
            EntryKind.REFUND,
            allocations,
            uow.now,
            refs=EntryRefs(purchase_id=purchase.id, refund_id=refund_id, reason=cmd.reason),
        )
    record_debt(account, shortfall)
    account.count_return(amount)
    save(uow, account, *([referrer] if referrer else []))
    uow.purchases.add_refunded(purchase.id, amount)
    uow.outbox.add([events.refunded(member.id, uow.now, purchase.id, points, shortfall)], uow.now)
    balance = account.member.balance
    return Refunded(refund_id, purchase.id, member.id, amount, points, shortfall, balance)


def _shares(purchase: Purchase, lines: dict[int, PurchaseLine]) -> dict[int, Decimal]:
    """Each line's share of the purchase total, which its returns give back in full."""
    exact = [line.unit_price * line.quantity for line in lines.values()]
    total = quantize_money(purchase.total)
    return dict(zip(lines, line_shares(total, exact), strict=True))


def _returns(cmd: Refund, lines: dict[int, PurchaseLine]) -> list[ReturnLine]:
    if cmd.lines is None:
        returns = [
            ReturnLine(n, r.quantity - r.refunded_quantity)
            for n, r in lines.items()
            if r.quantity > r.refunded_quantity
        ]
        if not returns:
            raise NothingToReturn("every line of this purchase has already been returned")
        return returns
    if not cmd.lines:
        raise InvalidInput("lines: name at least one line to return, or omit lines for all")
    seen: set[int] = set()
    for i, ret in enumerate(cmd.lines):
        line = lines.get(ret.line_no)
        if line is None:
            raise InvalidInput(f"lines[{i}].line_no: the purchase has no line {ret.line_no}")
        if ret.line_no in seen:
            raise InvalidInput(f"lines[{i}].line_no: line {ret.line_no} is named twice")
        seen.add(ret.line_no)
        left = line.quantity - line.refunded_quantity
        if not 0 < ret.quantity <= left:
            raise InvalidInput(
                f"lines[{i}].quantity: {ret.quantity} asked, {left} of line {ret.line_no}"
                " can still be returned"
            )
    return list(cmd.lines)


def _fully_returned(lines: dict[int, PurchaseLine], returns: list[ReturnLine]) -> bool:
    returning = {r.line_no: r.quantity for r in returns}
    return all(
        line.refunded_quantity + returning.get(n, 0) == line.quantity for n, line in lines.items()
    )
