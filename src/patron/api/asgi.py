"""ASGI entry point for multi-worker servers: `uvicorn patron.api.asgi:app --workers N`."""

from __future__ import annotations

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.config import get_settings

settings = get_settings()
app = create_app(Patron.from_url(settings.database_url, pool_size=settings.pool_size))
