"""What a template staff write may do: the one Jinja2 sandbox for saving and sending.

Staff write campaign templates; the worker renders them for every member. Jinja2's
sandbox keeps a template from reaching Python (no `__class__`, no unsafe calls) and
bounds `range` (100,000 items); here what one operation in C makes is bounded as well
(`BoundedSandbox`), so a template cannot make the worker build a string of 300 MB
(`"x" * 300000000`, `"x".ljust(300000000)`) or a number of a million digits. Undefined
names are errors (a typo shows, rather than an empty greeting) and the HTML part is
autoescaped (a member's name cannot inject markup).

The use case that saves a template (services/campaigns.py) renders it here with a sample
member, and the worker (engage/render.py) renders it here for each member: one sandbox,
so what is accepted when saved is what renders when sent. The sandbox bounds sizes, not
time: loops nested deep enough run for hours within every bound. The save-time render is
therefore timed (`trial_render`, SAVE_SECONDS), and a template that runs longer with the
sample member is refused before any worker renders it.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import cache, wraps
from types import FrameType
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import _PassArg

MAX_OUTPUT = 1_000_000  # characters of a rendered part; items a `*` may repeat
MAX_POWER = 100  # the largest exponent of `**`
SAVE_SECONDS = 2.0  # the longest a template may render with the sample member when saved
MAX_ARGUMENT = 100_000  # the largest number a call or a filter takes (a width, a count)
MAX_BITS = 4096  # the largest integer `*` and `**` make (about 1,200 digits)
# a width or precision of seven digits or more in a format string ("%0900000000d")
_HUGE_FORMAT = re.compile(r"(%[^a-zA-Z%]*\d{7})|(\{[^}]*\d{7})")


class BoundedSandbox(SandboxedEnvironment):
    """Jinja2's sandbox, with what a template makes bounded: `*` and `**` (sequences of
    at most MAX_OUTPUT items, integers of at most MAX_BITS), `%` and `format` (no width
    of seven digits), the numbers given to calls and filters (at most MAX_ARGUMENT: a
    width, a count of paragraphs), `replace` and `join` (at most MAX_OUTPUT characters
    made), and `sum` (numbers only: summing lists is quadratic). Each of these is one
    operation in C that no time check can stop once started."""

    intercepted_binops = frozenset(["*", "**", "%"])

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        filters = {**self.filters, "join": _join(self.filters["join"])}
        filters["sum"] = _sum(filters["sum"])
        self.filters = {name: _bounded_filter(f) for name, f in filters.items()}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            _check_power(left, right)
        elif operator == "*":
            if _repeats(left, right) > MAX_OUTPUT:
                raise SecurityError(f"a repetition of more than {MAX_OUTPUT:,} items")
            if _is_int(left) and _is_int(right) and _bits(left) + _bits(right) > MAX_BITS:
                raise SecurityError(f"a product of more than {MAX_BITS} bits")
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _check_arguments(args, kwargs)
        method = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        owner = getattr(method, "__self__", None)
        name = getattr(method, "__name__", "")
        if isinstance(owner, str):
            if name in ("format", "format_map"):
                _check_format(owner)
            elif name == "replace" and len(args) >= 2:
                _check_replace(owner, args[0], args[1])
        return super().call(__context, __obj, *args, **kwargs)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bits(value: int) -> int:
    return abs(value).bit_length()


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(exponent, int | float) and abs(exponent) > MAX_POWER:
        raise SecurityError(f"an exponent above {MAX_POWER}")
    if _is_int(base) and _is_int(exponent) and exponent > 0 and _bits(base) * exponent > MAX_BITS:
        raise SecurityError(f"a power of more than {MAX_BITS} bits")


def _check_format(text: str) -> None:
    if _HUGE_FORMAT.search(text):
        raise SecurityError("a format width or precision of seven digits")


def _check_replace(text: str, old: Any, new: Any) -> None:
    if isinstance(old, str) and isinstance(new, str):
        count = len(text) + 1 if old == "" else text.count(old)
        if len(text) + count * max(len(new) - len(old), 0) > MAX_OUTPUT:
            raise SecurityError(f"a replacement making more than {MAX_OUTPUT:,} characters")


def _check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if _is_int(value) and abs(value) > MAX_ARGUMENT:
            raise SecurityError(f"a number above {MAX_ARGUMENT:,} given to a call or filter")


def _bounded_filter(f: Callable[..., Any]) -> Callable[..., Any]:
    """`f` refusing numbers above MAX_ARGUMENT (a width, a count), with Jinja2's marks
    (pass the context, the environment) kept by `wraps`."""

    skip = 1 if _PassArg.from_obj(f) is None else 2  # the context, if passed, then the value
    formats = f.__name__ == "do_format"  # `"%5d"|format(n)`: its value is a format string

    @wraps(f)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(args[skip:], kwargs)
        if formats and args and isinstance(args[0], str):
            _check_format(args[0])
        return f(*args, **kwargs)

    return bounded


def _join(join: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(join)
    def bounded(eval_ctx: Any, value: Any, d: Any = "", attribute: Any = None) -> Any:
        items = list(value)
        glue = len(str(d)) * max(len(items) - 1, 0)
        if glue > MAX_OUTPUT:
            raise SecurityError(f"a join making more than {MAX_OUTPUT:,} characters")
        return join(eval_ctx, items, d, attribute)

    return bounded


def _sum(sum_: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(sum_)
    def bounded(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
        if not isinstance(start, int | float | Decimal) or isinstance(start, bool):
            raise SecurityError("sum adds numbers only")
        return sum_(environment, iterable, attribute, start)

    return bounded


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
