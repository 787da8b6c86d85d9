"""A survey's results: its answers counted by group, with NPS or CSAT for each group.

Design overview. The answers of one survey (`survey_responses`) are grouped in the store's
engine by one of `DIMENSIONS`, each group counting its answers, those in the top band
(NPS 9–10, CSAT 4–5), the middle and the bottom (NPS 0–6, CSAT 1–2); the score of a group
is domain/surveys.Tally's (NPS = % top − % bottom; CSAT = % top). The groups:

    all     every answer, one row
    tier    the member's tier when they answered (kept with the answer)
    rfm     the member's RFM segment now (analytics/rfm.py, 5 bins, as of the last
            purchase); "none" for a member without purchases
    club    each club the member is in now (standing `member`): an answer counts in every
            club of its member; "none" for a member in no club
    month   the month of the answer, YYYY-MM
    shop    the shop of the purchase that prompted it; "none" without one

The NPS KPI of the goals' catalogue (analytics/kpi_catalogue.py) counts the same way over
every NPS survey's answers in a window (`nps_tally`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir

from patron.analytics.frames import from_store
from patron.analytics.rfm import rfm
from patron.domain.errors import InvalidInput
from patron.domain.surveys import BOTTOM, TOP, SurveyKind, SurveyNotFound, Tally

DIMENSIONS = ("all", "tier", "rfm", "club", "month", "shop")
NONE = "none"


@dataclass(frozen=True)
class GroupResult:
    group: str
    answers: int
    top: int  # promoters (NPS) or satisfied (CSAT)
    middle: int  # passives or neutral
    bottom: int  # detractors or dissatisfied
    score: float | None  # NPS −100…100 or CSAT 0…100; None without answers


@dataclass(frozen=True)
class SurveyResults:
    survey_id: int
    name: str
    kind: SurveyKind
    by: str
    groups: list[GroupResult]


def survey_results(con: ibis.BaseBackend, survey_id: int, by: str = "all") -> SurveyResults:
    """The answers of survey `survey_id` counted by `by` (one of DIMENSIONS)."""
    if by not in DIMENSIONS:
        raise InvalidInput(f"by: {by!r} is not one of {', '.join(DIMENSIONS)}")
    surveys = con.table("surveys")
    found = surveys.filter(surveys.id == survey_id).select("name", "kind").to_pyarrow().to_pylist()
    if not found:
        raise SurveyNotFound(f"no survey {survey_id}")
    kind = SurveyKind(str(found[0]["kind"]))
    r = con.table("survey_responses")
    answers = r.filter(r.survey_id == survey_id)
    grouped = _grouped(con, answers, by)
    groups = _counted(grouped, kind)
    if by == "month":
        groups.sort(key=lambda g: g.group)
    return SurveyResults(survey_id, str(found[0]["name"]), kind, by, groups)


def nps_tally(con: ibis.BaseBackend, members: ir.Table, start: date, end: date) -> Tally:
    """Answers to every NPS survey given on the days [start, end) by `members` (a table
    with `member_id`), counted: the NPS KPI's figures."""
    r, s = con.table("survey_responses"), con.table("surveys")
    nps = s.filter(s.kind == str(SurveyKind.NPS)).select(survey_id=s.id)
    day = r.responded_at.cast("timestamp").date()
    inside = r.filter((day >= start) & (day < end)).semi_join(nps, "survey_id")
    mine = inside.semi_join(members, inside.member_id == members.member_id)
    row = (
        mine.aggregate(
            answers=mine.count(),
            top=_in(mine.score, TOP[SurveyKind.NPS]).sum(),
            bottom=_in(mine.score, BOTTOM[SurveyKind.NPS]).sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    return Tally(int(row["answers"] or 0), int(row["top"] or 0), int(row["bottom"] or 0))


def _in(score: ir.IntegerColumn, band: range) -> ir.IntegerColumn:
    inside = (score >= band.start) & (score <= band.stop - 1)
    return ibis.ifelse(inside, 1, 0)  # PostgreSQL casts no boolean to bigint


def _grouped(con: ibis.BaseBackend, answers: ir.Table, by: str) -> ir.Table:
    """The answers with a `grp` column (string), one row per answer and group."""
    if by == "all":
        return answers.mutate(grp=ibis.literal("all"))
    if by == "tier":
        return answers.mutate(grp=answers.tier)
    if by == "shop":
        return answers.mutate(grp=answers.shop.fill_null(NONE))
    if by == "month":
        when = answers.responded_at.cast("timestamp")
        return answers.mutate(grp=(when.year() * 100 + when.month()).cast("string"))
    if by == "club":
        clubs = con.table("club_members")
        joined = clubs.filter(clubs.standing == "member").select(
            club_member=clubs.member_id, club=clubs.club_id
        )
        both = answers.left_join(joined, answers.member_id == joined.club_member)
        return both.mutate(grp=both.club.fill_null(NONE))
    members = con.table("members").select(mid=ibis._.id, customer_id=ibis._.external_id)
    p = con.table("purchases")
    if int(p.count().execute()) == 0:
        return answers.mutate(grp=ibis.literal(NONE))
    scores = rfm(from_store(con)).select("customer_id", "segment")
    segments = members.join(scores, "customer_id").select("mid", "segment")
    both = answers.left_join(segments, answers.member_id == segments.mid)
    return both.mutate(grp=both.segment.fill_null(NONE))


def _counted(grouped: ir.Table, kind: SurveyKind) -> list[GroupResult]:
    per = grouped.group_by("grp").aggregate(
        answers=grouped.count(),
        top=_in(grouped.score, TOP[kind]).sum(),
        bottom=_in(grouped.score, BOTTOM[kind]).sum(),
    )
    rows = per.order_by("grp").to_pyarrow().to_pylist()
    found = []
    for row in rows:
        tally = Tally(int(row["answers"]), int(row["top"] or 0), int(row["bottom"] or 0))
        group = str(row["grp"])
        if len(group) == 6 and group.isdigit():  # a month as YYYYMM
            group = f"{group[:4]}-{group[4:]}"
        middle = tally.answers - tally.top - tally.bottom
        found.append(
            GroupResult(group, tally.answers, tally.top, middle, tally.bottom, tally.score(kind))
        )
    return found
