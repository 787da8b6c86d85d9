"""The rules for staff users (domain/staff.py): how they are named, what each role may do,
which passwords are taken, and when wrong passwords lock a user."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from patron.domain.errors import InvalidInput
from patron.domain.staff import (
    Role,
    after_failure,
    checked_email,
    checked_name,
    checked_password,
    checked_role,
)

NOW = datetime(2026, 3, 1, 12, 0)


def test_staff_are_named_by_their_email_in_lower_case() -> None:
    assert checked_email("  Ana.Pop@Shop.RO ") == "ana.pop@shop.ro"


@pytest.mark.parametrize(
    "text", ["ana", "ana@shop", "@shop.ro", "ana@@shop.ro", "ana pop@shop.ro", "<a@b.ro>", ""]
)
def test_what_is_not_an_email_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="email: .* is not an e-mail address"):
        checked_email(text)


def test_an_email_too_long_for_the_audit_actor_is_refused() -> None:
    # the actor "user:<email>" must fit the audit log's 100 characters: 95 for the e-mail
    fits = "a" * 86 + "@shop.ro"  # 86 + 8 = 94
    assert checked_email(fits) == fits
    assert checked_email("a" + fits) == "a" + fits  # 95
    with pytest.raises(InvalidInput, match="at most 95 characters, not 96"):
        checked_email("aa" + fits)


def test_roles_say_who_may_change_data_and_who_may_manage_access() -> None:
    assert [(r.may_change, r.may_manage_access) for r in Role] == [
        (True, True),  # owner
        (True, False),  # marketer
        (False, False),  # analyst: reads only
    ]
    assert checked_role(" Analyst ") is Role.ANALYST
    with pytest.raises(InvalidInput, match="role: 'admin' is not one of owner, marketer, analyst"):
        checked_role("admin")


def test_passwords_of_12_to_1024_characters_are_taken() -> None:
    assert checked_password("x" * 12) == "x" * 12
    assert checked_password("x" * 1024) == "x" * 1024
    with pytest.raises(InvalidInput, match="at least 12 characters, not 11"):
        checked_password("x" * 11)
    with pytest.raises(InvalidInput, match="at most 1024"):
        checked_password("x" * 1025)
    with pytest.raises(InvalidInput, match="leading or trailing spaces"):
        checked_password(" correct horse battery")


def test_names_are_trimmed_and_empty_means_none() -> None:
    assert checked_name("  Ana Pop ") == "Ana Pop"
    assert checked_name("   ") is None and checked_name(None) is None
    with pytest.raises(InvalidInput, match="name"):
        checked_name("Ana\nPop")


def test_the_fifth_wrong_password_in_a_row_locks_for_fifteen_minutes() -> None:
    assert after_failure(0, NOW) == (1, None)
    assert after_failure(3, NOW) == (4, None)
    assert after_failure(4, NOW) == (5, NOW + timedelta(minutes=15))
    # after the lock ends, every further failure locks again: one guess per 15 minutes
    assert after_failure(5, NOW) == (6, NOW + timedelta(minutes=15))
