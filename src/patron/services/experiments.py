"""Experiments against a control group: creating one, changing it before it starts, and
each member's arm, decided once and stored (domain/experiments.py has the rules).

Arms are stored at the experiment's creation for every member there is then (a holdout:
drawn from the salt; a pilot: by the shop of the member's latest purchase), and for a
member first seen later when they enroll (a holdout) or at their first purchase while the
experiment has not ended (both kinds). `withheld` is what the earn and enroll use cases
ask: the reason the member earns nothing now, deciding and storing their arm first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from patron.domain.audit import AuditAction
from patron.domain.clock import to_utc_naive
from patron.domain.errors import (
    ExperimentExists,
    ExperimentStarted,
    InvalidInput,
    NotFound,
)
from patron.domain.experiments import (
    Arm,
    Experiment,
    Kind,
    NewExperiment,
    checked,
    edit_problem,
    holdout_arm,
    parse_kind,
    pilot_arm,
    withheld_reason,
)
from patron.services.commands import MemberRef
from patron.services.members import find_member
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class CreateExperiment:
    name: str
    kind: str
    actor: str
    control_share: Decimal | None = None
    shops: tuple[str, ...] = ()
    starts_at: datetime | None = None  # None: now
    ends_at: datetime | None = None
    salt: str | None = None  # None: 16 random hex digits


@dataclass(frozen=True)
class EditExperiment:
    name: str
    actor: str
    control_share: Decimal | None = None  # None: unchanged
    salt: str | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class ExperimentFacts:
    experiment: Experiment
    members: dict[Arm, int]


def create_experiment(uow: UnitOfWork, cmd: CreateExperiment) -> ExperimentFacts:
    starts = to_utc_naive(cmd.starts_at) if cmd.starts_at else uow.now
    ends = to_utc_naive(cmd.ends_at) if cmd.ends_at else None
    new = checked(
        NewExperiment(
            cmd.name,
            parse_kind(cmd.kind),
            cmd.salt if cmd.salt is not None else secrets.token_hex(8),
            cmd.control_share,
            starts,
            ends,
            cmd.shops,
        )
    )
    existing = uow.experiments.by_name(new.name)
    if existing is not None:
        raise ExperimentExists(
            f"an experiment named {new.name!r} exists already", experiment_id=existing.id
        )
    experiment = uow.experiments.add(new, uow.now, cmd.actor)
    _assign_everyone(uow, experiment)
    details = {
        "name": new.name,
        "kind": new.kind.value,
        "control_share": None if new.control_share is None else str(new.control_share),
        "shops": list(new.shops),
        "starts_at": starts.isoformat(),
        "ends_at": None if ends is None else ends.isoformat(),
    }
    uow.audit.record(uow.now, cmd.actor, AuditAction.EXPERIMENT_CREATED, None, None, details)
    return ExperimentFacts(experiment, uow.experiments.counts(experiment.id))


def edit_experiment(uow: UnitOfWork, cmd: EditExperiment) -> ExperimentFacts:
    """Change the end; the salt and the share too while the experiment has not started
    (its arms are then drawn again). Once started they are refused: the arms are fixed."""
    experiment = find_experiment(uow, cmd.name)
    share = cmd.control_share is not None and cmd.control_share != experiment.control_share
    salt = cmd.salt is not None and cmd.salt != experiment.salt
    problem = edit_problem(experiment, uow.now, share=share, salt=salt)
    if problem is not None:
        raise ExperimentStarted(problem, experiment_id=experiment.id)
    ends = to_utc_naive(cmd.ends_at) if cmd.ends_at else experiment.ends_at
    if ends is not None and experiment.started(uow.now) and ends < uow.now:
        raise InvalidInput(
            f"ends_at: {ends.isoformat()} has passed; a running experiment ends now at the"
            " earliest (the purchases already recorded keep what they earned)"
        )
    changed = replace(
        experiment,
        control_share=cmd.control_share if share else experiment.control_share,
        salt=cmd.salt if salt and cmd.salt is not None else experiment.salt,
        ends_at=ends,
    )
    # the same checks as a new experiment's
    checked(
        NewExperiment(
            changed.name, changed.kind, changed.salt, changed.control_share,
            changed.starts_at, changed.ends_at, changed.shops,
        )
    )  # fmt: skip
    uow.experiments.change(changed)
    if share or salt:
        uow.experiments.clear(experiment.id)
        _assign_everyone(uow, changed)
    details: dict[str, object] = {"name": experiment.name}
    if share:
        details["control_share"] = [str(experiment.control_share), str(changed.control_share)]
    if salt:
        details["salt"] = True
    if ends != experiment.ends_at:
        details["ends_at"] = [_iso(experiment.ends_at), _iso(ends)]
    uow.audit.record(uow.now, cmd.actor, AuditAction.EXPERIMENT_CHANGED, None, None, details)
    return ExperimentFacts(changed, uow.experiments.counts(experiment.id))


def find_experiment(uow: UnitOfWork, name: str) -> Experiment:
    found = uow.experiments.by_name(name.strip())
    if found is None:
        raise NotFound(f"no experiment named {name!r}; `patron experiment list` shows them")
    return found


def list_experiments(uow: UnitOfWork) -> list[ExperimentFacts]:
    return [ExperimentFacts(e, uow.experiments.counts(e.id)) for e in uow.experiments.all()]


def show_experiment(uow: UnitOfWork, name: str) -> ExperimentFacts:
    experiment = find_experiment(uow, name)
    return ExperimentFacts(experiment, uow.experiments.counts(experiment.id))


def arm_of(uow: UnitOfWork, name: str, member: MemberRef) -> Arm | None:
    """The member's stored arm in the experiment (None: not decided yet). For admins only:
    no till's answer carries it."""
    experiment = find_experiment(uow, name)
    return uow.experiments.arm(experiment.id, find_member(uow, member).id)


def member_arm(uow: UnitOfWork, name: str, member: MemberRef) -> tuple[int, Arm | None]:
    """The member's id and stored arm (the API's answer names the member by Patron's id)."""
    experiment = find_experiment(uow, name)
    member_id = find_member(uow, member).id
    return member_id, uow.experiments.arm(experiment.id, member_id)


def arm_members(uow: UnitOfWork, name: str, arm: Arm) -> list[int]:
    """The ids of the members of one arm of the experiment, in order. (Goals measure an
    arm through the analytics' own reading of the same table: populations.py, `arm`.)"""
    return uow.experiments.members(find_experiment(uow, name).id, arm)


def withheld(
    uow: UnitOfWork, member_id: int, at: datetime, *, purchase: bool, shop: str | None = None
) -> str | None:
    """Why the member earns nothing at `at` (an experiment's kind), or None. Every open
    experiment that can decide the member's arm and has none stored stores it now: a
    holdout always, a pilot at a purchase (by the purchase's `shop`), not at an enrolment."""
    reason = None
    for experiment, stored in uow.experiments.open_with_arm(member_id, at):
        arm = stored
        if arm is None and (purchase or experiment.kind is Kind.HOLDOUT):
            arm = _first_sight(uow, experiment, member_id, shop)
        if arm is not None and reason is None:
            reason = withheld_reason(experiment, arm, at)
    return reason


def _first_sight(uow: UnitOfWork, experiment: Experiment, member_id: int, shop: str | None) -> Arm:
    if experiment.kind is Kind.HOLDOUT:
        assert experiment.control_share is not None  # checked at creation
        arm = holdout_arm(experiment.salt, member_id, experiment.control_share)
    else:
        arm = pilot_arm(experiment.shops, shop)
    uow.experiments.assign(experiment.id, [(member_id, arm)], uow.now)
    # a concurrent writer may have stored another arm first (a pilot's, by another shop)
    if experiment.kind is Kind.PILOT:
        return uow.experiments.arm(experiment.id, member_id) or arm
    return arm


def _assign_everyone(uow: UnitOfWork, experiment: Experiment) -> None:
    """The arms of every member there is now."""
    members = uow.experiments.member_ids()
    if experiment.kind is Kind.HOLDOUT:
        share = experiment.control_share
        assert share is not None  # checked at creation
        arms = [(m, holdout_arm(experiment.salt, m, share)) for m in members]
    else:
        shops = uow.experiments.latest_shops(uow.now)
        arms = [(m, pilot_arm(experiment.shops, shops[m])) for m in members if m in shops]
    uow.experiments.assign(experiment.id, arms, uow.now)


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()
