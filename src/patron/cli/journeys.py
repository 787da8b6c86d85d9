"""`patron journeys …`: the triggered journeys the program switches on, their messages'
counts, and the run of the time-driven ones (docs/journeys.md).

`patron journeys run` is what the worker does every `[journeys] run_every_minutes`; run
from cron instead (or as well), it enqueues nothing twice: each message's key names the
lapse or the birthday it is for.
"""

from __future__ import annotations

from typing import Annotated

import typer

from patron.cli.cards import FormatOpt, _emit
from patron.cli.common import (
    DbOption,
    guard,
    open_patron,
    out,
    parse_as_of,
    progress,
    refuse_future_as_of,
)

journeys_app = typer.Typer(
    help="Triggered journeys: welcome, expiry, tier change, birthday, win-back, survey.",
    no_args_is_help=True,
)


@journeys_app.command("list")
def list_(fmt: FormatOpt = "table", database_url: DbOption = None) -> None:
    """Every journey: on or off in the program, its trigger, its messages by status."""
    from patron.services.journeys import journeys

    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(journeys))
    rows = [
        {
            "journey": j.name,
            "on": "yes" if j.enabled else "no",
            "trigger": j.trigger,
            "queued": j.counts.get("queued", 0),
            "sent": j.counts.get("sent", 0),
            "refused": j.counts.get("refused", 0),
            "settings": " ".join(f"{k}={v}" for k, v in j.settings.items()),
        }
        for j in found
    ]
    _emit(rows, fmt, "Journeys")


@journeys_app.command("run")
def run(
    as_of: Annotated[
        str | None, typer.Option(help="the day to run for (YYYY-MM-DD; default: now)")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="members per transaction")] = 1000,
    force: Annotated[bool, typer.Option(help="allow an --as-of later than now")] = False,
    database_url: DbOption = None,
) -> None:
    """Run the time-driven journeys (win-back, birthday) now: enqueue their messages,
    one transaction per page of members. Run again, it adds nothing."""
    from patron.services.journey_scan import RunJourneys, run_journeys
    from patron.worker import p_alive_for

    moment = parse_as_of(as_of)
    refuse_future_as_of(as_of, moment, force, "it would send win-back messages early")
    with open_patron(database_url) as patron:
        alive = guard(lambda: p_alive_for(patron))
        command = RunJourneys(moment, alive, batch_size)
        with progress() as bar:
            task = bar.add_task("members read", total=None)
            done = guard(
                lambda: run_journeys(
                    patron.new_uow, command, lambda n: bar.update(task, completed=n)
                )
            )
    if not done.queued and not done.refused:
        out.print("no time-driven journey is on in the program, or none was due", highlight=False)
    for name in sorted(done.queued.keys() | done.refused.keys()):
        queued, refused = done.queued.get(name, 0), done.refused.get(name, 0)
        out.print(f"{name}: {queued} queued, {refused} refused", highlight=False)
