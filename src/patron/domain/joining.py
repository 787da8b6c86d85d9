"""Joining the program from the portal: the form's fields checked one by one, each
refusal named by its field so the page shows it beside it.

Design overview. A form is checked whole before anything is written: every field's
problem is collected (not only the first), so the member corrects everything at once.
A phone is kept as digits (a leading `+` kept) and a card number as upper-case letters
and digits: spaces, dashes, dots and brackets a person types are dropped, so the shop's
till and the member's form meet on the same text. Text that holds a control character
(NUL, a line break in a name) is refused: it cannot be shown or stored safely.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from patron.domain.errors import InvalidInput
from patron.domain.limits import NAME_LENGTH, REFERRAL_LENGTH
from patron.domain.login_links import checked_address

PHONE_DIGITS = (6, 15)  # E.164 allows at most 15 digits
CARD_LENGTH = (4, 32)
PHONE_LENGTH = PHONE_DIGITS[1] + 1  # the column: digits and a leading +
_SEPARATORS = re.compile(r"[\s\-./()]")
_PHONE = re.compile(r"\+?[0-9]+")
_CARD = re.compile(r"[A-Z0-9]+")
T = TypeVar("T")


class Problem(StrEnum):
    """Why a field of the form is refused (the page words each one)."""

    BAD_EMAIL = "bad_email"
    NAME_MISSING = "name_missing"
    NAME_TOO_LONG = "name_too_long"
    CONTROL = "control_characters"
    BAD_PHONE = "bad_phone"
    BAD_CARD = "bad_card"
    CARD_TAKEN = "card_taken"
    CARD_MISTYPED = "card_mistyped"  # not the program's card number (domain/cards.py)
    UNKNOWN_REFERRAL = "unknown_referral"
    # the e-mail or phone is the inviting member's own, or another friend's of theirs
    REFERRAL_REFUSED = "referral_refused"
    BAD_BIRTHDAY = "bad_birthday"  # no such day (domain/birthdays.py)


class FormRefused(Exception):
    """A form with at least one refused field: `problems` maps each field to its problem.
    Not a PatronError: a page shows each problem beside its field (the API, which checks
    a customer's phone and card by the same rules, words them itself)."""

    def __init__(self, problems: dict[str, Problem]) -> None:
        self.message = "; ".join(f"{field}: {problem.value}" for field, problem in problems.items())
        super().__init__(self.message)
        self.problems = problems


@dataclass(frozen=True)
class JoinForm:
    """What a person typed into the join form, as typed."""

    email: str
    name: str
    marketing: bool = False
    phone: str = ""
    card: str = ""
    referral_code: str = ""


@dataclass(frozen=True)
class Joining:
    """A join form that passed every check, in the form the store keeps."""

    email: str  # lower case
    name: str
    marketing: bool
    phone: str | None
    card: str | None
    referral_code: str | None


def has_control(text: str) -> bool:
    """Whether `text` holds a control character (NUL, a line break, an escape)."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def checked_name(text: str) -> str:
    """A member's name, trimmed; refused (FormRefused) when empty, too long or holding a
    control character."""
    problem = _name_problem(text.strip())
    if problem is not None:
        raise FormRefused({"name": problem})
    return text.strip()


def checked_phone(text: str) -> str | None:
    """A phone as kept (`+40722123456`), None for an empty field; FormRefused otherwise."""
    phone = _SEPARATORS.sub("", text)
    if not phone:
        return None
    digits = len(phone.lstrip("+"))
    ok = _PHONE.fullmatch(phone) and PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]
    if not ok or has_control(text):
        raise FormRefused({"phone": Problem.BAD_PHONE})
    return phone


def checked_card(text: str) -> str | None:
    """A card number as kept (upper-case letters and digits), None for an empty field."""
    card = _SEPARATORS.sub("", text).upper()
    if not card:
        return None
    if not _CARD.fullmatch(card) or not CARD_LENGTH[0] <= len(card) <= CARD_LENGTH[1]:
        raise FormRefused({"card": Problem.BAD_CARD})
    return card


def checked_join(form: JoinForm) -> Joining:
    """The form made ready to store, or FormRefused naming every field refused."""
    problems: dict[str, Problem] = {}
    email = _field(problems, "email", lambda: _email(form.email))
    name = _field(problems, "name", lambda: checked_name(form.name))
    phone = _field(problems, "phone", lambda: checked_phone(form.phone))
    card = _field(problems, "card", lambda: checked_card(form.card))
    code = form.referral_code.strip()
    if len(code) > REFERRAL_LENGTH or has_control(code):
        problems["referral_code"] = Problem.UNKNOWN_REFERRAL
    if problems:
        raise FormRefused(problems)
    assert email is not None and name is not None
    return Joining(email, name, form.marketing, phone, card, code or None)


def _email(text: str) -> str:
    if has_control(text):
        raise FormRefused({"email": Problem.BAD_EMAIL})
    try:
        return checked_address(text)
    except InvalidInput:
        raise FormRefused({"email": Problem.BAD_EMAIL}) from None


# the characters that turn the direction of the text after them (a name holding one can
# make the rest of a line, a list or a file read backwards); zero-width joiners stay,
# scripts need them
DIRECTION = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _name_problem(name: str) -> Problem | None:
    if not any(unicodedata.category(ch)[0] in "LN" for ch in name):
        return Problem.NAME_MISSING  # nothing to read: blank, or only invisible marks
    if len(name) > NAME_LENGTH:
        return Problem.NAME_TOO_LONG
    if has_control(name) or any(ch in DIRECTION for ch in name):
        return Problem.CONTROL
    return None


def _field(problems: dict[str, Problem], field: str, check: Callable[[], T]) -> T | None:
    try:
        return check()
    except FormRefused as refused:
        problems[field] = refused.problems[field]
        return None
