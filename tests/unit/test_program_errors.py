"""A refused program file carries its errors one by one, each with the field and the line
of the text that sets it (domain/program.py), so the console shows each beside its field."""

from __future__ import annotations

from pathlib import Path

import pytest

from patron.domain.errors import InvalidProgram
from patron.domain.program import parse_program

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "program.toml").read_text()


def _errors(text: str) -> list[dict[str, object]]:
    with pytest.raises(InvalidProgram) as refused:
        parse_program(text, "shop.toml")
    errors = refused.value.facts["errors"]
    assert isinstance(errors, list)
    return errors


def _line(text: str, starts: str, nth: int = 1) -> int:
    """The number of the nth line of `text` that starts with `starts` (spaces aside)."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if line.strip().startswith(starts)]
    return hits[nth - 1]


def test_each_error_names_its_field_and_the_line_that_sets_it() -> None:
    bad = (
        EXAMPLE.replace("window_months = 12", 'window_months = "a year"', 1)  # the tiers'
        .replace("threshold = 500", "threshold = -5")
        .replace("points = 200", 'points = "many"')
    )
    errors = _errors(bad)
    assert [(e["field"], e["line"]) for e in errors] == [
        ("tiers.window_months", _line(bad, "window_months")),
        ("tiers.levels.1.threshold", _line(bad, "threshold", 2)),  # Silver, the 2nd level
        ("rewards.2.points", _line(bad, 'points = "many"')),
    ]
    assert errors[1]["message"] == "Input should be greater than or equal to 0"


def test_a_missing_field_points_at_its_table_and_a_stray_key_at_its_line() -> None:
    errors = _errors('currency = "EUR"\n[earning]\nrate = 1\n')
    assert [(e["field"], e["line"]) for e in errors] == [("name", None), ("earning.rate", 3)]


def test_a_syntax_error_has_no_field_but_its_line() -> None:
    [error] = _errors('name = "Shop"\ncurrency =\n')
    assert error["field"] is None and error["line"] == 2
    assert str(error["message"]).startswith("not valid TOML: Invalid value")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("books = 2", "books = 1e308", "categories.books"),  # seen in review: 500 at every till
        ("multiplier = 1.25", "multiplier = 11", "tiers.levels.1.multiplier"),
        ("multiplier = 2", "multiplier = 10.5", "promotions.0.multiplier"),
        ("threshold = 500", "threshold = 1e30", "tiers.levels.1.threshold"),
    ],
)
def test_rates_multipliers_and_thresholds_past_their_bounds_are_refused(
    old: str, new: str, field: str
) -> None:
    assert old in EXAMPLE
    [error] = _errors(EXAMPLE.replace(old, new, 1))
    assert error["field"] == field and str(error["message"]).startswith(
        "Input should be less than or equal to"
    )


def test_an_earning_rate_above_100_points_per_unit_is_refused() -> None:
    text = 'name = "Shop"\ncurrency = "EUR"\n[earning]\npoints_per_unit = 1e19\n'
    [error] = _errors(text)
    assert error == {
        "field": "earning.points_per_unit",
        "message": "Input should be less than or equal to 100",
        "line": 4,
    }


def test_a_file_nested_hundreds_deep_is_refused_not_a_crash() -> None:
    [error] = _errors("a = " + "[" * 900 + "]" * 900)
    assert error == {"field": None, "message": "nested too deeply to be a program", "line": None}
