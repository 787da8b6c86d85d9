"""The message gate (domain/messages.py): who may get a message, and why not, in the
order the module names; and the addresses as a suppression matches them."""

from __future__ import annotations

import pytest

from patron.domain.messages import (
    Channel,
    FrequencyCap,
    Kind,
    Recipient,
    Refusal,
    address_key,
    refusal,
)

OK = Recipient(erased=False, address="ana@example.com", consented=True, recent=0)
CAP = FrequencyCap(messages=2, days=7)


def test_a_consenting_member_under_the_cap_gets_a_marketing_message() -> None:
    assert refusal(Kind.MARKETING, OK, suppressed=False, cap=CAP) is None


def test_no_consent_no_marketing() -> None:
    them = Recipient(erased=False, address="a@b.example", consented=False, recent=0)
    assert refusal(Kind.MARKETING, them, suppressed=False, cap=None) is Refusal.NO_CONSENT


def test_a_suppressed_address_is_refused_even_with_consent() -> None:
    assert refusal(Kind.MARKETING, OK, suppressed=True, cap=None) is Refusal.SUPPRESSED


def test_the_cap_counts_what_went_within_its_window() -> None:
    one = Recipient(erased=False, address="a@b.example", consented=True, recent=1)
    two = Recipient(erased=False, address="a@b.example", consented=True, recent=2)
    assert refusal(Kind.MARKETING, one, suppressed=False, cap=CAP) is None
    assert refusal(Kind.MARKETING, two, suppressed=False, cap=CAP) is Refusal.CAPPED
    assert refusal(Kind.MARKETING, two, suppressed=False, cap=None) is None


def test_no_address_and_erased_stop_every_message() -> None:
    none = Recipient(erased=False, address=None, consented=True, recent=0)
    gone = Recipient(erased=True, address=None, consented=True, recent=0)
    for kind in Kind:
        assert refusal(kind, none, suppressed=False, cap=None) is Refusal.NO_ADDRESS
        assert refusal(kind, gone, suppressed=False, cap=None) is Refusal.ERASED


def test_a_transactional_message_asks_neither_consent_nor_cap_nor_the_list() -> None:
    them = Recipient(erased=False, address="a@b.example", consented=False, recent=99)
    assert refusal(Kind.TRANSACTIONAL, them, suppressed=True, cap=CAP) is None


@pytest.mark.parametrize(
    ("channel", "given", "key"),
    [
        (Channel.EMAIL, "  Ana@Example.COM ", "ana@example.com"),
        (Channel.SMS, "+40 721 000 111", "+40721000111"),
        (Channel.SMS, "0040 (721) 000-111", "+40721000111"),
        (Channel.SMS, "---", None),
        (Channel.PUSH, " m-17 ", "m-17"),
        (Channel.EMAIL, None, None),
        (Channel.EMAIL, "   ", None),
    ],
)
def test_addresses_as_a_suppression_matches_them(
    channel: Channel, given: str | None, key: str | None
) -> None:
    assert address_key(channel, given) == key
