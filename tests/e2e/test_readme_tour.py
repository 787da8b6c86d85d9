"""The README's five-minute tour, run as written on a fresh demo store.

`make run` is `patron demo` in the clone's folder: a fresh SQLite store `./patron.db`,
served on 127.0.0.1:8000. Here the same command runs in a folder laid out like the clone
(its `examples/`, and a `.venv/bin/activate` that puts a `patron` running this
interpreter on PATH) on a free port, named by PATRON_PORT, the variable the tour itself
reads. The tour's ```sh blocks then run, in order, in one bash session in that folder,
as a reader's second terminal would run them, and every output the README shows is
checked (tests/support/readme_tour.py has the convention). Nothing else is substituted:
the README text is what runs.
"""

from __future__ import annotations

import http.client
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.e2e.server import free_port
from tests.support.readme_tour import Step, check, outputs, script, tour_steps


def test_the_readme_tour_runs_as_written_and_prints_what_it_shows(tmp_path: Path) -> None:
    # given: the tour, and a fresh demo serving in a folder like the clone's
    steps = tour_steps((ROOT / "README.md").read_text(encoding="utf-8"))
    assert sum(s.shown is not None for s in steps) >= 15, "the tour lost its shown outputs"
    folder = _clone_like(tmp_path / "clone")
    port = free_port()
    env = _environment(port)
    log = (tmp_path / "demo.log").open("w")
    demo = subprocess.Popen(
        [sys.executable, "-m", "patron", "demo"], cwd=folder, env=env, stdout=log, stderr=log
    )
    try:
        _wait_until_serving(port, demo, tmp_path / "demo.log")
        # when: the reader runs the tour in a second terminal
        (tmp_path / "tour.sh").write_text(script(steps), encoding="utf-8")
        ran = subprocess.run(
            ["bash", str(tmp_path / "tour.sh")],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        demo.terminate()
        try:
            demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
        log.close()
    # then: every command succeeds and prints what the README shows
    printed = outputs(ran.stdout, len(steps))
    bound: dict[str, Any] = {}
    problems = [
        f"README line {step.line}: {problem}\n  output: {output.strip()}"
        for step, output in zip(steps, printed, strict=True)
        if output is not None
        for problem in check(step, output, bound)
    ]
    if ran.returncode != 0:
        problems.append(_failure(steps, printed, ran.stdout))
    assert problems == [], "\n".join(problems)


def _clone_like(folder: Path) -> Path:
    """A folder with the clone's examples and a `.venv/bin/activate` for the tour's
    `source .venv/bin/activate`: it puts a `patron` that runs this interpreter (with
    this PYTHONPATH, so the code under test) first on PATH."""
    shutil.copytree(ROOT / "examples", folder / "examples")
    bin_dir = folder / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    patron = bin_dir / "patron"
    patron.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m patron "$@"\n')
    patron.chmod(0o755)
    activate = f"PATH={shlex.quote(str(bin_dir))}:$PATH\nexport PATH\n"
    (bin_dir / "activate").write_text(activate)
    return folder


def _environment(port: int) -> dict[str, str]:
    """The reader's environment: no Patron setting but the port (a setting of the
    caller's, a PostgreSQL URL say, would move the demo off its default store), UTF-8
    (the README is, and so are the `--map Račun` arguments), and no terminal width."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PATRON_") and k not in ("COLUMNS", "LINES")
    }
    return {**keep, "PATRON_PORT": str(port), "PYTHONUTF8": "1", "PYTHONUNBUFFERED": "1"}


def _wait_until_serving(port: int, demo: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 600  # 5,000 customers scored on a loaded machine
    while True:
        assert demo.poll() is None, f"patron demo exited:\n{log.read_text()}"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        assert time.monotonic() < deadline, f"patron demo did not serve:\n{log.read_text()}"
        time.sleep(0.5)


def _failure(steps: list[Step], printed: list[str | None], everything: str) -> str:
    """The step the tour stopped at, with what it printed."""
    reached = [i for i, text in enumerate(printed) if text is not None]
    if not reached:
        return f"the tour stopped before its first step:\n{everything}"
    last = reached[-1]
    return (
        f"the tour stopped at README line {steps[last].line}:\n{steps[last].code}\n"
        f"--- it printed:\n{printed[last]}"
    )
