"""The lifetime figures on the console's customer page (web/customer.py) are the API's
insights for the member, from the same fitted customer base (analytics/insights.py):
segment and RFM code (worked out by hand in tests/e2e/test_api.py for this data), and
P(alive), expected purchases and CLV exactly as `GET /v1/members/{id}/insights` says."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from fastapi.testclient import TestClient

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.services.apikeys import create_key
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from patron.services.queries import data_version
from patron.web import i18n
from tests.conftest import Clock
from tests.integration.helpers import buy


def _dd(page: str, name: str) -> str:
    found = re.search(rf'<dd id="{name}">([^<]*)</dd>', page)
    assert found is not None, name
    return found.group(1)


def test_the_page_says_what_the_api_says(
    log_in: Callable[[str], TestClient], patron: Patron, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 1, 9, 0)
    ids = {who: patron.run(enroll, Enroll(who, enrolled_at=datetime(2025, 12, 1))).member.id
           for who in ("c-1", "c-2", "c-3")}  # fmt: skip
    for n, (who, day, amount) in enumerate(
        [
            ("c-1", "2026-01-05", "100.00"),
            ("c-1", "2026-02-05", "50.00"),
            ("c-2", "2026-01-20", "20.00"),
            ("c-3", "2026-02-20", "5.00"),
        ]  # fmt: skip
    ):
        at = datetime.fromisoformat(day).replace(hour=10)
        buy(patron, ids[who], f"o-{n}", ("A", None, 1, amount), at=at)
    key = patron.run(lambda uow, s: create_key(uow, s, "ana"), "admin")
    with TestClient(create_app(patron)) as api:
        said = api.get("/v1/members/c-1/insights", headers={"Authorization": f"Bearer {key}"})
    assert said.status_code == 200, said.text
    insight = said.json()

    page = log_in("analyst").get(f"/console/customers/{ids['c-1']}").text

    assert "loyal (355)" in page
    i18n.use("en")
    p_alive, expected, clv = insight["p_alive"], insight["expected_purchases"], insight["clv"]
    assert _dd(page, "p-alive") == ("—" if p_alive is None else i18n.percent(p_alive))
    assert _dd(page, "expected") == ("—" if expected is None else i18n.number(expected, 2))
    assert _dd(page, "clv") == ("—" if clv is None else i18n.money(Decimal(clv), "EUR"))
    # the same day, written as every page writes a day (a review saw ISO dates here only)
    assert f"<dd>{i18n.day(date.fromisoformat(insight['as_of']))}</dd>" in page


def test_on_a_base_the_models_fit_the_figures_are_the_apis(
    log_in: Callable[[str], TestClient], synthetic_base: Patron, clock: Clock
) -> None:
    patron = synthetic_base
    # 400 synthetic customers over two years: enough for the purchase and spend models
    key = patron.run(lambda uow, s: create_key(uow, s, "ana"), "admin")
    with TestClient(create_app(patron)) as api:
        headers = {"Authorization": f"Bearer {key}"}
        said = api.get("/v1/members/C000001/insights?by=external_id", headers=headers).json()
        member = api.get("/v1/members/C000001?by=external_id", headers=headers).json()["id"]
    assert said["p_alive"] is not None and said["clv"] is not None, said

    page = log_in("analyst").get(f"/console/customers/{member}").text

    i18n.use("en")
    assert _dd(page, "p-alive") == i18n.percent(said["p_alive"])
    assert _dd(page, "expected") == i18n.number(said["expected_purchases"], 2)
    assert _dd(page, "clv") == i18n.money(Decimal(said["clv"]), "EUR")
    assert f"{said['model']} ({said['model_basis']})" in page


def test_a_member_without_purchases_gets_a_reason_not_figures(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    member = patron.run(enroll, Enroll("c-9")).member.id
    page = log_in("analyst").get(f"/console/customers/{member}").text
    assert 'id="no-insight">No lifetime figures: ' in page


def test_customers_are_filtered_by_rfm_segment_and_churn_risk(
    log_in: Callable[[str], TestClient], synthetic_base: Patron, clock: Clock
) -> None:
    patron = synthetic_base
    from patron.analytics.frames import from_store
    from patron.analytics.insights import CHURN_RISK, store_base
    from patron.analytics.rfm import rfm

    browser = log_in("analyst")
    # the segments as analytics/rfm gives them as of the day, straight from the store
    end = datetime(2026, 11, 1)
    scores = patron.analytics().run(lambda con: rfm(from_store(con), as_of=end).to_pandas())
    champions = set(scores.loc[scores["segment"] == "champions", "customer_id"])
    assert champions

    page = browser.get("/console/customers?segment=champions&sort=external_id&dir=asc").text
    assert f"of {i18n.number(len(champions))} members" in page or (
        len(champions) <= 50 and f"1–{len(champions)} of {len(champions)} members" in page
    )
    listed = re.findall(r'<a href="/console/customers/\d+">([^<]+)</a>', page)
    assert set(listed) <= champions and len(listed) == min(50, len(champions))

    bases = browser.app.state.customer_bases  # type: ignore[attr-defined]
    base = store_base(bases, patron.analytics(), clock.now.date(), patron.read(data_version))
    s = base.summary
    assert base.purchases is not None
    alive = base.purchases.probability_alive(
        *(s[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    )
    low, high = CHURN_RISK["high"]
    at_risk = {str(c) for c, p in zip(s.index, alive, strict=True) if low <= p < high}
    exported = browser.get("/console/customers.csv?risk=high").text.splitlines()[1:]
    assert {line.split(",")[0] for line in exported} == at_risk


def test_a_new_purchase_is_in_the_figures_at_the_next_page(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    # the fitted base is held a while, but for the data it was fitted on: a purchase
    # made since makes another (a review saw "no purchases" above a ledger of three)
    other = patron.run(enroll, Enroll("c-1")).member.id
    buy(patron, other, "o-1", ("A", None, 1, "10.00"))
    member = patron.run(enroll, Enroll("c-9")).member.id
    browser = log_in("analyst")
    before = browser.get(f"/console/customers/{member}").text  # a base is fitted and held
    assert "No lifetime figures: customer &#39;c-9&#39; has no purchases up to" in before
    buy(patron, member, "o-9", ("A", None, 1, "10.00"))
    page = browser.get(f"/console/customers/{member}").text
    assert 'id="no-insight"' not in page and '<dl class="figures" id="insight">' in page
