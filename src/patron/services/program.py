"""The program in force, and loading a new definition: validate it, version it, and sync
the rewards catalog."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from patron.domain.audit import AuditAction
from patron.domain.errors import NoProgram, NotFound
from patron.domain.program import Program, parse_program
from patron.store.programs import ProgramVersion
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class Loaded:
    version: int
    name: str
    rewards: int
    changed: bool = True  # False: the same program as the running version; none made


def current_program(uow: UnitOfWork) -> tuple[int, Program]:
    """The latest program version and its definition; refused before one is loaded."""
    found = uow.programs.current()
    if found is None:
        raise NoProgram()
    return found


def load_program(uow: UnitOfWork, text: str, source: str, actor: str = "cli") -> Loaded:
    """A new version each time the program changes: purchases keep pointing at the
    version that scored them. Loading one changes how every later purchase earns, so it
    is audited with its digest (the text itself is kept with the version). A file that
    defines the running program again (only its comments or layout differ) makes no
    version and changes nothing: the answer says so (`changed` False)."""
    program = parse_program(text, source)
    previous = uow.programs.current()
    if previous is not None and previous[1] == program:
        running, _ = previous
        return Loaded(running, program.name, len(program.rewards), changed=False)
    version = uow.programs.add(program, text, uow.now)
    uow.rewards.sync(program, previous[1] if previous else None)
    uow.rsvps.sync(program)
    uow.audit.record(
        uow.now,
        actor,
        AuditAction.PROGRAM_LOADED,
        None,
        None,
        {
            "version": version,
            "name": program.name,
            "source": source,
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        },
    )
    return Loaded(version=version, name=program.name, rewards=len(program.rewards))


def program_versions(uow: UnitOfWork) -> list[ProgramVersion]:
    """Every program version loaded, newest first."""
    return uow.programs.versions()


def program_source(uow: UnitOfWork, version: int) -> str:
    """The text of a version, as it was loaded (NotFound for a version never loaded)."""
    source = uow.programs.source(version)
    if source is None:
        raise NotFound(f"no program version {version}")
    return source
