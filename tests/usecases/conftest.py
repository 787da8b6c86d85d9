"""The use-case tests reuse the fixtures of the integration tests: `patron` (tests/conftest.py,
one store of each kind, SQLite and PostgreSQL, with examples/program.toml loaded) and
`verified` (after the test, every balance equals its ledger entries and its open lots).

Most files load a program of their own on top of the example (`PROGRAM`, at the top of the
file, through an autouse fixture that returns it parsed): the numbers a test expects follow
from the text a reader has in front of them, and a change to examples/program.toml leaves
the use-case tests alone.
"""

from tests.integration.conftest import verified  # noqa: F401 - shared with tests/integration
