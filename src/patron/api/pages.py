"""Pages of a list answer and the link to the next one.

Every list answer carries `next`: the path and query that read the page after it, or null
on the last page, so a client pages by following links and never builds a cursor itself.
The ledger and the audit trail page by entry id in the store (their `before` / `after`
stay as they are documented); the short lists (rewards, keys, acquisition spend) are read
whole, which their size allows, and paged here by the sort key of the last item sent:
an opaque `cursor`, so an item added between two pages neither repeats nor skips one."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, TypeVar

from fastapi import Query, Request

from patron.api.errors import ApiProblem

MAX_PAGE = 500

T = TypeVar("T")
SortKey = tuple[int | str, ...]

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="items per page")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=200,
        description="where the page starts: the `cursor` in the previous page's `next` link",
    ),
]


def next_link(request: Request, **params: str | int) -> str:
    """The request's own path and query with `params` replacing theirs."""
    url = request.url.include_query_params(**params)
    return f"{url.path}?{url.query}"


def encode(key: SortKey) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _refused() -> ApiProblem:
    return ApiProblem(
        422, "invalid_cursor", "cursor is not one this API sent: follow a page's `next` link"
    )


INVALID_CURSOR = _refused()  # the refusal as the OpenAPI document shows it


def _values(cursor: str) -> list[object]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise _refused() from None
    if not isinstance(values, list):
        raise _refused()
    return values


def decode(cursor: str, like: SortKey) -> SortKey:
    """The sort key a cursor carries, checked against the shape of `like` (422 otherwise:
    a cursor is only ever one this API sent)."""
    values = _values(cursor)
    if len(values) != len(like) or any(
        type(v) is not type(w) for v, w in zip(values, like, strict=True)
    ):
        raise _refused()
    return tuple(v for v in values if isinstance(v, int | str))


def page_of(
    items: Sequence[T],
    key: Callable[[T], SortKey],
    limit: int,
    cursor: str | None,
    request: Request,
) -> tuple[list[T], str | None]:
    """The items after the cursor's key, at most `limit`, and the link to the next page.

    `items` must be sorted by `key`, which must be unique."""
    rest = list(items)
    if cursor is not None:
        if rest:
            after = decode(cursor, key(rest[0]))
            rest = [i for i in rest if key(i) > after]
        else:
            _values(cursor)
    page = rest[:limit]
    more = len(rest) > limit
    return page, next_link(request, cursor=encode(key(page[-1]))) if more else None
