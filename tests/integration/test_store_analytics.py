"""The analytics' connection to the store (analytics/store.py): opened once per process by
the composition root, shared by requests one at a time, opened again after a failure."""

from __future__ import annotations

from typing import Any

import pytest

from patron.analytics import store
from patron.analytics.store import StoreAddress, address_of
from patron.bootstrap import Patron
from patron.domain.errors import InvalidInput


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[StoreAddress]:
    opened: list[StoreAddress] = []
    real = store.connect

    def connect(address: StoreAddress) -> Any:
        opened.append(address)
        return real(address)

    monkeypatch.setattr(store, "connect", connect)
    return opened


def _members(con: Any) -> int:
    return int(con.table("members").count().execute())


def test_one_connection_serves_every_computation(
    patron: Patron, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = _counting(monkeypatch)
    analytics = patron.analytics()
    assert patron.analytics() is analytics
    assert [analytics.run(_members) for _ in range(3)] == [0, 0, 0]
    assert len(opened) == 1


def test_a_refused_question_keeps_the_connection_a_failure_drops_it(
    patron: Patron, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = _counting(monkeypatch)
    analytics = patron.analytics()

    def refused(con: Any) -> int:
        raise InvalidInput("kpis needs ?start=")

    def broken(con: Any) -> int:
        return int(con.sql("SELECT * FROM no_such_table").count().execute())

    with pytest.raises(InvalidInput):
        analytics.run(refused)
    assert analytics.run(_members) == 0 and len(opened) == 1
    with pytest.raises(Exception, match="no_such_table"):
        analytics.run(broken)
    assert analytics.run(_members) == 0 and len(opened) == 2


def test_the_address_keeps_the_password_out_of_sight() -> None:
    address = address_of("postgresql+psycopg://shop:s3cret@db.local:6543/patron")
    assert address == StoreAddress("postgresql", "patron", "db.local", 6543, "shop", "s3cret")
    assert "s3cret" not in repr(address)
    assert address_of("sqlite:///var/patron.db") == StoreAddress("sqlite", "var/patron.db")


def test_reading_a_missing_sqlite_store_creates_nothing(tmp_path: Any) -> None:
    missing = tmp_path / "none.db"
    with pytest.raises(InvalidInput, match="no store at"):
        store.connect(address_of(f"sqlite:///{missing}"))
    assert not missing.exists()
