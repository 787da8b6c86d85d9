"""Loyalty cards: the numbers printed on them, checked as a till or a member types them.

Design overview. A card number is how a customer is recognised at the till, so it must
survive a typo and must not be guessed:

- a program card's number has the program's fixed length, starts with its `prefix` and
  ends with a Luhn check digit (ISO/IEC 7812-1, annex B), which catches every single
  mistyped digit and almost every swap of two neighbours; a number that starts with the
  prefix but has the wrong length or check digit is refused as mistyped (`CardMistyped`),
  never looked up, so a typo never finds somebody else;
- the digits between prefix and check digit come from `secrets`, not a counter, so
  holding one card (or a whole batch) tells nothing of the numbers of others;
- a number that does not start with the prefix is an **external** card (4 to 32 letters
  and digits, as members typed at joining before the program printed cards) while the
  program accepts them (`accept_external`, the default); otherwise it is refused as
  mistyped too. A number of exactly the program's length in digits is always taken for
  a program card, so a typo in the prefix is refused, not read as an external card.

What is typed is normalised first (spaces, dashes, dots, brackets dropped; letters upper
case: domain/joining.py), so "2900 1234-5678 9012" and "2900123456789012" are one card.
A card's life: issued (printed, nobody's) → active (linked to a member) → blocked (lost,
replaced or its member erased): a blocked card finds nobody, ever again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from patron.domain.errors import Conflict, InvalidInput
from patron.domain.joining import FormRefused, checked_card
from patron.domain.program import CardPolicy

MAX_BATCH = 100_000  # cards in one printing batch


class CardStatus(StrEnum):
    ISSUED = "issued"  # printed, linked to nobody yet
    ACTIVE = "active"  # linked to a member: finds them
    BLOCKED = "blocked"  # lost, replaced, or its member erased: finds nobody


class CardMistyped(InvalidInput):
    """A number that cannot be a card: wrong check digit, length or prefix, or no card
    number at all. Its own code, so a till can ask for the number again."""

    code = "card_mistyped"


class CardTaken(Conflict):
    """The card is linked to another member already."""

    code = "card_taken"


class CardBlocked(Conflict):
    """The card was blocked: it finds nobody and cannot be linked or blocked again."""

    code = "card_blocked"


@dataclass(frozen=True, slots=True)
class Card:
    number: str
    status: CardStatus
    member_id: int | None
    batch: str | None
    created_at: datetime
    linked_at: datetime | None = None
    blocked_at: datetime | None = None
    replaced_by: str | None = None

    @property
    def external(self) -> bool:
        """Typed by a member before the program printed cards (no batch, not digits)."""
        return self.batch is None and not self.number.isdigit()


def luhn_digit(payload: str) -> str:
    """The check digit that makes `payload + digit` pass the Luhn test (ISO/IEC 7812-1):
    from the right, every second digit of the payload is doubled (9 subtracted above 9)."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """Whether an all-digit `number` ends with its Luhn check digit."""
    return len(number) > 1 and number.isdigit() and luhn_digit(number[:-1]) == number[-1]


def new_number(fmt: CardPolicy) -> str:
    """A fresh random card number of the program's format (its body from `secrets`)."""
    digits = fmt.length - len(fmt.prefix) - 1
    body = str(secrets.randbelow(10**digits)).zfill(digits)
    payload = fmt.prefix + body
    return payload + luhn_digit(payload)


def normalised(text: str) -> str:
    """What was typed, as kept: separators dropped, upper case; CardMistyped if it cannot
    be any card (empty, not letters and digits, not 4 to 32 long)."""
    try:
        card = checked_card(text)
    except FormRefused:
        card = None
    if card is None:
        raise CardMistyped("card: not a card number (4 to 32 letters and digits)")
    return card


def checked_number(text: str, fmt: CardPolicy | None) -> str:
    """A typed card number, normalised and checked against the program's format (None:
    the program prints no cards, every number is external); CardMistyped says why not."""
    card = normalised(text)
    if fmt is None:
        return card
    if not card.startswith(fmt.prefix):
        # a number of the program's length is one of its cards with a mistyped prefix
        if not fmt.accept_external or (card.isdigit() and len(card) == fmt.length):
            raise CardMistyped(f"card: a card number starts with {fmt.prefix}; check the number")
        return card
    if not card.isdigit() or len(card) != fmt.length:
        raise CardMistyped(
            f"card: a card number has {fmt.length} digits, not {len(card)} characters;"
            " check the number"
        )
    if not luhn_valid(card):
        raise CardMistyped("card: the check digit is wrong (a digit mistyped?); check the number")
    return card


def checked_count(count: int) -> int:
    if not 1 <= count <= MAX_BATCH:
        raise InvalidInput(f"count: make 1 to {MAX_BATCH} cards in a batch, not {count}")
    return count
