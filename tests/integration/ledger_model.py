"""An independent model of the documented ledger rules, for the stateful test.

The stateful test drives Patron and this model side by side and compares them after every
step, so the model must not borrow the implementation's arithmetic: a bug shared by both
would pass unseen. Everything here is written from docs/program.md and docs/ledger.md (and,
where they are silent, from the intended rule, re-derived): its own month arithmetic, its
own scoring with exact fractions, its own lot ordering, its own debt accounting. It imports
nothing from `patron`.

The program is described once, as Python values (`SPEC`); `program_toml` renders the same
values as the program file that Patron loads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor

# --------------------------------------------------------------------------- the program


@dataclass(frozen=True)
class Promo:
    name: str
    starts: date
    ends: date
    multiplier: Fraction | None = None
    bonus: int | None = None
    categories: tuple[str, ...] = ()
    code: str | None = None


@dataclass(frozen=True)
class Milestone:
    name: str
    kind: str  # "purchase_count" or "cumulative_spend"
    threshold: Decimal
    bonus: int


@dataclass(frozen=True)
class Spec:
    welcome: int
    pending_days: int
    expiry_months: int
    warn_days: int
    min_points: int
    window_months: int
    tiers: tuple[tuple[str, Decimal, Fraction], ...]  # name, spend threshold, multiplier
    categories: dict[str, Fraction]
    promotions: tuple[Promo, ...]
    milestones: tuple[Milestone, ...]


VOUCHER_REWARD = "voucher"
VOUCHER_POINTS = 30  # the welcome bonus (50) pays for one; no min_points for a reward
VOUCHER_DAYS = 60


def make_spec(cumulative_spend_milestone: bool) -> Spec:
    shoes = ("shoes",)
    milestones = [Milestone("Third visit", "purchase_count", Decimal(3), 30)]
    if cumulative_spend_milestone:
        milestones.append(Milestone("Big spender", "cumulative_spend", Decimal(400), 100))
    return Spec(
        welcome=50,
        pending_days=14,
        expiry_months=6,
        warn_days=14,
        min_points=20,
        window_months=12,
        tiers=(
            ("Member", Decimal(0), Fraction(1)),
            ("Silver", Decimal(150), Fraction(5, 4)),
            ("Gold", Decimal(400), Fraction(3, 2)),
        ),
        categories={"shoes": Fraction(3, 2), "outlet": Fraction(1, 2)},
        promotions=(
            Promo("Double shoes", date(2026, 1, 10), date(2026, 2, 28), Fraction(2), None, shoes),
            Promo("Outlet bonus", date(2026, 1, 1), date(2026, 12, 31), None, 15, ("outlet",)),
            Promo("Summer", date(2026, 6, 1), date(2026, 8, 31), Fraction(3)),
            Promo("VIP", date(2026, 1, 1), date(2027, 12, 31), Fraction(11, 10), None, (), "VIP"),
            Promo("Spring visit", date(2027, 3, 1), date(2027, 4, 30), None, 40),
        ),
        milestones=tuple(milestones),
    )


def _decimal(value: Fraction) -> str:
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def program_toml(spec: Spec) -> str:
    """The program file Patron loads, rendered from the same values the model uses."""
    out = [
        'name = "Stateful model"',
        'currency = "EUR"',
        "[earning]",
        "points_per_unit = 1",
        'rounding = "half_up"',
        f"welcome_bonus = {spec.welcome}",
        f"pending_days = {spec.pending_days}",
        "[tiers]",
        'basis = "spend"',
        f"window_months = {spec.window_months}",
    ]
    for name, threshold, multiplier in spec.tiers:
        out += [
            "[[tiers.levels]]",
            f'name = "{name}"',
            f"threshold = {threshold}",
            f"multiplier = {_decimal(multiplier)}",
        ]
    out.append("[categories]")
    out += [f"{name} = {_decimal(m)}" for name, m in spec.categories.items()]
    for promo in spec.promotions:
        out += [
            "[[promotions]]",
            f'name = "{promo.name}"',
            f"starts = {promo.starts.isoformat()}",
            f"ends = {promo.ends.isoformat()}",
        ]
        if promo.multiplier is not None:
            out.append(f"multiplier = {_decimal(promo.multiplier)}")
        if promo.bonus is not None:
            out.append(f"bonus = {promo.bonus}")
        if promo.categories:
            out.append("categories = [" + ", ".join(f'"{c}"' for c in promo.categories) + "]")
        if promo.code is not None:
            out.append(f'code = "{promo.code}"')
    for ms in spec.milestones:
        out += [
            "[[milestones]]",
            f'name = "{ms.name}"',
            f'kind = "{ms.kind}"',
            f"threshold = {ms.threshold}",
            f"bonus = {ms.bonus}",
        ]
    out += [
        "[expiry]",
        f"months = {spec.expiry_months}",
        f"warn_days = {spec.warn_days}",
        "[redemption]",
        f"min_points = {spec.min_points}",
        # a discount reward issuing a voucher (services/fulfil.py): spent like any
        # redemption, given back into its lots when cancelled unused
        "[[rewards]]",
        f'id = "{VOUCHER_REWARD}"',
        'name = "Voucher"',
        'kind = "discount"',
        f"points = {VOUCHER_POINTS}",
        "cost = 1.00",
        f"voucher_days = {VOUCHER_DAYS}",
    ]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------ calendar, rounding


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def shift_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (or earlier), on the month's last day if the
    month is shorter (31 August + 6 months = 28 or 29 February)."""
    count = moment.year * 12 + moment.month - 1 + months
    year, month = count // 12, count % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month(year, month)))


def half_up(value: Fraction) -> int:
    """Round a non-negative exact value to whole points, halves up (the program's rule)."""
    return floor(value + Fraction(1, 2))


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


# ------------------------------------------------------------------------------ the state


@dataclass(eq=False)
class MLot:
    seq: int  # creation order, the last tie-break
    points: int
    earned_at: datetime
    available_at: datetime
    expires_at: datetime
    remaining: int

    def live(self, now: datetime) -> bool:
        return self.remaining > 0 and now < self.expires_at

    def spendable(self, now: datetime) -> bool:
        return self.live(now) and self.available_at <= now

    def order(self) -> tuple[datetime, datetime, int]:
        return (self.expires_at, self.earned_at, self.seq)


@dataclass(eq=False)
class MLine:
    quantity: int
    unit_price: Decimal
    points: int
    returned: int = 0


@dataclass(eq=False)
class MPurchase:
    member: MMember
    at: datetime
    lines: list[MLine]
    bonus: int
    lot: MLot | None
    refunded: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return _money(sum((line.unit_price * line.quantity for line in self.lines), Decimal(0)))


@dataclass(eq=False)
class MRedemption:
    member: MMember
    taken: list[tuple[MLot, int]]
    cancelled: bool = False
    # a voucher's code, its expiry moment, and whether the till has used it
    code: str | None = None
    expires_at: datetime | None = None
    used: bool = False


@dataclass(eq=False)
class MMember:
    tier: str
    lots: list[MLot] = field(default_factory=list)
    debt: int = 0
    purchase_count: int = 0
    spend: Decimal = Decimal(0)
    milestones_paid: set[str] = field(default_factory=set)

    def total(self) -> int:
        return sum(lot.remaining for lot in self.lots)

    def spendable(self, now: datetime) -> int:
        return sum(lot.remaining for lot in self.lots if lot.spendable(now))

    def pending(self, now: datetime) -> int:
        return sum(lot.remaining for lot in self.lots if lot.live(now) and lot.available_at > now)

    def live_points(self, now: datetime) -> int:
        return sum(lot.remaining for lot in self.lots if lot.live(now))


def _take(lots: list[MLot], points: int) -> list[tuple[MLot, int]]:
    """Take up to `points` from the lots in the given order."""
    taken: list[tuple[MLot, int]] = []
    left = points
    for lot in lots:
        if left == 0:
            break
        part = min(lot.remaining, left)
        if part:
            lot.remaining -= part
            taken.append((lot, part))
            left -= part
    return taken


@dataclass(frozen=True)
class Scored:
    line_points: list[int]
    bonus: int
    promotions_applied: int

    @property
    def points(self) -> int:
        return sum(self.line_points) + self.bonus


@dataclass(frozen=True)
class RefundOutcome:
    points: int
    debt: int
    from_own_lot: int


class Ledger:
    """All members' points as the documents describe them."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.seq = 0

    # -- credits and the debt they settle

    def _open_lot(self, member: MMember, points: int, at: datetime, pending_days: int) -> MLot:
        self.seq += 1
        lot = MLot(
            self.seq,
            points,
            at,
            at + timedelta(days=pending_days),
            shift_months(at, self.spec.expiry_months),
            points,
        )
        member.lots.append(lot)
        return lot

    def settle(self, member: MMember, now: datetime) -> int:
        """Pay a debt from the points live now (the new credit included), closest to expiry
        first; never from expired points."""
        if member.debt == 0:
            return 0
        live = sorted((lot for lot in member.lots if lot.live(now)), key=MLot.order)
        settled = sum(part for _, part in _take(live, member.debt))
        member.debt -= settled
        return settled

    def credit(
        self, member: MMember, points: int, at: datetime, now: datetime, pending_days: int = 0
    ) -> tuple[MLot, int]:
        lot = self._open_lot(member, points, at, pending_days)
        return lot, self.settle(member, now)

    def enroll(self, now: datetime) -> MMember:
        member = MMember(tier=self.spec.tiers[0][0])
        if self.spec.welcome:
            self.credit(member, self.spec.welcome, now, now)
        return member

    # -- purchases

    def _multiplier(self, tier: str) -> Fraction:
        return next(m for name, _, m in self.spec.tiers if name == tier)

    def score(
        self,
        member: MMember,
        at: datetime,
        lines: list[tuple[str | None, int, Decimal]],
        code: str | None,
    ) -> Scored:
        day = at.date()
        running = [
            p for p in self.spec.promotions if p.starts <= day <= p.ends and p.code in (None, code)
        ]
        applied = 0
        line_points = []
        for category, quantity, price in lines:
            exact = Fraction(price) * quantity  # points_per_unit = 1
            points = half_up(exact)
            factors = []
            if category in self.spec.categories:
                factors.append(self.spec.categories[category])
            tier_factor = self._multiplier(member.tier)
            if tier_factor != 1:
                factors.append(tier_factor)
            for promo in running:
                if promo.multiplier is None:
                    continue
                if promo.categories and category not in promo.categories:
                    continue
                factors.append(promo.multiplier)
                applied += 1
            for factor in factors:
                exact *= factor
                points = half_up(exact)
            line_points.append(points)
        bonus = 0
        categories = {category for category, _, _ in lines}
        for promo in running:
            if promo.bonus is None:
                continue
            if promo.categories and not categories.intersection(promo.categories):
                continue
            bonus += promo.bonus
            applied += 1
        total = sum((price * quantity for _, quantity, price in lines), Decimal(0))
        for ms in self.spec.milestones:
            if ms.kind == "purchase_count":
                before, after = Decimal(member.purchase_count), Decimal(member.purchase_count + 1)
            else:
                before, after = member.spend, member.spend + _money(total)
            if before < ms.threshold <= after and ms.name not in member.milestones_paid:
                bonus += ms.bonus
        return Scored(line_points, bonus, applied)

    def qualifying(self, member: MMember, purchases: list[MPurchase], at: datetime) -> Decimal:
        """Spend net of refunds over the window that ends at `at`."""
        since = shift_months(at, -self.spec.window_months)
        return sum(
            (p.total - p.refunded for p in purchases if p.member is member and since <= p.at <= at),
            Decimal(0),
        )

    def tier_for(self, value: Decimal) -> str:
        reached = self.spec.tiers[0][0]
        for name, threshold, _ in self.spec.tiers:
            if value >= threshold:
                reached = name
        return reached

    def _rank(self, tier: str) -> int:
        return [name for name, _, _ in self.spec.tiers].index(tier)

    def purchase(
        self,
        member: MMember,
        purchases: list[MPurchase],
        at: datetime,
        now: datetime,
        lines: list[tuple[str | None, int, Decimal]],
        code: str | None,
    ) -> tuple[MPurchase, Scored, int]:
        scored = self.score(member, at, lines, code)
        for ms in self.spec.milestones:
            if ms.kind == "cumulative_spend":
                total = _money(sum((p * q for _, q, p in lines), Decimal(0)))
                if member.spend < ms.threshold <= member.spend + total:
                    member.milestones_paid.add(ms.name)
        lot, settled = (None, 0)
        if scored.points > 0:
            lot, settled = self.credit(member, scored.points, at, now, self.spec.pending_days)
        bought = MPurchase(
            member,
            at,
            [MLine(q, p, pts) for (_, q, p), pts in zip(lines, scored.line_points, strict=True)],
            scored.bonus,
            lot,
        )
        purchases.append(bought)
        member.purchase_count += 1
        member.spend += bought.total
        reached = self.tier_for(self.qualifying(member, purchases, at))
        if self._rank(reached) > self._rank(member.tier):
            member.tier = reached
        return bought, scored, settled

    def refund(
        self, purchase: MPurchase, returns: list[tuple[int, int]], now: datetime
    ) -> RefundOutcome:
        """Return `quantity` units of line `index` (0-based) for each pair."""
        points = 0
        amount = Decimal(0)
        for index, quantity in returns:
            line = purchase.lines[index]
            before, after = line.returned, line.returned + quantity
            points += line.points * after // line.quantity - line.points * before // line.quantity
            line.returned = after
            amount += line.unit_price * quantity
        if all(line.returned == line.quantity for line in purchase.lines):
            points += purchase.bonus
        member = purchase.member
        own = [purchase.lot] if purchase.lot is not None and purchase.lot.remaining > 0 else []
        others = sorted(
            (lot for lot in member.lots if lot is not purchase.lot and lot.live(now)),
            key=MLot.order,
        )
        taken = _take(own + others, points)
        covered = sum(part for _, part in taken)
        member.debt += points - covered
        purchase.refunded += _money(amount)
        member.spend -= _money(amount)
        from_own = sum(part for lot, part in taken if lot is purchase.lot)
        return RefundOutcome(points, points - covered, from_own)

    # -- spending, adjusting, burning

    def redeem(self, member: MMember, points: int, now: datetime) -> MRedemption | str:
        """The redemption, or why it is refused: "invalid" or "insufficient"."""
        if points < max(1, self.spec.min_points):
            return "invalid"
        if points > member.spendable(now):
            return "insufficient"
        usable = sorted((lot for lot in member.lots if lot.spendable(now)), key=MLot.order)
        return MRedemption(member, _take(usable, points))

    def redeem_reward(self, member: MMember, points: int, now: datetime) -> MRedemption | None:
        """A reward's redemption (no `min_points`), or None when the points are short."""
        if points > member.spendable(now):
            return None
        usable = sorted((lot for lot in member.lots if lot.spendable(now)), key=MLot.order)
        return MRedemption(member, _take(usable, points))

    def cancel(self, redemption: MRedemption, now: datetime) -> int:
        """Points go back into the lots they came from (even expired ones); debt is settled."""
        redemption.cancelled = True
        for lot, part in redemption.taken:
            lot.remaining += part
        return self.settle(redemption.member, now)

    def adjust(self, member: MMember, points: int, now: datetime) -> tuple[bool, int]:
        """(accepted, debt settled)."""
        if points > 0:
            _, settled = self.credit(member, points, now, now)
            return True, settled
        if -points > member.live_points(now):
            return False, 0
        live = sorted((lot for lot in member.lots if lot.live(now)), key=MLot.order)
        _take(live, -points)
        return True, 0

    def expire(self, members: list[MMember], as_of: datetime) -> int:
        burned = 0
        for member in members:
            for lot in member.lots:
                if lot.remaining > 0 and lot.expires_at <= as_of:
                    burned += lot.remaining
                    lot.remaining = 0
        return burned

    def reevaluate(self, member: MMember, purchases: list[MPurchase], as_of: datetime) -> None:
        member.tier = self.tier_for(self.qualifying(member, purchases, as_of))

    @staticmethod
    def expiring(member: MMember, now: datetime, horizon_days: int) -> list[tuple[date, int]]:
        """Live points that burn within `horizon_days` whole days, by expiry date."""
        by_day: dict[date, int] = defaultdict(int)
        for lot in member.lots:
            if lot.live(now) and (lot.expires_at - now) // timedelta(days=1) < horizon_days:
                by_day[lot.expires_at.date()] += lot.remaining
        return sorted(by_day.items())
