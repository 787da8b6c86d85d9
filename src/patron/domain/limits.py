"""The largest values Patron accepts, in one place, and why the store holds all of them.

Design overview. A value the store cannot hold must be refused where it comes in, with
the field named, never by the database with a server error (on PostgreSQL) or silently
(SQLite keeps whatever it is given). So every adapter checks its input against the
bounds below before a use case runs: the API's schemas (`api/schemas.py`), the purchase
import (`services/purchase_file.py`), the program file (`domain/program.py`), the
acquisition spend and API keys (`services/`); `domain/earning.validate_purchase` checks
a purchase's numbers again for any other caller. The columns (`store/tables.py`) are
sized from the same bounds, and so are the sums they keep:

- a unit price or cost: at most 1,000,000,000, 4 decimals (NUMERIC(14,4) holds < 10^10);
- a line: 1 to 1,000,000 units; a purchase: 1 to 500 lines;
- a purchase's total or cost, a reward's cost or value, an acquisition-spend entry: at
  most 99,999,999,999.99 (NUMERIC(14,2) holds < 10^12); a refund returns at most the
  purchase's total, so `refunded_total` is bounded by it;
- a member: at most 2^31 - 1 purchases (`purchase_count` is an INTEGER), so a lifetime
  spend of at most (2^31 - 1) × 99,999,999,999.99 < 2.2 × 10^20 (NUMERIC(23,2) holds
  < 10^21, and Python's 28-digit decimals add it exactly);
- points: at most 10^9 per adjustment, redemption, reward or bonus; every points column
  is a BIGINT (2^63 - 1);
- texts: the lengths below, and no NUL character (PostgreSQL cannot store one).

SQLite keeps NUMERIC as a double: a single bounded amount has at most 15 significant
digits and reads back exactly; a lifetime spend past 10^13 reads back to 15 significant
digits (PostgreSQL, the production store, keeps every digit).
"""

from __future__ import annotations

from decimal import Decimal

MAX_UNIT_AMOUNT = Decimal(1_000_000_000)  # a line's unit price or unit cost
UNIT_PLACES = 4  # decimals of a unit price or cost
MAX_QUANTITY = 1_000_000  # units on one line
MAX_LINES = 500  # lines in one purchase
MAX_AMOUNT = Decimal("99999999999.99")  # a purchase's total or cost; any other stored amount
AMOUNT_PLACES = 2
MAX_PURCHASES = 2**31 - 1  # purchases of one member
MAX_LIFETIME_SPEND = MAX_PURCHASES * MAX_AMOUNT
MAX_POINTS = 10**9  # one adjustment, redemption, reward or bonus
MAX_EARN_RATE = Decimal(100)  # points per unit of money a program may give
MAX_MULTIPLIER = Decimal(10)  # a tier's, category's or promotion's factor; with the rate and
# the largest purchase, one earn stays below 10^17 points, far inside the ledger's integers
MAX_POINT_VALUE = Decimal(100)  # what one point is worth, so 10^9 points are worth < 10^12
MAX_STOCK = 2**31 - 1  # a reward's stock

# Text lengths, as the columns declare them.
KEY_LENGTH = 128  # a member's external_id, a purchase's order_id
CODE_LENGTH = 64  # a sku, a reward id
LABEL_LENGTH = 64  # a category, a promotion code
SHORT_LENGTH = 50  # a channel, a payment method, an acquisition channel
EMAIL_LENGTH = 320
NAME_LENGTH = 200  # a member's name
REFERRAL_LENGTH = 32
FINGERPRINT_LENGTH = 128  # a payment fingerprint sent by the till (a hash, never the card)
REASON_LENGTH = 200  # a refund's or a cancellation's reason
NOTE_LENGTH = 500  # an adjustment's reason, a spend entry's note
ACTOR_LENGTH = 100  # who did it: "apikey:<name>", a CLI user
TITLE_LENGTH = 100  # a program's, tier's or reward's name; an API key's name is shorter:
API_KEY_NAME_LENGTH = ACTOR_LENGTH - len("apikey:")  # its actor must fit
SHOP_LENGTH = 64  # the shop a key acts for, recorded with its purchases and redemptions


def text_problem(value: str, longest: int) -> str | None:
    """Why `value` cannot be stored in a column of `longest` characters, or None."""
    if len(value) > longest:
        return f"{len(value)} characters, more than the {longest} allowed"
    if "\x00" in value:
        return "contains a NUL character, which the store cannot keep"
    return None


# characters that turn the text after them around or hide it (Unicode's bidi embeddings,
# overrides and isolates): written into a note, they make a screen say what was not typed
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def note_problem(value: str) -> str | None:
    """Why `value` is not plain text a person typed on one line (a reason, a note), or
    None: control characters (NUL, line breaks, escapes) and bidi controls are refused."""
    for i, char in enumerate(value):
        if ord(char) < 32 or 0x7F <= ord(char) < 0xA0:
            return f"character {i + 1} is a control character (U+{ord(char):04X}): write plain text"
        if char in _BIDI_CONTROLS:
            return (
                f"character {i + 1} changes the text's direction (U+{ord(char):04X}):"
                " write plain text"
            )
    return None
