"""Read-side queries: what a member, a till or a dashboard asks to see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from patron.domain.clubs import for_member
from patron.domain.directory import MemberPage, MemberSearch
from patron.domain.ledger import LedgerEntry
from patron.domain.lots import expiring_soon, pending_by_day, pending_points, spendable_points
from patron.domain.purchases import Purchase
from patron.domain.redemption import CatalogReward, Offer, Redemption, offers
from patron.domain.referrals import ReferralState
from patron.domain.tiers import progress
from patron.services.clubs import member_club_ids
from patron.services.members import find_member
from patron.services.program import current_program
from patron.services.referrals import referrals_of
from patron.services.tiers import qualifying_value
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class BalanceView:
    member_id: int
    points: int
    pending: int
    total: int
    debt: int
    tier: str
    next_tier: str | None
    needed_for_next_tier: Decimal
    qualifying: Decimal
    expiring: list[tuple[date, int]]
    point_value: Decimal
    currency: str
    pending_by_day: list[tuple[date, int]]  # when the pending points become spendable


def balance(uow: UnitOfWork, member_id: int) -> BalanceView:
    _, program = current_program(uow)
    member = find_member(uow, member_id)
    lots = uow.ledger.open_lots(member.id)
    qualifying = qualifying_value(uow, member.id, program, uow.now)
    step = progress(program.tiers, member.tier, qualifying)
    horizon = max(program.expiry.warn_days, 90)
    return BalanceView(
        member_id=member.id,
        points=spendable_points(lots, uow.now),
        pending=pending_points(lots, uow.now),
        total=member.balance,
        debt=member.debt,
        tier=member.tier,
        next_tier=step.next_tier,
        needed_for_next_tier=step.needed,
        qualifying=qualifying,
        expiring=expiring_soon(lots, uow.now, horizon),
        point_value=program.redemption.point_value,
        currency=program.currency,
        pending_by_day=pending_by_day(lots, uow.now),
    )


def ledger_entries(
    uow: UnitOfWork, member_id: int, limit: int, before_id: int | None
) -> list[LedgerEntry]:
    """The member's ledger, newest first, `limit` entries older than entry `before_id`."""
    return uow.ledger.entries(member_id, limit, before_id)


def active_rewards(uow: UnitOfWork) -> list[CatalogReward]:
    """The rewards a member can redeem now, cheapest first."""
    return uow.rewards.active()


@dataclass(frozen=True)
class MemberCatalog:
    """The catalog as one member sees it: what their tier and clubs may take, each reward with the
    points they lack, against their spendable points."""

    spendable: int
    tier: str
    currency: str
    offers: list[Offer]


def member_catalog(uow: UnitOfWork, member_id: int) -> MemberCatalog:
    _, program = current_program(uow)
    member = find_member(uow, member_id)
    spendable = spendable_points(uow.ledger.open_lots(member.id), uow.now)
    clubs = member_club_ids(uow, program, member.id)
    found = [
        o
        for o in offers(uow.rewards.active(), member.tier, spendable)
        if for_member(program.reward(o.reward.id), clubs)
    ]
    return MemberCatalog(spendable, member.tier, program.currency, found)


@dataclass(frozen=True)
class Voucher:
    """A member's redemption with the reward it bought (None: a discount in points, or a
    reward no longer in the catalog)."""

    redemption: Redemption
    reward: CatalogReward | None


def member_redemption(uow: UnitOfWork, member_id: int, redemption_id: int) -> Voucher | None:
    """The redemption `redemption_id` if it is the member's own; None otherwise, so that
    one member cannot read another's voucher."""
    found = uow.redemptions.get(redemption_id)
    if found is None or found.member_id != member_id:
        return None
    reward = uow.rewards.get(found.reward_id) if found.reward_id is not None else None
    return Voucher(found, reward)


def member_purchases(uow: UnitOfWork, member_id: int, limit: int, offset: int) -> list[Purchase]:
    """The member's purchases, newest first (by when they happened), `limit` after the
    first `offset`."""
    return uow.purchases.of_member(member_id, limit, offset)


@dataclass(frozen=True)
class Invitation:
    """What a member hands a friend and how far their referrals have come: their code;
    what a referral pays the referrer (`bonus`) and the friend (`friend_bonus`) once the
    friend's first purchase of at least `min_purchase` has passed its return window (0:
    the program pays nothing); the caps; and their friends by state (docs/referrals.md)."""

    referral_code: str
    bonus: int
    max_per_code: int | None  # rewards per referrer in all ([referrals] max_total)
    friend_bonus: int = 0
    min_purchase: Decimal = Decimal(0)
    currency: str = ""
    per_month: int | None = None
    pending_days: int = 0
    enrolled: int = 0  # friends waiting for their qualifying purchase
    qualified: int = 0  # paid, the points spendable when the window ends
    rewarded: int = 0
    taken_back: int = 0
    refused: int = 0
    points_earned: int = 0  # from friends paid and not taken back


def invitation(uow: UnitOfWork, member_id: int) -> Invitation:
    _, program = current_program(uow)
    rules = program.referral_rules
    mine = referrals_of(uow, member_id)
    return Invitation(
        mine.referral_code,
        rules.bonus,
        rules.max_total,
        friend_bonus=rules.friend_points,
        min_purchase=rules.min_purchase,
        currency=program.currency,
        per_month=rules.per_month,
        pending_days=program.earning.pending_days,
        enrolled=mine.count(ReferralState.ENROLLED),
        qualified=mine.count(ReferralState.QUALIFIED),
        rewarded=mine.count(ReferralState.REWARDED),
        taken_back=mine.count(ReferralState.TAKEN_BACK),
        refused=mine.count(ReferralState.REFUSED),
        points_earned=mine.points_earned,
    )


def member_count(uow: UnitOfWork) -> int:
    return uow.members.count()


def find_members(uow: UnitOfWork, search: MemberSearch) -> MemberPage:
    """A page of the members a console search matches (domain/directory.py)."""
    return uow.directory.search(search.checked())


def figures_version(uow: UnitOfWork) -> tuple[int, ...]:
    """What the console's held figures are held for (analytics/held.py): it changes with
    every purchase, refund, points entry, enrolment and tier change."""
    return uow.figures.version()


def data_version(uow: UnitOfWork) -> tuple[int, int]:
    """What the fitted customer bases are held for: a new purchase or refund changes it."""
    return uow.purchases.latest_ids()
