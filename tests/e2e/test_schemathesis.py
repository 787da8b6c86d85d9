"""Property-based fuzzing of the whole API from its OpenAPI schema: no input gives a 5xx.

Every operation of the schema gets a bounded number of generated requests (valid and
invalid bodies, headers, path and query values), sent with an admin key on each store.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from patron.api.app import create_app
from patron.bootstrap import Patron
from tests.conftest import new_key
from tests.integration.helpers import buy, member

EXAMPLES_PER_OPERATION = 40


def test_no_generated_request_makes_the_server_fail(patron: Patron) -> None:
    # given a little data, so that generated ids sometimes hit real records
    mid = member(patron, "c-1")
    buy(patron, mid, "o-1", ("A", "books", 2, "10.00"))
    headers = {"Authorization": f"Bearer {new_key(patron, 'admin')}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(patron))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        fuzz()
