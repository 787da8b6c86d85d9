"""Access logs without personal data: the member a path names is not written to the log.

uvicorn logs every request line. A member is addressed by Patron's id or by the
business's own customer id (`/v1/members/ann@example.com/balance`), which may be an
e-mail address, and query strings carry more (`?by=external_id`, `?actor=`). So the
access log gets the path with the member's reference replaced and without the query,
which is what operations need (method, route, status, timing) and nothing about whom.
"""

from __future__ import annotations

import logging
import re

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


def install() -> None:
    """Attach the filter to uvicorn's access logger once (it is process-wide)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactMembers) for f in logger.filters):
        logger.addFilter(RedactMembers())
