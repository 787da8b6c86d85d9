"""Four ledger rules of docs/program.md and docs/ledger.md that Patron once broke (issue 9,
points 16-19), each played on SQLite and PostgreSQL with hand-computed outcomes.

The example program (examples/program.toml) is loaded unless a test loads its own: 1 point
per EUR, Bronze 0 / Silver 500 (x1.25) / Gold 1500 EUR over 12 months, welcome 100,
14 days pending, lots expire 24 months after they were earned.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.services.commands import Redeem, ReevaluateTiers
from patron.services.queries import balance
from patron.services.redeem import redeem
from patron.services.tiers import reevaluate_tiers
from tests.conftest import EXAMPLE_PROGRAM, Clock, load_example
from tests.integration.helpers import buy, member

pytestmark = pytest.mark.usefixtures("verified")


def _tier(patron: Patron, member_id: int) -> str:
    return patron.read(balance, member_id).tier


# 16. The tier qualification window ends at its date ----------------------------------


def test_reevaluation_as_of_a_past_date_ignores_purchases_made_after_it(
    patron: Patron, clock: Clock
) -> None:
    # given: 600 EUR on 2026-01-01 (Silver), then 500 EUR on 2027-01-15
    mid = member(patron)
    buy(patron, mid, "o-1", ("TV", None, 1, "600.00"))
    clock.now = datetime(2027, 1, 15, 9, 0)
    assert buy(patron, mid, "o-2", ("TV", None, 1, "500.00")).tier == "Silver"
    # when: re-qualified on the window 2026-01-10 .. 2027-01-10, which holds no purchase
    report = reevaluate_tiers(patron.new_uow, ReevaluateTiers(datetime(2027, 1, 10)))
    # then: down to Bronze; the 500 of 2027-01-15 is after the window's end
    assert (report.members, report.upgraded, report.downgraded) == (1, 0, 1)
    assert _tier(patron, mid) == "Bronze"


def test_a_late_upload_is_qualified_on_windows_that_hold_it_not_on_later_purchases(
    patron: Patron, clock: Clock
) -> None:
    # given: now 2026-06-01, 300 EUR bought today
    clock.now = datetime(2026, 6, 1, 9, 0)
    mid = member(patron, enrolled_at=datetime(2025, 1, 1))
    buy(patron, mid, "o-now", ("TV", None, 1, "300.00"))
    # when: a purchase of 2025-05-01 is uploaded late: its window 2024-05-01 .. 2025-05-01
    # holds 300; the window ending today starts 2025-06-01 and does not reach it
    late = buy(patron, mid, "o-late", ("TV", None, 1, "300.00"), at=datetime(2025, 5, 1, 12))
    # then: no window of 12 months ever held 500 EUR
    assert late.tier == "Bronze"
    assert _tier(patron, mid) == "Bronze"
    assert patron.read(balance, mid).qualifying == Decimal("300.00")


def test_a_late_upload_upgrades_when_a_later_window_holding_it_reaches_the_threshold(
    patron: Patron, clock: Clock
) -> None:
    clock.now = datetime(2026, 6, 1, 9, 0)
    mid = member(patron, enrolled_at=datetime(2025, 1, 1))
    buy(patron, mid, "o-now", ("TV", None, 1, "300.00"))
    # 250 dated 2026-03-01: its own window holds 250, the window ending today 550
    late = buy(patron, mid, "o-late", ("TV", None, 1, "250.00"), at=datetime(2026, 3, 1, 12))
    assert (late.tier, late.points_earned) == ("Silver", 250)  # scored at Bronze
    assert _tier(patron, mid) == "Silver"


def test_the_balance_does_not_count_a_purchase_dated_ahead_of_now(
    patron: Patron, clock: Clock
) -> None:
    mid = member(patron)  # now 2026-01-01 09:00
    buy(patron, mid, "o-1", ("TV", None, 1, "100.00"), at=datetime(2026, 1, 1, 20, 0))
    view = patron.read(balance, mid)
    assert (view.qualifying, view.next_tier, view.needed_for_next_tier) == (0, "Silver", 500)
    clock.advance(hours=12)
    view = patron.read(balance, mid)
    assert (view.qualifying, view.needed_for_next_tier) == (Decimal("100.00"), 400)


# 17. A debt is never settled from points that have expired ---------------------------


# 18. A milestone is paid once per member --------------------------------------------

# 19. Reloading a program applies a changed stock ------------------------------------


def _stock(patron: Patron, reward_id: str) -> int | None:
    with patron.uow(readonly=True) as uow:
        row = uow.rewards.get(reward_id)
        assert row is not None
        return None if row.stock is None else int(row.stock)


def test_reloading_a_program_applies_a_changed_stock_and_keeps_an_unchanged_one(
    patron: Patron, clock: Clock
) -> None:
    example = EXAMPLE_PROGRAM.read_text()
    assert "stock = 40 " in example and _stock(patron, "vip-evening") == 40
    mid = member(patron)
    buy(patron, mid, "o-1", ("TV", None, 1, "600.00"))  # Silver, may redeem the evening
    clock.advance(days=15)
    # when: the file's stock goes from 40 to 45
    load_example(patron, example.replace("stock = 40 ", "stock = 45 "))
    assert _stock(patron, "vip-evening") == 45
    patron.run(redeem, Redeem(mid, reward_id="vip-evening"))
    assert _stock(patron, "vip-evening") == 44
    # then: reloading the same stock keeps what is left; a new number is applied
    load_example(patron, example.replace("stock = 40 ", "stock = 45 "))
    assert _stock(patron, "vip-evening") == 44
    load_example(patron, example.replace("stock = 40 ", "stock = 3 "))
    assert _stock(patron, "vip-evening") == 3
    load_example(patron, example.replace("stock = 40 ", ""))  # omitted: unlimited
    assert _stock(patron, "vip-evening") is None
