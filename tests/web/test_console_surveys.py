"""The console's surveys on both stores: a marketer makes one (audited), the results by
month as a chart with its table (NPS worked by hand), close and open; an analyst reads
only; a refused survey writes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.audit import AuditQuery
from patron.services import surveys as uc
from tests.conftest import Clock
from tests.integration.helpers import member, record
from tests.web.conftest import token

FORM = {
    "name": "After a purchase", "kind": "nps", "question": "How likely are you to recommend us?",
    "question_ro": "Cât de probabil este să ne recomandați?", "comment": "Why?",
    "after_purchase": "yes",
}  # fmt: skip


def test_a_marketer_makes_a_survey_and_reads_its_results(
    patron: Patron, clock: Clock, log_in: Callable[[str], TestClient]
) -> None:
    clock.now = datetime(2026, 3, 10, 9)
    browser = log_in("marketer")
    page = browser.get("/console/surveys")
    assert page.status_code == 200 and 'id="no-surveys"' in page.text
    assert 'href="/console/surveys"' in page.text  # in the nav
    sent = browser.post("/console/surveys", data={**FORM, "csrf": token(page.text)})
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    sid = int(location.rsplit("/", 1)[1])
    made = patron.read(uc.survey_of, sid)
    assert (made.kind, made.after_purchase, dict(made.question)) == (
        "nps", True, {"en": FORM["question"], "ro": FORM["question_ro"]},
    )  # fmt: skip
    # March: 10, 8, 2 → (1 − 1) / 3 = 0; April: 9, 10 → 100
    mids = []
    for i, score in enumerate((10, 8, 2)):
        mid = member(patron, f"c-{i}")
        mids.append(mid)
        link = patron.run(lambda uow, _, m=mid: uc.invite(uow, sid, m, None), None)
        patron.run(uc.respond, uc.Respond(link.token, score))
    clock.now = datetime(2026, 4, 2, 9)
    for i, score in enumerate((9, 10), start=3):
        mid = member(patron, f"c-{i}")
        link = patron.run(lambda uow, _, m=mid: uc.invite(uow, sid, m, None), None)
        patron.run(uc.respond, uc.Respond(link.token, score))
    browser = log_in("owner")  # a session lasts 12 hours: an owner reads it now
    detail = browser.get(location)
    assert detail.status_code == 200
    assert '<figure class="chart" id="chart"><svg' in detail.text
    rows = re.findall(r'<tr><th scope="row"><bdi>([^<]+)</bdi></th>(.*?)</tr>', detail.text)
    cells = {month: re.findall(r'<td class="num">([^<]*)</td>', rest) for month, rest in rows}
    assert cells == {
        "2026-03": ["3", "1", "1", "1", "0.0"],
        "2026-04": ["2", "2", "0", "0", "100.0"],
    }
    by_tier = browser.get(f"{location}?by=tier")
    assert '<bdi>Bronze</bdi></th><td class="num">5</td>' in by_tier.text
    # by RFM segment: c-0 (10) the only customer who bought, so ranked first on every
    # score: R 1, F 1, "lost"; the four others (8, 2, 9, 10) none: (2 − 1) / 4 = 25
    record(patron, mids[0], "o-1")
    by_rfm = browser.get(f"{location}?by=rfm")
    assert by_rfm.status_code == 200, by_rfm.text
    rows = re.findall(r'<tr><th scope="row"><bdi>([^<]+)</bdi></th>(.*?)</tr>', by_rfm.text)
    assert {g: re.findall(r'<td class="num">([^<]*)</td>', rest) for g, rest in rows} == {
        "lost": ["1", "1", "0", "0", "100.0"],
        "none": ["4", "2", "1", "1", "25.0"],
    }
    # close it: audited under the owner's name
    closed = browser.post(f"{location}/state", data={"active": "no", "csrf": token(detail.text)})
    assert closed.status_code == 303
    assert patron.read(uc.survey_of, sid).active is False
    audit = patron.read(lambda uow: uow.audit.search(AuditQuery(action="survey.closed")))
    assert [e.actor for e in audit] == ["user:owner@shop.ro"]
    made_by = patron.read(lambda uow: uow.audit.search(AuditQuery(action="survey.added")))
    assert [e.actor for e in made_by] == ["user:marketer@shop.ro"]


def test_an_analyst_reads_only_and_a_refused_survey_writes_nothing(
    patron: Patron, log_in: Callable[[str], TestClient]
) -> None:
    analyst = log_in("analyst")
    page = analyst.get("/console/surveys")
    assert 'id="survey-form"' not in page.text
    refused = analyst.post("/console/surveys", data={**FORM, "csrf": token(page.text)})
    assert refused.status_code == 403
    owner = log_in("owner")
    page = owner.get("/console/surveys")
    forged = owner.post("/console/surveys", data={**FORM, "csrf": "forged"})
    assert forged.status_code == 403
    bad = owner.post("/console/surveys", data={**FORM, "kind": "ces", "csrf": token(page.text)})
    assert bad.status_code == 422
    assert "kind: &#39;ces&#39; is not one of nps, csat" in bad.text
    assert patron.read(uc.all_surveys) == []
    assert owner.get("/console/surveys/99").status_code == 404
