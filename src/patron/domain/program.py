"""The program model: what a business decides, validated before anything runs on it.

A program is written as TOML (see examples/program.toml and docs/program.md) and parsed
here into frozen Pydantic models. Every rule the engine applies is read from these models,
so an invalid file is refused up front with the field that is wrong and why.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from patron.domain import limits
from patron.domain.clock import to_utc_naive
from patron.domain.errors import InvalidProgram
from patron.domain.journeys import JourneysPolicy
from patron.domain.money import Rounding

# a threshold of spend (or points) over a window: at most what a member can spend in all
Threshold = Annotated[Decimal, Field(ge=0, le=limits.MAX_LIFETIME_SPEND)]
PosThreshold = Annotated[Decimal, Field(gt=0, le=limits.MAX_LIFETIME_SPEND)]
Multiplier = Annotated[Decimal, Field(gt=0, le=limits.MAX_MULTIPLIER)]
EarnRate = Annotated[Decimal, Field(gt=0, le=limits.MAX_EARN_RATE)]
NonNegInt = Annotated[int, Field(ge=0)]
PosInt = Annotated[int, Field(gt=0)]
Name = Annotated[str, Field(min_length=1, max_length=limits.TITLE_LENGTH)]
# What lands in the store's columns is bounded as the API's input is (domain/limits.py).
Bonus = Annotated[int, Field(ge=0, le=limits.MAX_POINTS)]
PosPoints = Annotated[int, Field(gt=0, le=limits.MAX_POINTS)]
StoredAmount = Annotated[Decimal, Field(ge=0, le=limits.MAX_AMOUNT)]
# a moment in the file: with its offset (`2026-12-10T19:00:00+02:00`) or UTC when it has none
Moment = Annotated[datetime, AfterValidator(to_utc_naive)]
RewardId = Annotated[
    str, Field(min_length=1, max_length=limits.CODE_LENGTH, pattern=r"^[A-Za-z0-9_.-]+$")
]
# a bonus that burns on its own: valid this many days once spendable (domain/lots.py)
ValidDays = Annotated[int, Field(ge=1, le=3660)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TierBasis(StrEnum):
    SPEND = "spend"
    POINTS = "points"


class EntitlementPeriod(StrEnum):
    """The calendar period an entitlement's quantity is counted in (UTC)."""

    MONTH = "month"
    QUARTER = "quarter"  # January–March, April–June, July–September, October–December
    YEAR = "year"


class Entitlement(_Model):
    """A tier benefit that is not points, for a business customer (domain/business.py):
    an account manager's visits, a priority hotline, extended payment terms. `quantity`
    uses in each calendar `per`; without a quantity it is unlimited (a flag: the business
    has it, and each use is still recorded)."""

    id: Annotated[
        str, Field(min_length=1, max_length=limits.CODE_LENGTH, pattern=r"^[A-Za-z0-9_.-]+$")
    ]
    name: Name
    quantity: Annotated[int, Field(ge=1, le=10_000)] | None = None
    per: EntitlementPeriod = EntitlementPeriod.QUARTER


class Tier(_Model):
    name: Name
    threshold: Threshold = Decimal(0)
    multiplier: Multiplier = Decimal(1)
    benefits: list[str] = []
    entitlements: list[Entitlement] = []

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        ids = [e.id for e in self.entitlements]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"tier {self.name!r}: entitlement id {twice[0]!r} is given twice")
        return self


class TierPolicy(_Model):
    basis: TierBasis = TierBasis.SPEND
    window_months: Annotated[int, Field(ge=1, le=120)] = 12
    levels: list[Tier] = [Tier(name="Member")]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.levels:
            raise ValueError("at least one tier level is needed")
        if self.levels[0].threshold != 0:
            raise ValueError("the first tier level must have threshold 0 (everyone starts there)")
        thresholds = [t.threshold for t in self.levels]
        if any(b <= a for a, b in zip(thresholds, thresholds[1:], strict=False)):
            raise ValueError("tier thresholds must strictly increase from level to level")
        names = [t.name for t in self.levels]
        if len(set(names)) != len(names):
            raise ValueError("tier names must be unique")
        return self

    def by_name(self, name: str) -> Tier:
        for tier in self.levels:
            if tier.name == name:
                return tier
        return self.levels[0]

    def rank(self, name: str) -> int:
        for i, tier in enumerate(self.levels):
            if tier.name == name:
                return i
        return 0


class EarningPolicy(_Model):
    points_per_unit: EarnRate = Decimal(1)
    rounding: Rounding = Rounding.DOWN
    welcome_bonus: Bonus = 0
    referral_bonus: Bonus = 0
    # newcomers per referral code whose enrollment pays the referral bonus (None: no cap)
    referral_max_per_code: NonNegInt | None = None
    pending_days: Annotated[int, Field(ge=0, le=365)] = 0


class ReferralPolicy(_Model):
    """`[referrals]` (docs/referrals.md): what a referral pays each side once the friend's
    first purchase of at least `min_purchase` has passed its return window, and the caps
    per referrer (None: no cap)."""

    bonus: Bonus = 0  # to the referrer
    friend_bonus: Bonus | None = None  # to the friend (None: the same as `bonus`)
    min_purchase: StoredAmount = Decimal(0)
    per_month: NonNegInt | None = None  # rewards per referrer per calendar month (UTC)
    max_total: NonNegInt | None = None  # rewards per referrer ever
    refuse_lookalikes: bool = True  # same e-mail (normalised), phone or payment card

    @property
    def friend_points(self) -> int:
        return self.bonus if self.friend_bonus is None else self.friend_bonus

    @property
    def pays(self) -> bool:
        return bool(self.bonus or self.friend_points)


class Promotion(_Model):
    name: Name
    starts: date
    ends: date
    multiplier: Multiplier | None = None
    bonus: PosPoints | None = None
    categories: list[str] = []
    code: str | None = None
    valid_days: ValidDays | None = None  # the bonus burns this many days after it is spendable

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.ends < self.starts:
            raise ValueError(f"promotion {self.name!r} ends before it starts")
        if (self.multiplier is None) == (self.bonus is None):
            raise ValueError(f"promotion {self.name!r} needs exactly one of multiplier or bonus")
        if self.valid_days is not None and self.bonus is None:
            raise ValueError(
                f"promotion {self.name!r}: valid_days is for a bonus, not a multiplier"
            )
        return self

    def applies(self, on: date, code: str | None) -> bool:
        if not self.starts <= on <= self.ends:
            return False
        return self.code is None or self.code == code


class MilestoneKind(StrEnum):
    PURCHASE_COUNT = "purchase_count"
    CUMULATIVE_SPEND = "cumulative_spend"


class Milestone(_Model):
    """Reached once per member: pays `bonus` points (burning after `valid_days` when set)
    or issues a voucher for the discount reward `voucher`, without spending points."""

    name: Name
    kind: MilestoneKind
    threshold: PosThreshold
    bonus: PosPoints | None = None
    valid_days: ValidDays | None = None
    voucher: str | None = None

    @model_validator(mode="after")
    def _pays(self) -> Self:
        if (self.bonus is None) == (self.voucher is None):
            raise ValueError(f"milestone {self.name!r} needs exactly one of bonus or voucher")
        if self.valid_days is not None and self.bonus is None:
            raise ValueError(f"milestone {self.name!r}: valid_days is for a bonus, not a voucher")
        return self


class BirthdayPolicy(_Model):
    """A bonus once a year in a window around the member's birthday: `points` (burning
    after `valid_days` when set) or a voucher for the discount reward `voucher`."""

    points: PosPoints | None = None
    valid_days: ValidDays | None = None
    voucher: str | None = None
    days_before: Annotated[int, Field(ge=0, le=90)] = 0
    days_after: Annotated[int, Field(ge=0, le=90)] = 7

    @model_validator(mode="after")
    def _pays(self) -> Self:
        if (self.points is None) == (self.voucher is None):
            raise ValueError("birthday needs exactly one of points or voucher")
        if self.valid_days is not None and self.points is None:
            raise ValueError("birthday: valid_days is for points, not a voucher")
        return self


class ExpiryPolicy(_Model):
    months: Annotated[int, Field(ge=1, le=240)] | None = None
    warn_days: Annotated[int, Field(ge=0, le=365)] = 30


class RedemptionPolicy(_Model):
    min_points: Bonus = 0
    # days a discount reward's voucher stays valid after the redemption (a reward's own
    # `voucher_days` overrides it; docs/rewards.md)
    voucher_days: Annotated[int, Field(ge=1, le=3660)] = 30
    point_value: Annotated[Decimal, Field(gt=0, le=limits.MAX_POINT_VALUE)] = Decimal("0.01")
    max_basket_share: Annotated[Decimal, Field(gt=0, le=1)] = Decimal(1)


class RewardKind(StrEnum):
    DISCOUNT = "discount"
    GIFT = "gift"
    SERVICE = "service"
    EVENT = "event"
    EARLY_ACCESS = "early_access"
    CAUSE = "cause"


class Period(StrEnum):
    """The calendar period a reward's `limit` per member counts in (UTC)."""

    DAY = "day"
    WEEK = "week"  # from Monday
    MONTH = "month"
    YEAR = "year"
    EVER = "ever"


class Reward(_Model):
    id: RewardId
    name: Name
    kind: RewardKind
    points: PosPoints
    cost: StoredAmount = Decimal(0)
    value: StoredAmount | None = None
    stock: Annotated[int, Field(ge=0, le=limits.MAX_STOCK)] | None = None
    tiers: list[str] = []
    description: str = ""
    # a discount's voucher: valid this many days (None: the [redemption] default)
    voucher_days: Annotated[int, Field(ge=1, le=3660)] | None = None
    # at most `limit` redemptions per member in each calendar `per` (None: no limit)
    limit: PosInt | None = None
    per: Period = Period.EVER
    # for the members of these clubs only (None of them: for everyone; docs/clubs.md)
    clubs: list[str] = []
    # a scheduled event (kind = "event" with `starts_at`): members RSVP for one of
    # `capacity` seats, then wait in line; `free_for` tiers pay no points (docs/rewards.md)
    starts_at: Moment | None = None
    place: Annotated[str, Field(max_length=limits.TITLE_LENGTH)] = ""
    capacity: Annotated[int, Field(ge=1, le=limits.MAX_STOCK)] | None = None
    free_for: list[str] = []

    @property
    def scheduled(self) -> bool:
        """Whether this is an event with a date, seats and RSVPs (not redeemed directly)."""
        return self.kind is RewardKind.EVENT and self.starts_at is not None

    @model_validator(mode="after")
    def _event(self) -> Self:
        given = [
            name
            for name, value in (
                ("starts_at", self.starts_at),
                ("place", self.place),
                ("capacity", self.capacity),
                ("free_for", self.free_for),
            )
            if value
        ]
        if given and self.kind is not RewardKind.EVENT:
            verb = "is" if len(given) == 1 else "are"
            raise ValueError(
                f"reward {self.id!r}: {', '.join(given)} {verb} for events only,"
                f" not {self.kind.value}"
            )
        if given and (self.starts_at is None or self.capacity is None):
            raise ValueError(
                f"reward {self.id!r}: an event with {', '.join(given)} needs both starts_at and"
                " capacity (its date and its number of seats)"
            )
        if self.capacity is not None and self.stock is not None:
            raise ValueError(
                f"reward {self.id!r}: an event with a capacity has no stock: give capacity only"
            )
        return self

    @model_validator(mode="after")
    def _fulfilment(self) -> Self:
        if self.voucher_days is not None and self.kind is not RewardKind.DISCOUNT:
            raise ValueError(
                f"reward {self.id!r}: voucher_days is for discount rewards, not {self.kind}"
            )
        if self.per is not Period.EVER and self.limit is None:
            raise ValueError(f"reward {self.id!r}: per = {self.per.value!r} needs a limit")
        return self


class CardPolicy(_Model):
    """The program's loyalty card numbers (domain/cards.py): `length` digits that start
    with `prefix` and end with a Luhn check digit; the digits between are random."""

    prefix: Annotated[str, Field(pattern=r"^[0-9]{1,10}$")]
    length: Annotated[int, Field(ge=8, le=19)] = 16
    accept_external: bool = True  # other numbers (typed at joining before cards) are cards

    @model_validator(mode="after")
    def _room(self) -> Self:
        random = self.length - len(self.prefix) - 1
        if random < MIN_RANDOM_DIGITS:
            raise ValueError(
                f"length {self.length} leaves {random} random digits after the prefix"
                f" {self.prefix!r} and the check digit; at least {MIN_RANDOM_DIGITS} are needed"
                " so that numbers cannot be guessed"
            )
        return self


MIN_RANDOM_DIGITS = 6


class ClubJoin(StrEnum):
    """How members come into a club (docs/clubs.md)."""

    INVITATION = "invitation"  # staff invite, the member accepts (or staff add them)
    REQUEST = "request"  # the member asks, staff approve or refuse
    RULE = "rule"  # their purchase history decides, re-evaluated by `patron clubs evaluate`


ClubId = Annotated[
    str, Field(min_length=1, max_length=limits.CODE_LENGTH, pattern=r"^[A-Za-z0-9_.-]+$")
]


class ClubRule(_Model):
    """A rule club's admission: bought (net of returns) for at least `min_spend` and/or in
    at least `min_purchases` purchases, in `category` (None: anything), over the last
    `window_months` months."""

    category: Name | None = None
    min_spend: PosThreshold | None = None
    min_purchases: Annotated[int, Field(gt=0, le=limits.MAX_PURCHASES)] | None = None
    window_months: Annotated[int, Field(ge=1, le=120)] = 12

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.min_spend is None and self.min_purchases is None:
            raise ValueError("a club rule needs min_spend, min_purchases or both")
        return self


class Club(_Model):
    id: ClubId
    name: Name
    join: ClubJoin
    # the club's points: `multiplier` on its members' lines in `categories` (none: every line)
    multiplier: Multiplier = Decimal(1)
    categories: list[Name] = []
    benefits: list[str] = []  # what members are told they get, as tiers' benefits
    rule: ClubRule | None = None

    @model_validator(mode="after")
    def _rule(self) -> Self:
        if self.join is ClubJoin.RULE and self.rule is None:
            raise ValueError(f"club {self.id!r}: join = 'rule' needs a [clubs.rule]")
        if self.join is not ClubJoin.RULE and self.rule is not None:
            raise ValueError(
                f"club {self.id!r}: a rule is for join = 'rule' clubs, not {self.join.value!r}"
            )
        return self


class EarlyAccess(_Model):
    """An offer members of `tiers` or of `clubs` may buy from `opens_at`, and everyone
    from `opens_to_all_at` (domain/early_access.py)."""

    id: RewardId
    name: Name
    opens_at: Moment
    opens_to_all_at: Moment
    tiers: list[str] = []
    clubs: list[Name] = []  # clubs whose members may buy early (docs/clubs.md)

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.opens_to_all_at <= self.opens_at:
            raise ValueError(
                f"early access {self.id!r}: opens_to_all_at must be after opens_at"
                " (the early window is between them)"
            )
        if not self.tiers and not self.clubs:
            raise ValueError(f"early access {self.id!r}: name the tiers (or clubs) it is for")
        return self


class FrequencyCapRule(_Model):
    """At most `messages` marketing messages per member within `days` (docs/messages.md)."""

    messages: Annotated[int, Field(ge=1, le=1000, strict=True)]
    days: Annotated[int, Field(ge=1, le=366, strict=True)]


UnitCost = Annotated[Decimal, Field(ge=0, le=100)]


class UnitCosts(_Model):
    """What one message sent costs on each channel, in the program's currency: a
    campaign's cost and the budget's communication actuals count them."""

    email: UnitCost = Decimal(0)
    sms: UnitCost = Decimal(0)
    push: UnitCost = Decimal(0)


class MessagePolicy(_Model):
    """`[messages]`: the rules every marketing message obeys, whatever sends it."""

    frequency_cap: FrequencyCapRule | None = None  # None: no cap
    unit_cost: UnitCosts = UnitCosts()


class Program(_Model):
    name: Name
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    earning: EarningPolicy = EarningPolicy()
    tiers: TierPolicy = TierPolicy()
    categories: dict[str, Multiplier] = {}
    promotions: list[Promotion] = []
    milestones: list[Milestone] = []
    expiry: ExpiryPolicy = ExpiryPolicy()
    redemption: RedemptionPolicy = RedemptionPolicy()
    rewards: list[Reward] = []
    cards: CardPolicy | None = None  # None: the program prints no cards
    clubs: list[Club] = []
    referrals: ReferralPolicy | None = None  # None: the old keys of [earning], if any
    messages: MessagePolicy = MessagePolicy()

    @model_validator(mode="after")
    def _one_place_for_referrals(self) -> Self:
        # by value, not by the keys written: a stored program's definition holds every key
        earning = self.earning
        old = [
            key
            for key, unset in (("referral_bonus", 0), ("referral_max_per_code", None))
            if getattr(earning, key) != unset
        ]
        if old and self.referrals is not None:
            raise ValueError(
                f"earning.{old[0]} and [referrals] both set: write the referral rules in"
                " [referrals] only (earning.referral_bonus is [referrals] bonus,"
                " earning.referral_max_per_code is [referrals] max_total)"
            )
        return self

    @property
    def referral_rules(self) -> ReferralPolicy:
        """The referral rules: `[referrals]`, or the old `earning.referral_bonus` (to both)
        and `earning.referral_max_per_code` (rewards per referrer in total)."""
        if self.referrals is not None:
            return self.referrals
        return ReferralPolicy(
            bonus=self.earning.referral_bonus, max_total=self.earning.referral_max_per_code
        )

    early_access: list[EarlyAccess] = []
    birthday: BirthdayPolicy | None = None  # None: no birthday bonus
    journeys: JourneysPolicy = JourneysPolicy()  # each journey's table switches it on

    @model_validator(mode="after")
    def _references(self) -> Self:
        tier_names = {t.name for t in self.tiers.levels}
        _unique([r.id for r in self.rewards], "reward")
        for reward in self.rewards:
            _known(f"reward {reward.id!r} names unknown tiers", reward.tiers, tier_names)
        club_ids = [c.id for c in self.clubs]
        _unique(club_ids, "club")
        for reward in self.rewards:
            _known(f"reward {reward.id!r} names unknown clubs", reward.clubs, club_ids)
            free_for = f"reward {reward.id!r}: free_for names unknown tiers"
            _known(free_for, reward.free_for, tier_names)
        _unique([o.id for o in self.early_access], "early access")
        for offer in self.early_access:
            _known(f"early access {offer.id!r} names unknown tiers", offer.tiers, tier_names)
            _known(f"early access {offer.id!r} names unknown clubs", offer.clubs, club_ids)
        named = [(f"milestone {m.name!r}", m.voucher) for m in self.milestones]
        if self.birthday is not None:
            named.append(("birthday", self.birthday.voucher))
        for who, reward_id in named:
            if reward_id is None:
                continue
            given = self.reward(reward_id)
            if given is None or given.kind is not RewardKind.DISCOUNT:
                discounts = sorted(r.id for r in self.rewards if r.kind is RewardKind.DISCOUNT)
                raise ValueError(
                    f"{who}: voucher {reward_id!r} is not a discount reward of the program;"
                    f" discount rewards: {discounts}"
                )
        return self

    def club(self, club_id: str) -> Club | None:
        return next((c for c in self.clubs if c.id == club_id), None)

    def reward(self, reward_id: str) -> Reward | None:
        return next((r for r in self.rewards if r.id == reward_id), None)

    def offer(self, offer_id: str) -> EarlyAccess | None:
        return next((o for o in self.early_access if o.id == offer_id), None)


def _unique(ids: list[str], what: str) -> None:
    if len(set(ids)) != len(ids):
        raise ValueError(f"{what} ids must be unique")


def _known(refused: str, named: Iterable[str], known: Iterable[str]) -> None:
    """Refuse names a part of the program gives that the program does not define."""
    unknown = set(named) - set(known)
    if unknown:
        raise ValueError(f"{refused} {sorted(unknown)}; known: {sorted(known)}")


def parse_program(text: str, source: str = "<program>") -> Program:
    """Parse and validate a TOML program; the error names the file, line or field.

    The refusal also carries `errors`: one `{"field", "message", "line"}` per problem, so
    that a form can show each beside its field (`line` where the text shows it, else
    None; `field` None for a syntax error)."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except RecursionError:  # arrays or tables nested hundreds deep: no program is shaped so
        raise _too_deep(source) from None
    except tomllib.TOMLDecodeError as exc:
        found = _AT_LINE.search(str(exc))
        line = int(found.group(1)) if found else None
        error: dict[str, object] = {"field": None, "message": f"not valid TOML: {exc}"}
        error["line"] = line
        raise InvalidProgram(f"{source}: not valid TOML: {exc}", errors=[error]) from exc
    return program_from_dict(data, source, text)


def program_from_dict(data: object, source: str = "<program>", text: str = "") -> Program:
    try:
        return Program.model_validate(data)
    except RecursionError:
        raise _too_deep(source) from None
    except ValidationError as exc:
        errors = [_error(err, text) for err in exc.errors()]
        described = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise InvalidProgram(f"{source}: {described}", errors=errors) from exc


def _too_deep(source: str) -> InvalidProgram:
    message = "nested too deeply to be a program"
    return InvalidProgram(
        f"{source}: {message}", errors=[{"field": None, "message": message, "line": None}]
    )


_AT_LINE = re.compile(r"line (\d+)")


def _error(err: Any, text: str) -> dict[str, object]:
    path = [str(p) for p in err["loc"]]
    return {
        "field": ".".join(path) or "(top level)",
        "message": err["msg"],
        "line": _line_of(path, text),
    }


def _line_of(path: list[str], text: str) -> int | None:
    """The line where the text sets the field `path` names, or the header of the table
    that lacks it: `rewards.1.points` is the `points` of the second `[[rewards]]`,
    `tiers.window_months` a key of `[tiers]`. TOML keeps no positions, so the lines are
    read; a shape this does not know (an inline table) gives None."""
    lines = text.splitlines()
    digits = [i for i, part in enumerate(path) if part.isdigit()]
    if digits:
        header = re.compile(rf"^\s*\[\[\s*{re.escape('.'.join(path[: digits[-1]]))}\s*\]\]")
        found = [n for n, line in enumerate(lines) if header.match(line)]
        index = int(path[digits[-1]])
        if index >= len(found):
            return None
        first, keys = found[index], path[digits[-1] + 1 :]
    elif len(path) > 1:
        header = re.compile(rf"^\s*\[\s*{re.escape('.'.join(path[:-1]))}\s*\]\s*(#.*)?$")
        first = next((n for n, line in enumerate(lines) if header.match(line)), -1)
        if first < 0:
            return None
        keys = path[-1:]
    else:
        first, keys = -1, path
    block_end = next(
        (n for n in range(first + 1, len(lines)) if lines[n].lstrip().startswith("[")),
        len(lines),
    )
    if keys:
        key = re.compile(rf"^\s*{re.escape(keys[0])}\s*=")
        for n in range(first + 1, block_end):
            if key.match(lines[n]):
                return n + 1
    return first + 1 if first >= 0 else None
