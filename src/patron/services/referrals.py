"""Referrals: linking a friend at enrolment, paying both sides on the friend's qualifying
purchase, taking both back when it is returned within its window (domain/referrals.py).

Design overview. Each step runs inside the use case that causes it, in its transaction:
`check_friend` and `link` in `enroll`, `on_purchase` in `record_purchase`, `on_refund` in
`refund`. The referrer's row is locked before anything of theirs is counted or credited,
so the caps (`[referrals] per_month`, `max_total`) hold under concurrent purchases and
enrolments: the counts are read under that lock. Locks go from the friend to the referrer,
that is from a higher member id to a lower one (a referrer is always enrolled first), so
two use cases never wait on each other in a circle. The rewards are credited as lots that
become spendable at the end of the purchase's return window, like the points the
purchase earned: until then they cannot be spent, so taking them back within the window
takes them from their own lots (a debt settled from them may leave a shortfall, which
becomes a debt as any refund's does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from patron.domain import events
from patron.domain.errors import InvalidInput, ReferralRefused
from patron.domain.ledger import EntryRefs
from patron.domain.lots import allocate_take_back
from patron.domain.program import Program
from patron.domain.records import EntryKind
from patron.domain.referrals import (
    Funnel,
    Identity,
    Leader,
    ReferralState,
    Refusal,
    cap_refusal,
    email_domain,
    lookalike,
    same_mailbox,
)
from patron.services.balances import Account, credit, debit, locked_account, record_debt
from patron.services.commands import MemberRef
from patron.services.experiments import withheld
from patron.services.members import find_member
from patron.store.uow import UnitOfWork

INVITED = "referred"  # the reason of the friend's referral credit

REFUSED_AT_ENROLMENT = {
    Refusal.SELF_REFERRAL: "the new member's e-mail or phone is the referrer's own",
    Refusal.SAME_EMAIL: "the new member's e-mail is another friend's of this referrer",
    Refusal.SAME_PHONE: "the new member's phone is another friend's of this referrer",
    Refusal.EXISTING_MEMBER: "the new member's e-mail is already a member's",
}


def check_friend(uow: UnitOfWork, program: Program, referrer_id: int, friend: Identity) -> None:
    """Refuse a friend who looks like the referrer or one of their friends (`ReferralRefused`,
    its `reason` one of REFUSED_AT_ENROLMENT), when the program refuses look-alikes."""
    if not program.referral_rules.refuse_lookalikes:
        return
    me, others = uow.referrals.identities(referrer_id)
    reason = lookalike(friend, me, others)
    domain = email_domain(friend.email)
    if reason is None and domain and same_mailbox(friend.email, uow.referrals.emails_at(domain)):
        reason = Refusal.EXISTING_MEMBER  # a member enrolling again under a `+tag`
    if reason is not None:
        raise ReferralRefused(
            f"referral refused: {REFUSED_AT_ENROLMENT[reason]}", reason=reason.value
        )


def link(uow: UnitOfWork, referrer_id: int, friend_id: int, at: datetime) -> int:
    """The friend, enrolled with the referrer's code, linked to them (`enrolled`)."""
    return uow.referrals.add(referrer_id, friend_id, at)


@dataclass(frozen=True)
class Paid:
    referrer: Account | None  # locked and changed: the caller saves it
    friend_points: int


def on_purchase(
    uow: UnitOfWork,
    program: Program,
    friend: Account,
    purchase_id: int,
    total: Decimal,
    at: datetime,
    fingerprint: str | None,
) -> Paid:
    """The friend's purchase: if it is their first of at least `min_purchase` while the
    referral waits for one, pay both sides (or refuse, with the reason recorded)."""
    rules = program.referral_rules
    referral = uow.referrals.of_friend(friend.id)
    if referral is None or referral.state is not ReferralState.ENROLLED:
        return Paid(None, 0)
    if not rules.pays or total < rules.min_purchase or total <= 0:
        return Paid(None, 0)  # a program that pays nothing leaves the referral waiting
    referrer = locked_account(uow, referral.referrer_id)
    refusal = None
    if (
        rules.refuse_lookalikes
        and fingerprint is not None
        and uow.referrals.paid_alike(fingerprint, referrer.id, friend.id)
    ):
        refusal = Refusal.SAME_PAYMENT
    if refusal is None:
        start, end = _month(at)
        refusal = cap_refusal(
            uow.referrals.rewarded(referrer.id, start, end), rules.per_month, rules.max_total
        )
    if refusal is not None:
        uow.referrals.refuse(referral.id, refusal, at, purchase_id)
        return Paid(referrer, 0)
    pending = program.earning.pending_days
    sides: list[tuple[int, int | None]] = []
    for account, points in ((referrer, rules.bonus), (friend, rules.friend_points)):
        if points and account.member.erased_at is not None:
            points = 0  # an erased referrer is no longer a member (docs/privacy.md)
        if points and withheld(uow, account.id, at, purchase=False):
            points = 0  # a control member of a running experiment receives nothing
        lot = None
        if points:
            reason = f"referred member {friend.id}" if account is referrer else INVITED
            _, lot = credit(
                uow,
                account,
                EntryKind.REFERRAL,
                points,
                at,
                program,
                pending_days=pending,
                refs=EntryRefs(reason=reason),
            )
            uow.outbox.add([events.points_earned(account.id, at, points, None)], uow.now)
        sides.append((points, lot))
    (mine, my_lot), (theirs, their_lot) = sides
    rewards_at = at + timedelta(days=pending)
    uow.referrals.qualify(
        referral.id, purchase_id, at, rewards_at, (mine, theirs), (my_lot, their_lot)
    )
    uow.outbox.add(
        [
            events.referral_rewarded(referrer.id, at, referral.id, "referrer", mine, purchase_id),
            events.referral_rewarded(friend.id, at, referral.id, "friend", theirs, purchase_id),
        ],
        uow.now,
    )
    return Paid(referrer, theirs)


def on_refund(
    uow: UnitOfWork, program: Program, friend: Account, purchase_id: int, kept: Decimal
) -> Account | None:
    """A refund of the friend's purchase, `kept` the amount not returned: within the
    window, a qualifying purchase kept under the minimum (or returned whole) takes both
    rewards back. Returns the referrer's account, locked and changed, for the caller to
    save (None: nothing to take back)."""
    referral = uow.referrals.of_friend(friend.id)
    if referral is None or referral.purchase_id != purchase_id:
        return None
    if not referral.may_be_taken_back(uow.now):
        return None
    if kept > 0 and kept >= program.referral_rules.min_purchase:
        return None
    referrer = locked_account(uow, referral.referrer_id)
    why = f"purchase {purchase_id} returned within its window"
    _take_back(uow, referrer, referral.referrer_points, referral.referrer_lot, why)
    _take_back(uow, friend, referral.friend_points, referral.friend_lot, why)
    uow.referrals.take_back(referral.id, uow.now)
    uow.outbox.add(
        [
            events.referral_taken_back(
                referrer.id, uow.now, referral.id, "referrer", referral.referrer_points, purchase_id
            ),
            events.referral_taken_back(
                friend.id, uow.now, referral.id, "friend", referral.friend_points, purchase_id
            ),
        ],
        uow.now,
    )
    return referrer


def _take_back(uow: UnitOfWork, account: Account, points: int, lot: int | None, why: str) -> None:
    """A negative referral entry: from the reward's own lot first, then any live lot;
    what is missing becomes a debt."""
    if not points:
        return
    own = {lot} if lot is not None else set()
    allocations, shortfall = allocate_take_back(
        uow.ledger.open_lots(account.id), points, own, uow.now
    )
    if allocations:
        refs = EntryRefs(reason=f"referral taken back: {why}")
        debit(uow, account, EntryKind.REFERRAL, allocations, uow.now, refs)
    record_debt(account, shortfall)


def _month(at: datetime) -> tuple[datetime, datetime]:
    """The calendar month of `at`: its first moment and the next month's."""
    start = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


# ---------------------------------------------------------------------- reading


@dataclass(frozen=True)
class FriendView:
    """One friend of a referrer, as the referrer's page shows them."""

    friend_id: int
    state: ReferralState  # as of now: `rewarded` once the window has passed
    reason: Refusal | None
    enrolled_at: datetime
    qualified_at: datetime | None
    rewards_at: datetime | None
    referrer_points: int
    friend_points: int


@dataclass(frozen=True)
class ReferralsOf:
    """A member's referrals: their code, who referred them, and their friends."""

    member_id: int
    referral_code: str
    referred_by: int | None
    friends: tuple[FriendView, ...]

    def count(self, state: ReferralState) -> int:
        return sum(1 for f in self.friends if f.state is state)

    @property
    def points_earned(self) -> int:
        """Points the referrer has from friends paid and not taken back (pending ones
        included)."""
        kept = (ReferralState.QUALIFIED, ReferralState.REWARDED)
        return sum(f.referrer_points for f in self.friends if f.state in kept)


def referrals_of(uow: UnitOfWork, ref: MemberRef | int) -> ReferralsOf:
    member = find_member(uow, ref)
    friends = tuple(
        FriendView(
            r.friend_id,
            r.state_at(uow.now),
            r.reason,
            r.enrolled_at,
            r.qualified_at,
            r.rewards_at,
            r.referrer_points,
            r.friend_points,
        )
        for r in uow.referrals.of_referrer(member.id)
    )
    return ReferralsOf(member.id, member.referral_code, member.referred_by, friends)


def period(uow: UnitOfWork, start: date | None, end: date | None) -> tuple[date, date]:
    """The period [start, end) asked for: by default from the first day of the current
    month (UTC), to the first day of the month after `start`'s."""
    start = start or uow.now.date().replace(day=1)
    if end is None:
        if start.year == date.max.year and start.month == 12:
            raise InvalidInput(f"from ({start}): give to as well, the month after is past 9999")
        end = _month(datetime.combine(start, time()))[1].date()
    if end <= start:
        raise InvalidInput(f"to ({end}) must come after from ({start}): the period is [from, to)")
    return start, end


def _moments(days: tuple[date, date]) -> tuple[datetime, datetime]:
    return datetime.combine(days[0], time()), datetime.combine(days[1], time())


def funnel(uow: UnitOfWork, start: date | None = None, end: date | None = None) -> Funnel:
    """The referrals of the period [start, end) (docs/referrals.md, "The funnel")."""
    since, until = _moments(period(uow, start, end))
    return uow.referrals.funnel(since, until, uow.now)


def leaders(
    uow: UnitOfWork, start: date | None = None, end: date | None = None, limit: int = 10
) -> list[Leader]:
    """The opinion leaders of [start, end): the referrers whose friends spent the most."""
    if not 1 <= limit <= MAX_LEADERS:
        raise InvalidInput(f"limit must be between 1 and {MAX_LEADERS}")
    since, until = _moments(period(uow, start, end))
    return uow.referrals.leaders(since, until, limit)


MAX_LEADERS = 1000
