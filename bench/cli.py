"""How long `patron --help` takes as a whole process, against a bare interpreter.

Prints the median wall time of N runs of `patron --help` (and of `patron verify --help`,
which must not load the store or the analytics stack either), next to the median of
`python -c pass` measured in the same run: the difference is what Patron's start costs
(importing Typer, Rich and the CLI's modules). Target: `patron --help` median ≤ 0.3 s.

    .venv/bin/python bench/cli.py --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

PATRON = Path(sys.executable).with_name("patron")


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    python = median_seconds([sys.executable, "-c", "pass"], args.runs)
    rows = [
        ("python -c pass (baseline)", python),
        ("patron --help", median_seconds([str(PATRON), "--help"], args.runs)),
        ("patron verify --help", median_seconds([str(PATRON), "verify", "--help"], args.runs)),
    ]
    print(f"median of {args.runs} runs")
    for name, seconds in rows:
        print(f"  {name:<28} {seconds:6.3f} s   (+{seconds - python:5.3f} s over python)")


if __name__ == "__main__":
    main()
