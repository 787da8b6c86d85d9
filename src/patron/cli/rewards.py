"""`patron vouchers …`, `patron rewards …`, `patron causes`: a reward's fulfilment at the
desk (docs/rewards.md): a voucher checked and used, the stock left, the gifts and services
waiting to be handed over, and what members gave to the causes.

Each command reads or runs the use cases of services/fulfil.py, as the API does; a use or
a hand-over is audited with the CLI's actor (`cli:<user>`).
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from patron.cli.common import DbOption, cli_actor, guard, open_patron, out

if TYPE_CHECKING:
    from patron.services.fulfil import Voucher

vouchers_app = typer.Typer(help="Vouchers at the till: show, use.", no_args_is_help=True)
rewards_app = typer.Typer(
    help="The rewards' stock and the gifts and services to hand over.", no_args_is_help=True
)

FormatOption = Annotated[str, typer.Option("--format", help="table, csv or json")]
FORMATS = ("table", "csv", "json")


def _emit(rows: list[dict[str, Any]], columns: list[str], fmt: str, title: str) -> None:
    """Rows as a table, CSV or JSON (`{"count", "data"}`); an unknown format exits 2."""
    if fmt not in FORMATS:
        out.print(f"error: --format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        raise typer.Exit(2)
    if fmt == "json":
        typer.echo(json.dumps({"count": len(rows), "data": rows}, default=str))
        return
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.DictWriter(text, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(text.getvalue(), nl=False)
        return
    from rich.table import Table

    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    out.print(table)


def _voucher_row(v: Voucher) -> dict[str, Any]:
    return {
        "code": v.code,
        "redemption_id": v.redemption_id,
        "member_id": v.member_id,
        "reward_id": v.reward_id,
        "kind": v.kind,
        "state": v.state,
        "created_at": v.created_at.isoformat(sep=" ", timespec="seconds"),
        "expires_at": v.expires_at.isoformat(sep=" ", timespec="seconds") if v.expires_at else None,
        "used_at": v.used_at.isoformat(sep=" ", timespec="seconds") if v.used_at else None,
    }


VOUCHER_COLUMNS = [
    "code",
    "redemption_id",
    "member_id",
    "reward_id",
    "kind",
    "state",
    "created_at",
    "expires_at",
    "used_at",
]

CodeArg = Annotated[str, typer.Argument(help="the voucher's code (case and dashes do not matter)")]


@vouchers_app.command("show")
def show(code: CodeArg, fmt: FormatOption = "table", database_url: DbOption = None) -> None:
    """A voucher as it stands: issued, used, handed_over, expired or cancelled."""
    from patron.services.fulfil import check

    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(check, code))
    _emit([_voucher_row(found)], VOUCHER_COLUMNS, fmt, "voucher")


@vouchers_app.command("use")
def use_cmd(
    code: CodeArg,
    transaction: Annotated[
        str | None,
        typer.Option("--transaction", help="the till's sale (a resend answers the same)"),
    ] = None,
    database_url: DbOption = None,
) -> None:
    """Use a voucher once (a gift or service: hand it over); audited."""
    from patron.services.fulfil import UseVoucher, use

    command = UseVoucher(code, transaction, cli_actor())
    with open_patron(database_url) as patron:
        done = guard(lambda: patron.run(use, command))
    again = " (already, by this transaction)" if done.repeated else ""
    out.print(
        f"voucher {done.grouped_code} {done.state.replace('_', ' ')}{again}: reward"
        f" {done.reward_id!r}, redemption {done.redemption_id}, member {done.member_id}",
        highlight=False,
    )


@rewards_app.command("stock")
def stock(fmt: FormatOption = "table", database_url: DbOption = None) -> None:
    """The active catalog with the stock left of each reward (empty: no limit)."""
    from patron.services.queries import active_rewards

    with open_patron(database_url) as patron:
        catalog = guard(lambda: patron.read(active_rewards))
    rows = [
        {"reward_id": r.id, "name": r.name, "kind": r.kind, "points": r.points, "stock": r.stock}
        for r in catalog
    ]
    _emit(rows, ["reward_id", "name", "kind", "points", "stock"], fmt, "stock")


@rewards_app.command("queue")
def queue(fmt: FormatOption = "table", database_url: DbOption = None) -> None:
    """Gifts and services redeemed and not yet handed over, oldest first."""
    from patron.services.fulfil import waiting

    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(waiting))
    _emit([_voucher_row(v) for v in found], VOUCHER_COLUMNS, fmt, "to hand over")


@rewards_app.command("fulfil")
def fulfil(
    redemption: Annotated[int, typer.Argument(help="the redemption's id", min=1)],
    reason: Annotated[str | None, typer.Option(help="a note for the audit log")] = None,
    database_url: DbOption = None,
) -> None:
    """Mark a redemption's gift or service handed over (a discount: its voucher used); audited."""
    from patron.services.fulfil import HandOver, hand_over

    command = HandOver(redemption, cli_actor(), reason)
    with open_patron(database_url) as patron:
        done = guard(lambda: patron.run(hand_over, command))
    out.print(
        f"redemption {done.redemption_id}: {done.reward_id!r} {done.state.replace('_', ' ')}",
        highlight=False,
    )


def causes(fmt: FormatOption = "table", database_url: DbOption = None) -> None:
    """What members gave to each cause: donations, points, members, cost to the business."""
    from patron.services.fulfil import cause_totals

    with open_patron(database_url) as patron:
        totals = guard(lambda: patron.read(cause_totals))
    rows = [
        {
            "reward_id": c.reward_id,
            "name": c.name,
            "donations": c.donations,
            "points": c.points,
            "members": c.members,
            "cost": str(c.cost),
        }
        for c in totals
    ]
    _emit(rows, ["reward_id", "name", "donations", "points", "members", "cost"], fmt, "causes")
