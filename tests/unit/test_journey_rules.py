"""The journeys' rules without a store (domain/journeys.py; docs/journeys.md): the
`[journeys]` section's switches and its errors naming the field and line, the win-back
interval by hand, and every journey's packaged templates in both locales."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from jinja2 import Environment, StrictUndefined

from patron.domain.errors import InvalidProgram
from patron.domain.journeys import (
    JourneyName,
    PurchaseDates,
    WinbackJourney,
    usual_interval_days,
    winback_due,
    winback_key,
)
from patron.domain.program import parse_program

HEAD = 'name = "Shop"\ncurrency = "EUR"\n'
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "patron" / "engage" / "templates"


def _program(text: str) -> object:
    return parse_program(HEAD + text, "shop.toml")


def test_a_journey_is_on_when_its_table_is_written_and_not_switched_off() -> None:
    program = parse_program(
        HEAD + "[journeys.welcome]\n[journeys.tier_down]\nenabled = false\n", "shop.toml"
    )
    on = [name for name in JourneyName if program.journeys.get(name) is not None]
    assert on == [JourneyName.WELCOME]


def test_no_journeys_section_switches_every_journey_off() -> None:
    program = parse_program(HEAD, "shop.toml")
    assert all(program.journeys.get(name) is None for name in JourneyName)


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        ("[journeys.winback]\nmultiple = 0\n", "journeys.winback.multiple", 4),
        ('[journeys.welcome]\nchannel = "fax"\n', "journeys.welcome.channel", 4),
        ("[journeys.winback]\np_alive_below = 1.5\n", "journeys.winback.p_alive_below", 4),
        ("[journeys]\nrun_every_minutes = 0\n", "journeys.run_every_minutes", 4),
        ("[journeys.farewell]\n", "journeys.farewell", None),
        ("[journeys.birthday]\ndays_before = 91\n", "journeys.birthday.days_before", 4),
    ],
)
def test_a_bad_journey_setting_is_refused_naming_its_field(
    text: str, field: str, line: int | None
) -> None:
    with pytest.raises(InvalidProgram) as refused:
        parse_program(HEAD + text, "shop.toml")
    errors = refused.value.facts["errors"]
    assert isinstance(errors, list)
    assert [(e["field"], e["line"]) for e in errors] == [(field, line)]
    assert f"shop.toml: {field}:" in str(refused.value)


def _dates(n: int, first: str, last: str) -> PurchaseDates:
    return PurchaseDates(42, n, datetime.fromisoformat(first), datetime.fromisoformat(last))


def test_the_usual_interval_is_the_mean_gap_between_purchases() -> None:
    # 4 purchases from 1 March to 31 May 2026: 91 days over 3 gaps = 30.333… days
    dates = _dates(4, "2026-03-01T10:00", "2026-05-31T10:00")
    assert usual_interval_days(dates, 60) == Decimal(91) / 3


def test_one_purchase_has_the_configured_interval() -> None:
    assert usual_interval_days(_dates(1, "2026-03-01", "2026-03-01"), 60) == 60


def test_win_back_is_due_when_the_days_since_reach_the_multiple_of_the_interval() -> None:
    # interval 91 / 3 days; 2 x that = 60.67 days: 31 May + 60 days = 30 July is short of
    # it, 31 July (61 days) reaches it
    dates = _dates(4, "2026-03-01T10:00", "2026-05-31T10:00")
    policy = WinbackJourney(multiple=Decimal(2))
    assert not winback_due(dates, date(2026, 7, 30), policy)
    assert winback_due(dates, date(2026, 7, 31), policy)


def test_a_single_purchase_lapses_after_the_multiple_of_the_default() -> None:
    # default 60 days x 1.5 = 90: 1 March + 90 days = 30 May
    dates = _dates(1, "2026-03-01T18:00", "2026-03-01T18:00")
    policy = WinbackJourney(multiple=Decimal("1.5"), default_interval_days=60)
    assert not winback_due(dates, date(2026, 5, 29), policy)
    assert winback_due(dates, date(2026, 5, 30), policy)


def test_the_win_back_key_names_the_lapse_by_the_last_purchase() -> None:
    last = datetime(2026, 5, 31, 10)
    assert winback_key(42, last) == "journey:winback:member:42:since:2026-05-31"


FIELDS = {
    "member": {
        "name": "Ana Pop",
        "first_name": "Ana",
        "balance": 1200,
        "tier": "Silver",
        "referral_code": "ANA-7",
    },
    "expiring": {"points": 300, "date": "2026-12-31"},
    "reward": {"name": "Free coffee", "points": 150},
    "portal_url": "https://shop.example/portal",
    "unsubscribe_url": "https://shop.example/u/abc",
    # every journey's context
    "points": 300,
    "expires_on": "2026-12-31",
    "from": "Member",
    "to": "Silver",
    "year": 2026,
    "last_purchase": "2026-05-31",
    "days_since": 61,
    "usual_interval_days": 30.3,
}


@pytest.mark.parametrize("locale", ["en", "ro"])
@pytest.mark.parametrize("name", [n.value for n in JourneyName if n is not JourneyName.SURVEY])
def test_every_journey_has_its_templates_in_both_locales(name: str, locale: str) -> None:
    folder = TEMPLATES / "journey" / name / locale
    env = Environment(undefined=StrictUndefined, autoescape=False)
    texts = {
        part: env.from_string((folder / part).read_text()).render(**FIELDS)
        for part in ("subject.txt", "body.txt", "body.html")
    }
    assert texts["subject.txt"].strip()
    assert "https://shop.example/u/abc" in texts["body.txt"]
    assert (
        "<style>" in texts["body.html"]
        and 'href="https://shop.example/u/abc"' in texts["body.html"]
    )
