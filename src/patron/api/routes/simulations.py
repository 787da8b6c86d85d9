"""`POST /v1/simulations` (admin): a program, or two side by side, replayed on the store's
purchases, writing nothing (docs/simulation.md).

A request replays at most `plan.MAX_STORE_PURCHASES` purchases (the period's, counted
first): some tens of seconds of a worker on a small machine, most of it reading the
store. A longer history is a job for `patron simulate` on the command line, which has no
such bound. Nothing is stored, so
the request is not idempotent-keyed: sending it again computes it again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from patron.analytics.simulation.plan import MAX_STORE_PURCHASES, Request, document, run_on_store
from patron.api import examples
from patron.api import problems as p
from patron.api.deps import AdminKey, PatronDep
from patron.api.schemas import examples as examples_of
from patron.domain.errors import InvalidInput, InvalidProgram
from patron.domain.program import Program, parse_program

router = APIRouter(tags=["analytics"])
PROGRAM_LENGTH = 200_000  # characters of a program's TOML


class SimulationCreate(BaseModel):
    """What to replay: the program's TOML (and another's), the period, the assumptions."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra=examples_of(examples.SIMULATION_CREATE),
    )

    program: Annotated[
        str,
        Field(min_length=1, max_length=PROGRAM_LENGTH, description="the program's TOML text"),
    ]
    against: Annotated[
        str | None,
        Field(
            max_length=PROGRAM_LENGTH,
            description="another program's TOML: both side by side, with other − program",
        ),
    ] = None
    from_: Annotated[
        date | None, Field(alias="from", description="first day (default: the first purchase's)")
    ] = None
    to: Annotated[date | None, Field(description="last day (default: the last purchase's)")] = None
    redeem_rate: Annotated[
        Decimal | None,
        Field(
            ge=0,
            le=1,
            description="share of their spendable points members redeem each"
            " month (default: measured on the store's ledger)",
        ),
    ] = None
    point_cost: Annotated[
        Decimal | None,
        Field(
            ge=0,
            le=1000,
            description="what a redeemed point costs the business (default:"
            " the catalog's total cost over its total points, else the point value)",
        ),
    ] = None
    margin: Annotated[
        Decimal | None,
        Field(ge=0, le=1, description="gross margin rate, for purchases without line costs"),
    ] = None
    reevaluate_months: Annotated[
        int, Field(ge=0, le=120, description="tiers re-evaluated every N months (0: never)")
    ] = 1


TOO_MANY = InvalidInput(
    f"the period holds 2500000 purchases, more than a request replays ({MAX_STORE_PURCHASES:,}):"
    " choose a shorter period (from, to) or run `patron simulate` on the command line"
)


@router.post(
    "/v1/simulations",
    responses=p.ok(examples.SIMULATION)
    | p.refusals(
        TOO_MANY, InvalidProgram("program: tiers.levels: at least one tier level is needed")
    ),
)
def create_simulation(body: SimulationCreate, patron: PatronDep, _: AdminKey) -> dict[str, Any]:
    """Replay the store's purchases under a program (and another): per month and in sum."""
    program = _parsed(body.program, "program")
    other = _parsed(body.against, "against") if body.against is not None else None
    start, end = body.from_, body.to
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"to: {end} is before from: {start}")
    given = body.redeem_rate is not None
    request = Request(program, other, start, end, body.redeem_rate or Decimal(0),
                      body.point_cost, body.margin, body.reevaluate_months)  # fmt: skip
    return document(patron.analytics().run(lambda con: run_on_store(con, request, given)))


def _parsed(text: str, source: str) -> Program:
    """The program a body gives, or its refusal with the message alone: the errors with
    their lines (field None for a TOML error) are the console's and the CLI's to show; a
    problem's `errors` are fields of the request (a review's fuzzing found the mismatch)."""
    try:
        return parse_program(text, source)
    except InvalidProgram as exc:
        raise InvalidProgram(exc.message) from None
