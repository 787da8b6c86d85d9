"""The referral rules of domain/referrals.py and the `[referrals]` table of the program,
named as the rules they check; expected values written by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from patron.domain.errors import InvalidProgram
from patron.domain.program import parse_program
from patron.domain.referrals import (
    Identity,
    Referral,
    ReferralState,
    Refusal,
    Rewarded,
    cap_refusal,
    email_key,
    lookalike,
    phone_key,
)

AT = datetime(2026, 1, 1, 9, 0)


@pytest.mark.parametrize(
    ("email", "key"),
    [
        ("Ana.Pop@Mail.example", "anapop@mail.example"),
        ("ana.pop+shop@mail.example", "anapop@mail.example"),
        ("a.n.a.p.o.p+x+y@mail.example", "anapop@mail.example"),
        ("  ANAPOP@mail.example ", "anapop@mail.example"),
        ("ana.pop@mail.co.example", "anapop@mail.co.example"),  # the domain keeps its dots
        # seen in review: both were taken as another friend than ana.pop@mail.example
        ("anapop@mail.example.", "anapop@mail.example"),  # the root's final dot
        ("ana.pop@\uff4dail.example", "anapop@mail.example"),  # a fullwidth m (NFKC)
        ("+tag@mail.example", None),  # nothing before the tag
        ("not an address", None),
        (None, None),
    ],
)
def test_an_e_mail_compares_as_its_mailbox(email: str | None, key: str | None) -> None:
    assert email_key(email) == key


@pytest.mark.parametrize(
    ("phone", "key"),
    [
        ("+40 722 123 456", "22123456"),
        ("0040722123456", "22123456"),
        ("0722-123-456", "22123456"),
        # seen in review: a Slovenian number of 8 national digits, with and without +386
        ("+386 41 777 888", "41777888"),
        ("041 777 888", "41777888"),
        ("12345", None),  # too short to compare
        (None, None),
    ],
)
def test_a_phone_compares_by_its_last_eight_digits(phone: str | None, key: str | None) -> None:
    assert phone_key(phone) == key


REFERRER = Identity("ana.pop@mail.example", "+40722123456")
FRIENDS = [Identity("bob@home.example", "0733000111"), Identity(None, None)]


@pytest.mark.parametrize(
    ("friend", "refusal"),
    [
        (Identity("AnaPop+1@mail.example", None), Refusal.SELF_REFERRAL),
        (Identity(None, "0722 123 456"), Refusal.SELF_REFERRAL),
        (Identity("b.o.b+2@home.example", None), Refusal.SAME_EMAIL),
        (Identity("new@home.example", "+40 733 000 111"), Refusal.SAME_PHONE),
        (Identity("new@home.example", "0744 000 000"), None),
        (Identity(None, None), None),  # nothing to compare: not a look-alike
    ],
)
def test_a_friend_who_looks_like_the_referrer_or_another_friend_is_refused(
    friend: Identity, refusal: Refusal | None
) -> None:
    assert lookalike(friend, REFERRER, FRIENDS) == refusal


def test_the_cap_in_all_is_checked_before_the_cap_of_the_month() -> None:
    assert cap_refusal(Rewarded(this_month=3, total=5), 3, 5) == Refusal.TOTAL_CAP
    assert cap_refusal(Rewarded(this_month=3, total=4), 3, 5) == Refusal.MONTHLY_CAP
    assert cap_refusal(Rewarded(this_month=2, total=4), 3, 5) is None
    assert cap_refusal(Rewarded(this_month=99, total=99), None, None) is None
    assert cap_refusal(Rewarded(this_month=0, total=0), 0, None) == Refusal.MONTHLY_CAP


def test_a_qualified_referral_is_rewarded_from_the_end_of_its_window_on() -> None:
    end = AT + timedelta(days=14)
    paid = Referral(1, 1, 2, ReferralState.QUALIFIED, None, AT, 7, AT, end)
    assert paid.state_at(end - timedelta(seconds=1)) is ReferralState.QUALIFIED
    assert paid.may_be_taken_back(end - timedelta(seconds=1))
    assert paid.state_at(end) is ReferralState.REWARDED
    assert not paid.may_be_taken_back(end)
    waiting = Referral(2, 1, 3, ReferralState.ENROLLED, None, AT)
    assert waiting.state_at(end) is ReferralState.ENROLLED


def test_the_referrals_table_of_the_program() -> None:
    program = parse_program(
        'name = "P"\ncurrency = "EUR"\n[referrals]\nbonus = 200\nmin_purchase = 25.50\n'
        "per_month = 2\n"
    )
    rules = program.referral_rules
    assert (rules.bonus, rules.friend_points, rules.min_purchase) == (200, 200, Decimal("25.50"))
    assert (rules.per_month, rules.max_total, rules.refuse_lookalikes) == (2, None, True)


def test_the_old_earning_keys_are_read_as_the_referrals_table() -> None:
    program = parse_program(
        'name = "P"\ncurrency = "EUR"\n[earning]\nreferral_bonus = 50\nreferral_max_per_code = 3\n'
    )
    rules = program.referral_rules
    assert (rules.bonus, rules.friend_points, rules.max_total, rules.per_month) == (
        50,
        50,
        3,
        None,
    )


def test_old_and_new_keys_together_are_refused_saying_what_to_write() -> None:
    with pytest.raises(InvalidProgram) as refused:
        parse_program(
            'name = "P"\ncurrency = "EUR"\n[earning]\nreferral_bonus = 50\n[referrals]\nbonus = 9\n'
        )
    assert "write the referral rules in [referrals] only" in refused.value.message
    assert "earning.referral_bonus is [referrals] bonus" in refused.value.message


def test_a_negative_cap_is_refused_naming_its_field() -> None:
    with pytest.raises(InvalidProgram) as refused:
        parse_program('name = "P"\ncurrency = "EUR"\n[referrals]\nper_month = -1\n')
    assert "referrals.per_month" in refused.value.message
