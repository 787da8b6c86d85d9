"""Recording a purchase and the points it earns (one transaction).

Fetch, then compute: the member's state and the program are read first, the pure
`domain.earning.score` decides the points, then the purchase, its lines, the ledger entry,
the lot (spendable after the return window) and the events are written together. A
referred member's first qualifying purchase also pays the referral (services/referrals.py). A
promotion's or milestone's bonus with its own `valid_days` is a lot of its own under the
same entry (it burns on its date); a milestone that grants a voucher issues it here. A
campaign's offer to a treated member in its window (services/campaigns.campaign_offers,
one query) is scored as one more promotion of the program, and its use recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NoReturn

from patron.domain import events
from patron.domain.access import may_touch
from patron.domain.clock import AHEAD, latest_allowed, to_utc_naive
from patron.domain.earning import (
    BreakdownItem,
    Earning,
    Line,
    MemberState,
    PurchaseFacts,
    cost_of,
    crossed_milestones,
    score,
)
from patron.domain.errors import InvalidInput, OrderTaken, PurchaseLimit
from patron.domain.experiments import withhold
from patron.domain.invoices import invoice_dates_problem
from patron.domain.ledger import EntryRefs
from patron.domain.limits import MAX_PURCHASES
from patron.domain.member import ensure_not_erased
from patron.domain.money import quantize_money
from patron.domain.purchases import NewLine, NewPurchase
from patron.domain.records import EntryKind
from patron.services.balances import credit, locked_account, save
from patron.services.bonuses import milestone_vouchers
from patron.services.business import find_buyer
from patron.services.campaigns import campaign_offers, offer_points
from patron.services.clubs import member_club_ids
from patron.services.commands import MemberRef, RecordPurchase
from patron.services.experiments import withheld
from patron.services.program import current_program
from patron.services.referrals import on_purchase
from patron.services.tiers import upgrade_tier
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class Recorded:
    purchase_id: int
    member_id: int
    order_id: str
    total: Decimal
    points_earned: int
    breakdown: tuple[BreakdownItem, ...]
    available_at: datetime
    tier: str
    program_version: int


def record_purchase(uow: UnitOfWork, cmd: RecordPurchase) -> Recorded:
    version, program = current_program(uow)
    # a business's buyer: the purchase is the business's, the buyer kept beside it
    buyer = find_buyer(uow, cmd.buyer) if cmd.buyer is not None else None
    account = locked_account(uow, cmd.member if buyer is None else MemberRef(id=buyer.member_id))
    member = account.member
    ensure_not_erased(member, "earn points")
    if member.purchase_count >= MAX_PURCHASES:
        # the bound that keeps purchase_count and lifetime_spend within their columns
        raise PurchaseLimit(
            f"member {member.id} has {member.purchase_count} purchases, the most one member"
            " may have; record this purchase under another member"
        )
    at = to_utc_naive(cmd.occurred_at)
    if at > latest_allowed(uow.now):
        raise InvalidInput(f"occurred_at {cmd.occurred_at.isoformat()} {AHEAD}")
    due, paid = _invoice_dates(cmd, at, latest_allowed(uow.now))
    if uow.unclaimed.open_order(cmd.order_id):
        # order ids are unique across purchases and those awaiting a member
        _refuse_taken_order(uow, cmd.order_id, cmd.shop)
    facts = PurchaseFacts(at, cmd.currency, cmd.lines, cmd.promotion_code)
    clubs = member_club_ids(uow, program, member.id)
    state = MemberState(member.tier, member.purchase_count, member.lifetime_spend, clubs=clubs)
    if crossed_milestones(program, state, facts):
        state = replace(state, milestones_paid=uow.purchases.milestones_paid(member.id))
    # a campaign's offer to this treated member, in its window: a promotion for the day
    offers = campaign_offers(uow, member.id, at) if cmd.award_points else []
    scoring = program
    if offers:
        promotions = [*program.promotions, *(promotion for _, promotion in offers)]
        scoring = program.model_copy(update={"promotions": promotions})
    earning = score(scoring, state, facts)
    if not cmd.award_points:
        # history only: nothing earned, so the lines hold no points a return could take back
        earning = Earning(line_points=(0,) * len(earning.line_points), bonus_points=0)
    # a control member of a running experiment earns nothing; the stored breakdown says why
    held_out = (
        withheld(uow, member.id, at, purchase=True, shop=cmd.shop) if cmd.award_points else None
    )
    if held_out is not None:
        earning = withhold(earning, held_out)
    points = earning.points
    total = quantize_money(facts.total)
    purchase_id = uow.purchases.add(
        NewPurchase(
            member_id=member.id,
            order_id=cmd.order_id,
            occurred_at=at,
            currency=cmd.currency,
            total=total,
            cost=cost_of(facts.lines),
            channel=cmd.channel,
            payment_method=cmd.payment_method,
            promotion_code=cmd.promotion_code,
            program_version=version,
            points_earned=points,
            bonus_points=earning.bonus_points,
            breakdown=earning.breakdown,
            invoice_due_at=due,
            paid_at=paid,
            source=cmd.source,
            created_at=uow.now,
            shop=cmd.shop,
            lines=tuple(
                _new_line(i, line, pts)
                for i, (line, pts) in enumerate(
                    zip(cmd.lines, earning.line_points, strict=True), start=1
                )
            ),
        )
    )
    if purchase_id is None:
        _refuse_taken_order(uow, cmd.order_id, cmd.shop)
    if buyer is not None:
        uow.businesses.record_purchase(purchase_id, member.id, buyer.id)
    for campaign_id, _ in offers if held_out is None else ():
        given = offer_points(earning, campaign_id)
        if given > 0:  # the offer used: its points are the campaign's cost
            uow.campaigns.use_offer(campaign_id, member.id, purchase_id, given, at)
    account.count_purchase(total)
    pending = program.earning.pending_days
    if points > 0:
        credit(
            uow,
            account,
            EntryKind.EARN,
            points,
            at,
            program,
            pending_days=pending,
            refs=EntryRefs(purchase_id=purchase_id),
            burning=earning.burning,
        )
        uow.outbox.add([events.points_earned(member.id, at, points, purchase_id)], uow.now)
    if cmd.payment_fingerprint is not None:
        uow.referrals.add_fingerprint(purchase_id, member.id, cmd.payment_fingerprint)
    referrer = None
    if member.referred_by is not None and cmd.award_points:
        # the friend's qualifying purchase pays both sides (services/referrals.py)
        referral = on_purchase(
            uow, program, account, purchase_id, total, at, cmd.payment_fingerprint
        )
        referrer = referral.referrer
    if cmd.award_points and held_out is None and any(m.voucher for m in program.milestones):
        # a milestone's voucher instead of points: once per member (services/bonuses.py)
        milestone_vouchers(uow, program, member.id, crossed_milestones(program, state, facts))
    tier = upgrade_tier(uow, account, program, at)
    save(uow, account, *([referrer] if referrer else []))
    return Recorded(
        purchase_id=purchase_id,
        member_id=member.id,
        order_id=cmd.order_id,
        total=total,
        points_earned=points,
        # the till is not told why: the arm is shown to nobody there (domain/experiments.py)
        breakdown=() if held_out is not None else earning.breakdown,
        available_at=at + timedelta(days=pending),
        tier=tier,
        program_version=version,
    )


def _invoice_dates(
    cmd: RecordPurchase, at: datetime, latest: datetime
) -> tuple[datetime | None, datetime | None]:
    """The invoice's due and paid times as naive UTC, refused if they break a rule."""
    due = to_utc_naive(cmd.invoice_due_at) if cmd.invoice_due_at else None
    paid = to_utc_naive(cmd.paid_at) if cmd.paid_at else None
    problem = invoice_dates_problem(at, due, paid, latest)
    if problem is not None:
        which, why = problem
        raise InvalidInput(f"{'invoice_due_at' if which == 'due' else 'paid_at'} {why}")
    return due, paid


def _refuse_taken_order(uow: UnitOfWork, order_id: str, shop: str | None) -> NoReturn:
    """409 order_id_taken; the purchase's id only for a key that may see it (its shop's),
    so a shop's till learns nothing of another shop's purchases."""
    existing = uow.purchases.by_order_id(order_id)
    if existing is None or not may_touch(shop, existing.shop):
        raise OrderTaken(f"order {order_id!r} is already recorded")
    raise OrderTaken(
        f"order {order_id!r} is already recorded as purchase {existing.id}",
        purchase_id=existing.id,
    )


def _new_line(line_no: int, line: Line, points: int) -> NewLine:
    return NewLine(
        line_no, line.sku, line.category, line.quantity, line.unit_price, line.unit_cost, points
    )
