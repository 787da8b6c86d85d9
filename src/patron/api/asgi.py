"""ASGI entry point for servers that import the app by name, one process per worker.

`uvicorn --factory patron.api.asgi:create_app --workers N` calls `create_app` in each
worker: the settings (PATRON_*) are read and the engine is built there, at start, never
when this module is imported (an import that opens a database surprises every tool that
only looks, from test collection to `python -c "import ..."`). `patron serve --workers N`
does the same through serving.py. The older `patron.api.asgi:app` still works: the
module builds that app on its first access, once per process.
"""

from __future__ import annotations

from fastapi import FastAPI

from patron.api.app import create_app as build_app
from patron.api.logs import configure_logging
from patron.bootstrap import Patron, missing_sqlite_file
from patron.config import get_settings


def create_app() -> FastAPI:
    """The API over the store the settings name, with their pool size, logging as they
    say (PATRON_LOG_FORMAT, PATRON_LOG_LEVEL)."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:  # SQLite would create it empty: serve nothing rather than that
        raise RuntimeError(
            f"no store at {missing.resolve()} (PATRON_DATABASE_URL={settings.database_url}):"
            " run `patron init` to create an empty store, or `patron demo` for a demo store"
        )
    return build_app(Patron.from_url(settings.database_url, pool_size=settings.pool_size))


def __getattr__(name: str) -> FastAPI:
    """`patron.api.asgi:app`, built on first access (PEP 562) and kept for this process."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    app = create_app()
    globals()["app"] = app
    return app
