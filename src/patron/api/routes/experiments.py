"""Experiments against a control group, for admin keys: create, change the end (or, before
the start, the share and salt), list, read one, a member's arm, the report and the power
calculator. No till's answer carries an arm (domain/experiments.py): only these paths,
under the admin scope, do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from patron.analytics.columns import encode_rows
from patron.analytics.experiments import (
    Window,
    default_period,
    power_table,
    report,
    report_document,
)
from patron.api import examples
from patron.api import problems as p
from patron.api.deps import AdminKey, MemberPath, PatronDep
from patron.api.idempotency import Idempotent
from patron.api.schemas import (
    ExperimentArmPublic,
    ExperimentCreate,
    ExperimentEdit,
    ExperimentPublic,
)
from patron.domain.clock import to_utc_naive
from patron.domain.errors import ExperimentExists, ExperimentStarted, InvalidInput, NotFound
from patron.services.commands import MemberRef
from patron.services.experiments import (
    CreateExperiment,
    EditExperiment,
    ExperimentFacts,
    create_experiment,
    edit_experiment,
    list_experiments,
    member_arm,
    show_experiment,
)

router = APIRouter(tags=["experiments"])
Name = Annotated[
    str, Path(max_length=50, description="the experiment's name", examples=["holdout-2026"])
]
UNKNOWN = NotFound("no experiment named 'spring'; `patron experiment list` shows them")


def _public(facts: ExperimentFacts) -> ExperimentPublic:
    e = facts.experiment
    return ExperimentPublic(
        name=e.name,
        kind=e.kind.value,
        control_share=e.control_share,
        shops=list(e.shops),
        starts_at=e.starts_at,
        ends_at=e.ends_at,
        created_at=e.created_at,
        created_by=e.created_by,
        members={arm.value: n for arm, n in facts.members.items()},
    )


@router.post(
    "/v1/experiments",
    status_code=201,
    response_model=ExperimentPublic,
    responses=p.refusals(
        InvalidInput("control_share: a holdout needs a share strictly between 0 and 1"),
        ExperimentExists("an experiment named 'spring' exists already", experiment_id=1),
    ),
)
def create(body: ExperimentCreate, principal: AdminKey, write: Idempotent) -> Response:
    """Create a holdout or a pilot; every member there is now is given an arm (admin)."""
    command = CreateExperiment(
        name=body.name,
        kind=body.kind,
        actor=principal.actor,
        control_share=body.control_share,
        shops=tuple(body.shops),
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        salt=body.salt,
    )
    return write(body, lambda uow: create_experiment(uow, command), _public)


@router.get("/v1/experiments", responses=p.ok({"data": examples.EXPERIMENT_PUBLIC, "count": 1}))
def get_all(patron: PatronDep, _: AdminKey) -> dict[str, Any]:
    """Every experiment with the members of each arm."""
    found = [_public(f).model_dump(mode="json") for f in patron.read(list_experiments)]
    return {"data": found, "count": len(found)}


@router.get(
    "/v1/experiments/{name}", response_model=ExperimentPublic, responses=p.refusals(UNKNOWN)
)
def get_one(name: Name, patron: PatronDep, _: AdminKey) -> ExperimentPublic:
    """One experiment."""
    return _public(patron.read(show_experiment, name))


@router.patch(
    "/v1/experiments/{name}",
    response_model=ExperimentPublic,
    responses=p.refusals(
        UNKNOWN,
        ExperimentStarted(
            "control_share: experiment 'spring' started at 2026-03-01T00:00:00; its arms are"
            " fixed and cannot be redrawn (end it and create a new one)",
            experiment_id=1,
        ),
        InvalidInput("ends_at: the end must come after the start"),
    ),
)
def patch(name: Name, body: ExperimentEdit, patron: PatronDep, principal: AdminKey) -> Any:
    """Move the end; before the start, change the share or the salt (the arms are redrawn)."""
    command = EditExperiment(name, principal.actor, body.control_share, body.salt, body.ends_at)
    return _public(patron.run(edit_experiment, command))


@router.get(
    "/v1/experiments/{name}/members/{member}",
    response_model=ExperimentArmPublic,
    responses=p.refusals(
        UNKNOWN, NotFound("no member with external_id 'C-9999'"), p.AMBIGUOUS_MEMBER
    ),
)
def get_arm(
    name: Name,
    member: MemberPath,
    patron: PatronDep,
    _: AdminKey,
    by: Annotated[Literal["id", "external_id"] | None, Query()] = None,
) -> ExperimentArmPublic:
    """A member's arm (admin only: no till's answer says it)."""
    member_id, arm = patron.read(member_arm, name, MemberRef.named(member, by))
    return ExperimentArmPublic(
        experiment=name, member_id=member_id, arm=None if arm is None else arm.value
    )


@router.get(
    "/v1/experiments/{name}/report",
    responses={
        **p.ok(examples.EXPERIMENT_REPORT),
        **p.refusals(
            UNKNOWN,
            InvalidInput(
                "experiment 'spring' starts at 2026-03-01T00:00:00; there is no period to"
                " report yet"
            ),
        ),
    },
)
def get_report(
    name: Name,
    patron: PatronDep,
    _: AdminKey,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: Annotated[datetime | None, Query()] = None,
    other_cost: Annotated[float, Query(ge=0, le=1e12)] = 0.0,
    margin_rate: Annotated[float | None, Query(ge=0, le=1)] = None,
    confidence: Annotated[float, Query(gt=0, lt=1)] = 0.95,
) -> dict[str, Any]:
    """Per arm, outcomes per member; differences with intervals (Welch; CUPED with the
    pre-period); incremental revenue and margin, cost, net and ROI; the sample ratio."""
    experiment = patron.read(show_experiment, name).experiment
    period = default_period(experiment, to_utc_naive(patron.clock()))
    if from_ is not None or to is not None:
        period = Window(
            to_utc_naive(from_) if from_ else period.start, to_utc_naive(to) if to else period.end
        )
    found = patron.analytics().run(
        lambda con: report(
            con, experiment, period, other_cost=other_cost, margin_rate=margin_rate,
            confidence=confidence,
        )
    )  # fmt: skip
    return report_document(found)


@router.get(
    "/v1/experiment-power",
    responses={
        **p.ok(examples.EXPERIMENT_POWER),
        **p.refusals(InvalidInput("power: the store has fewer than 2 members before the horizons")),
    },
)
def get_power(
    patron: PatronDep,
    _: AdminKey,
    uplift: Annotated[float, Query(ge=0.0001, le=10)] = 0.05,
    control_share: Annotated[float, Query(gt=0, lt=1)] = 0.1,
    alpha: Annotated[float, Query(ge=1e-6, le=0.5)] = 0.05,
    power: Annotated[float, Query(ge=0.5, le=0.9999)] = 0.8,
    metric: Annotated[Literal["revenue", "purchases"], Query()] = "revenue",
    as_of: Annotated[datetime | None, Query()] = None,
) -> dict[str, Any]:
    """Members needed to detect a relative uplift, over horizons of 1 to 52 weeks, from the
    store's own per-member variance (normal approximation)."""
    at = to_utc_naive(as_of or patron.clock())
    rows = patron.analytics().run(
        lambda con: power_table(
            con, at, uplift, metric=metric, control_share=control_share, alpha=alpha,
            power=power,
        )
    )  # fmt: skip
    enough = next((r.weeks for r in rows if r.enough), None)
    encoded = encode_rows("experiment_power", [vars(r) for r in rows])
    for row, found in zip(encoded, rows, strict=True):
        row["enough"] = found.enough  # a boolean in JSON, not the table's "yes"/"no"
    return {"relative_uplift": uplift, "weeks_needed": enough, "data": encoded}
