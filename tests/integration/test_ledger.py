"""Every use case on SQLite and on PostgreSQL, with `verify` after each scenario."""

from __future__ import annotations

from datetime import datetime

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import (
    NoProgram,
)
from patron.services.commands import (
    Enroll,
    ReevaluateTiers,
)
from patron.services.enroll import enroll
from patron.services.queries import balance
from patron.services.tiers import reevaluate_tiers
from tests.integration.helpers import buy, member

pytestmark = pytest.mark.usefixtures("verified")


def test_a_big_purchase_upgrades_the_tier_at_once(patron: Patron) -> None:
    mid = member(patron)
    buy(patron, mid, "o-1", ("TV", "electronics", 1, "600.00"))
    second = buy(patron, mid, "o-2", ("TV", "electronics", 1, "100.00"))
    assert second.tier == "Silver"
    assert second.points_earned == 125  # Silver earns x1.25


def test_reevaluation_downgrades_members_whose_window_emptied(patron: Patron) -> None:
    mid = member(patron)
    buy(patron, mid, "o-1", ("TV", None, 1, "700.00"))
    assert patron.read(balance, mid).tier == "Silver"
    report = reevaluate_tiers(patron.new_uow, ReevaluateTiers(datetime(2027, 6, 1)))
    assert report.downgraded == 1
    assert patron.read(balance, mid).tier == "Bronze"


def test_nothing_works_without_a_program(store_kind: str, tmp_path, clock, request) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_patron

    empty = make_patron(store_kind, tmp_path / "empty", clock, request)
    try:
        with pytest.raises(NoProgram, match="^no program is loaded$"):
            empty.run(enroll, Enroll("c-1"))
    finally:
        empty.dispose()
