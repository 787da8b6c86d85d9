"""What the pages take from the app a request reached: the Patron instance, the objects
made once per app on first use (session signers, the login throttle), the figures held
for the current version of the data, and whether the page came over HTTPS (the cookies'
Secure flag)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Request

from patron.analytics.held import Figures, Held
from patron.bootstrap import Patron
from patron.services.queries import data_version, figures_version

if TYPE_CHECKING:
    from patron.analytics.frames import Source

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


def current_figures(request: Request, key: Hashable, compute: Callable[[Patron], T]) -> Figures[T]:
    """`compute(patron)`, held for the current version of the data (analytics/held.py):
    computed again, in the background, only after a purchase, refund, points entry,
    enrolment or tier change; the page says when stale figures were computed."""
    patron = patron_of(request)
    figures: Held[Any] = request.app.state.figures
    found: Figures[T] = figures.get(key, patron.read(figures_version), lambda: compute(patron))
    return found


def on_copy(patron: Patron, compute: Callable[[Source], T]) -> T:
    """`compute` on the in-memory copy of the store's purchases (analytics/snapshot.py)."""
    return patron.analytics().on_copy(patron.read(data_version), compute)


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"
