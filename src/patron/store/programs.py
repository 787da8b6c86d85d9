"""Program versions: each load is a new version, never changed; purchases name the one
that scored them. Parsed definitions are cached per version, since they never change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from patron.domain.program import Program, program_from_dict
from patron.store import tables as t
from patron.store.base import Repo, insert_row
from patron.store.driver import driver

_CURRENT_VERSION = select(func.max(t.programs.c.version))


@dataclass(frozen=True, slots=True)
class ProgramVersion:
    version: int
    name: str
    currency: str
    loaded_at: datetime


class Programs(Repo):
    def __init__(self, conn: Connection, cache: dict[int, Program] | None = None) -> None:
        super().__init__(conn)
        self._cache = cache if cache is not None else {}

    def add(self, program: Program, source: str, at: datetime) -> int:
        return insert_row(
            self.conn,
            t.programs,
            {
                "name": program.name,
                "currency": program.currency,
                "source": source,
                "definition": program.model_dump(mode="json"),
                "loaded_at": at,
            },
        )

    def current(self) -> tuple[int, Program] | None:
        pg = driver(self.conn)
        if pg is not None:
            found = pg.one(_CURRENT_VERSION)
            version = found[0] if found is not None else None
        else:
            version = self.conn.execute(_CURRENT_VERSION).scalar_one()
        if version is None:
            return None
        version = int(version)
        if version not in self._cache:
            definition = self.conn.execute(
                select(t.programs.c.definition).where(t.programs.c.version == version)
            ).scalar_one()
            self._cache[version] = program_from_dict(definition, f"program v{version}")
        return version, self._cache[version]

    def versions(self) -> list[ProgramVersion]:
        """Every version, newest first."""
        p = t.programs
        query = select(p.c.version, p.c.name, p.c.currency, p.c.loaded_at).order_by(
            p.c.version.desc()
        )
        return [ProgramVersion(int(r[0]), r[1], r[2], r[3]) for r in self.conn.execute(query)]

    def source(self, version: int) -> str | None:
        """The text a version was loaded from, as it was written."""
        query = select(t.programs.c.source).where(t.programs.c.version == version)
        found = self.conn.execute(query).scalar()
        return None if found is None else str(found)
