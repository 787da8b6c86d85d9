"""`patron user …`: the staff who log in to the console, each with a role (docs/staff.md).

A generated password goes alone to stdout, once, so a script can capture it; notes go to
stderr. A chosen password is read from stdin (`--password-stdin`), never from the command
line, where other users of the machine and the shell's history would see it."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from patron.cli.common import DbOption, cli_actor, err, guard, open_patron, out
from patron.domain.clock import utcnow

if TYPE_CHECKING:
    from patron.domain.staff import StaffUser
    from patron.services.staff import Created

user_app = typer.Typer(help="Staff users of the console, with their roles.", no_args_is_help=True)

EmailArg = Annotated[str, typer.Argument(help="the person's e-mail: their login name")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="read the password from the first line of stdin (default: generate one and"
        " print it once)",
    ),
]


@user_app.command("create")
def user_create(
    email: EmailArg,
    role: Annotated[str, typer.Option(help="owner, marketer or analyst (reads only)")],
    name: Annotated[str | None, typer.Option(help="the person's name, as pages show it")] = None,
    password_stdin: PasswordStdin = False,
    database_url: DbOption = None,
) -> None:
    """Create a staff user; a generated password is printed once."""
    from patron.services.staff import NewUser, create_user

    new = NewUser(email, role, name, _stdin_password() if password_stdin else None)
    with open_patron(database_url) as patron:
        created = guard(lambda: patron.run(lambda uow, n: create_user(uow, n, cli_actor()), new))
    _shown_once(created, f"created {created.user.email} ({created.user.role.value})")


@user_app.command("list")
def user_list(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
    database_url: DbOption = None,
) -> None:
    """List staff users with their role and state (never their passwords)."""
    from patron.services.staff import list_users

    with open_patron(database_url) as patron:
        users = patron.read(list_users)
    if as_json:
        for user in users:
            out.print(json.dumps(_row(user)), soft_wrap=True, highlight=False)
        return
    table = Table("email", "name", "role", "state", "last login (UTC)")
    for user in users:
        table.add_row(
            user.email, user.name or "", user.role.value, _state(user), _when(user.last_login_at)
        )
    out.print(table)


@user_app.command("role")
def user_role(
    email: EmailArg,
    role: Annotated[str, typer.Argument(help="owner, marketer or analyst")],
    database_url: DbOption = None,
) -> None:
    """Change a user's role (the last active owner stays an owner)."""
    from patron.services.staff import set_role

    with open_patron(database_url) as patron:
        user = guard(lambda: patron.run(lambda uow, e: set_role(uow, e, role, cli_actor()), email))
    out.print(f"{user.email} is now {user.role.value}", highlight=False)


@user_app.command("password")
def user_password(
    email: EmailArg, password_stdin: PasswordStdin = False, database_url: DbOption = None
) -> None:
    """Set a new password (generated and printed once unless --password-stdin); it also
    lifts a lock set by wrong passwords."""
    from patron.services.staff import set_password

    chosen = _stdin_password() if password_stdin else None
    with open_patron(database_url) as patron:
        created = guard(
            lambda: patron.run(lambda uow, e: set_password(uow, e, chosen, cli_actor()), email)
        )
    _shown_once(created, f"set a new password for {created.user.email}")


@user_app.command("disable")
def user_disable(email: EmailArg, database_url: DbOption = None) -> None:
    """Stop a user from logging in; what they did stays in the audit log under their name."""
    from patron.services.staff import disable_user

    with open_patron(database_url) as patron:
        user = guard(lambda: patron.run(lambda uow, e: disable_user(uow, e, cli_actor()), email))
    out.print(f"{user.email} is disabled", highlight=False)


@user_app.command("enable")
def user_enable(email: EmailArg, database_url: DbOption = None) -> None:
    """Let a disabled user log in again."""
    from patron.services.staff import enable_user

    with open_patron(database_url) as patron:
        user = guard(lambda: patron.run(lambda uow, e: enable_user(uow, e, cli_actor()), email))
    out.print(f"{user.email} is enabled", highlight=False)


def _stdin_password() -> str:
    line = sys.stdin.readline()
    if not line:
        err.print("[red]error:[/red] --password-stdin: stdin is empty")
        raise typer.Exit(2)
    return line.rstrip("\r\n")


def _shown_once(created: Created, note: str) -> None:
    if created.password is not None:
        sys.stdout.write(created.password + "\n")
        err.print(f"{note}; the password above is shown once", highlight=False)
    else:
        err.print(note, highlight=False)


def _row(user: StaffUser) -> dict[str, object]:
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "state": _state(user),
        "created_at": user.created_at.isoformat(),
        "last_login_at": None if user.last_login_at is None else user.last_login_at.isoformat(),
    }


def _state(user: StaffUser) -> str:
    if user.disabled_at is not None:
        return "disabled"
    if user.locked(utcnow()):
        return "locked"
    return "active"


def _when(at: datetime | None) -> str:
    return "" if at is None else at.isoformat(sep=" ", timespec="seconds")
