"""Importing a purchase history with points (services/importer.py): each customer scored in
date order, whatever the file's order; a file imported again skips every row.

Elsewhere: the import's file reading, rejects, batches and resumption
(tests/integration/test_import.py, tests/unit/test_purchase_file.py); its bulk writer
(tests/integration/test_bulk_writer.py); its bounds (tests/integration/test_bounds.py);
its events (tests/integration/test_outbox_events.py); `patron import` (tests/integration/
test_cli.py).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from patron.bootstrap import Patron
from patron.domain.program import Program
from patron.services.importer import ImportOptions, import_purchases
from tests.conftest import use_program
from tests.integration.helpers import assert_verified

PROGRAM = """
name = "Import"
currency = "EUR"

[earning]
points_per_unit = 1         # 1 point per EUR
welcome_bonus = 100         # on enrollment, at the customer's first purchase

[tiers]
window_months = 12

  [[tiers.levels]]
  name = "Bronze"
  threshold = 0

  [[tiers.levels]]
  name = "Silver"
  threshold = 500           # EUR spent over the last 12 months
  multiplier = 1.25
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def test_an_import_with_points_scores_each_customer_in_date_order(
    patron: Patron, tmp_path: Path
) -> None:
    # given a file listing c1's purchases newest first: 600.00 on Feb 1, 100.00 on Jan 1
    path = tmp_path / "newest_first.csv"
    path.write_text("customer_id,date,amount\nc1,2025-02-01,600.00\nc1,2025-01-01,100.00\n")
    # when it is imported with points (PROGRAM: welcome 100, 1 point per EUR, Silver from
    # 500 EUR in 12 months at x1.25, the upgrading purchase scored at the old tier)
    import_purchases(patron.new_uow, path, ImportOptions(award_points=True))
    # then c1 enrolled at the first purchase, Jan 1 earned 100 at Bronze, Feb 1 lifted the
    # window to 700 and earned 600 at Bronze (scored before the upgrade): 100 + 100 + 600.
    # In file order instead, c1 would enrol on Feb 1, reach Silver with it, and score
    # Jan 1 at x1.25 (125 points): 825.
    with patron.uow(readonly=True) as uow:
        member = uow.members.by_external_id("c1")
    assert member is not None
    assert (member.enrolled_at, member.tier, member.balance) == (
        datetime(2025, 1, 1),
        "Silver",
        800,
    )
    assert_verified(patron)


def test_an_import_with_points_run_again_reports_every_row_skipped(
    patron: Patron, tmp_path: Path, program: Program
) -> None:
    # given two purchases imported with points
    path = tmp_path / "twice.csv"
    path.write_text("customer_id,date,amount\nc1,2025-01-01,10.00\nc2,2025-02-01,20.00\n")
    first = import_purchases(patron.new_uow, path, ImportOptions(award_points=True))
    # when the same file is imported again
    again = import_purchases(patron.new_uow, path, ImportOptions(award_points=True))
    # then the first run inserted both and created both members; the second skipped
    # both, inserted and created nothing, and the balances are those of one run
    assert (first.inserted, first.skipped, first.members_created) == (2, 0, 2)
    assert (again.inserted, again.skipped, again.members_created) == (0, 2, 0)
    with patron.uow(readonly=True) as uow:
        balances = [uow.members.by_external_id(c) for c in ("c1", "c2")]
    welcome, rate = program.earning.welcome_bonus, program.earning.points_per_unit
    assert [m.balance if m else None for m in balances] == [
        welcome + int(Decimal("10.00") * rate),
        welcome + int(Decimal("20.00") * rate),
    ]
    assert_verified(patron)
