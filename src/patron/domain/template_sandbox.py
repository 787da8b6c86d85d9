"""What a template staff write may do: the one Jinja2 sandbox for saving and sending.

Staff write campaign templates; the worker renders them for every member. Jinja2's
sandbox keeps a template from reaching Python (no `__class__`, no unsafe calls) and
bounds `range` (100,000 items); here `*` and `**` are bounded as well, so a template
cannot make the worker build a string of 300 MB (`"x" * 300000000`) or a number of a
million digits. Undefined names are errors (a typo shows, rather than an empty
greeting) and the HTML part is autoescaped (a member's name cannot inject markup).

The use case that saves a template (services/campaigns.py) renders it here with a sample
member, and the worker (engage/render.py) renders it here for each member: one sandbox,
so what is accepted when saved is what renders when sent. The sandbox bounds sizes, not
time: loops nested deep enough run for hours within every bound. The save-time render is
therefore timed (`trial_render`, SAVE_SECONDS), and a template that runs longer with the
sample member is refused before any worker renders it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from functools import cache
from types import FrameType
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

MAX_OUTPUT = 1_000_000  # characters of a rendered part; items a `*` may repeat
MAX_POWER = 100  # the largest exponent of `**`
SAVE_SECONDS = 2.0  # the longest a template may render with the sample member when saved


class BoundedSandbox(SandboxedEnvironment):
    """Jinja2's sandbox, with `*` and `**` bounded."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_POWER:
            raise SecurityError(f"an exponent above {MAX_POWER}")
        if operator == "*" and _repeats(left, right) > MAX_OUTPUT:
            raise SecurityError(f"a repetition of more than {MAX_OUTPUT:,} items")
        return super().call_binop(context, operator, left, right)


def _repeats(left: Any, right: Any) -> int:
    """How many items `left * right` makes when it repeats a sequence, else 0."""
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(times, int):
            return len(seq) * times
    return 0


@cache
def environment(*, html: bool) -> SandboxedEnvironment:
    """The sandbox for a text part (subject, text: trailing newline kept) or an HTML part
    (autoescaped)."""
    if html:
        return BoundedSandbox(autoescape=True, undefined=jinja2.StrictUndefined)
    return BoundedSandbox(
        autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )


class TooSlow(SecurityError):
    """The template ran past its time: a loop too long, or loops nested too deep."""


def trial_render(source: str, *, html: bool, fields: Mapping[str, Any]) -> str:
    """`source` rendered with `fields` in the sandbox, stopped after SAVE_SECONDS (TooSlow)
    and refused when longer than MAX_OUTPUT characters (SecurityError); any error of the
    template's as Jinja2 raises it. Timed by a trace function that checks the clock at
    each line the compiled template runs: costly, and so only for the one render of a
    save, never for the worker's renders."""
    template = environment(html=html).from_string(source)
    deadline = time.monotonic() + SAVE_SECONDS

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise TooSlow(f"it renders for longer than {SAVE_SECONDS:g} s (a loop too long?)")
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        rendered = template.render(fields)
    finally:
        sys.settrace(previous)
    if len(rendered) > MAX_OUTPUT:
        raise SecurityError(f"it renders over {MAX_OUTPUT:,} characters")
    return rendered
