"""Ledger rules that mutation testing found unguarded (docs/testing.md), on both stores:
a one-point debt, an upgrade from the second tier to the top, refund amounts of several
lines and of lines of different quantities, a return of nothing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("verified")


