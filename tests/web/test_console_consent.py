"""The consent a member gave in the portal, where staff see it, on both stores: the
customer 360 page's profile block and the customer list's CSV export say `granted`,
`declined` or `not recorded` (never asked), from the latest record."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.consent import ConsentSource
from patron.services.consents import record_consent
from tests.integration.helpers import member


def _say(patron: Patron, member_id: int, granted: bool) -> None:
    patron.run(lambda uow, yes: record_consent(uow, member_id, yes, ConsentSource.API), granted)


@pytest.fixture
def console(log_in: Callable[[str], TestClient]) -> TestClient:
    return log_in("analyst")


@pytest.fixture
def three(patron: Patron) -> list[int]:
    """Ana said yes then no then yes; Bo said no; Cleo was never asked."""
    ana = member(patron, "C-1", name="Ana", email="ana@shop.ro")
    bo = member(patron, "C-2", name="Bo", email="bo@shop.ro")
    cleo = member(patron, "C-3", name="Cleo", email="cleo@shop.ro")
    for answer in (True, False, True):
        _say(patron, ana, answer)
    _say(patron, bo, False)
    return [ana, bo, cleo]


def test_the_customer_page_shows_the_latest_consent(console: TestClient, three: list[int]) -> None:
    said = [console.get(f"/console/customers/{m}").text for m in three]
    assert ['<dd id="consent">granted</dd>' in page for page in said] == [True, False, False]
    assert '<dd id="consent">declined</dd>' in said[1]
    assert '<dd id="consent">not recorded</dd>' in said[2]


@pytest.mark.usefixtures("three")
def test_the_csv_export_says_each_members_consent(console: TestClient) -> None:
    answer = console.get("/console/customers.csv?sort=external_id&dir=asc")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert [(r[0], r[3]) for r in rows[1:]] == [
        ("C-1", "granted"),
        ("C-2", "declined"),
        ("C-3", "not recorded"),
    ]
