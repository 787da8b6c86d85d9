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


@pytest.mark.parametrize(
    ("channel", "given", "problem"),
    [
        (Channel.EMAIL, " Ana@Example.com ", None),
        (Channel.EMAIL, "nonsense", "is no e-mail address (name@domain.tld)"),
        (Channel.EMAIL, "a@b", "is no e-mail address (name@domain.tld)"),
        (Channel.EMAIL, "a\x00@b.example", "holds a control character"),
        (Channel.EMAIL, "a@b.example\n", None),  # surrounding blanks are trimmed
        (Channel.EMAIL, "x" * 320 + "@b.example", "is longer than 320 characters"),
        (Channel.SMS, "+40 721 000 111", None),
        (Channel.SMS, "12345", "is no phone number (6 to 15 digits)"),
        (Channel.SMS, "1234567890123456", "is no phone number (6 to 15 digits)"),
        (Channel.PUSH, "m-17", None),
        (Channel.PUSH, "  ", "is empty"),
    ],
)
def test_what_staff_type_is_checked_as_an_address_of_its_channel(
    channel: Channel, given: str, problem: str | None
) -> None:
    from patron.domain.messages import address_problem

    assert address_problem(channel, given) == problem


@pytest.mark.parametrize(
    ("section", "error"),
    [
        (
            "[messages]\nfrequency_cap = { messages = true, days = 7 }\n",
            "messages.frequency_cap.messages: Input should be a valid integer",
        ),
        ("[messages]\nfrequency_cap = { messages = 3 }\n", "messages.frequency_cap.days"),
        ('[messages]\nunit_cost = { fax = "1" }\n', "messages.unit_cost.fax"),
        ('[journeys.welcome]\nenabled = "yes"\n', "journeys.welcome.enabled"),
    ],
)
def test_the_program_files_message_rules_are_checked_strictly(section: str, error: str) -> None:
    from patron.domain.errors import InvalidProgram
    from patron.domain.program import parse_program

    text = 'name = "Shop"\ncurrency = "EUR"\n' + section
    with pytest.raises(InvalidProgram, match=error):
        parse_program(text, "t")
