"""The version the console's figures are held for (services/queries.figures_version):
every change a console figure can show moves it, and a read does not. A version that
missed a kind of change would leave the overview showing old figures for as long as the
day lasts (analytics/held.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from patron.bootstrap import Patron
from patron.services.adjust import adjust
from patron.services.commands import Adjust, Redeem, Refund
from patron.services.queries import balance, figures_version
from patron.services.redeem import redeem
from patron.services.refund import refund
from tests.conftest import use_program
from tests.integration.helpers import member, record

PROGRAM = """
name = "Versions"
currency = "EUR"

[earning]
points_per_unit = 1
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> None:
    use_program(patron, PROGRAM)


def moved(patron: Patron, change: Callable[[], Any]) -> bool:
    before = patron.read(figures_version)
    change()
    return patron.read(figures_version) != before


def test_every_change_a_figure_shows_moves_the_version(patron: Patron) -> None:
    # an enrolment with no welcome gift writes no points: only its event says it happened
    assert moved(patron, lambda: member(patron, "c-1"))
    mid = member(patron, "c-2")
    bought: list[int] = []
    assert moved(patron, lambda: bought.append(record(patron, mid, "o-1").purchase_id))
    assert moved(patron, lambda: patron.run(adjust, Adjust(mid, 5, "goodwill", "alice")))
    assert moved(patron, lambda: patron.run(redeem, Redeem(mid, points=10)))
    assert moved(patron, lambda: patron.run(refund, Refund(bought[0])))
    assert not moved(patron, lambda: patron.read(balance, mid))
