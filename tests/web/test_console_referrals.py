"""The console's referrals (web/referrals.py over services/referrals.py), on both stores:
the funnel of a period and the opinion leaders, for every role; a period that ends
before it starts is refused on the page.

examples/program.toml: referrals of 200 each on a first purchase of at least 20.00; the
clock starts 2026-01-01 09:00."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from tests.integration.helpers import buy, member

STEP = re.compile(r'<tr id="step-([a-z_]+)"><th scope="row">[^<]+</th><td>([0-9,]+)</td>')


def test_the_funnel_and_the_leaders_of_a_period(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    # given Ana with two friends, one of whom bought 45.00
    ana = member(patron, "ana")
    code = patron.read(lambda uow: uow.members.get(ana)).referral_code  # type: ignore[union-attr]
    bob = member(patron, "bob", referral_code=code)
    member(patron, "cid", referral_code=code)
    buy(patron, bob, "o-1", ("A", None, 1, "45.00"))
    browser = log_in("analyst")
    # when the page of January is asked
    page = browser.get("/console/referrals?from=2026-01-01&to=2026-02-01")
    # then
    assert page.status_code == 200
    assert dict(STEP.findall(page.text)) == {
        "codes_shared": "1",
        "enrolled": "2",
        "qualified": "1",
        "rewarded": "0",  # its window ends on 15 January, after the clock
        "taken_back": "0",
        "refused": "0",
    }
    leaders = page.text.split('id="leaders"', 1)[1]
    assert f'<a href="/console/customers/{ana}">ana</a></td><td>2</td><td>1</td><td>45.00</td>' in (
        leaders
    )
    # and a period that ends before it starts is refused, on the page
    backwards = browser.get("/console/referrals?from=2026-02-01&to=2026-01-01")
    assert backwards.status_code == 422
    assert "must come after" in backwards.text
