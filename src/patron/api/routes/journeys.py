"""The triggered journeys for admin keys: each with its switch and settings from the
program file and its messages' counts (docs/journeys.md). Switching one is done by
loading a program whose `[journeys]` says so; the worker runs them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from patron.api import problems as p
from patron.api.deps import AdminKey, PatronDep
from patron.services import journeys as uc

router = APIRouter(prefix="/v1/journeys", tags=["journeys"])
_JOURNEY = {
    "name": "winback",
    "trigger": "scan",
    "enabled": True,
    "settings": {
        "enabled": True,
        "channel": "email",
        "multiple": "2.5",
        "default_interval_days": 60,
        "p_alive_below": None,
    },
    "counts": {"queued": 3, "sent": 118, "refused": 9, "refused:no_consent": 7,
               "refused:capped": 2},
}  # fmt: skip


@router.get("", responses=p.ok({"data": [_JOURNEY], "count": 1}))
def get_all(patron: PatronDep, _: AdminKey) -> dict[str, Any]:
    """Every journey, on or off, with its settings and its messages by status."""
    found = [
        {
            "name": j.name,
            "trigger": j.trigger,
            "enabled": j.enabled,
            "settings": j.settings,
            "counts": j.counts,
        }
        for j in patron.read(uc.journeys)
    ]
    return {"data": found, "count": len(found)}
