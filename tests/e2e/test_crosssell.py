"""Products per customer, category pairs and recommended categories over HTTP, on both
stores; the history and its hand-computed figures are those of
tests/integration/test_crosssell.py."""

from __future__ import annotations

from typing import Any

import pytest

from patron.bootstrap import Patron
from patron.services.importer import ImportOptions, import_purchases
from tests.e2e.conftest import Api
from tests.integration.test_crosssell import (
    ALL_RULES,
    BASKETS,
    PRODUCTS_IN_MARCH,
    RULE_KEYS,
    TOP_3,
    assert_rows,
)


def rules(answer: dict[str, Any]) -> list[tuple[Any, ...]]:
    assert answer["count"] == len(answer["data"])
    return [tuple(r[k] for k in RULE_KEYS) for r in answer["data"]]


def test_crosssell_kpis_and_insights_over_http(patron: Patron, admin: Api, pos: Api) -> None:
    assert import_purchases(patron.new_uow, BASKETS, ImportOptions()).inserted == 8
    assert_rows(rules(admin.get("/v1/analytics/crosssell?top=3").json()), TOP_3)
    assert_rows(rules(admin.get("/v1/analytics/crosssell").json()), ALL_RULES)
    assert_rows(
        rules(admin.get("/v1/analytics/crosssell?min_support=0.2").json()),
        [TOP_3[2], ALL_RULES[3]],
    )
    kpis = admin.get("/v1/analytics/kpis?start=2025-03-01&end=2025-04-01").json()
    assert kpis["products_per_customer"] == pytest.approx(PRODUCTS_IN_MARCH)
    expected = {"a1": [("home", 2 / 3)], "a2": [], "a3": [("books", 2 / 3)], "b2": [("books", 0.5)]}
    for customer, recommended in expected.items():
        insights = admin.get(f"/v1/members/{customer}/insights").json()
        got = [(r["category"], r["segment_share"]) for r in insights["recommended_categories"]]
        assert [c for c, _ in got] == [c for c, _ in recommended], customer
        assert [s for _, s in got] == pytest.approx([s for _, s in recommended]), customer
    assert pos.get("/v1/analytics/crosssell").status_code == 403


@pytest.mark.parametrize(
    ("query", "field"), [("min_support=2", "query.min_support"), ("top=0", "query.top")]
)
def test_bad_crosssell_options_are_a_422_naming_the_field(
    admin: Api, query: str, field: str
) -> None:
    answer = admin.get(f"/v1/analytics/crosssell?{query}")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field
