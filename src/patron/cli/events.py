"""`patron events …` and `patron early-access check`: events with seats (list, show with
the attendees and the waiting list, RSVP, cancel, check in at the door) and whether a
member may buy an early-access offer now (docs/rewards.md, "Events"; docs/program.md,
"Early access").

Each command runs the use cases of services/events.py and services/early_access.py, as
the API does; a cancellation and a check-in are audited with the CLI's actor.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from patron.cli.common import DbOption, cli_actor, guard, open_patron, out
from patron.cli.rewards import FormatOption, _emit

if TYPE_CHECKING:
    from patron.services.events import RsvpView

events_app = typer.Typer(
    help="Events with seats: list, show, rsvp, cancel, checkin.", no_args_is_help=True
)
early_access_app = typer.Typer(help="Early access offers: check.", no_args_is_help=True)

EventArg = Annotated[str, typer.Argument(help="the event's reward id")]
RsvpArg = Annotated[int, typer.Argument(help="the RSVP's id", min=1)]
MemberArg = Annotated[str, typer.Argument(help="Patron's member id, or the external id")]
ByOption = Annotated[
    Literal["id", "external_id"] | None,
    typer.Option(help="how to read MEMBER: id or external_id (default: by its form)"),
]
RSVP_COLUMNS = [
    "id",
    "member_id",
    "state",
    "place_in_line",
    "points",
    "cost",
    "redemption_id",
    "created_at",
    "reason",
]


def _when(moment: Any) -> str | None:
    return moment.isoformat(sep=" ", timespec="seconds") if moment is not None else None


def _rsvp_row(r: RsvpView) -> dict[str, Any]:
    return {
        "id": r.id,
        "member_id": r.member_id,
        "state": r.state,
        "place_in_line": r.place_in_line,
        "points": r.points,
        "cost": str(r.cost),
        "redemption_id": r.redemption_id,
        "created_at": _when(r.created_at),
        "reason": r.reason,
    }


def _said(r: RsvpView) -> str:
    if r.state == "waiting":
        where = f"#{r.place_in_line} in line"
        return f"RSVP {r.id}: member {r.member_id} waiting for {r.reward_id!r}, {where}"
    paid = f", {r.points} points" if r.points else (", free" if r.state == "attending" else "")
    text = f"RSVP {r.id}: member {r.member_id} {r.state} at {r.reward_id!r}{paid}"
    if r.promoted:
        text += f"; seated from the line: {', '.join(map(str, r.promoted))}"
    if r.skipped:
        text += f"; skipped: {', '.join(map(str, r.skipped))}"
    return text


@events_app.command("list")
def list_cmd(fmt: FormatOption = "table", database_url: DbOption = None) -> None:
    """The events not yet begun, soonest first, with the seats left and the line."""
    from patron.services.events import upcoming_events

    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(upcoming_events))
    rows = [
        {
            "reward_id": e.reward_id,
            "name": e.name,
            "starts_at": _when(e.starts_at),
            "place": e.place,
            "capacity": e.capacity,
            "taken": e.taken,
            "waiting": e.waiting,
            "points": e.points,
            "free_for": ",".join(e.free_for),
        }
        for e in found
    ]
    columns = ["reward_id", "name", "starts_at", "place", "capacity", "taken", "waiting"]
    _emit(rows, [*columns, "points", "free_for"], fmt, "events")


@events_app.command("show")
def show(event: EventArg, fmt: FormatOption = "table", database_url: DbOption = None) -> None:
    """An event's RSVPs: the attendees, the waiting list in order, those given up."""
    from patron.services.events import event_detail

    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(event_detail, event))
    e = found.event
    if fmt != "json":
        out.print(
            f"{e.name} ({e.reward_id}), {_when(e.starts_at)} at {e.place or '?'}:"
            f" {e.taken} of {e.capacity} seats taken, {e.waiting} waiting",
            highlight=False,
        )
    rows = [_rsvp_row(r) for r in (*found.attendees, *found.waiting, *found.others)]
    _emit(rows, RSVP_COLUMNS, fmt, "RSVPs")


@events_app.command("rsvp")
def rsvp_cmd(
    event: EventArg, member: MemberArg, by: ByOption = None, database_url: DbOption = None
) -> None:
    """RSVP for a member: a seat (paid in points, or free for the tier) or a place in line."""
    from patron.services.commands import MemberRef
    from patron.services.events import RsvpTo, rsvp

    command = RsvpTo(MemberRef.named(member, by), event)
    with open_patron(database_url) as patron:
        done = guard(lambda: patron.run(rsvp, command))
    out.print(_said(done), highlight=False)


@events_app.command("cancel")
def cancel_cmd(
    rsvp_id: RsvpArg,
    reason: Annotated[str | None, typer.Option(help="a note for the audit log")] = None,
    database_url: DbOption = None,
) -> None:
    """Give up a seat (its points back) or a place in line; the seat goes to the next."""
    from patron.services.events import CancelRsvp, cancel_rsvp

    command = CancelRsvp(rsvp_id, cli_actor(), reason)
    with open_patron(database_url) as patron:
        done = guard(lambda: patron.run(cancel_rsvp, command))
    out.print(_said(done), highlight=False)


@events_app.command("checkin")
def checkin_cmd(rsvp_id: RsvpArg, database_url: DbOption = None) -> None:
    """Check an attending member in at the door; audited."""
    from patron.services.events import CheckIn, check_in

    with open_patron(database_url) as patron:
        done = guard(lambda: patron.run(check_in, CheckIn(rsvp_id, cli_actor())))
    out.print(_said(done), highlight=False)


@early_access_app.command("check")
def check(
    member: MemberArg,
    offer: Annotated[str, typer.Argument(help="the offer's id ([[early_access]] in the program)")],
    by: ByOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the answer as JSON")] = False,
    database_url: DbOption = None,
) -> None:
    """Whether a member may buy an early-access offer now, and why (exit 0 either way)."""
    from patron.services.commands import MemberRef
    from patron.services.early_access import check_early_access

    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(check_early_access, MemberRef.named(member, by), offer))
    if as_json:
        answer = {
            "offer_id": found.offer_id,
            "member_id": found.member_id,
            "allowed": found.allowed,
            "reason": found.reason.value,
            "opens_at": _when(found.opens_at),
            "opens_to_all_at": _when(found.opens_to_all_at),
        }
        typer.echo(json.dumps(answer))
        return
    word = "allowed" if found.allowed else "not allowed"
    out.print(
        f"member {found.member_id}: {offer!r} {word} ({found.reason.value}); early from"
        f" {_when(found.opens_at)}, to all from {_when(found.opens_to_all_at)}",
        highlight=False,
    )
