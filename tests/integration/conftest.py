"""Fixtures shared by the integration tests: the books checked after a test, and the HTTP
clients of tests/e2e for the tests that drive a use case through the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from patron.bootstrap import Patron
from tests.e2e.conftest import admin, client, pos  # noqa: F401 - shared HTTP fixtures
from tests.integration.helpers import assert_verified


@pytest.fixture
def verified(patron: Patron) -> Iterator[None]:
    """Use with `pytestmark = pytest.mark.usefixtures("verified")`: after the test, every
    balance equals its ledger entries and its open lots (`patron verify`)."""
    yield
    assert_verified(patron)
