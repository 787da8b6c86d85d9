"""`patron surveys …`: NPS and CSAT surveys: make, list, close and open one, a member's
link, the latest answers and the results by group (docs/surveys.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from patron.cli.cards import FormatOpt, _emit
from patron.cli.common import DbOption, cli_actor, guard, load_settings, open_patron

surveys_app = typer.Typer(
    help="Satisfaction surveys (NPS, CSAT): make, invite, answers, results.",
    no_args_is_help=True,
)
SurveyArg = Annotated[int, typer.Argument(help="the survey's id", min=1)]


def _plain(value: Any) -> Any:
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else value


@surveys_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="a unique name: what it asks about")],
    kind: Annotated[str, typer.Option("--kind", help="nps (0–10) or csat (1–5)")],
    question: Annotated[str, typer.Option("--question", help="the question in English")],
    question_ro: Annotated[str, typer.Option("--question-ro", help="in Romanian")] = "",
    comment: Annotated[str, typer.Option("--comment", help="a comment's question")] = "",
    comment_ro: Annotated[str, typer.Option("--comment-ro", help="in Romanian")] = "",
    after_purchase: Annotated[
        bool, typer.Option("--after-purchase", help="the survey the purchase journey sends")
    ] = False,
    database_url: DbOption = None,
) -> None:
    """Make a survey, open. Audited."""
    from patron.services.surveys import AddSurvey, add_survey

    command = AddSurvey(
        name,
        kind,
        {"en": question, "ro": question_ro},
        cli_actor(),
        {"en": comment, "ro": comment_ro},
        after_purchase,
    )
    with open_patron(database_url) as patron:
        survey = guard(lambda: patron.run(add_survey, command))
    typer.echo(f"survey {survey.id}: {survey.name} ({survey.kind}), open")


@surveys_app.command("list")
def list_(fmt: FormatOpt = "table", database_url: DbOption = None) -> None:
    """Every survey, open and closed."""
    from patron.services.surveys import all_surveys

    with open_patron(database_url) as patron:
        found = patron.read(all_surveys)
    rows = [
        {
            "id": s.id,
            "name": s.name,
            "kind": str(s.kind),
            "question": s.question["en"],
            "after_purchase": s.after_purchase,
            "active": s.active,
            "created_at": _plain(s.created_at),
            "created_by": s.created_by,
        }
        for s in found
    ]
    _emit(rows, fmt, "Surveys")


def _set(survey: int, active: bool, database_url: str | None) -> None:
    from patron.services.surveys import SetSurveyState, set_survey_state

    with open_patron(database_url) as patron:
        found = guard(
            lambda: patron.run(set_survey_state, SetSurveyState(survey, active, cli_actor()))
        )
    typer.echo(f"survey {found.id}: {'open' if found.active else 'closed'}")


@surveys_app.command("close")
def close(survey: SurveyArg, database_url: DbOption = None) -> None:
    """Close a survey: its links take no more answers. Audited."""
    _set(survey, False, database_url)


@surveys_app.command("open")
def open_(survey: SurveyArg, database_url: DbOption = None) -> None:
    """Open a closed survey again. Audited."""
    _set(survey, True, database_url)


@surveys_app.command("invite")
def invite(
    survey: SurveyArg,
    member: Annotated[int, typer.Argument(help="Patron's id of the member", min=1)],
    purchase: Annotated[
        int | None, typer.Option("--purchase", help="the purchase that prompted it", min=1)
    ] = None,
    database_url: DbOption = None,
) -> None:
    """Print the member's link (PATRON_PUBLIC_URL + path), the same every time."""
    from patron.services import surveys as uc

    base = load_settings().public_url or ""
    with open_patron(database_url) as patron:
        found = guard(
            lambda: patron.run(
                lambda uow, _: uc.invite(uow, survey, member, purchase, public_url=base), None
            )
        )
    typer.echo(found.url)


@surveys_app.command("responses")
def responses(
    survey: SurveyArg,
    limit: Annotated[int, typer.Option(help="at most this many, newest first", min=1)] = 100,
    fmt: FormatOpt = "table",
    database_url: DbOption = None,
) -> None:
    """The latest answers with their context."""
    from patron.services.surveys import latest_responses

    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(latest_responses, survey, limit))
    rows = [
        {
            "id": r.id,
            "member_id": r.member_id,
            "purchase_id": r.purchase_id,
            "score": r.score,
            "comment": r.comment,
            "responded_at": _plain(r.responded_at),
            "shop": r.shop,
            "tier": r.tier,
        }
        for r in found
    ]
    _emit(rows, fmt, "Answers")


@surveys_app.command("results")
def results(
    survey: SurveyArg,
    by: Annotated[str, typer.Option("--by", help="all, tier, rfm, club, month or shop")] = "all",
    fmt: FormatOpt = "table",
    database_url: DbOption = None,
) -> None:
    """Answers counted by group with NPS (% 9–10 − % 0–6) or CSAT (% 4–5)."""
    from patron.analytics.surveys import results_of
    from patron.services.queries import data_version

    with open_patron(database_url) as patron:
        found = guard(lambda: results_of(patron.analytics(), patron.read(data_version), survey, by))
    score = "nps" if found.kind == "nps" else "csat"
    rows = [
        {
            "group": g.group,
            "answers": g.answers,
            "top": g.top,
            "middle": g.middle,
            "bottom": g.bottom,
            score: None if g.score is None else round(g.score, 1),
        }
        for g in found.groups
    ]
    _emit(rows, fmt, f"{found.name} ({found.kind}) by {by}")
