"""How the command line words the domain's errors, and the exit code it leaves with.

The domain's errors carry facts (domain/errors.py); the CLI adds what a person at the
terminal can do about them, which is not what an API client can do (api/errors.py).
"""

from __future__ import annotations

from patron.domain.errors import NoProgram, PatronError

# Every error a user can cause and correct ends the command with this code.
EXIT_CODE = 2


def cli_message(exc: PatronError) -> str:
    """The message the CLI prints for `exc` (after "error: ")."""
    if isinstance(exc, NoProgram):
        return f"{exc.message}: run `patron program load examples/program.toml` first"
    return exc.message
