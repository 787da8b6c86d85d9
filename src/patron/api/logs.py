"""Log lines an operator's tools can read: one JSON object a line, each with the request id.

Design overview. Patron logs through the standard `logging` module only; this module gives
the process one handler on the root logger, on stderr, with either `JsonFormatter` (the
default, `PATRON_LOG_FORMAT=json`) or a plain text line (`text`). The id of the request
being served lives in a context variable that the request middleware sets
(observability.py); a filter on the handler copies it onto every record, so a line logged
anywhere while a request is served (a use case, SQLAlchemy, an error handler) carries the
id the client sent or was given back in `X-Request-ID`.

What a line may hold is decided where it is logged, not here: the access line names the
method, the route's template, the status, the duration and the request id, never a path
with ids in it, a query string, a body, an address or a key (docs/operations.md).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id: ContextVar[str | None] = ContextVar("patron_request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# the attributes every LogRecord has; anything else on a record came from `extra=`
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request id,
    process id, the fields passed with `extra=`, and the traceback of an exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or "-",
            "pid": record.process,  # which worker, under `patron serve --workers N`
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


_HANDLER_NAME = "patron"


def configure_logging(log_format: str = "json", level: str = "info") -> None:
    """Give the root logger Patron's one handler (replacing the one a previous call put
    there, so calling this twice does not double each line)."""
    if log_format not in ("json", "text"):
        raise ValueError(f"log format {log_format!r}: use json or text")
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())


# uvicorn's own access log (on when the app is served by `uvicorn` directly rather than
# by `patron serve`, which turns it off for the access line above) names the path, and a
# path names a member by Patron's id or by the business's own customer id, which may be an
# e-mail address (`/v1/members/ann@example.com/balance`); query strings carry more
# (`?by=external_id`, `?actor=`). Its lines get the path with the member's reference
# replaced and without the query: what operations need, and nothing about whom.

ACCESS_LOGGER = "uvicorn.access"
_MEMBER = re.compile(r"^/v1/members/[^/?]+")
HIDDEN = "/v1/members/~"


def redact_path(path: str) -> str:
    """`/v1/members/<ref>/balance?by=external_id` -> `/v1/members/~/balance`."""
    return _MEMBER.sub(HIDDEN, path.split("?", 1)[0])


class RedactMembers(logging.Filter):
    """Rewrites uvicorn's access records: (client, method, path, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact_path(args[2]), args[3], args[4])
        return True


def install_redaction() -> None:
    """Attach the filter to uvicorn's access logger once (it is process-wide)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactMembers) for f in logger.filters):
        logger.addFilter(RedactMembers())
