"""Campaigns: a message to an audience, maybe an offer, a holdout that gets neither.

Design overview. A campaign names

- an **audience**: a filter over what Patron knows of each member. Some criteria are
  columns of the store (tier, club, days since the last purchase, categories bought,
  consent for the channel): the store answers them in one query. The others come from the
  analytics' customer base (RFM segment, A/B/C class, P(alive) below a threshold, CLV
  above one: analytics/insights.py, fitted once a day and held), which picks the
  customers *before* the write transaction; the store's query then keeps those picked.
- a **channel** and its **variants**: each a template (`campaign/<id>/<variant>` in
  `message_templates`) and a share of the treated members; a member's variant is drawn
  like an experiment's arm (domain/experiments.draw) from the salt and ":variant", so it is
  stable across runs and independent of the holdout draw.
- a **holdout**: `holdout_share` of the audience, drawn by `holdout_arm(salt, member,
  share)` (the experiments' own draw, with the campaign's salt), recorded per member when
  first drawn (table `campaign_members`, arm `control`) and sent nothing, offered nothing.
- an optional **offer**: bonus points, or a multiplier on categories, for `days` days
  from the member's send; bonus points may burn (`valid_days`). The earning rules apply it
  as a promotion of the program (`Offer.promotion`) to treated members in their window.
  Or a voucher of a discount reward, given with the message (services/bonuses.give_voucher).
- a **schedule**: now, at a time, or every `every_days` days until `ends_at`; each run a
  number `n` and keys `campaign:<id>:run:<n>:member:<m>`; a send rate (`per_hour`) that
  spreads the messages' `not_before`.

The results compare the treated and the holdout over the attribution window with the
experiments' statistics (analytics/campaigns.py; docs/campaigns.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from patron.domain import limits
from patron.domain.errors import InvalidInput
from patron.domain.experiments import Arm, draw, holdout_arm
from patron.domain.messages import Channel
from patron.domain.program import Promotion

NAME_LENGTH = limits.SHORT_LENGTH
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
VARIANT_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}")
CHANNELS = tuple(c.value for c in Channel)
SEGMENT_NAMES = (
    "champions", "loyal", "potential loyalists", "new", "need attention", "at risk",
    "can't lose", "hibernating", "lost",
)  # fmt: skip  # analytics/rfm.SEGMENTS (the domain cannot import it; a test checks them equal)
MAX_VARIANTS = 10
MAX_LIST = 50  # tiers, clubs, categories, segments in one audience
MAX_DAYS = 3660
MAX_PER_HOUR = 10_000_000
MAX_ATTRIBUTION_DAYS = 365


class Status(StrEnum):
    DRAFT = "draft"  # being written; nothing sent
    SCHEDULED = "scheduled"  # launched: runs when `next_run_at` comes
    DONE = "done"  # its last run is over
    STOPPED = "stopped"  # stopped by staff; sends nothing more


@dataclass(frozen=True)
class Audience:
    """Who a campaign reaches. Empty tuples and None mean "any"."""

    segments: tuple[str, ...] = ()  # RFM segments (analytics/rfm.py)
    abc: tuple[str, ...] = ()  # A/B/C classes
    p_alive_below: float | None = None
    clv_above: Decimal | None = None
    tiers: tuple[str, ...] = ()
    clubs: tuple[str, ...] = ()  # a member of any of these clubs
    min_days_since_purchase: int | None = None  # bought last at least this many days ago
    max_days_since_purchase: int | None = None  # ... at most this many days ago
    categories: tuple[str, ...] = ()  # bought any of these categories, ever
    consent: bool = True  # only members whose consent for the channel is granted

    @property
    def needs_models(self) -> bool:
        """Whether the audience needs the analytics' customer base (picked before)."""
        return (
            bool(self.segments or self.abc)
            or self.p_alive_below is not None
            or (self.clv_above is not None)
        )

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in (
            "segments", "abc", "tiers", "clubs", "categories",
        ):  # fmt: skip
            value = getattr(self, name)
            if value:
                found[name] = list(value)
        for name in ("p_alive_below", "min_days_since_purchase", "max_days_since_purchase"):
            if getattr(self, name) is not None:
                found[name] = getattr(self, name)
        if self.clv_above is not None:
            found["clv_above"] = str(self.clv_above)
        found["consent"] = self.consent
        return found


@dataclass(frozen=True)
class Offer:
    """What treated members get: `bonus` points on a purchase (of the `categories` when
    named), or `multiplier` on the lines of those categories (every line when none), for
    `days` days from their message, a bonus maybe burning after `valid_days` (a lot of its
    own, domain/lots.Burning); or a `voucher` of a discount reward of the program, given
    with the message (valid as the reward's vouchers are)."""

    days: int
    bonus: int | None = None
    multiplier: Decimal | None = None
    categories: tuple[str, ...] = ()
    valid_days: int | None = None
    voucher: str | None = None

    @property
    def scored(self) -> bool:
        """Whether the earning rules apply it (a bonus or a multiplier, not a voucher)."""
        return self.voucher is None

    def promotion(self, campaign_id: int, starts: date, ends: date) -> Promotion:
        """The offer as a promotion of the program, for one member's window [starts, ends]
        (whole days, as promotions run); its name says the campaign in the breakdown."""
        return Promotion(
            name=offer_rule_name(campaign_id),
            starts=starts,
            ends=ends,
            multiplier=self.multiplier,
            bonus=self.bonus,
            categories=list(self.categories),
            valid_days=self.valid_days,
        )

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"days": self.days}
        if self.bonus is not None:
            found["bonus"] = self.bonus
        if self.multiplier is not None:
            found["multiplier"] = str(self.multiplier)
        if self.categories:
            found["categories"] = list(self.categories)
        if self.valid_days is not None:
            found["valid_days"] = self.valid_days
        if self.voucher is not None:
            found["voucher"] = self.voucher
        return found


def offer_rule_name(campaign_id: int) -> str:
    return f"campaign {campaign_id}"


@dataclass(frozen=True)
class Variant:
    name: str
    share: Decimal


@dataclass(frozen=True)
class Schedule:
    first_at: datetime | None = None  # None: at launch
    every_days: int | None = None  # None: once
    ends_at: datetime | None = None  # a recurring campaign's last run is before it
    per_hour: int | None = None  # messages per hour; None: all at once


@dataclass(frozen=True)
class NewCampaign:
    name: str
    channel: str
    audience: Audience
    variants: tuple[Variant, ...]
    holdout_share: Decimal
    salt: str
    schedule: Schedule = Schedule()
    offer: Offer | None = None
    attribution_days: int = 14


@dataclass(frozen=True)
class Campaign:
    id: int
    name: str
    channel: str
    audience: Audience
    variants: tuple[Variant, ...]
    holdout_share: Decimal
    salt: str
    schedule: Schedule
    offer: Offer | None
    attribution_days: int
    status: Status
    next_run_at: datetime | None
    runs: int
    first_run_at: datetime | None
    last_run_at: datetime | None
    created_at: datetime
    created_by: str

    def template(self, variant: str) -> str:
        return template_name(self.id, variant)

    def editable(self) -> bool:
        """Its audience, content, holdout and offer may change only before a first run:
        after one, the arms and the offers given are fixed."""
        return self.runs == 0 and self.status in (Status.DRAFT, Status.SCHEDULED)

    def due(self, now: datetime) -> bool:
        return (
            self.status is Status.SCHEDULED and self.next_run_at is not None
            and self.next_run_at <= now
        )  # fmt: skip


def template_name(campaign_id: int, variant: str) -> str:
    return f"campaign/{campaign_id}/{variant}"


def message_key(campaign_id: int, run: int, member_id: int) -> str:
    """Unique over all messages ever: a second run is a new prefix, a replay of the same
    run changes nothing (the message core refuses a key twice)."""
    return f"campaign:{campaign_id}:run:{run}:member:{member_id}"


def arm_of(campaign: Campaign | NewCampaign, member_id: int) -> Arm:
    """Holdout (`control`) or treated: the experiments' draw with the campaign's salt."""
    return holdout_arm(campaign.salt, member_id, campaign.holdout_share)


def variant_of(salt: str, variants: Sequence[Variant], member_id: int) -> str:
    """The member's variant: a second draw (salt + ":variant") against the cumulative
    shares, so that it is stable and independent of the holdout."""
    u = draw(f"{salt}:variant", member_id)
    cumulative = Decimal(0)
    for variant in variants:
        cumulative += variant.share
        if u < float(cumulative):
            return variant.name
    return variants[-1].name


def send_times(start: datetime, count: int, per_hour: int | None) -> list[datetime]:
    """The `not_before` of each of `count` messages: all at `start`, or one every
    3600 / per_hour seconds (the i-th at start + i × 3600 / per_hour)."""
    if per_hour is None:
        return [start] * count
    step = 3600 / per_hour
    return [start + timedelta(seconds=i * step) for i in range(count)]


def next_run(campaign: Campaign, ran_at: datetime) -> datetime | None:
    """When the run after one at `ran_at` is due: none for a one-off, nor past the end."""
    every = campaign.schedule.every_days
    if every is None:
        return None
    base = campaign.next_run_at or ran_at
    following = base + timedelta(days=every)
    while following <= ran_at:  # a run long overdue does not make the ones it skipped
        following += timedelta(days=every)
    ends = campaign.schedule.ends_at
    if ends is not None and following >= ends:
        return None
    return following


def attribution_window(campaign: Campaign, now: datetime) -> tuple[datetime, datetime] | None:
    """[first run, last run + attribution days), cut at now; None before a first run."""
    if campaign.first_run_at is None or campaign.last_run_at is None:
        return None
    end = min(now, campaign.last_run_at + timedelta(days=campaign.attribution_days))
    if end <= campaign.first_run_at:
        return None
    return campaign.first_run_at, end


@dataclass(frozen=True)
class CampaignInputs:
    """What the results need from the store besides the purchases: the message core's
    counts, the unsubscribes, the offers used, the prices (services/campaigns.py
    `campaign_inputs` reads them; analytics/campaigns.py computes with them)."""

    campaign: Campaign
    messages: Mapping[str, int]  # by status, and `refused:<reason>`
    unsubscribed: int | None  # None: not counted yet (no per-campaign unsubscribes)
    offer_purchases: int  # purchases that earned the offer, or vouchers used
    offer_points: int
    unit_cost: Decimal
    point_value: Decimal
    currency: str
    vouchers_cost: Decimal = Decimal(0)


@dataclass(frozen=True)
class Cost:
    """A campaign's cost: the messages sent at their unit cost, the offer's points at the
    program's point value."""

    messages: int
    unit_cost: Decimal
    offer_points: int
    point_value: Decimal
    currency: str
    vouchers_cost: Decimal = Decimal(0)  # a voucher offer's: the rewards' cost as given

    @property
    def messages_cost(self) -> Decimal:
        return self.messages * self.unit_cost

    @property
    def offer_cost(self) -> Decimal:
        return self.offer_points * self.point_value + self.vouchers_cost

    @property
    def total(self) -> Decimal:
        return self.messages_cost + self.offer_cost


def binomial_bound(n: int, share: float, z: float = 3.890591886) -> float:
    """Half the width of the band the count of one of n members drawn with probability
    `share` falls in with probability 1 − 1e-4 (normal approximation: z √(n p (1 − p)))."""
    return z * math.sqrt(n * share * (1 - share))


# --- reading a campaign from a document (a TOML/JSON file, an API body, a form) ---------

_AUDIENCE_KEYS = frozenset(
    {
        "segments", "abc", "p_alive_below", "clv_above", "tiers", "clubs",
        "min_days_since_purchase", "max_days_since_purchase", "categories", "consent",
    }
)  # fmt: skip
_OFFER_KEYS = frozenset({"days", "bonus", "multiplier", "categories", "valid_days", "voucher"})


def _texts(field_name: str, value: object, longest: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v for v in (s.strip() for s in value.split(",")) if v]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{field_name}: a list of names")
    found = tuple(dict.fromkeys(v.strip() for v in value if v.strip()))
    if len(found) > MAX_LIST:
        raise InvalidInput(f"{field_name}: at most {MAX_LIST} names")
    for v in found:
        if limits.text_problem(v, longest):
            raise InvalidInput(f"{field_name}: {v[:20]!r} is too long or holds a NUL")
    return found


def _int(field_name: str, value: object, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput(f"{field_name}: a whole number from {low} to {high}")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{field_name}: a whole number from {low} to {high}") from None
    if not low <= number <= high:
        raise InvalidInput(f"{field_name}: {number} is not from {low} to {high}")
    return number


def _decimal(field_name: str, value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput(f"{field_name}: a number")
    try:
        found = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"{field_name}: {value!r} is not a number") from None
    if not found.is_finite():
        raise InvalidInput(f"{field_name}: {value!r} is not a number")
    return found


def _unknown(where: str, given: Mapping[str, Any], known: frozenset[str]) -> None:
    extra = sorted(set(given) - known)
    if extra:
        raise InvalidInput(
            f"{where}: unknown field {extra[0]!r}; known: {', '.join(sorted(known))}"
        )


def parse_audience(given: Mapping[str, Any] | None) -> Audience:
    """An audience from a document, every field checked (InvalidInput names it)."""
    given = dict(given or {})
    _unknown("audience", given, _AUDIENCE_KEYS)
    segments = _texts("audience.segments", given.get("segments"), 32)
    for s in segments:
        if s not in SEGMENT_NAMES:
            raise InvalidInput(
                f"audience.segments: {s!r} is no RFM segment; one of {', '.join(SEGMENT_NAMES)}"
            )
    abc = tuple(c.upper() for c in _texts("audience.abc", given.get("abc"), 1))
    if any(c not in ("A", "B", "C") for c in abc):
        raise InvalidInput("audience.abc: classes are A, B and C")
    p_alive = _decimal("audience.p_alive_below", given.get("p_alive_below"))
    if p_alive is not None and not Decimal(0) < p_alive <= Decimal(1):
        raise InvalidInput("audience.p_alive_below: a probability above 0, at most 1 (0.3)")
    clv = _decimal("audience.clv_above", given.get("clv_above"))
    if clv is not None and not Decimal(0) <= clv <= limits.MAX_AMOUNT:
        raise InvalidInput(f"audience.clv_above: from 0 to {limits.MAX_AMOUNT}")
    least = _int("audience.min_days_since_purchase", given.get("min_days_since_purchase"), 0,
                 MAX_DAYS)  # fmt: skip
    most = _int("audience.max_days_since_purchase", given.get("max_days_since_purchase"), 0,
                MAX_DAYS)  # fmt: skip
    if least is not None and most is not None and most < least:
        raise InvalidInput(
            "audience.max_days_since_purchase: must not be below min_days_since_purchase"
        )
    consent = given.get("consent", True)
    if isinstance(consent, str):
        consent = consent.strip().lower() in ("1", "true", "yes", "on")
    if not isinstance(consent, bool):
        raise InvalidInput("audience.consent: true or false")
    return Audience(
        segments=segments,
        abc=abc,
        p_alive_below=None if p_alive is None else float(p_alive),
        clv_above=clv,
        tiers=_texts("audience.tiers", given.get("tiers"), limits.TITLE_LENGTH),
        clubs=_texts("audience.clubs", given.get("clubs"), limits.CODE_LENGTH),
        min_days_since_purchase=least,
        max_days_since_purchase=most,
        categories=_texts("audience.categories", given.get("categories"), limits.LABEL_LENGTH),
        consent=consent,
    )


def parse_offer(given: Mapping[str, Any] | None) -> Offer | None:
    """An offer from a document (None or {} for none), checked as a promotion is."""
    if not given:
        return None
    given = dict(given)
    _unknown("offer", given, _OFFER_KEYS)
    days = _int("offer.days", given.get("days", 14), 1, MAX_DAYS)
    bonus = _int("offer.bonus", given.get("bonus"), 1, limits.MAX_POINTS)
    multiplier = _decimal("offer.multiplier", given.get("multiplier"))
    if multiplier is not None and not Decimal(0) < multiplier <= limits.MAX_MULTIPLIER:
        raise InvalidInput(f"offer.multiplier: above 0, at most {limits.MAX_MULTIPLIER}")
    voucher = given.get("voucher")
    if voucher is not None and (
        not isinstance(voucher, str) or not voucher.strip()
        or limits.text_problem(voucher, limits.CODE_LENGTH)
    ):  # fmt: skip
        raise InvalidInput("offer.voucher: the id of a discount reward of the program")
    if sum(x is not None for x in (bonus, multiplier, voucher)) != 1:
        raise InvalidInput(
            "offer: give exactly one of bonus (points), multiplier or voucher (a reward's id)"
        )
    valid_days = _int("offer.valid_days", given.get("valid_days"), 1, MAX_DAYS)
    if valid_days is not None and bonus is None:
        raise InvalidInput("offer.valid_days: for bonus points that burn, not a multiplier")
    categories = _texts("offer.categories", given.get("categories"), limits.LABEL_LENGTH)
    if categories and voucher is not None:
        raise InvalidInput("offer.categories: for points; a voucher is the reward's own")
    assert days is not None
    return Offer(
        days, bonus, multiplier, categories, valid_days,
        None if voucher is None else voucher.strip(),
    )  # fmt: skip


def parse_variants(given: object) -> tuple[Variant, ...]:
    """Variants from `[{name, share}]` or `{"A": 0.5, "B": 0.5}`; one `A` by default."""
    if given is None or given == [] or given == {}:
        return (Variant("A", Decimal(1)),)
    if isinstance(given, Mapping):
        given = [{"name": k, "share": v} for k, v in given.items()]
    if not isinstance(given, list | tuple):
        raise InvalidInput("variants: a list of {name, share}")
    found = []
    for i, item in enumerate(given):
        if not isinstance(item, Mapping):
            raise InvalidInput(f"variants[{i}]: {{name, share}}")
        name = str(item.get("name", "")).strip()
        if not VARIANT_PATTERN.fullmatch(name):
            raise InvalidInput(
                f"variants[{i}].name: 1 to 16 letters, digits, '-' or '_' (A, B, short-subject)"
            )
        share = _decimal(f"variants[{i}].share", item.get("share"))
        if (
            share is None
            or not Decimal(0) < share <= 1
            or share != share.quantize(Decimal("0.0001"))
        ):
            raise InvalidInput(f"variants[{i}].share: above 0, at most 1, 4 decimals at most")
        found.append(Variant(name, share))
    if not 1 <= len(found) <= MAX_VARIANTS:
        raise InvalidInput(f"variants: 1 to {MAX_VARIANTS}")
    if len({v.name for v in found}) != len(found):
        raise InvalidInput("variants: each name once")
    if sum((v.share for v in found), Decimal(0)) != 1:
        raise InvalidInput("variants: the shares must add up to 1")
    return tuple(found)


def checked(new: NewCampaign) -> NewCampaign:
    """The campaign as it will be stored, or InvalidInput naming the field and the fix."""
    name = new.name.strip()
    if not name or limits.text_problem(name, NAME_LENGTH) or not NAME_PATTERN.fullmatch(name):
        raise InvalidInput(
            f"name: 1 to {NAME_LENGTH} letters, digits, '.', '-' or '_' (spring-winback)"
        )
    if name.isdigit():
        raise InvalidInput(
            f"name: {name!r} is all digits, which reads as a campaign's id; add a letter"
            " (spring-16)"
        )
    if new.channel not in CHANNELS:
        raise InvalidInput(f"channel: one of {', '.join(CHANNELS)}, not {new.channel!r}")
    share = new.holdout_share
    if not share.is_finite() or not Decimal(0) <= share < Decimal(1):
        raise InvalidInput("holdout_share: from 0 (no holdout) to below 1 (0.1 is 10 %)")
    if share != share.quantize(Decimal("0.0001")):
        raise InvalidInput(f"holdout_share: {share} has more than 4 decimals")
    if not new.salt or limits.text_problem(new.salt, 64):
        raise InvalidInput("salt: 1 to 64 characters (leave it out to get one)")
    if not 1 <= new.attribution_days <= MAX_ATTRIBUTION_DAYS:
        raise InvalidInput(f"attribution_days: from 1 to {MAX_ATTRIBUTION_DAYS}")
    s = new.schedule
    if s.every_days is not None and not 1 <= s.every_days <= MAX_DAYS:
        raise InvalidInput(f"every_days: from 1 to {MAX_DAYS}")
    if s.per_hour is not None and not 1 <= s.per_hour <= MAX_PER_HOUR:
        raise InvalidInput(f"per_hour: from 1 to {MAX_PER_HOUR} messages an hour")
    if s.ends_at is not None and s.every_days is None:
        raise InvalidInput("ends_at: the end of a recurring campaign; give every_days too")
    if s.ends_at is not None and s.first_at is not None and s.ends_at <= s.first_at:
        raise InvalidInput("ends_at: must come after the first run")
    parse_variants([{"name": v.name, "share": v.share} for v in new.variants])
    return replace(new, name=name)


@dataclass(frozen=True)
class Preview:
    """What a run would do now: the audience, how it splits, a sample of members."""

    audience: int
    holdout: int
    treated: int
    variants: dict[str, int] = field(default_factory=dict)
    sample: list[dict[str, Any]] = field(default_factory=list)
