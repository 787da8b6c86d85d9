"""Satisfaction surveys on both stores (docs/surveys.md): links that are the same every
time and answer once (even two at once), the answer's context, the detractor's event, the
results by group and the NPS KPI, each number worked by hand in the test's docstring."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import insert

from patron.analytics.surveys import results_of, survey_results
from patron.bootstrap import Patron
from patron.domain.errors import Conflict, NotFound
from patron.domain.goals import Population
from patron.domain.surveys import InvalidSurvey, Refusal
from patron.services import surveys as uc
from patron.services.privacy import EraseMember, erase_member
from patron.services.queries import data_version
from patron.store import tables as t
from tests.conftest import Clock
from tests.integration.helpers import at_once, member, record

QUESTION = {"en": "How likely are you to recommend us to a friend?", "ro": "Cât de probabil…?"}


def add(patron: Patron, name: str = "nps", kind: str = "nps", **kw: object) -> int:
    cmd = uc.AddSurvey(name, kind, QUESTION, "ana", **kw)  # type: ignore[arg-type]
    return patron.run(uc.add_survey, cmd).id


def invite(patron: Patron, survey_id: int, member_id: int, purchase_id: int | None = None) -> str:
    return patron.run(lambda uow, _: uc.invite(uow, survey_id, member_id, purchase_id), None).token


def answer(patron: Patron, token: str, score: int, comment: str | None = None) -> uc.Answered:
    return patron.run(uc.respond, uc.Respond(token, score, comment))


def test_a_link_is_the_same_every_time_and_answers_once(patron: Patron) -> None:
    survey_id = add(patron)
    mid = member(patron, "c-1")
    bought = record(patron, mid, "o-1")
    token = invite(patron, survey_id, mid, bought.purchase_id)
    assert token == invite(patron, survey_id, mid, bought.purchase_id)
    other = invite(patron, survey_id, mid, None)
    assert other != token
    url = patron.run(
        lambda uow, _: uc.invite(uow, survey_id, mid, None, public_url="https://l.example/"), None
    ).url
    assert url == f"https://l.example/portal/survey/{other}"
    # the page reads the link and spends nothing
    opened = patron.read(uc.open_survey, token)
    assert (opened.survey.id if opened.survey else None, opened.refusal) == (survey_id, None)
    first = answer(patron, token, 9, "  Quick and friendly  ")
    assert first.refusal is None and first.response is not None
    stored = first.response
    assert (stored.score, stored.comment, stored.purchase_id) == (
        9,
        "Quick and friendly",
        bought.purchase_id,
    )
    assert (stored.tier, stored.shop, stored.locale) == ("Bronze", None, "en")
    assert stored.responded_at == patron.clock()
    # a second answer is refused, and the first stays as it was
    again = answer(patron, token, 2)
    assert (again.response_id, again.refusal) == (None, Refusal.ANSWERED)
    assert patron.read(uc.open_survey, token).refusal is Refusal.ANSWERED
    assert [r.score for r in patron.read(uc.latest_responses, survey_id)] == [9]
    # the link without the purchase is another invitation, answered on its own
    assert answer(patron, other, 10).refusal is None


def test_two_answers_at_once_count_once(patron: Patron) -> None:
    survey_id = add(patron)
    mid = member(patron, "c-1")
    token = invite(patron, survey_id, mid)
    results = at_once(4, lambda i: answer(patron, token, 10 - i))
    stored = [r for r in results if isinstance(r, uc.Answered) and r.response_id is not None]
    refused = [r for r in results if isinstance(r, uc.Answered) and r.refusal is Refusal.ANSWERED]
    assert (len(stored), len(refused)) == (1, 3)
    assert len(patron.read(uc.latest_responses, survey_id)) == 1


def test_a_detractor_raises_the_survey_detractor_event_and_a_passive_does_not(
    patron: Patron,
) -> None:
    nps = add(patron)
    csat = add(patron, "csat", "csat")
    mid = member(patron, "c-1")
    bought = record(patron, mid, "o-1")
    answer(patron, invite(patron, nps, mid), 7)  # a passive
    answer(patron, invite(patron, csat, mid), 3)  # neutral
    assert [e for e in events(patron, mid) if e.type == "survey.detractor"] == []
    low = answer(patron, invite(patron, nps, mid, bought.purchase_id), 6)
    assert low.detractor
    unhappy = answer(patron, invite(patron, csat, mid, bought.purchase_id), 2)
    found = [e.payload for e in events(patron, mid) if e.type == "survey.detractor"]
    assert found == [
        {"survey_id": nps, "response_id": low.response_id, "kind": "nps", "score": 6,
         "purchase_id": bought.purchase_id},
        {"survey_id": csat, "response_id": unhappy.response_id, "kind": "csat", "score": 2,
         "purchase_id": bought.purchase_id},
    ]  # fmt: skip


def events(patron: Patron, mid: int) -> list:  # type: ignore[type-arg]
    return patron.read(lambda uow: uow.outbox.for_member(mid))


def test_refusals_change_nothing(patron: Patron) -> None:
    survey_id = add(patron)
    mid, other = member(patron, "c-1"), member(patron, "c-2")
    theirs = record(patron, other, "o-2")
    with pytest.raises(NotFound, match=f"member {mid} has no purchase {theirs.purchase_id}"):
        invite(patron, survey_id, mid, theirs.purchase_id)
    with pytest.raises(NotFound, match="no survey 99"):
        invite(patron, 99, mid)
    token = invite(patron, survey_id, mid)
    with pytest.raises(InvalidSurvey, match="score: 11 is outside 0–10"):
        answer(patron, token, 11)
    with pytest.raises(InvalidSurvey, match="comment: at most 2000"):
        answer(patron, token, 5, "x" * 2001)
    assert patron.read(uc.open_survey, token).refusal is None
    assert patron.read(uc.open_survey, token[:-2]).refusal is Refusal.UNKNOWN
    assert answer(patron, token[:-2], 5).refusal is Refusal.UNKNOWN
    # closed: the link takes no answer and no one is invited; open again, it does
    patron.run(uc.set_survey_state, uc.SetSurveyState(survey_id, False, "ana"))
    assert answer(patron, token, 5).refusal is Refusal.CLOSED
    with pytest.raises(InvalidSurvey, match="is closed"):
        invite(patron, survey_id, mid)
    patron.run(uc.set_survey_state, uc.SetSurveyState(survey_id, True, "ana"))
    assert patron.read(uc.latest_responses, survey_id) == []
    # an erased member's link takes no answer; the words of their answers are erased, the
    # scores stay (every aggregate is kept)
    assert answer(patron, token, 4, "I am Ana").refusal is None
    patron.run(erase_member, EraseMember(mid, "ana", "asked"))
    assert answer(patron, token, 5).refusal is Refusal.ERASED
    assert [(r.score, r.comment) for r in patron.read(uc.latest_responses, survey_id)] == [
        (4, None)
    ]


def test_a_survey_needs_a_free_name_english_and_one_after_purchase_survey(
    patron: Patron,
) -> None:
    first = add(patron, "after", after_purchase=True)
    with pytest.raises(Conflict, match="named 'after' already"):
        add(patron, "after")
    with pytest.raises(Conflict, match=f"survey {first} .* is the open survey after a purchase"):
        add(patron, "second", after_purchase=True)
    with pytest.raises(InvalidSurvey, match="kind: 'ces' is not one of nps, csat"):
        add(patron, "x", "ces")
    with pytest.raises(InvalidSurvey, match="in English"):
        patron.run(uc.add_survey, uc.AddSurvey("x", "nps", {"ro": "Cât?"}, "ana"))
    assert [s.name for s in patron.read(uc.all_surveys)] == ["after"]
    patron.run(uc.set_survey_state, uc.SetSurveyState(first, False, "ana"))
    assert add(patron, "second", after_purchase=True) > first


def test_results_by_month_tier_club_and_the_nps_kpi(patron: Patron, clock: Clock) -> None:
    """Five members answer the NPS survey: in January m1 10 and m2 9; in February m3 9,
    m4 8 (a passive, at the band's edge) and m5 0. All: 3 promoters, 1 passive, 1
    detractor of 5: (3 − 1) / 5 = 40.
    January: 2 promoters of 2 = 100; February: (1 − 1) / 3 = 0. Club "vip" holds m1 and
    m4: 10 and 8, (1 − 0) / 2 = 50; the others (none): 9, 9, 0, (2 − 1) / 3 = 33.33…
    The CSAT survey: 5, 4, 3, 1: satisfied 2 of 4 = 50; 1 dissatisfied."""
    clock.now = datetime(2026, 1, 10, 9)
    nps, csat = add(patron), add(patron, "csat", "csat")
    mids = [member(patron, f"c-{i}") for i in range(1, 6)]
    for mid, score in zip(mids[:2], (10, 9), strict=True):
        answer(patron, invite(patron, nps, mid), score)
    clock.now = datetime(2026, 2, 3, 9)
    for mid, score in zip(mids[2:], (9, 8, 0), strict=True):
        answer(patron, invite(patron, nps, mid), score)
    for mid, score in zip(mids[:4], (5, 4, 3, 1), strict=True):
        answer(patron, invite(patron, csat, mid), score)
    with patron.engine.begin() as conn:
        conn.execute(
            insert(t.club_members),
            [{"club_id": "vip", "member_id": m, "standing": "member", "since": clock.now}
             for m in (mids[0], mids[3])],
        )  # fmt: skip

    def results(survey_id: int, by: str) -> list[tuple[str, int, int, int, int, float | None]]:
        found = patron.analytics().run(lambda con: survey_results(con, survey_id, by))
        return [(g.group, g.answers, g.top, g.middle, g.bottom, g.score) for g in found.groups]

    assert results(nps, "all") == [("all", 5, 3, 1, 1, pytest.approx(40.0))]
    assert results(nps, "month") == [
        ("2026-01", 2, 2, 0, 0, pytest.approx(100.0)),
        ("2026-02", 3, 1, 1, 1, pytest.approx(0.0)),
    ]
    assert results(nps, "tier") == [("Bronze", 5, 3, 1, 1, pytest.approx(40.0))]
    assert results(nps, "club") == [
        ("none", 3, 2, 0, 1, pytest.approx(100 / 3)),
        ("vip", 2, 1, 1, 0, pytest.approx(50.0)),
    ]
    by_rfm = results_of(patron.analytics(), patron.read(data_version), nps, "rfm").groups
    assert [(g.group, g.answers, g.score) for g in by_rfm] == [
        ("none", 5, pytest.approx(40.0))
    ]  # no purchase
    assert results(csat, "all") == [("all", 4, 2, 1, 1, pytest.approx(50.0))]
    # the KPI: January alone 100; January and February 40; only the CSAT's window: none
    measures = patron.measures()
    everyone = Population("all")
    assert measures.measure("nps", everyone, date(2026, 1, 1), date(2026, 2, 1)) == 100
    assert measures.measure("nps", everyone, date(2026, 1, 1), date(2026, 3, 1)) == 40
    assert measures.measure("nps", everyone, date(2026, 3, 1), date(2026, 4, 1)) is None


def test_results_by_rfm_segment_score_the_members_who_bought(patron: Patron, clock: Clock) -> None:
    """Five members who bought (one 50.00 line an order, one order a day at 10:00) and one
    who did not. RFM as of the last purchase, 31 March 2026 (analytics/rfm.py, 5 bins;
    five distinct values give percent ranks 0, ¼, ½, ¾, 1, so scores 1, 2, 3, 4, 5):

        member  orders  days bought         days since last  R  F  segment
        a       5       27–31 March         0                5  5  champions
        b       4       16–19 February      40 (9 + 31)      1  4  can't lose
        c       1       21 March            10               4  1  new
        d       3       27 Feb – 1 March    30               2  3  at risk
        e       2       10–11 March         20               3  2  need attention
        f       0       -                   -                -  -  none

    (R: more days since is worse, b's 40 ranks first, score 1; F: fewer orders is worse.
    The first matching rule: a R≥4 F≥4; b R≤1 F≥4; c not R≥3 F≥3, R≥4 F≤1; d R≤2 F≥3;
    e R = 3.) Their answers, a about three of their orders, b and d about two:

        at risk         d 9, 7        1 promoter, 1 passive:      (1 − 0) / 2 = 50
        can't lose      b 3, 8        1 passive, 1 detractor:     (0 − 1) / 2 = −50
        champions       a 10, 9, 6    2 promoters, 1 detractor:   (2 − 1) / 3 = 33.33…
        need attention  e 8           1 passive:                  0
        new             c 10          1 promoter:                 100
        none            f 0           1 detractor:                −100

    On SQLite the segments' SQL overflowed the parser's stack ("parser stack overflow")."""
    clock.now = datetime(2026, 4, 2, 9)
    sid = add(patron)
    bought = {
        "a": [date(2026, 3, d) for d in (27, 28, 29, 30, 31)],
        "b": [date(2026, 2, d) for d in (16, 17, 18, 19)],
        "c": [date(2026, 3, 21)],
        "d": [date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1)],
        "e": [date(2026, 3, 10), date(2026, 3, 11)],
        "f": [],
    }
    mids, orders = {}, {}
    for name, days in bought.items():
        mids[name] = member(patron, f"c-{name}")
        orders[name] = [
            record(
                patron,
                mids[name],
                f"o-{name}-{i}",
                at=datetime.combine(day, datetime.min.time()).replace(hour=10),
            ).purchase_id
            for i, day in enumerate(days)
        ]
    scores = {"a": (10, 9, 6), "b": (3, 8), "c": (10,), "d": (9, 7), "e": (8,), "f": (0,)}
    for name, given in scores.items():
        about = orders[name] if len(given) > 1 else [None]
        for purchase_id, score in zip(about, given, strict=False):
            answer(patron, invite(patron, sid, mids[name], purchase_id), score)
    found = results_of(patron.analytics(), patron.read(data_version), sid, "rfm")
    assert found.by == "rfm"
    assert [(g.group, g.answers, g.top, g.middle, g.bottom, g.score) for g in found.groups] == [
        ("at risk", 2, 1, 1, 0, pytest.approx(50.0)),
        ("can't lose", 2, 0, 1, 1, pytest.approx(-50.0)),
        ("champions", 3, 2, 0, 1, pytest.approx(100 / 3)),
        ("need attention", 1, 0, 1, 0, pytest.approx(0.0)),
        ("new", 1, 1, 0, 0, pytest.approx(100.0)),
        ("none", 1, 0, 0, 1, pytest.approx(-100.0)),
    ]


def test_the_purchase_journey_invites_to_the_after_purchase_survey_once_per_purchase(
    patron: Patron,
) -> None:
    from patron.domain.messages import Channel, Kind, Outgoing
    from patron.services.messages import enqueue

    mid = member(patron, "c-1", email="ana@shop.example")
    bought = record(patron, mid, "o-1")

    def asked() -> object:
        return patron.run(
            lambda uow, _: uc.survey_invitation(
                uow, mid, bought.purchase_id, public_url="https://l.example"
            ),
            None,
        )

    add(patron, "not after a purchase")
    assert asked() is None  # no open survey is marked after_purchase
    sid = add(patron, "after", after_purchase=True)
    outgoing = asked()
    token = invite(patron, sid, mid, bought.purchase_id)
    assert outgoing == Outgoing(
        member_id=mid, channel=Channel.EMAIL, template="journey/survey",
        key=f"journey:survey:purchase:{bought.purchase_id}", kind=Kind.MARKETING,
        journey="survey",
        context={"survey_url": f"https://l.example/portal/survey/{token}", "survey_id": sid,
                 "purchase_id": bought.purchase_id},
    )  # fmt: skip
    # asked twice, one message: the key is the purchase's
    first = patron.run(enqueue, outgoing)
    second = patron.run(enqueue, asked())
    assert (second.duplicate, second.message_id) == (True, first.message_id)
    patron.run(uc.set_survey_state, uc.SetSurveyState(sid, False, "ana"))
    assert asked() is None


def test_the_shop_of_the_purchase_is_kept_with_the_answer_and_groups_it(
    patron: Patron,
) -> None:
    """Two answers about purchases of shop north (10 and 4) and one about no purchase (9):
    north (1 − 1) / 2 = 0; none 1 promoter of 1 = 100."""
    from sqlalchemy import update

    sid = add(patron)
    mids = [member(patron, f"c-{i}") for i in (1, 2, 3)]
    bought = [record(patron, m, f"o-{m}").purchase_id for m in mids[:2]]
    with patron.engine.begin() as conn:  # as a key of shop north would have recorded them
        conn.execute(update(t.purchases).where(t.purchases.c.id.in_(bought)).values(shop="north"))
    for m, p, score in ((mids[0], bought[0], 10), (mids[1], bought[1], 4), (mids[2], None, 9)):
        answer(patron, invite(patron, sid, m, p), score)
    shops = sorted((r.member_id, r.shop) for r in patron.read(uc.latest_responses, sid))
    assert shops == [(mids[0], "north"), (mids[1], "north"), (mids[2], None)]
    found = patron.analytics().run(lambda con: survey_results(con, sid, "shop"))
    assert [(g.group, g.answers, g.score) for g in found.groups] == [
        ("none", 1, pytest.approx(100.0)),
        ("north", 2, pytest.approx(0.0)),
    ]
