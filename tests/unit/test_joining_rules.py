"""The join form's rules, the consent's state and the linking rule, without a database
(domain/joining.py, domain/consent.py, domain/unclaimed.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from patron.domain.consent import (
    ConsentRecord,
    ConsentSource,
    ConsentState,
    changes,
    latest,
    state_of,
)
from patron.domain.joining import (
    FormRefused,
    JoinForm,
    Joining,
    Problem,
    checked_card,
    checked_join,
    checked_phone,
)
from patron.domain.unclaimed import CustomerKeys, may_link


def test_a_good_form_is_kept_as_the_store_keeps_it() -> None:
    form = JoinForm(" Maria@Shop.Example ", " Maria ", True, "+40 (722) 123-456", "ab-12 34", "X1")
    assert checked_join(form) == Joining(
        "maria@shop.example", "Maria", True, "+40722123456", "AB1234", "X1"
    )


def test_empty_optional_fields_are_none() -> None:
    joined = checked_join(JoinForm("a@b.ro", "A"))
    assert (joined.phone, joined.card, joined.referral_code) == (None, None, None)


def test_every_refused_field_is_named_at_once() -> None:
    with pytest.raises(FormRefused) as refused:
        checked_join(JoinForm("nope", "", False, "12", "!", "Y" * 33))
    assert refused.value.problems == {
        "email": Problem.BAD_EMAIL,
        "name": Problem.NAME_MISSING,
        "phone": Problem.BAD_PHONE,
        "card": Problem.BAD_CARD,
        "referral_code": Problem.UNKNOWN_REFERRAL,
    }


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("N" * 201, Problem.NAME_TOO_LONG),
        ("a\x00b", Problem.CONTROL),
        ("a\nb", Problem.CONTROL),
        ("Bob\u202egnp.exe", Problem.CONTROL),  # a right-to-left override
        ("Ana\u2067", Problem.CONTROL),  # an isolate left open
        ("\u200b", Problem.NAME_MISSING),  # only a zero-width space: nothing to read
        ("\u200b\u200d ", Problem.NAME_MISSING),
    ],
)
def test_a_name_too_long_or_with_a_control_character_is_refused(
    name: str, problem: Problem
) -> None:
    with pytest.raises(FormRefused) as refused:
        checked_join(JoinForm("a@b.ro", name))
    assert refused.value.problems == {"name": problem}


def test_names_of_every_script_are_kept_joiners_included() -> None:
    for name in ("Ștefan Țăran", "محمد", "क्\u200dष", "李小龍", "Zoë 2"):
        assert checked_join(JoinForm("a@b.ro", name)).name == name


def test_a_name_of_200_characters_is_kept() -> None:
    assert checked_join(JoinForm("a@b.ro", "N" * 200)).name == "N" * 200


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("123456", "123456"), ("+123456789012345", "+123456789012345"), ("07 22.12-34", "07221234")],
)
def test_a_phone_of_6_to_15_digits_is_kept_without_its_separators(typed: str, kept: str) -> None:
    assert checked_phone(typed) == kept


@pytest.mark.parametrize("typed", ["12345", "1234567890123456", "++123456", "12345a", "123\x00456"])
def test_other_phones_are_refused(typed: str) -> None:
    with pytest.raises(FormRefused):
        checked_phone(typed)


@pytest.mark.parametrize(("typed", "kept"), [("ab12", "AB12"), ("A" * 32, "A" * 32)])
def test_a_card_of_4_to_32_letters_and_digits_is_kept_in_upper_case(typed: str, kept: str) -> None:
    assert checked_card(typed) == kept


@pytest.mark.parametrize("typed", ["ab1", "A" * 33, "ăb12", "AB_12"])
def test_other_cards_are_refused(typed: str) -> None:
    with pytest.raises(FormRefused):
        checked_card(typed)


def _said(granted: bool, hour: int, purpose: str = "marketing") -> ConsentRecord:
    return ConsentRecord(1, purpose, granted, datetime(2026, 1, 1, hour), ConsentSource.PORTAL)


def test_the_latest_record_of_the_purpose_is_the_state() -> None:
    history = [_said(True, 9), _said(False, 10), _said(True, 11, "profiling")]
    assert state_of(latest(history)) is ConsentState.DECLINED
    assert state_of(latest([])) is ConsentState.NOT_RECORDED
    assert state_of(latest(history, "profiling")) is ConsentState.GRANTED


def test_only_a_change_of_state_is_recorded() -> None:
    assert changes(ConsentState.NOT_RECORDED, False) is True  # an unticked box is an answer
    assert changes(ConsentState.GRANTED, True) is False
    assert changes(ConsentState.GRANTED, False) is True


def test_a_purchase_is_linked_by_its_address_only() -> None:
    assert may_link(CustomerKeys(email="ana@shop.ro", phone="123456"), "Ana@Shop.ro") is True
    assert may_link(CustomerKeys(phone="123456", card="AB12"), "ana@shop.ro") is False
    assert may_link(CustomerKeys(email="ion@shop.ro"), "ana@shop.ro") is False
