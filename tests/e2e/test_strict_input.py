"""Bodies are read as JSON says, not as Python could coerce them: a till's bug shows as a
422 naming the field and what was expected, never as a number it did not mean (issue 11)."""

from __future__ import annotations

from typing import Any

import pytest

from patron.bootstrap import Patron
from tests.e2e.conftest import Api
from tests.e2e.test_api import PURCHASE, enroll


def _purchase(line: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    lines = [{**PURCHASE["lines"][0], **(line or {})}]  # type: ignore[index]
    return {**PURCHASE, "external_id": "c-1", "lines": lines, **fields}


REFUSED = [
    ("quantity true", _purchase({"quantity": True}), "lines.0.quantity", "whole number"),
    ("quantity as text", _purchase({"quantity": "2"}), "lines.0.quantity", "whole number"),
    ("quantity 2.0", _purchase({"quantity": 2.0}), "lines.0.quantity", "whole number"),
    ("digit separators", _purchase({"unit_price": "1_000"}), "lines.0.unit_price", "0-9"),
    ("Arabic-Indic digits", _purchase({"unit_price": "١٠"}), "lines.0.unit_price", "0-9"),
    ("exponent", _purchase({"unit_price": "1e3"}), "lines.0.unit_price", "0-9"),
    ("epoch seconds", _purchase(occurred_at=1767254400), "occurred_at", "ISO 8601"),
    ("no zone", _purchase(occurred_at="2026-01-01T08:00:00"), "occurred_at", "has no zone"),
    ("enroll as text", _purchase(enroll="true"), "enroll", "boolean"),
]


@pytest.mark.parametrize(
    ("body", "field", "expected"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_a_value_json_would_not_write_so_is_refused_naming_the_field(
    pos: Api, patron: Patron, body: dict[str, Any], field: str, expected: str
) -> None:
    enroll(pos)
    answer = pos.post("/v1/purchases", body)
    assert answer.status_code == 422, answer.text
    [error] = [e for e in answer.json()["errors"] if e["field"] == f"body.{field}"]
    assert expected in error["message"]
    with patron.uow(readonly=True) as uow:
        assert uow.members.by_external_id("c-1").purchase_count == 0  # type: ignore[union-attr]


def test_plain_amounts_and_zoned_times_are_taken(pos: Api) -> None:
    enroll(pos)
    body = _purchase({"unit_price": 10.5, "quantity": 2}, occurred_at="2026-01-01T10:00:00+02:00")
    answer = pos.post("/v1/purchases", body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["total"] == "21.00"
