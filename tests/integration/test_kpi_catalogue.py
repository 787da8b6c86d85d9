"""The KPI catalogue on a store computed by hand (tests/support/goals.py), both stores."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import InvalidInput
from patron.domain.goals import Population
from tests.conftest import Clock
from tests.support import goals as scenario

WINDOW = (date(2026, 6, 2), date(2026, 7, 2))


def test_every_kpi_of_the_catalogue_equals_the_hand_computation(
    patron: Patron, clock: Clock
) -> None:
    scenario.build(patron, clock)
    measures = patron.measures()
    found = {name: measures.measure(name, Population("all"), *WINDOW) for name in scenario.EXPECTED}
    assert found == scenario.EXPECTED


def test_a_tier_and_a_segmentation_are_populations(patron: Patron, clock: Clock) -> None:
    """Everyone is Bronze (200 EUR at most over 12 months < 1,000): Bronze is everyone,
    Gold no one (no member: not measurable). A/B/C with the default weights (volume only:
    spend up to 07-01, m1 200, m2 110, m3 50; A the top 20 %, B the next 30 %): m1's
    position 1/3 is past 0.2 and within 0.5, so class B is m1 alone (A is empty, m2 and
    m3 at 2/3 and 1 are C). Class B's window: m1's 40 and 60, average basket 50,
    revenue per member 100 / 1."""
    scenario.build(patron, clock)
    measures = patron.measures()
    bronze = measures.measure("purchase_frequency", Population("tier", "Bronze"), *WINDOW)
    assert bronze == Decimal("9.125")
    assert measures.measure("purchase_frequency", Population("tier", "Gold"), *WINDOW) is None
    assert measures.measure("average_basket", Population("abc", "B"), *WINDOW) == Decimal("50")
    assert measures.measure("revenue_per_member", Population("abc", "B"), *WINDOW) == Decimal("100")


def test_an_rfm_segment_is_a_population(patron: Patron, clock: Clock) -> None:
    """RFM on the last day of the window (bins 5, score = min(5, 1 + floor(5 x percent
    rank))). Days since the last purchase: m1 6 (06-25), m3 21 (06-10), m2 42 (05-20), so
    R is m2 1, m3 3, m1 5; purchases m3 1, m2 2, m1 3, so F is m3 1, m2 3, m1 5. By the
    grid: m1 (R5 F5) is a champion, m2 (R1 F3) at risk, m3 (R3 F1) needs attention, and
    no one is lost. Window revenue per member: m1 100, m2 0, m3 50."""
    scenario.build(patron, clock)
    measures = patron.measures()

    def revenue(segment: str) -> Decimal | None:
        return measures.measure("revenue_per_member", Population("rfm", segment), *WINDOW)

    assert revenue("champions") == Decimal("100")
    assert revenue("at risk") == Decimal("0")
    assert revenue("need attention") == Decimal("50")
    assert revenue("lost") is None


@pytest.mark.parametrize(
    ("population", "words"),
    [
        (Population("club", "x"), "unknown kind 'club'"),
        (Population("tier", "Platinum"), "one of: Bronze, Silver, Gold"),
        (Population("all", "x"), "takes no value"),
        (Population("rfm", "kings"), "champions"),
    ],
)
def test_an_unknown_population_is_refused_naming_what_exists(
    sqlite_patron: Patron, population: Population, words: str
) -> None:
    with pytest.raises(InvalidInput, match=words):
        sqlite_patron.measures().check_population(population)


def test_a_new_kind_of_population_is_one_function_registered(
    sqlite_patron: Patron, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an experiment's arm or a club will do: a kind `named` whose value lists
    external ids. m1 and m3 bought 40 + 60 and 50 in the window: 3 purchases, 2 members,
    3 / 2 × 365 / 30 = 18.25 a year."""
    from patron.analytics import populations

    monkeypatch.setattr(populations, "KINDS", dict(populations.KINDS))

    def named(con, value, start, end):  # type: ignore[no-untyped-def]
        members = con.table("members")
        return members.filter(members.external_id.isin((value or "").split(","))).select(
            member_id=members.id
        )

    populations.register(populations.PopulationKind("named", "list of members", named,
                                                    lambda con: ["m1,m3"]))  # fmt: skip
    scenario.build(sqlite_patron, clock)
    found = sqlite_patron.measures().measure(
        "purchase_frequency", Population("named", "m1,m3"), *WINDOW
    )
    assert found == Decimal("18.25")
