"""Where each field of a purchase is in a file's header (`--map field=Column`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from patron.domain.errors import InvalidInput
from patron.domain.purchase_columns import OPTIONAL, REQUIRED
from patron.files.text import DELIMITERS


def columns_of(
    path: Path,
    header: Sequence[str],
    mapping: dict[str, str],
    known: Sequence[str] = REQUIRED + OPTIONAL,
) -> dict[str, int]:
    """The position of each field of `known` the header has (a field is the column of
    its own name unless `mapping` names another); a missing required column, or a
    mapping of a field not in `known`, refuses the file. A unit price stands in for the
    amount (the amount is then quantity × unit price)."""
    unknown = set(mapping) - set(known)
    if unknown:
        raise InvalidInput(
            f"--map names unknown fields {sorted(unknown)}; known: {', '.join(known)}"
        )
    columns = {f: mapping.get(f, f) for f in known}
    missing = [f"{f} (column {columns[f]!r})" for f in REQUIRED if columns[f] not in header]
    if "amount" in [m.split(" ")[0] for m in missing] and columns["unit_price"] in header:
        missing = [m for m in missing if not m.startswith("amount")]
    if missing:
        raise InvalidInput(
            f"{path}: line 1: missing required columns {', '.join(missing)};"
            f" the header has {list(header)}. Use --map field=Column to rename."
            + _delimiter_hint(header)
        )
    return {f: list(header).index(c) for f, c in columns.items() if c in header}


def _delimiter_hint(header: Sequence[str]) -> str:
    """A header read as one column that holds another delimiter was split wrong."""
    if len(header) != 1:
        return ""
    inside = [d for d in DELIMITERS if d in header[0]]
    if not inside:
        return ""
    shown = "tab" if inside[0] == "\t" else repr(inside[0])
    return f" The header is one column holding {shown}: give --delimiter {shown}."
