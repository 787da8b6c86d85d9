"""Experiments: the program measured against members it did not touch.

Design overview. Comparing members with non-members measures mostly who chooses to join;
the honest measure of the program's effect is a comparison with customers it left alone.
An experiment splits members into two arms, `treatment` (the program as usual) and
`control` (recorded, but earning nothing while the experiment runs), of two kinds:

- a **holdout**: a share of the members (`control_share`, e.g. 0.1) is the control. The
  arm is drawn at random but deterministically: the first 8 bytes of
  SHA-256("<salt>:<member id>") read as an unsigned integer and divided by 2**64 give a
  number uniform in [0, 1); below the share is control. Anyone can recompute an arm from
  the salt, and two experiments with different salts split the members independently.
- a **pilot**: the program switched on for the customers of the pilot shops only. A
  member's arm is decided by their shop: the shop of their latest purchase before the
  experiment was created, or, for a member first seen later, the shop of the first
  purchase recorded while the pilot has not ended. A pilot shop is treatment, any other
  shop (or none) control. The arms are not random: the report adjusts them with their
  pre-period (CUPED), which matches them on what they bought before, not on everything.

Either way the arm is stored when first decided (services/experiments.py) and never
changes: the salt and the share cannot be edited once the experiment has started. While
it runs, a control member's purchase earns 0 points with the breakdown's single item
naming the reason (`holdout` or `pilot`), and they get no welcome or referral bonus;
nothing a till sees says so (the answer's breakdown is empty).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from patron.domain import limits
from patron.domain.earning import BreakdownItem, Earning
from patron.domain.errors import InvalidInput

NAME_LENGTH = limits.SHORT_LENGTH
SALT_LENGTH = 64
MAX_SHOPS = 100


class Kind(StrEnum):
    HOLDOUT = "holdout"
    PILOT = "pilot"


class Arm(StrEnum):
    CONTROL = "control"
    TREATMENT = "treatment"


# a name is a path segment of the API and part of a goal's population (arm:NAME/ARM):
# a review created 'bad/name x', which no path could then reach
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Experiment:
    id: int
    name: str
    kind: Kind
    salt: str
    control_share: Decimal | None  # a holdout's; None for a pilot
    starts_at: datetime
    ends_at: datetime | None
    shops: tuple[str, ...]  # a pilot's shops; () for a holdout
    created_at: datetime
    created_by: str

    def running(self, at: datetime) -> bool:
        """Whether a purchase at `at` falls inside the experiment (start included, end not)."""
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)

    def started(self, now: datetime) -> bool:
        return self.starts_at <= now

    def ended(self, at: datetime) -> bool:
        return self.ends_at is not None and self.ends_at <= at


def draw(salt: str, member_id: int) -> float:
    """A number uniform in [0, 1) fixed by the salt and the member: the first 8 bytes of
    SHA-256("<salt>:<member id>") over 2**64."""
    digest = hashlib.sha256(f"{salt}:{member_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def holdout_arm(salt: str, member_id: int, control_share: Decimal) -> Arm:
    return Arm.CONTROL if draw(salt, member_id) < float(control_share) else Arm.TREATMENT


def pilot_arm(shops: Sequence[str], shop: str | None) -> Arm:
    return Arm.TREATMENT if shop is not None and shop in shops else Arm.CONTROL


def withheld_reason(experiment: Experiment, arm: Arm, at: datetime) -> str | None:
    """Why a member of `arm` earns nothing at `at` (the experiment's kind), or None."""
    if arm is Arm.CONTROL and experiment.running(at):
        return experiment.kind.value
    return None


def withhold(earning: Earning, reason: str) -> Earning:
    """No points, the breakdown's one item naming the reason. The rules that would have
    applied are left out, so a milestone is not held by a purchase that did not pay it."""
    return Earning(
        line_points=(0,) * len(earning.line_points),
        bonus_points=0,
        breakdown=(BreakdownItem(reason, 0),),
    )


REASONS = frozenset(kind.value for kind in Kind)


@dataclass(frozen=True)
class NewExperiment:
    name: str
    kind: Kind
    salt: str
    control_share: Decimal | None
    starts_at: datetime
    ends_at: datetime | None
    shops: tuple[str, ...]


def parse_share(text: str | Decimal | float | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(str(text).strip())
    except InvalidOperation:
        raise InvalidInput(f"control_share: {text!r} is not a number (write 0.1)") from None


def parse_kind(text: str) -> Kind:
    try:
        return Kind(text)
    except ValueError:
        raise InvalidInput(
            f"kind: {text!r} is not a kind of experiment; use one of {[k.value for k in Kind]}"
        ) from None


def checked(new: NewExperiment) -> NewExperiment:
    """The experiment as it will be stored, or InvalidInput naming the field and the fix."""
    name = new.name.strip()
    if not name or limits.text_problem(name, NAME_LENGTH) or not NAME_PATTERN.fullmatch(name):
        raise InvalidInput(
            f"name: give the experiment a name of 1 to {NAME_LENGTH} letters, digits, '.', '-'"
            " or '_' (it is a path of the API, /v1/experiments/NAME, and a goal's population,"
            " arm:NAME/ARM)"
        )
    if not new.salt or limits.text_problem(new.salt, SALT_LENGTH):
        raise InvalidInput(f"salt: 1 to {SALT_LENGTH} characters (leave it out to get one)")
    if new.ends_at is not None and new.ends_at <= new.starts_at:
        raise InvalidInput("ends_at: the end must come after the start")
    if new.kind is Kind.HOLDOUT:
        _check_share(new.control_share)
        if new.shops:
            raise InvalidInput("shops: a holdout splits all members; shops name a pilot's group")
    else:
        if new.control_share is not None:
            raise InvalidInput(
                "control_share: a pilot's arms are its shops' customers, not a drawn share;"
                " leave it out"
            )
        shops = tuple(dict.fromkeys(s.strip() for s in new.shops))
        if not shops or len(shops) > MAX_SHOPS or any(not s for s in shops):
            raise InvalidInput(f"shops: a pilot names 1 to {MAX_SHOPS} shops, none empty")
        for shop in shops:
            if limits.text_problem(shop, limits.SHOP_LENGTH):
                raise InvalidInput(f"shops: {shop[:20]!r}… is longer than a shop's name may be")
        new = NewExperiment(
            name, new.kind, new.salt, None, new.starts_at, new.ends_at, tuple(sorted(shops))
        )
    return NewExperiment(
        name, new.kind, new.salt, new.control_share, new.starts_at, new.ends_at, new.shops
    )


def _check_share(share: Decimal | None) -> None:
    if share is None or not share.is_finite() or not Decimal(0) < share < Decimal(1):
        raise InvalidInput(
            "control_share: a holdout needs a share strictly between 0 and 1 (e.g. 0.1),"
            f" not {share}"
        )
    if share != share.quantize(Decimal("0.0001")):
        raise InvalidInput(f"control_share: {share} has more than 4 decimals")


def edit_problem(experiment: Experiment, now: datetime, *, share: bool, salt: bool) -> str | None:
    """Why these fields may not change now, or None: once started, the arms are fixed, so
    the salt and the share are kept; only the end may move."""
    if experiment.started(now) and (share or salt):
        changed = [n for n, f in (("control_share", share), ("salt", salt)) if f]
        return (
            f"{', '.join(changed)}: experiment {experiment.name!r} started at"
            f" {experiment.starts_at.isoformat()}; its arms are fixed and cannot be redrawn"
            " (end it and create a new one)"
        )
    return None
