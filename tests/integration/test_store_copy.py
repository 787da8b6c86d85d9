"""The in-memory copy the console's figures are computed on (analytics/snapshot.py): it
answers what the store answers, is read once per version of the data, and a figure of an
older version asked after a newer copy was made uses the newer one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from patron.analytics import snapshot
from patron.analytics.frames import store_currency
from patron.analytics.kpis import period_kpis
from patron.bootstrap import Patron
from patron.services.queries import data_version
from tests.conftest import Clock
from tests.integration.helpers import buy, member

START, END = datetime(2026, 3, 1), datetime(2026, 4, 1)


@pytest.fixture(autouse=True)
def april(clock: Clock) -> None:
    clock.now = datetime(2026, 4, 2, 9, 0)


def _sale(patron: Patron, mid: int, order: str, day: int, price: str) -> None:
    buy(patron, mid, order, ("A", "toys", 1, price), at=datetime(2026, 3, day, 12))


def test_the_copy_answers_what_the_store_answers(patron: Patron) -> None:
    ana, bob = member(patron, "ana"), member(patron, "bob")
    _sale(patron, ana, "o-1", 2, "10.00")
    _sale(patron, ana, "o-2", 9, "30.00")
    _sale(patron, bob, "o-3", 20, "20.00")
    version = patron.read(data_version)
    kpis = patron.analytics().on_copy(version, lambda source: period_kpis(source, START, END))
    # by hand: 2 customers, 3 purchases, 60.00; ana bought twice; one SKU each
    assert (kpis.customers, kpis.purchases, kpis.revenue) == (2, 3, 60.0)
    assert (kpis.average_basket, kpis.repurchase_rate, kpis.products_per_customer) == (
        20.0,
        0.5,
        1.0,
    )
    assert patron.analytics().on_copy(version, store_currency) == "EUR"


def test_the_copy_is_read_once_per_version(patron: Patron, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    real = snapshot.copy_of_store

    def counted(con: Any) -> Any:
        reads.append(1)
        return real(con)

    monkeypatch.setattr(snapshot, "copy_of_store", counted)
    ana = member(patron, "ana")
    _sale(patron, ana, "o-1", 2, "10.00")
    old = patron.read(data_version)

    def purchases(source: Any) -> int:
        return int(source.purchases.count().execute())

    analytics = patron.analytics()
    assert [analytics.on_copy(old, purchases) for _ in range(3)] == [1, 1, 1]
    assert len(reads) == 1
    _sale(patron, ana, "o-2", 3, "12.50")
    new = patron.read(data_version)
    assert analytics.on_copy(new, purchases) == 2 and len(reads) == 2
    # a figure of the older version, asked late, is computed on the newer copy
    assert analytics.on_copy(old, purchases) == 2 and len(reads) == 2
