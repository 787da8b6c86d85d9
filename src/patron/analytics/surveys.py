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

The RFM segments are not joined to the answers in the store's engine: the scoring's
expression (percent ranks and the segment grid over every customer) joined into the
answers' query nests too deep for SQLite's parser ("parser stack overflow" on any store
with purchases, however few). They are scored as the console's segments
page scores them, on the in-memory copy of the store's purchases (analytics/snapshot.py,
`StoreAnalytics.on_copy`, made once per version of the data), and handed to the counting
as a mapping customer → segment; the answers are then read with their member's customer id
and counted here, one lookup each (`results_of` does both steps for the adapters).

The NPS KPI of the goals' catalogue (analytics/kpi_catalogue.py) counts the same way over
every NPS survey's answers in a window (`nps_tally`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir

from patron.analytics.frames import Source
from patron.analytics.rfm import rfm
from patron.analytics.snapshot import Version
from patron.analytics.store import StoreAnalytics
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


def results_of(
    analytics: StoreAnalytics, version: Version, survey_id: int, by: str = "all"
) -> SurveyResults:
    """`survey_results` on the store, the RFM segments (by=rfm) scored first on the copy
    of `version` of its purchases (services.queries.data_version)."""
    segments = analytics.on_copy(version, rfm_segments) if by == "rfm" else None
    return analytics.run(lambda con: survey_results(con, survey_id, by, segments))


def rfm_segments(source: Source) -> dict[str, str]:
    """Each customer's RFM segment (analytics/rfm.py, as of the last purchase), by
    customer id; empty without purchases."""
    if int(source.purchases.count().execute()) == 0:
        return {}
    scores = rfm(source).select("customer_id", "segment").to_pyarrow()
    return dict(
        zip(
            scores.column("customer_id").to_pylist(),
            scores.column("segment").to_pylist(),
            strict=True,
        )
    )


def survey_results(
    con: ibis.BaseBackend,
    survey_id: int,
    by: str = "all",
    segments: Mapping[str, str] | None = None,
) -> SurveyResults:
    """The answers of survey `survey_id` counted by `by` (one of DIMENSIONS); by=rfm
    needs `segments`, each customer's RFM segment by customer id (`rfm_segments`)."""
    if by not in DIMENSIONS:
        raise InvalidInput(f"by: {by!r} is not one of {', '.join(DIMENSIONS)}")
    surveys = con.table("surveys")
    found = surveys.filter(surveys.id == survey_id).select("name", "kind").to_pyarrow().to_pylist()
    if not found:
        raise SurveyNotFound(f"no survey {survey_id}")
    kind = SurveyKind(str(found[0]["kind"]))
    r = con.table("survey_responses")
    answers = r.filter(r.survey_id == survey_id)
    if by == "rfm":
        if segments is None:
            raise ValueError("by=rfm needs the customers' segments (rfm_segments)")
        groups = _by_segment(con, answers, segments, kind)
    else:
        groups = _counted(_grouped(con, answers, by), kind)
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
    raise ValueError(f"no grouping in the store's engine by {by!r}")


def _by_segment(
    con: ibis.BaseBackend, answers: ir.Table, segments: Mapping[str, str], kind: SurveyKind
) -> list[GroupResult]:
    """The answers counted by their member's segment (NONE for a customer without one)."""
    members = con.table("members")
    read = (
        answers.join(members, answers.member_id == members.id)
        .select(customer_id=members.external_id, score=answers.score)
        .to_pyarrow()
    )
    top, bottom = TOP[kind], BOTTOM[kind]
    counts: dict[str, list[int]] = {}
    for customer, score in zip(
        read.column("customer_id").to_pylist(), read.column("score").to_pylist(), strict=True
    ):
        count = counts.setdefault(segments.get(customer, NONE), [0, 0, 0])
        count[0] += 1
        count[1] += score in top
        count[2] += score in bottom
    return [_result(group, Tally(*counts[group]), kind) for group in sorted(counts)]


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
        found.append(_result(group, tally, kind))
    return found


def _result(group: str, tally: Tally, kind: SurveyKind) -> GroupResult:
    middle = tally.answers - tally.top - tally.bottom
    return GroupResult(group, tally.answers, tally.top, middle, tally.bottom, tally.score(kind))
