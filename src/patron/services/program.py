"""Loading a program definition: validate, version it, and sync the rewards catalog."""

from __future__ import annotations

from dataclasses import dataclass

from patron.domain.program import parse_program
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class Loaded:
    version: int
    name: str
    rewards: int


def load_program(uow: UnitOfWork, text: str, source: str) -> Loaded:
    """A new version each time: purchases keep pointing at the version that scored them."""
    program = parse_program(text, source)
    previous = uow.programs.current()
    version = uow.programs.add(program, text, uow.now)
    uow.rewards.sync(program, previous[1] if previous else None)
    return Loaded(version=version, name=program.name, rewards=len(program.rewards))
