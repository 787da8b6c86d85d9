"""The rules of the portal's magic links (domain/login_links.py): what is stored of a token,
how long a link works and that it works once, how many links one address gets, and which
addresses are taken."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from patron.domain.errors import InvalidInput
from patron.domain.login_links import (
    LoginLink,
    Refusal,
    checked_address,
    expiry,
    may_send,
    refusal,
    token_hash,
    window_start,
)

MADE = datetime(2026, 3, 1, 12, 0)


def _link(used_at: datetime | None = None) -> LoginLink:
    return LoginLink(1, 7, MADE, expiry(MADE), used_at)


def test_a_token_is_kept_as_its_sha256_in_hex() -> None:
    # FIPS 180-2, appendix B.1: SHA-256("abc")
    assert token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_link_works_for_15_minutes_from_when_it_was_made() -> None:
    assert expiry(MADE) == datetime(2026, 3, 1, 12, 15)
    assert refusal(_link(), MADE) is None
    assert refusal(_link(), datetime(2026, 3, 1, 12, 14, 59)) is None
    assert refusal(_link(), datetime(2026, 3, 1, 12, 15)) is Refusal.EXPIRED


def test_a_link_works_once() -> None:
    assert refusal(_link(used_at=MADE), MADE + timedelta(minutes=1)) is Refusal.USED


def test_a_used_link_is_told_as_used_even_after_it_expired() -> None:
    assert refusal(_link(used_at=MADE), MADE + timedelta(hours=1)) is Refusal.USED


def test_a_token_no_link_has_is_unknown() -> None:
    assert refusal(None, MADE) is Refusal.UNKNOWN


def test_three_links_per_address_within_15_minutes_and_no_fourth() -> None:
    assert [may_send(made) for made in range(5)] == [True, True, True, False, False]
    assert window_start(MADE) == datetime(2026, 3, 1, 11, 45)


def test_an_address_is_looked_up_trimmed_and_in_lower_case() -> None:
    assert checked_address("  Ana.Pop@Shop.RO ") == "ana.pop@shop.ro"
    # members' addresses may be longer than staff's: up to 320 characters
    long = "a" * 311 + "@shop.ro"
    assert checked_address(long) == long


@pytest.mark.parametrize("text", ["ana", "ana@shop", "ana pop@shop.ro", "", "a" * 313 + "@shop.ro"])
def test_what_is_not_an_address_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not an e-mail address"):
        checked_address(text)
