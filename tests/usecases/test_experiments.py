"""Experiments against a control group (services/experiments.py, and their effect on
services/earn.py and services/enroll.py): the arms drawn and stored, the control earning
nothing while the experiment runs, the arms kept across restarts and refused edits, bad
input refused with nothing written; on SQLite and PostgreSQL.

Elsewhere: the rules without a store (tests/unit/test_experiments.py); the report's
statistics (tests/unit/test_uplift.py) and figures on a store (tests/integration/
test_experiment_report.py); the API (tests/e2e/test_experiments_api.py).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from patron.bootstrap import Patron
from patron.domain.earning import Line
from patron.domain.errors import ExperimentExists, ExperimentStarted, InvalidInput
from patron.domain.experiments import Arm
from patron.domain.goals import InvalidGoal, Population
from patron.services.commands import MemberRef, RecordPurchase
from patron.services.earn import record_purchase
from patron.services.experiments import (
    CreateExperiment,
    EditExperiment,
    arm_members,
    arm_of,
    create_experiment,
    edit_experiment,
    show_experiment,
)
from patron.store import tables as t
from tests.conftest import Clock, use_program
from tests.integration.helpers import balance_of, member, record

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Experiments"
currency = "EUR"

[earning]
points_per_unit = 1         # 1 point per EUR: a 50.00 EUR purchase earns 50
rounding = "down"
welcome_bonus = 100
pending_days = 0
"""
SALT = "fixed-salt"


@pytest.fixture(autouse=True)
def program(patron: Patron) -> None:
    use_program(patron, PROGRAM)


def expected_arm(salt: str, member_id: int, share: float) -> Arm:
    """The arm by hand: SHA-256 of "salt:id", first 8 bytes over 2**64, below the share."""
    digest = hashlib.sha256(f"{salt}:{member_id}".encode()).digest()
    return Arm.CONTROL if int.from_bytes(digest[:8], "big") / 2**64 < share else Arm.TREATMENT


def holdout(patron: Patron, **kw: object) -> None:
    given: dict[str, object] = {"name": "h", "kind": "holdout", "actor": "cli:test",
                                "control_share": Decimal("0.5"), "salt": SALT}  # fmt: skip
    given.update(kw)
    patron.run(create_experiment, CreateExperiment(**given))  # type: ignore[arg-type]


def rows(patron: Patron, table: t.Table) -> int:
    with patron.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_holdout_draws_every_member_from_the_salt_and_stores_the_arm(patron: Patron) -> None:
    ids = [member(patron, f"c-{i}") for i in range(12)]
    holdout(patron)
    drawn = {m: patron.read(arm_of, "h", MemberRef(id=m)) for m in ids}
    assert drawn == {m: expected_arm(SALT, m, 0.5) for m in ids}
    assert set(drawn.values()) == {Arm.CONTROL, Arm.TREATMENT}  # both arms present
    control = [m for m in ids if drawn[m] is Arm.CONTROL]
    assert patron.read(arm_members, "h", Arm.CONTROL) == control
    facts = patron.read(show_experiment, "h")
    assert facts.members == {Arm.CONTROL: len(control), Arm.TREATMENT: 12 - len(control)}


def test_a_control_member_earns_nothing_and_the_till_is_not_told_why(
    patron: Patron, clock: Clock
) -> None:
    ids = [member(patron, f"c-{i}") for i in range(12)]
    holdout(patron)
    control = next(m for m in ids if expected_arm(SALT, m, 0.5) is Arm.CONTROL)
    treated = next(m for m in ids if expected_arm(SALT, m, 0.5) is Arm.TREATMENT)
    clock.advance(hours=1)
    held = record(patron, control, "o-c")
    earned = record(patron, treated, "o-t")
    assert (held.points_earned, held.breakdown) == (0, ())
    assert earned.points_earned == 50 and earned.breakdown
    assert balance_of(patron, control) == 100  # the welcome bonus from before the holdout
    assert balance_of(patron, treated) == 150
    with patron.uow(readonly=True) as uow:
        stored = uow.purchases.by_order_id("o-c")
        entries = uow.ledger.entries(control, 10, None)
    assert stored is not None and [(b.rule, b.points) for b in stored.breakdown] == [("holdout", 0)]
    assert [e.kind for e in entries] == ["welcome"]  # the purchase wrote no ledger entry


def test_after_the_end_the_control_earns_again(patron: Patron, clock: Clock) -> None:
    ids = [member(patron, f"c-{i}") for i in range(12)]
    holdout(patron, ends_at=clock() + timedelta(days=30))
    control = next(m for m in ids if expected_arm(SALT, m, 0.5) is Arm.CONTROL)
    clock.advance(days=29)
    assert record(patron, control, "o-1").points_earned == 0
    clock.advance(days=2)
    assert record(patron, control, "o-2").points_earned == 50


def test_a_member_enrolled_during_a_holdout_gets_the_welcome_bonus_only_if_treated(
    patron: Patron,
) -> None:
    holdout(patron)
    ids = [member(patron, f"n-{i}") for i in range(12)]
    for m in ids:
        arm = expected_arm(SALT, m, 0.5)
        assert patron.read(arm_of, "h", MemberRef(id=m)) is arm
        assert balance_of(patron, m) == (0 if arm is Arm.CONTROL else 100)


def test_the_arms_stay_across_restarts_and_edits_that_would_redraw_them_are_refused(
    patron: Patron, clock: Clock
) -> None:
    ids = [member(patron, f"c-{i}") for i in range(20)]
    holdout(patron)
    before = {m: patron.read(arm_of, "h", MemberRef(id=m)) for m in ids}
    clock.advance(days=1)
    for change in (
        EditExperiment("h", "cli:test", control_share=Decimal("0.1")),
        EditExperiment("h", "cli:test", salt="another"),
    ):
        with pytest.raises(ExperimentStarted, match="arms are fixed"):
            patron.run(edit_experiment, change)
    again = Patron.from_url(patron.engine.url.render_as_string(hide_password=False), clock=clock)
    try:
        assert {m: again.read(arm_of, "h", MemberRef(id=m)) for m in ids} == before
        facts = again.read(show_experiment, "h")
    finally:
        again.dispose()
    assert (facts.experiment.salt, facts.experiment.control_share) == (SALT, Decimal("0.5"))


def test_before_it_starts_a_new_share_redraws_the_arms(patron: Patron, clock: Clock) -> None:
    ids = [member(patron, f"c-{i}") for i in range(20)]
    holdout(patron, starts_at=clock() + timedelta(days=7))
    patron.run(edit_experiment, EditExperiment("h", "cli:test", control_share=Decimal("0.2")))
    assert {m: patron.read(arm_of, "h", MemberRef(id=m)) for m in ids} == {
        m: expected_arm(SALT, m, 0.2) for m in ids
    }
    # and before it starts, the control still earns
    control = next(m for m in ids if expected_arm(SALT, m, 0.2) is Arm.CONTROL)
    assert record(patron, control, "o-1").points_earned == 50


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"control_share": Decimal("1.5")}, "strictly between 0 and 1"),
        ({"control_share": Decimal("0")}, "strictly between 0 and 1"),
        ({"control_share": None}, "strictly between 0 and 1"),
        ({"control_share": Decimal("0.12345")}, "more than 4 decimals"),
        ({"name": " "}, "name: give the experiment a name"),
        ({"kind": "coinflip"}, "kind: 'coinflip' is not a kind"),
        ({"shops": ("north",)}, "shops: a holdout splits all members"),
        ({"ends_at": datetime(2025, 1, 1)}, "ends_at: the end must come after the start"),
        ({"kind": "pilot"}, "control_share: a pilot's arms are its shops' customers"),
        ({"kind": "pilot", "control_share": None}, "shops: a pilot names 1 to 100 shops"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    patron: Patron, given: dict[str, object], message: str
) -> None:
    member(patron, "c-1")
    with pytest.raises(InvalidInput, match=message):
        holdout(patron, **given)
    assert (rows(patron, t.experiments), rows(patron, t.experiment_assignments)) == (0, 0)


def test_a_name_in_use_is_refused_and_the_first_experiment_kept(patron: Patron) -> None:
    member(patron, "c-1")
    holdout(patron)
    with pytest.raises(ExperimentExists, match="'h' exists already"):
        holdout(patron, control_share=Decimal("0.3"))
    assert rows(patron, t.experiments) == 1
    assert patron.read(show_experiment, "h").experiment.control_share == Decimal("0.5")


def buy_at(patron: Patron, mid: int, order_id: str, shop: str | None, at: datetime) -> int:
    cmd = RecordPurchase(
        MemberRef(id=mid), order_id, at, "EUR", (Line("A", None, 1, Decimal("50.00")),), shop=shop
    )
    return patron.run(record_purchase, cmd).points_earned


def test_a_pilot_treats_the_customers_of_its_shops_and_holds_the_others(
    patron: Patron, clock: Clock
) -> None:
    north, south, newcomer = (member(patron, f"c-{i}") for i in range(3))
    buy_at(patron, north, "o-1", "south", clock() - timedelta(days=20))
    buy_at(patron, north, "o-2", "north", clock() - timedelta(days=10))  # the latest: north
    buy_at(patron, south, "o-3", "south", clock() - timedelta(days=5))
    patron.run(
        create_experiment,
        CreateExperiment("p", "pilot", "cli:test", shops=("north",)),
    )
    assert patron.read(arm_of, "p", MemberRef(id=north)) is Arm.TREATMENT
    assert patron.read(arm_of, "p", MemberRef(id=south)) is Arm.CONTROL
    assert patron.read(arm_of, "p", MemberRef(id=newcomer)) is None  # no purchase yet
    clock.advance(hours=1)
    # the arm is the member's, not the purchase's shop: south's customer earns nothing at north
    assert buy_at(patron, south, "o-4", "north", clock()) == 0
    assert buy_at(patron, north, "o-5", "south", clock()) == 50
    assert buy_at(patron, newcomer, "o-6", "north", clock()) == 50  # first seen at north
    assert buy_at(patron, newcomer, "o-7", "south", clock()) == 50
    with patron.uow(readonly=True) as uow:
        stored = uow.purchases.by_order_id("o-4")
    assert stored is not None and [(b.rule, b.points) for b in stored.breakdown] == [("pilot", 0)]


def test_an_arm_is_a_population_goals_measure(patron: Patron, clock: Clock) -> None:
    # given 12 members drawn into a holdout, member i buying (i + 1) × 10.00 EUR once
    ids = [member(patron, f"c-{i}") for i in range(12)]
    holdout(patron)
    for i, mid in enumerate(ids):
        line = Line("A", None, 1, Decimal(10 * (i + 1)))
        record(patron, mid, f"o-{i}", lines=(line,))
    # when the KPI catalogue measures revenue per member on each arm of "h"
    today = clock().date()
    start, end = today - timedelta(days=30), today + timedelta(days=1)
    measures = patron.measures()
    found = {
        arm: measures.measure("revenue_per_member", Population("arm", f"h/{arm}"), start, end)
        for arm in ("control", "treatment")
    }
    # then each is its arm's revenue over its members, the arms drawn by hand
    for arm in (Arm.CONTROL, Arm.TREATMENT):
        spent = [10 * (i + 1) for i, m in enumerate(ids) if expected_arm(SALT, m, 0.5) is arm]
        assert spent, "the salt puts members in both arms"
        assert found[arm.value] == (Decimal(sum(spent)) / len(spent)).quantize(Decimal("1e-6"))
    # and an arm of an experiment that does not exist is refused, naming those that do
    with pytest.raises(InvalidGoal, match="h/control, h/treatment"):
        measures.measure("revenue_per_member", Population("arm", "nope/control"), start, end)
