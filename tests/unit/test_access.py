"""The pure rules of keys (domain/access.py): which shop's records a key may touch, the
operations it names, how long a rotated key lives."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from patron.domain.access import (
    KeyStatus,
    Operation,
    check_shop,
    checked_operations,
    checked_overlap,
    checked_shop,
    key_status,
)
from patron.domain.errors import ForbiddenShop, InvalidInput

NOW = datetime(2026, 1, 1, 9, 0)


@pytest.mark.parametrize(("key_shop", "record_shop"), [(None, None), (None, "A"), ("A", "A")])
def test_a_key_touches_its_own_shops_records_and_a_key_of_every_shop_any(
    key_shop: str | None, record_shop: str | None
) -> None:
    check_shop(key_shop, record_shop, "purchase 1")


@pytest.mark.parametrize("record_shop", ["B", None, "a"])
def test_a_shop_bound_key_is_refused_other_shops_no_shop_and_other_cases(
    record_shop: str | None,
) -> None:
    with pytest.raises(ForbiddenShop, match="purchase 1 was not made at shop 'A'"):
        check_shop("A", record_shop, "purchase 1")


def test_operations_are_kept_once_each_in_their_own_order() -> None:
    assert checked_operations(["refund", "earn", "refund"]) == (Operation.EARN, Operation.REFUND)
    assert checked_operations(None) is None


@pytest.mark.parametrize(
    ("names", "says"),
    [([], "name at least one"), (["earn", "fly"], "'fly' not among"), ([""], "'' not among")],
)
def test_operations_that_cannot_be_are_refused(names: list[str], says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        checked_operations(names)


@pytest.mark.parametrize("shop", ["", " A", "A ", "x" * 65, "A\x00"])
def test_a_shop_name_that_cannot_be_stored_or_matched_is_refused(shop: str) -> None:
    with pytest.raises(InvalidInput, match="^shop: "):
        checked_shop(shop)


def test_a_rotated_key_is_expiring_before_its_deadline_and_expired_at_it() -> None:
    deadline = NOW + timedelta(minutes=10)
    assert key_status(None, None, NOW) is KeyStatus.ACTIVE
    assert key_status(None, deadline, deadline - timedelta(microseconds=1)) is KeyStatus.EXPIRING
    assert key_status(None, deadline, deadline) is KeyStatus.EXPIRED
    assert key_status(NOW, deadline, NOW) is KeyStatus.REVOKED


def test_an_overlap_runs_from_none_to_thirty_days() -> None:
    assert checked_overlap(timedelta(0)) == timedelta(0)
    assert checked_overlap(timedelta(days=30)) == timedelta(days=30)
    for wrong in (timedelta(seconds=-1), timedelta(days=30, seconds=1)):
        with pytest.raises(InvalidInput, match="overlap: "):
            checked_overlap(wrong)
