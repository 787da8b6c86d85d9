"""`patron member …`: a member's personal data, exported or erased (docs/privacy.md).

A member is named as in the API: Patron's id when the argument is a number, else the
business's external id (`--by external_id` forces the latter for a numeric one).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from patron.cli.common import DbOption, cli_actor, err, guard, open_patron, out

if TYPE_CHECKING:
    from patron.bootstrap import Patron
    from patron.services.commands import MemberRef

member_app = typer.Typer(
    help="A member's personal data: export, erase, birthday.", no_args_is_help=True
)

MemberArg = Annotated[str, typer.Argument(help="Patron's member id, or the external id")]
ByOption = Annotated[
    Literal["id", "external_id"] | None,
    typer.Option(help="how to read MEMBER: id or external_id (default: by its form)"),
]


def _ref(member: str, by: Literal["id", "external_id"] | None) -> MemberRef:
    from patron.services.commands import MemberRef

    return MemberRef.named(member, by)


def _scores(patron: Patron) -> Any:
    """The function that gives a member's segment and scores, fitted on the store."""
    from functools import partial

    from patron.analytics.frames import from_store
    from patron.analytics.insights import CustomerBase, member_scores

    now = patron.clock()
    return partial(
        member_scores,
        lambda: patron.analytics().run(lambda con: CustomerBase.fit(from_store(con), now)),
    )


def _no_scores(_: str) -> dict[str, Any]:
    return {"available": False, "note": "not computed: the export was run with --no-scores"}


@member_app.command("export")
def export(
    member: MemberArg,
    by: ByOption = None,
    output: Annotated[
        Path | None, typer.Option("--out", help="write the JSON here (mode 600), not to stdout")
    ] = None,
    scores: Annotated[
        bool, typer.Option(help="fit the segment and lifetime models for the export")
    ] = True,
    database_url: DbOption = None,
) -> None:
    """Everything held about a member as one JSON document (GDPR Articles 15 and 20)."""
    from patron.services.export import export_member

    ref = _ref(member, by)
    with open_patron(database_url) as patron:
        scoring = _scores(patron) if scores else _no_scores
        document = guard(lambda: patron.read(export_member, ref, scoring))
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    # personal data: readable by the owner only, from the moment the file exists
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that existed keeps its mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    err.print(f"member {document['member']['id']} exported to {output}", soft_wrap=True)


@member_app.command("erase")
def erase(
    member: MemberArg,
    reason: Annotated[str, typer.Option(help="why (audited); write no personal data here")],
    by: ByOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
    database_url: DbOption = None,
) -> None:
    """Erase a member's personal data (GDPR Article 17). Final; audited; the books stay."""
    from patron.services.commands import EraseMember
    from patron.services.privacy import erase_member

    if not yes:
        typer.confirm(
            f"Erase the personal data of member {member}? This cannot be undone", abort=True
        )
    command = EraseMember(_ref(member, by), reason, cli_actor())
    with open_patron(database_url) as patron:
        done = guard(lambda: patron.run(erase_member, command))
    out.print(
        f"member {done.member_id} erased: now known as {done.external_id};"
        f" {done.balance} points stay on the books until they expire",
        highlight=False,
    )
