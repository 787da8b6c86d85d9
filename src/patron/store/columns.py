"""What the store's columns can hold, for the readers that refuse a row before it reaches
them: the tables are the one source of the lengths (store/tables.py)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import String

from patron.store import tables as t


def longest_text(table: str, column: str) -> int:
    """The most characters `table.column`, a text column, keeps."""
    kind = t.metadata.tables[table].c[column].type
    if not isinstance(kind, String) or kind.length is None:
        raise ValueError(f"{table}.{column} is not a text column of bounded length")
    return kind.length


def longest_texts(fields: Mapping[str, tuple[str, str]]) -> dict[str, int]:
    """Per field of a file, the most characters of the (table, column) that keeps it."""
    return {name: longest_text(table, column) for name, (table, column) in fields.items()}
