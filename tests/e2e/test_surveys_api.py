"""Surveys over HTTP, on both stores (docs/surveys.md): admin only; a survey made, listed,
closed and opened; an invitation the same every time; answers and results by group;
refusals that change nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import distinct, func, insert, select

from patron.analytics.rfm import SEGMENTS
from patron.bootstrap import Patron
from patron.services import surveys as uc
from patron.services.importer import ImportOptions, import_purchases
from patron.store import tables as t
from patron.synth import SynthParams, generate, write_csv
from tests.e2e.conftest import Api

BODY = {
    "name": "after a purchase",
    "kind": "nps",
    "question": {"en": "How likely are you to recommend us?", "ro": "Cât de probabil…?"},
    "comment_question": {"en": "Why?"},
    "after_purchase": True,
}


def test_make_invite_answer_and_read_the_results(patron: Patron, admin: Api, pos: Api) -> None:
    created = admin.post("/v1/surveys", BODY, idem=None)
    assert created.status_code == 201, created.text
    survey = created.json()
    assert {k: survey[k] for k in BODY} == BODY
    assert (survey["active"], survey["closed_at"]) == (True, None)
    sid = survey["id"]
    assert pos.get("/v1/surveys").status_code == 403
    assert admin.get("/v1/surveys").json() == {"data": [survey], "count": 1}
    assert admin.get(f"/v1/surveys/{sid}").json() == survey
    # the same name again: 409, nothing more stored
    again = admin.post("/v1/surveys", {**BODY, "after_purchase": False}, idem=None)
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    mids = [admin.post("/v1/members", {"external_id": f"c-{i}"}).json()["id"] for i in (1, 2)]
    link = admin.post(f"/v1/surveys/{sid}/invitations", {"member_id": mids[0]}, idem=None)
    assert link.status_code == 200, link.text
    token = link.json()["token"]
    assert link.json()["url"].endswith(f"/portal/survey/{token}")
    same = admin.post(f"/v1/surveys/{sid}/invitations", {"member_id": mids[0]}, idem=None)
    assert same.json() == link.json()
    other = admin.post(f"/v1/surveys/{sid}/invitations", {"member_id": mids[1]}, idem=None)
    # answers: 10 and 3: (1 − 1) / 2 = 0
    patron.run(uc.respond, uc.Respond(token, 10, "Great"))
    patron.run(uc.respond, uc.Respond(other.json()["token"], 3))
    found = admin.get(f"/v1/surveys/{sid}/results").json()
    assert found == {
        "survey_id": sid, "name": BODY["name"], "kind": "nps", "by": "all",
        "data": [{"group": "all", "answers": 2, "top": 1, "middle": 0, "bottom": 1,
                  "score": 0.0}],
    }  # fmt: skip
    by_tier = admin.get(f"/v1/surveys/{sid}/results?by=tier").json()["data"]
    assert [(g["group"], g["answers"]) for g in by_tier] == [("Bronze", 2)]
    answers = admin.get(f"/v1/surveys/{sid}/responses").json()["data"]
    assert [(a["member_id"], a["score"], a["comment"]) for a in answers] == [
        (mids[1], 3, None),
        (mids[0], 10, "Great"),
    ]  # newest first; at the same moment, the later answer first
    # close: no more invitations; open again
    closed = admin.post(f"/v1/surveys/{sid}/close", {}, idem=None).json()
    assert closed["active"] is False and closed["closed_at"] is not None
    refused = admin.post(f"/v1/surveys/{sid}/invitations", {"member_id": mids[0]}, idem=None)
    assert (refused.status_code, refused.json()["code"]) == (422, "survey_invalid")
    assert admin.post(f"/v1/surveys/{sid}/open", {}, idem=None).json()["active"] is True


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/v1/surveys/99/invitations", {"member_id": 1}, 404, "survey_not_found"),
        ("/v1/surveys", {**BODY, "question": {"ro": "Cât?"}}, 422, "survey_invalid"),
        ("/v1/surveys", {**BODY, "kind": "ces"}, 422, "invalid_request"),
        ("/v1/surveys", {**BODY, "question": {"fr": "Comment?"}}, 422, "invalid_request"),
    ],
)
def test_refusals_store_nothing(admin: Api, path: str, body: dict, status: int, code: str) -> None:  # type: ignore[type-arg]
    answer = admin.post(path, body, idem=None)
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code
    assert admin.get("/v1/surveys").json()["count"] == 0


def test_results_of_an_unknown_survey_and_by_an_unknown_group(admin: Api) -> None:
    assert admin.get("/v1/surveys/99/results").json()["code"] == "survey_not_found"
    assert admin.get("/v1/surveys/99/results?by=weather").status_code == 422


def test_results_by_rfm_on_a_store_of_hundreds_of_customers(
    patron: Patron, admin: Api, tmp_path: Path
) -> None:
    """The demo's shape (`patron.synth`, 300 customers drawn, those who bought in its two
    years imported, each a member: a few hundred scored): every member answers once,
    scores 0 to 10 in turn, and one member without a purchase too.
    By RFM segment the answers are all counted, each in one of the named segments, the
    member without a purchase alone in "none" (a detractor: −100). The segments' SQL once
    overflowed SQLite's parser stack on such a store (a 500)."""
    csv = tmp_path / "synth.csv"
    write_csv(csv, generate(SynthParams(customers=300, seed=7)))
    assert import_purchases(patron.new_uow, csv, ImportOptions()).inserted > 300
    sid = admin.post("/v1/surveys", BODY, idem=None).json()["id"]
    newcomer = admin.post("/v1/members", {"external_id": "no-purchase"}).json()["id"]
    with patron.engine.begin() as conn:
        ids = [row.id for row in conn.execute(select(t.members.c.id).order_by(t.members.c.id))]
        conn.execute(
            insert(t.survey_responses),
            [{"survey_id": sid, "member_id": m, "invitation": f"inv-{m}",
              "score": 0 if m == newcomer else i % 11, "locale": "en",
              "responded_at": datetime(2026, 11, 1, 10), "tier": "Bronze"}
             for i, m in enumerate(ids)],
        )  # fmt: skip
        bought = conn.execute(select(func.count(distinct(t.purchases.c.member_id)))).scalar_one()
    assert bought >= 200 and len(ids) == bought + 1  # those who bought and the newcomer
    found = admin.get(f"/v1/surveys/{sid}/results?by=rfm")
    assert found.status_code == 200, found.text
    groups = {g["group"]: g for g in found.json()["data"]}
    assert sum(g["answers"] for g in groups.values()) == len(ids)
    assert set(groups) - {"none"} <= set(SEGMENTS) and len(groups) > 3
    assert (groups["none"]["answers"], groups["none"]["score"]) == (1, -100.0)
