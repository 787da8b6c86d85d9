"""The CLI starts without the analytics stack: `patron --help` and `patron verify` must not
pay for pandas, NumPy, Ibis, DuckDB, SciPy, PyArrow, Spark or the web server.

Each check runs a fresh interpreter (a module imported once stays in `sys.modules`, so an
in-process check would see what earlier tests loaded) and reads back which of the heavy
top-level packages were loaded. No timing is asserted: which modules load does not depend
on the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import patron

# The analytics stack and the API server: only the commands that use them import them.
ANALYTICS_AND_SERVER = {
    "pandas",
    "numpy",
    "ibis",
    "duckdb",
    "scipy",
    "pyarrow",
    "pyspark",
    "uvicorn",
    "fastapi",
}
# Importing the CLI also must not load the migrations tool: only commands that open a
# store run the migrations.
AT_IMPORT = ANALYTICS_AND_SERVER | {"alembic"}

# Runs the CLI in-process, then prints the exit code and the heavy packages it loaded as
# the last line of stdout (the CLI's own output comes first).
_PROBE = """
import json, sys
from patron.cli import app
code = 0
try:
    app(sys.argv[1:], prog_name="patron")
except SystemExit as exc:
    code = exc.code or 0
print()
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, set[str], str]:
    src = str(Path(patron.__file__).resolve().parents[1])
    full_env = {**os.environ, **(env or {}), "PYTHONPATH": src}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    *output, last = done.stdout.rstrip("\n").split("\n")
    probe = json.loads(last)
    return probe["code"], set(probe["modules"]), "\n".join(output)


def test_importing_the_cli_loads_no_analytics_no_server_and_no_migrations() -> None:
    src = str(Path(patron.__file__).resolve().parents[1])
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, patron.cli;"
            " print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": src},
        timeout=120,
        check=True,
    )
    loaded = set(json.loads(done.stdout))
    assert "typer" in loaded  # the probe does see what was imported
    assert sorted(loaded & AT_IMPORT) == []


def test_patron_help_exits_0_lists_the_commands_and_loads_no_heavy_package() -> None:
    code, loaded, output = _run("--help")
    assert code == 0
    for command in (
        "verify",
        "import",
        "analytics",
        "clv",
        "economics",
        "serve",
        "demo",
        "backup",
        "restore",
    ):
        assert command in output
    assert sorted(loaded & AT_IMPORT) == []


def test_patron_verify_checks_a_store_without_the_analytics_stack(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'verify.db'}"
    assert _run("init", "--database-url", url)[0] == 0
    code, loaded, output = _run("verify", "--database-url", url)
    assert code == 0
    assert "ok: 0 members, ledger consistent" in output
    assert "sqlalchemy" in loaded  # it did open the store
    assert sorted(loaded & ANALYTICS_AND_SERVER) == []


def test_patron_backup_and_restore_run_without_the_analytics_stack(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert _run("init", "--database-url", url)[0] == 0
    backup = str(tmp_path / "backup.db")
    code, loaded, output = _run("backup", backup, "--database-url", url)
    assert code == 0 and f"backup written to {backup}" in output.replace("\n", "")
    assert sorted(loaded & ANALYTICS_AND_SERVER) == []
    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    code, loaded, output = _run("restore", backup, "--database-url", restored)
    assert code == 0 and "ledger consistent" in output
    assert sorted(loaded & ANALYTICS_AND_SERVER) == []


def test_clv_fit_reads_purchases_and_fits_without_pandas_scipy_or_the_settings() -> None:
    """`patron clv fit FILE` (BG/NBD) imports what reading, counting and fitting need
    (Ibis, DuckDB, NumPy) and nothing else: no pandas (the counts come as arrays), no
    SciPy (the fit needs NumPy alone), no settings (a file read by DuckDB needs none),
    no store, no server."""
    purchases = Path(__file__).resolve().parents[1] / "data" / "cdnow_sample.csv"
    code, loaded, output = _run("clv", "fit", str(purchases), "--json")
    assert code == 0
    assert json.loads(output)["n_customers"] == 2357
    assert {"ibis", "duckdb", "numpy"} <= loaded  # it did read and fit
    unneeded = {"pandas", "scipy", "pydantic_settings", "sqlalchemy", "alembic", "pyspark"}
    assert sorted(loaded & unneeded) == []
