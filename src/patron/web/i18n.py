"""The pages' language and formats: gettext catalogs for the text, Babel for numbers,
money, percentages and dates, in the shop's locale (`PATRON_LOCALE`, e.g. `ro_RO`).

The catalogs ship as .po files in `web/locales/<language>/LC_MESSAGES/` and are compiled
in memory the first time a language is asked for (no build step, nothing generated in
the repository). English is the source language; a language with no catalog reads
English, formatted in its own locale all the same. tests/web/test_i18n.py checks that
every string of the templates and of these modules has its Romanian translation.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from collections.abc import Callable
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations

CATALOGS = Path(__file__).parent / "locales"
LANGUAGES = ("en", "ro")  # English, and the languages with a catalog
_current: ContextVar[str] = ContextVar("patron_locale", default="en")


@cache
def translations(locale: str) -> stdlib_gettext.NullTranslations:
    """The catalog of `locale`'s language, compiled from its .po file once."""
    language = locale.split("_")[0]
    po = CATALOGS / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not po.exists():
        return stdlib_gettext.NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def checked_locale(text: str) -> str:
    """A locale Babel knows (`ro_RO`, `en`), else ValueError naming it."""
    try:
        Locale.parse(text)
    except (ValueError, UnknownLocaleError):
        raise ValueError(f"PATRON_LOCALE: {text!r} is not a locale Babel knows") from None
    return text


def use(locale: str) -> None:
    """The locale of what is rendered next in this context (a request's)."""
    _current.set(locale)


def current() -> str:
    return _current.get()


def _(message: str) -> str:
    """`message` in the current language (a name gettext's extractors know)."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def number(value: int | Decimal | float, digits: int | None = None) -> str:
    """`1,234` / `1.234`; with `digits`, exactly that many decimals."""
    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=current())


def money(value: Decimal | int | float, currency: str) -> str:
    """`€1,234.50` / `1.234,50 €`: the locale's way, with the currency's own decimals."""
    return format_currency(value, currency, locale=current())


def percent(share: Decimal | float, digits: int = 1) -> str:
    """A share (0.25) as the locale writes a percentage (`25.0%` / `25,0 %`), with
    `digits` decimals in the locale's own pattern (its spacing and sign placement)."""
    pattern = Locale.parse(current()).percent_formats[None].pattern
    decimals = "#,##0." + "0" * digits if digits else "#,##0"
    return format_percent(share, format=pattern.replace("#,##0", decimals, 1), locale=current())


def day(value: date | datetime) -> str:
    return format_date(value, format="medium", locale=current())


def moment(value: datetime) -> str:
    """A UTC time, as the locale writes it (the pages say the times are UTC)."""
    return format_datetime(value, format="medium", locale=current())


def N_(message: str) -> str:
    """Marks `message` for the catalogs without translating it (gettext's convention)."""
    return message


# the words of values the pages show (roles, key states, rounding, tier bases)
WORDS = {
    "owner": N_("owner"),
    "marketer": N_("marketer"),
    "analyst": N_("analyst"),
    "active": N_("active"),
    "expiring": N_("expiring"),
    "expired": N_("expired"),
    "revoked": N_("revoked"),
    "down": N_("down"),
    "up": N_("up"),
    "half_up": N_("half up"),
    "half_even": N_("half to even"),
    "spend": N_("spend"),
    "points": N_("points"),
    # the models' time units, one and many
    "day": N_("day"),
    "week": N_("week"),
    "month": N_("month"),
    "days": N_("days"),
    "weeks": N_("weeks"),
    "months": N_("months"),
    # the rewards' kinds
    "discount": N_("discount"),
    "gift": N_("gift"),
    "service": N_("service"),
    "event": N_("event"),
    "early_access": N_("early access"),
    "cause": N_("cause"),
    # the ledger's kinds of entry
    "welcome": N_("welcome points"),
    "referral": N_("referral points"),
    "earn": N_("points earned"),
    "refund": N_("points taken back (return)"),
    "redeem": N_("points redeemed"),
    "redeem_cancel": N_("redemption cancelled"),
    "adjust": N_("adjustment"),
    "expire": N_("points expired"),
    "debt_settlement": N_("debt settled"),
    # clubs: how they are joined, and the changes of their history (web/clubs.py)
    "invitation": N_("invitation"),
    "request": N_("request"),
    "rule": N_("rule"),
    "invited": N_("invited"),
    "requested": N_("requested"),
    "joined": N_("joined"),
    "refused": N_("refused"),
    "declined": N_("declined"),
    "left": N_("left"),
    # experiments: kinds, arms, outcomes and money (web/experiments.py)
    "holdout": N_("holdout"),
    "pilot": N_("pilot"),
    "control": N_("control"),
    "treatment": N_("treatment"),
    "revenue": N_("revenue"),
    "purchases": N_("purchases"),
    "margin": N_("margin"),
    "retention": N_("retention"),
    "incremental_revenue": N_("incremental revenue"),
    "incremental_margin": N_("incremental margin"),
    "program_cost": N_("program cost"),
    "net_incremental_margin": N_("net incremental margin"),
    # messages: channels, consent sources and suppression reasons (docs/messages.md)
    "email": N_("e-mail"),
    "sms": N_("SMS"),
    "push": N_("push notification"),
    "portal": N_("portal"),
    "api": N_("API"),
    "console": N_("console"),
    "unconfirmed": N_("unconfirmed"),
    "confirmation": N_("confirmation link"),
    "unsubscribe": N_("unsubscribe link"),
    "bounce": N_("bounce"),
    "complaint": N_("complaint"),
    "manual": N_("added by staff"),
    # campaigns: statuses and money (web/campaigns.py)
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "done": N_("done"),
    "stopped": N_("stopped"),
    "campaign_cost": N_("campaign cost"),
    "roi": N_("ROI"),
    # webhook deliveries' states (web/webhooks.py)
    "pending": N_("pending"),
    "sending": N_("sending"),
    "delivered": N_("delivered"),
    "dead": N_("dead letter"),
}


# the RFM segments' names (analytics/rfm.SEGMENTS)
SEGMENTS = {
    "champions": N_("champions"),
    "loyal": N_("loyal"),
    "potential loyalists": N_("potential loyalists"),
    "new": N_("new"),
    "need attention": N_("need attention"),
    "at risk": N_("at risk"),
    "can't lose": N_("can't lose"),
    "hibernating": N_("hibernating"),
    "lost": N_("lost"),
}


def segment(name: str) -> str:
    return _(SEGMENTS[name]) if name in SEGMENTS else name


def word(value: str) -> str:
    """A value's word in the current language (the value itself when it has none)."""
    return _(WORDS[value]) if value in WORDS else value


FILTERS: dict[str, Callable[..., str]] = {
    "word": word,
    "segment": segment,
    "number": number,
    "money": money,
    "percent": percent,
    "day": day,
    "moment": moment,
}
