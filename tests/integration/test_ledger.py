"""Every use case on SQLite and on PostgreSQL, with `verify` after each scenario."""

from __future__ import annotations

import pytest

from patron.domain.errors import (
    NoProgram,
)
from patron.services.commands import (
    Enroll,
)
from patron.services.enroll import enroll

pytestmark = pytest.mark.usefixtures("verified")


def test_nothing_works_without_a_program(store_kind: str, tmp_path, clock, request) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_patron

    empty = make_patron(store_kind, tmp_path / "empty", clock, request)
    try:
        with pytest.raises(NoProgram, match="^no program is loaded$"):
            empty.run(enroll, Enroll("c-1"))
    finally:
        empty.dispose()
