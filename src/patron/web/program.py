"""The console's program page: the running program in plain words, its versions with the
changes each made, and loading a new program file, every error shown beside the line
that causes it before anything is loaded.

A load runs the use case of `patron program load` (services/program.load_program) under
the staff user's name, so the audit log says who loaded which version."""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.bootstrap import Patron
from patron.domain.errors import InvalidProgram, NoProgram, NotFound
from patron.services.program import (
    current_program,
    load_program,
    program_source,
    program_versions,
)
from patron.web.console import Staff, StaffDep, refused_change
from patron.web.i18n import _
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
MAX_FILE = 256 * 1024  # a program file is a few kilobytes


@router.get("/program", response_class=HTMLResponse)
def program_page(
    request: Request,
    staff: StaffDep,
    changes: Annotated[int | None, Query(ge=2, le=2**31)] = None,
    loaded: Annotated[int | None, Query(ge=1, le=2**31)] = None,
    unchanged: Annotated[int | None, Query(ge=1, le=2**31)] = None,
) -> Response:
    return _page(request, staff, changes=changes, loaded=loaded, unchanged=unchanged)


@router.post("/program", response_class=HTMLResponse)
def load(
    request: Request,
    staff: StaffDep,
    text: Annotated[str, Form(max_length=MAX_FILE)] = "",
    file: UploadFile | None = None,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    source, name = text, "the form"
    if file is not None and file.filename:
        raw = file.file.read(MAX_FILE + 1)
        name = file.filename
        try:
            source = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            problem = [{"field": None, "message": _("the file is not UTF-8 text"), "line": None}]
            return _page(request, staff, text="", errors=problem, status=422)
        if len(raw) > MAX_FILE:
            problem = [{"field": None, "message": _("the file is over 256 KiB"), "line": None}]
            return _page(request, staff, text="", errors=problem, status=422)
    patron: Patron = request.app.state.patron
    try:
        loaded = patron.run(lambda uow, s: load_program(uow, s, name, staff.user.actor), source)
    except InvalidProgram as exc:
        found = exc.facts.get("errors")
        errors = found if isinstance(found, list) else []
        if not errors:
            errors = [{"field": None, "message": exc.message, "line": None}]
        return _page(request, staff, text=source, errors=errors, status=422)
    said = "loaded" if loaded.changed else "unchanged"
    return RedirectResponse(f"/console/program?{said}={loaded.version}", 303)


def _page(
    request: Request,
    staff: Staff,
    *,
    changes: int | None = None,
    loaded: int | None = None,
    unchanged: int | None = None,
    text: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    patron: Patron = request.app.state.patron
    try:
        version, program = patron.read(current_program)
    except NoProgram:
        version, program = None, None
    versions = patron.read(program_versions)
    shown = text if text is not None else (patron.read(program_source, version) if version else "")
    context = {
        "staff": staff,
        "version": version,
        "program": program,
        "versions": versions,
        "loaded": loaded if loaded == version else None,  # said only of the running one
        "unchanged": unchanged if unchanged == version else None,
        "errors": errors or [],
        "lines": _annotated(shown, errors or []),
        "text": shown,
        "may_load": staff.user.role.may_change,
        "changes": changes,
        "diff": _diff(patron, changes) if changes is not None else None,
    }
    return render(request, "program.html", context, status_code=status)


def _annotated(text: str, errors: list[dict[str, Any]]) -> list[tuple[int, str, list[str]]]:
    """The text's lines, each with the errors that point at it (beside their field)."""
    by_line: dict[int, list[str]] = {}
    for error in errors:
        if isinstance(error.get("line"), int):
            label = f"{error['field']}: " if error.get("field") else ""
            by_line.setdefault(error["line"], []).append(label + str(error["message"]))
    return [(n, line, by_line.get(n, [])) for n, line in enumerate(text.splitlines(), start=1)]


def _diff(patron: Patron, version: int) -> list[str] | None:
    """What `version` changed in the text of the version before it (None: no such one)."""
    try:
        before = patron.read(program_source, version - 1).splitlines()
        after = patron.read(program_source, version).splitlines()
    except NotFound:
        return None
    return list(
        difflib.unified_diff(
            before, after, f"version {version - 1}", f"version {version}", lineterm=""
        )
    )
