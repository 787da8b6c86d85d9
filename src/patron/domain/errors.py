"""Domain errors: each one names what was wrong so adapters can map it to a clear answer.

Adapters translate these into HTTP problem+json (api/errors.py) or CLI messages; the
`code` is stable and machine-readable, the message is for people.
"""

from __future__ import annotations


class PatronError(Exception):
    """Base of every error a user can cause and correct."""

    code = "patron_error"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidProgram(PatronError):
    code = "invalid_program"
    status = 422


class InvalidInput(PatronError):
    code = "invalid_input"
    status = 422


class NotFound(PatronError):
    code = "not_found"
    status = 404


class Conflict(PatronError):
    code = "conflict"
    status = 409


class InsufficientPoints(Conflict):
    code = "insufficient_points"

    def __init__(self, requested: int, available: int) -> None:
        super().__init__(f"{requested} points requested but only {available} are spendable")
        self.requested = requested
        self.available = available


class RewardUnavailable(Conflict):
    code = "reward_unavailable"


class NoProgram(PatronError):
    code = "no_program"
    status = 409

    def __init__(self) -> None:
        super().__init__(
            "no program is loaded: run `patron program load examples/program.toml` first"
        )
