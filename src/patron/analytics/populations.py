"""Whom a KPI is measured on: a small registry of kinds of population.

A population (domain/goals.Population) is a kind and, for every kind but `all`, a value:

    all             every member
    tier:NAME       the members in tier NAME now (the members table's current tier: a
                    member's tier on a past day is not kept)
    rfm:SEGMENT     the customers in RFM segment SEGMENT (analytics/rfm.py, 5 bins), scored
                    on their purchases up to the window's last day
    abc:CLASS       the customers in A/B/C class CLASS (analytics/abc.py, default
                    weights), classified on their purchases up to the window's last day
    arm:NAME/ARM    the members of arm ARM (control or treatment) of experiment NAME, as
                    their arms are stored (domain/experiments.py): a holdout's or a
                    pilot's control and treated members, to set a goal on the pilot group

Each kind is one `PopulationKind` in `KINDS`: a function giving the population's members
in the store as an Ibis table with a `member_id` column (the store's `members.id`), for
the window [start, end) a KPI is measured over (`members_of` adds each member's external
id, which the purchases' source calls customer_id); and a function listing the values
the kind takes (None for a kind that takes none), which a goal's population is checked
against. Adding a kind (a club, an experiment's arm) is one function and one
`register(PopulationKind(...))` call at the end of this module (or in a module this one
imports, so that the kind is known wherever populations are); nothing else changes: the
KPI catalogue, the goals, the CLI, API and console take every registered kind.

The members counted in a population are those enrolled before the window's end (a member
who joined later was not one during the window).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir

from patron.analytics.abc import abc_classes
from patron.analytics.frames import from_store
from patron.analytics.rfm import SEGMENTS, rfm
from patron.domain.goals import InvalidGoal, Population
from patron.domain.program import parse_program

Members = Callable[[ibis.BaseBackend, str | None, date, date], ir.Table]
Choices = Callable[[ibis.BaseBackend], list[str]]


@dataclass(frozen=True)
class PopulationKind:
    name: str
    label: str  # what the kind is, for people: "a tier of the program"
    members: Members  # (con, value, start, end) -> a table with a member_id column
    choices: Choices | None = None  # the values it takes; None: it takes no value


KINDS: dict[str, PopulationKind] = {}


def register(kind: PopulationKind) -> PopulationKind:
    """Add a kind of population (a later one of the same name replaces the earlier)."""
    KINDS[kind.name] = kind
    return kind


def members_of(con: ibis.BaseBackend, population: Population, start: date, end: date) -> ir.Table:
    """The population's members (member_id, customer_id) for the window [start, end),
    enrolled before its end; the population is checked first."""
    kind = check(con, population)
    found = kind.members(con, population.value, start, end)
    everyone = _members(con)
    enrolled = everyone.filter(everyone.enrolled_at.cast("timestamp").date() < end)
    return enrolled.semi_join(found, "member_id").select("member_id", "customer_id")


def check(con: ibis.BaseBackend, population: Population) -> PopulationKind:
    """The population's kind, or InvalidGoal naming what is wrong and what is known."""
    kind = KINDS.get(population.kind)
    if kind is None:
        known = ", ".join(sorted(KINDS))
        raise InvalidGoal(f"population: unknown kind {population.kind!r}; known: {known}")
    if kind.choices is None:
        if population.value is not None:
            raise InvalidGoal(f"population: `{kind.name}` takes no value ({population})")
        return kind
    choices = kind.choices(con)
    if population.value not in choices:
        shown = ", ".join(choices) or "none yet"
        raise InvalidGoal(
            f"population: {population} names no {kind.label}; give {kind.name}:VALUE, VALUE"
            f" one of: {shown}"
        )
    return kind


def _members(con: ibis.BaseBackend) -> ir.Table:
    members = con.table("members")
    return members.select(
        member_id=members.id, customer_id=members.external_id, enrolled_at=members.enrolled_at,
        tier=members.tier,
    )  # fmt: skip


def _last_day(end: date) -> datetime:
    """The window's last day, as the segmentations take their `as_of`."""
    return datetime.combine(end - timedelta(days=1), datetime.min.time())


def _of_customers(con: ibis.BaseBackend, customers: ir.Table) -> ir.Table:
    """The members whose external ids are the `customer_id`s of `customers`.

    On SQLite the customers are read first and named in the query (`IN (...)`): a
    segmentation (RFM, A/B/C) written into the measure's query nests its subqueries
    deeper than SQLite's parser goes ("parser stack overflow"). Not a temporary table:
    the analytics' connection lives as long as the server, and each measurement would
    leave one behind. PostgreSQL takes the one query.
    """
    members = _members(con)
    if con.name != "sqlite":
        return members.semi_join(customers, "customer_id")
    ids = customers.select("customer_id").to_pyarrow().column("customer_id").to_pylist()
    if not ids:
        return members.limit(0)
    return members.filter(members.customer_id.isin(ids))


def _everyone(con: ibis.BaseBackend, value: str | None, start: date, end: date) -> ir.Table:
    return _members(con)


def _tier(con: ibis.BaseBackend, value: str | None, start: date, end: date) -> ir.Table:
    members = _members(con)
    return members.filter(members.tier == value)


def _tiers(con: ibis.BaseBackend) -> list[str]:
    """The tiers of the program in force."""
    programs = con.table("programs")
    latest = programs.order_by(ibis.desc("version")).select("source").limit(1)
    found = latest.to_pyarrow().to_pylist()
    if not found:
        return []
    return [level.name for level in parse_program(str(found[0]["source"])).tiers.levels]


def _no_purchases(con: ibis.BaseBackend, end: date) -> bool:
    p = con.table("purchases")
    return int(p.filter(p.occurred_at.cast("timestamp").date() < end).count().execute()) == 0


def _rfm(con: ibis.BaseBackend, value: str | None, start: date, end: date) -> ir.Table:
    if _no_purchases(con, end):
        return _members(con).limit(0)
    scores = rfm(from_store(con), as_of=_last_day(end))
    return _of_customers(con, scores.filter(scores.segment == value).select("customer_id"))


def _abc(con: ibis.BaseBackend, value: str | None, start: date, end: date) -> ir.Table:
    if _no_purchases(con, end):
        return _members(con).limit(0)
    classes = abc_classes(from_store(con), as_of=_last_day(end))
    return _of_customers(con, classes.filter(classes.abc == value).select("customer_id"))


register(PopulationKind("all", "population of every member", _everyone))
register(PopulationKind("tier", "tier of the program", _tier, _tiers))
register(PopulationKind("rfm", "RFM segment", _rfm, lambda con: list(SEGMENTS)))


def _arm(con: ibis.BaseBackend, value: str | None, start: date, end: date) -> ir.Table:
    """The members whose stored arm of the experiment is the one named (`NAME/ARM`)."""
    name, _, arm = (value or "").rpartition("/")
    experiments, arms = con.table("experiments"), con.table("experiment_assignments")
    chosen = experiments.filter(experiments.name == name).select(experiment_id=experiments.id)
    found = arms.filter(arms.arm == arm).semi_join(chosen, "experiment_id")
    return _members(con).semi_join(found.select("member_id"), "member_id")


def _arms(con: ibis.BaseBackend) -> list[str]:
    """Both arms of every experiment, `NAME/control` and `NAME/treatment`."""
    names = con.table("experiments").select("name").order_by("name").to_pyarrow().to_pylist()
    return [f"{row['name']}/{arm}" for row in names for arm in ("control", "treatment")]


register(PopulationKind("abc", "A/B/C class", _abc, lambda con: ["A", "B", "C"]))
register(PopulationKind("arm", "arm of an experiment", _arm, _arms))
