"""A message's content: its Jinja2 template rendered for one member, in their language.

Design overview. A template has three parts: `subject.txt`, `body.txt` and, for e-mail,
`body.html`. Staff write campaign templates into the store (`message_templates`); the
journeys' and the transactional ones ship with the package
(`engage/templates/<name>/<locale>/…`). `render` looks in this order: the store's template
in the member's locale, the package's, then the same two in English (`en`); a locale like
`ro_RO` is tried as itself and as `ro` first.

The templates run in the bounded sandbox of domain/template_sandbox.py (staff write them;
a template reads fields, it cannot reach Python), the one the saving of a template checks
it in: undefined names are errors and the HTML part is autoescaped. The
HTML part's <style> rules are then inlined into `style=` attributes (css-inline), since
many mail programs drop a <style> block; @media rules stay in the head. Nothing remote is
ever loaded. Any failure is `RenderFailed` naming the template and the reason: the worker
marks that message `failed` and goes on with the others.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from types import FrameType
from typing import Any

import css_inline
import jinja2

from patron.domain.message_fields import MessageTemplate
from patron.domain.template_sandbox import MAX_OUTPUT, environment

DEFAULT_LOCALE = "en"
PARTS = ("subject.txt", "body.txt", "body.html")
COMPILED = 256  # compiled template sources kept per process
RENDER_SECONDS = 2.0  # the longest the worker renders one message (main thread only)


class RenderFailed(Exception):
    """The template is missing or does not render: the message names which and why."""


# a template's sources (`html` None: a text-only message, as SMS and push are)
Template = MessageTemplate


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str | None


def locales(locale: str | None) -> list[str]:
    """The locales to try, best first: `ro_RO` → ro_RO, ro, en."""
    found: list[str] = []
    for candidate in (locale, (locale or "").split("_")[0], DEFAULT_LOCALE):
        if candidate and candidate not in found:
            found.append(candidate)
    return found


def choose(name: str, locale: str | None, stored: Mapping[str, Template]) -> Template:
    """The template to render: the store's (`stored`, by locale) before the package's,
    each locale before the next."""
    for candidate in locales(locale):
        if candidate in stored:
            return stored[candidate]
        packaged = packaged_template(name, candidate)
        if packaged is not None:
            return packaged
    raise RenderFailed(f"no template {name!r} for the locale {locale or DEFAULT_LOCALE!r} or en")


@cache
def packaged_template(name: str, locale: str) -> Template | None:
    """The package's template `name` in `locale`, or None (files read once)."""
    if ".." in name.split("/") or not name or name.startswith("/"):
        return None
    folder = resources.files("patron.engage").joinpath("templates", *name.split("/"), locale)
    texts: dict[str, str | None] = {}
    for part in PARTS:
        file = folder.joinpath(part)
        texts[part] = file.read_text(encoding="utf-8") if file.is_file() else None
    subject, text = texts["subject.txt"], texts["body.txt"]
    if subject is None or text is None:
        return None
    return Template(subject, text, texts["body.html"])


def render(name: str, template: Template, fields: Mapping[str, Any]) -> Rendered:
    """`template` filled with `fields`; RenderFailed naming `name` and the reason."""
    try:
        with _time_limit(RENDER_SECONDS):
            subject = _compiled(template.subject, html=False).render(fields)
            text = _compiled(template.text, html=False).render(fields)
            html = None
            if template.html is not None:
                html = _inliner().inline(_compiled(template.html, html=True).render(fields))
    except Exception as exc:  # noqa: BLE001 - staff's template: any error fails its message
        raise RenderFailed(f"the template {name!r} does not render: {exc!r}") from exc
    longest = max(len(subject), len(text), len(html or ""))
    if longest > MAX_OUTPUT:
        raise RenderFailed(f"the template {name!r} renders over {MAX_OUTPUT:,} characters")
    # a subject is one line: a line break in it would be refused by the mail sender
    return Rendered(" ".join(subject.split()), text, html)


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop what runs inside after `seconds`, by SIGALRM (TimeoutError). The sandbox bounds
    sizes, not time: loops nested in a template that is slow only for some members'
    fields pass the save-time check, and would hold the worker for hours on each of their
    messages. Only in the main thread, where `patron worker` renders and where a signal
    is handled; elsewhere (a server thread) it does nothing. A C operation runs to its end
    before the handler: the sandbox's bounds keep each one short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    armed = True

    def alarm(signum: int, frame: FrameType | None) -> None:
        if armed:
            raise TimeoutError(f"it renders for longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@lru_cache(maxsize=COMPILED)
def _compiled(source: str, *, html: bool) -> jinja2.Template:
    """A template's source compiled once per process (compiling costs far more than
    rendering: a campaign renders the same few sources for every member). Keyed by the
    source itself, so a template edited in the store is compiled afresh, never stale."""
    return environment(html=html).from_string(source)


@cache
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
