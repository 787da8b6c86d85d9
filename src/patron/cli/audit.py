"""`patron audit`: read the audit trail (who changed what by hand, when and why)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

import typer

from patron.cli.common import DbOption, err, guard, open_patron, out
from patron.domain.clock import to_utc_naive


def audit(
    actor: Annotated[str | None, typer.Option(help="e.g. cli:alice or apikey:ops")] = None,
    action: Annotated[
        str | None, typer.Option(help="e.g. points.adjusted, program.loaded, apikey.revoked")
    ] = None,
    member: Annotated[int | None, typer.Option(help="a member id")] = None,
    since: Annotated[str | None, typer.Option(help="from this date or time (UTC)")] = None,
    until: Annotated[str | None, typer.Option(help="before this date or time (UTC)")] = None,
    after: Annotated[int, typer.Option(help="start after this entry id", min=0)] = 0,
    limit: Annotated[int, typer.Option(help="entries to show (1-500)")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
    database_url: DbOption = None,
) -> None:
    """Show audited actions (adjustments, program loads, key changes, cancellations),
    oldest first."""
    from rich.table import Table

    from patron.domain.audit import AuditQuery
    from patron.services.audit import audit_trail

    query = AuditQuery(
        actor=actor,
        action=action,
        member_id=member,
        since=_moment("--since", since),
        until=_moment("--until", until),
        after=after,
        limit=limit,
    )
    with open_patron(database_url) as patron:
        page = guard(lambda: patron.read(audit_trail, query))
    if as_json:
        for e in page.entries:
            row = {**asdict(e), "at": e.at.isoformat()}
            out.print(json.dumps(row, default=str), soft_wrap=True, highlight=False)
        return
    table = Table("id", "at (UTC)", "actor", "action", "member", "reason", "details")
    for e in page.entries:
        table.add_row(
            str(e.id),
            e.at.isoformat(sep=" ", timespec="seconds"),
            e.actor,
            e.action,
            "" if e.member_id is None else str(e.member_id),
            e.reason or "",
            json.dumps(e.details, default=str),
        )
    out.print(table)
    if page.next_after is not None:
        out.print(f"more entries follow: patron audit --after {page.next_after}")


def _moment(option: str, text: str | None) -> datetime | None:
    """A --since/--until value as naive UTC; a bad one ends the command with exit code 2."""
    if text is None:
        return None
    try:
        return to_utc_naive(datetime.fromisoformat(text))
    except ValueError:
        err.print(f"[red]error:[/red] {option} {text!r} is not a date or time (YYYY-MM-DD)")
        raise typer.Exit(2) from None
