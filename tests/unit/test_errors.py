"""HTTP stays at the edge: the domain's errors carry codes and facts, the adapters word them,
and importing the ASGI module builds nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from patron.analytics.clv.data import ModelNotIdentified
from patron.cli.errors import EXIT_CODE, cli_message
from patron.domain import errors as domain_errors
from patron.domain.errors import InsufficientPoints, InvalidInput, NoProgram, PatronError

DOMAIN_CLASSES = [
    obj
    for obj in vars(domain_errors).values()
    if isinstance(obj, type) and issubclass(obj, PatronError)
] + [ModelNotIdentified]


def test_domain_errors_carry_no_http_status() -> None:
    assert len(DOMAIN_CLASSES) == 42  # the 41 of domain/errors.py and ModelNotIdentified
    assert [c.__name__ for c in DOMAIN_CLASSES if hasattr(c, "status")] == []


def test_no_program_states_the_fact_and_each_adapter_adds_its_advice() -> None:
    assert NoProgram().message == "no program is loaded"
    assert cli_message(NoProgram()) == (
        "no program is loaded: run `patron program load examples/program.toml` first"
    )


def test_the_cli_prints_other_domain_messages_as_they_are_and_exits_2() -> None:
    assert cli_message(InvalidInput("month must be YYYY-MM")) == "month must be YYYY-MM"
    assert cli_message(InsufficientPoints(500, 140)) == (
        "500 points requested but only 140 are spendable"
    )
    assert EXIT_CODE == 2


ASGI_SCRIPT = """
from patron.config import get_settings
import patron.api.asgi as asgi

print("settings read:", get_settings.cache_info().currsize)
try:
    asgi.app
except Exception as exc:  # the bad URL fails only now, when the app is asked for
    print(type(exc).__name__)
"""


def test_importing_the_asgi_module_reads_no_settings_and_builds_no_engine(
    tmp_path: Path,
) -> None:
    """With a database URL no engine can be built from, the import still succeeds: only
    asking for the app (uvicorn's `patron.api.asgi:app`) builds it, and fails."""
    env = {**os.environ, "PATRON_DATABASE_URL": "nosuchdialect://nowhere"}
    run = subprocess.run(
        [sys.executable, "-c", ASGI_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["settings read: 0", "NoSuchModuleError"]
    assert list(tmp_path.iterdir()) == []


FACTORY_SCRIPT = """
import patron.api.asgi as asgi

first, second = asgi.create_app(), asgi.create_app()
print(first is not second, first.state.patron.engine.url.database)
print(asgi.app is asgi.app, asgi.app.state.patron.engine.url.database)
"""


def test_the_factory_builds_a_fresh_app_per_call_over_the_configured_store(
    tmp_path: Path,
) -> None:
    db = tmp_path / "factory.db"
    env = {**os.environ, "PATRON_DATABASE_URL": f"sqlite:///{db}"}
    made = [sys.executable, "-m", "patron", "init"]  # the factory serves no missing store
    assert subprocess.run(made, env=env, cwd=tmp_path, check=False).returncode == 0
    run = subprocess.run(
        [sys.executable, "-c", FACTORY_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [f"True {db}", f"True {db}"]
