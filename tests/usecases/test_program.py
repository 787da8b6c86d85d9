"""The program (services/program.py): nothing works before one is loaded; a definition is
validated before it is stored; a reload applies the stock the new text gives.

These tests load their own texts, on top of examples/program.toml that the `patron`
fixture loads as version 1. Elsewhere: the parsing and validation of a definition, without
a store (tests/unit/test_program.py); `patron program validate` and `load`
(tests/integration/test_cli.py); the stock followed through reloads by `verify`
(tests/usecases/test_verify.py).
"""

from __future__ import annotations

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import InvalidProgram, NoProgram
from patron.services.commands import Enroll, Redeem
from patron.services.enroll import enroll
from patron.services.redeem import redeem
from tests.conftest import Clock, load_example
from tests.integration.helpers import buy, member

pytestmark = pytest.mark.usefixtures("verified")


def test_nothing_works_without_a_program(store_kind: str, tmp_path, clock, request) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_patron

    empty = make_patron(store_kind, tmp_path / "empty", clock, request)
    try:
        with pytest.raises(NoProgram, match="^no program is loaded$"):
            empty.run(enroll, Enroll("c-1"))
    finally:
        empty.dispose()


def test_a_negative_referral_cap_is_refused_naming_the_field(patron: Patron) -> None:
    source = """
name = "Referrals"
currency = "EUR"

[earning]
referral_max_per_code = -1
referral_bonus = 200
"""
    with pytest.raises(
        InvalidProgram, match=r"earning\.referral_max_per_code: .*greater than or equal to 0"
    ):
        load_example(patron, source)
    with patron.uow(readonly=True) as uow:
        found = uow.programs.current()
        assert found is not None and found[0] == 1  # nothing loaded


STOCKED = """
name = "Stock"
currency = "EUR"

[earning]
points_per_unit = 1
welcome_bonus = 100
pending_days = 14           # points are spendable 14 days after the purchase

[tiers]
  [[tiers.levels]]
  name = "Bronze"
  threshold = 0

  [[tiers.levels]]
  name = "Silver"
  threshold = 500           # EUR spent over the last 12 months

[[rewards]]
id = "vip-evening"
name = "VIP shopping evening"
kind = "event"
points = 500
stock = 40                  # limited places
tiers = ["Silver"]          # only Silver members may redeem it
"""


def _stock(patron: Patron, reward_id: str) -> int | None:
    with patron.uow(readonly=True) as uow:
        row = uow.rewards.get(reward_id)
        assert row is not None
        return None if row.stock is None else int(row.stock)


def test_reloading_a_program_applies_a_changed_stock_and_keeps_an_unchanged_one(
    patron: Patron, clock: Clock
) -> None:
    example = STOCKED
    load_example(patron, example)
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
