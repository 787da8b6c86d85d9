"""What the pages take from the app a request reached: the Patron instance, the objects
made once per app on first use (session signers, the login throttle), and whether the
page came over HTTPS (the cookies' Secure flag)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from patron.bootstrap import Patron

T = TypeVar("T")


def patron_of(request: Request) -> Patron:
    patron: Patron = request.app.state.patron
    return patron


def held(request: Request, name: str, make: Callable[[], T]) -> T:
    """The app's `name`, made by `make` the first time it is asked for: building the app
    touches no database, and every request after the first shares the one made."""
    state: Any = request.app.state
    found: T | None = getattr(state, name, None)
    if found is None:
        found = make()
        setattr(state, name, found)
    return found


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"
