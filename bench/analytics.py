"""Benchmark: customer summary and lifetime-model fits against baselines, in one run.

1. Customer summary of N purchases of `patron.synth` customers (Parquet) through Patron's
   Ibis expression on DuckDB, against a plain DuckDB GROUP BY of the same file (the
   floor), the summary's definition hand-written in DuckDB SQL, and a pandas groupby
   implementation of it.
2. BG/NBD on 1 million simulated customers, against lifetimes' BetaGeoFitter (run with
   `--lifetimes-python`, an interpreter that has lifetimes 0.11.3) or, without it, against
   scipy.optimize.minimize on the plain per-customer likelihood (numerical gradient).
3. Pareto/NBD on the CDNOW sample, against lifetimes' ParetoNBDFitter when available.
4. `patron clv fit FILE --model bgnbd` as a whole process (start-up, reading, counting,
   fitting), as a user runs it, against a lifetimes script doing the same from the same
   Parquet file (pandas.read_parquet, summary_data_from_transaction_data,
   BetaGeoFitter.fit) in the lifetimes interpreter: --customers simulated BG/NBD
   customers' purchases, dated to the day.

Each step runs in its own process so that its peak memory (max RSS) is its own.

    python bench/analytics.py [--purchases 10000000] [--customers 1000000]
                              [--lifetimes-python /path/to/venv/bin/python]
                              [--steps 1,2,3,4]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CDNOW = ROOT / "tests" / "data" / "cdnow_summary.csv"
FIT_REPEAT = 3  # model fits: best of 3 runs, for Patron and for the baseline alike


SYNTH_CUSTOMERS = 20_000  # the generated base that is repeated up to --purchases


def write_purchases(path: Path, n: int, seed: int = 1) -> None:
    """n purchases of `patron.synth` customers (Pareto spend, churn, seasons, two years).

    synth draws customer by customer in Python, too slow for ten million purchases, so a
    base of SYNTH_CUSTOMERS customers is generated once and repeated under new customer
    ids until it holds n purchases: every copy keeps the base's shape (about 2.3
    purchases per customer, so 10,000,000 purchases come from about 4.4 million ids).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    sys.path.insert(0, str(ROOT / "src"))
    from patron.synth import SynthParams, generate

    base = list(generate(SynthParams(customers=min(SYNTH_CUSTOMERS, max(n, 1)), seed=seed)))
    number = np.array([int(p.customer_id[1:]) for p in base])
    day = np.array([p.occurred_at.date() for p in base], dtype="datetime64[D]")
    amount = np.array([float(p.amount) for p in base])
    rows = np.resize(np.arange(len(base)), n)
    copy = np.arange(n) // len(base)
    table = pa.table(
        {
            "customer_id": (copy * SYNTH_CUSTOMERS + number[rows]).astype(str),
            "date": day[rows],
            "amount": amount[rows],
        }
    )
    pq.write_table(table, path)


def measured(task: Callable[..., Any], *args: Any, repeat: int = 1) -> tuple[float, float, Any]:
    """Run `task` in a fresh process: (best seconds of `repeat` runs, peak MiB, result)."""
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(_timed, (task, repeat, *args))


def _timed(task: Callable[..., Any], repeat: int, *args: Any) -> tuple[float, float, Any]:
    """Imports are done before the clock starts: tasks return the function to time."""
    run = task(*args)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, peak_mib(), result


def peak_mib() -> float:
    """This process's peak resident memory. Not getrusage's ru_maxrss: that survives the
    exec of a spawned process and so reports the parent's size at the fork."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def patron_summary(path: str) -> Callable[[], int]:
    sys.path.insert(0, str(ROOT / "src"))
    # ibis loads these lazily on first use: imports, not work, so done before the clock
    import ibis.backends.duckdb  # noqa: F401
    import ibis.backends.duckdb.converter  # noqa: F401

    from patron.analytics.frames import open_source
    from patron.analytics.summary import customer_summary

    return lambda: int(customer_summary(open_source(path), period="week").to_pyarrow().num_rows)


def duckdb_floor(path: str) -> Callable[[], int]:
    import duckdb

    query = (
        f"SELECT customer_id, min(date), max(date), count(*), sum(amount)"
        f" FROM read_parquet('{path}') GROUP BY customer_id"
    )
    return lambda: duckdb.sql(query).to_arrow_table().num_rows


def duckdb_same_definition(path: str) -> Callable[[], int]:
    """The summary's own definition written by hand in DuckDB SQL: purchase *days* per
    customer (frequency), so a group-by customer x day comes first, and the first day's
    spend (for the repeat spend). What the definition costs, with no layer above it."""
    import duckdb

    query = (
        f"SELECT customer_id, min(day), max(day), count(*) - 1 AS frequency,"
        f" sum(orders), sum(spend), arg_min(spend, day)"
        f" FROM (SELECT customer_id, date AS day, sum(amount) AS spend, count(*) AS orders"
        f" FROM read_parquet('{path}') GROUP BY 1, 2) GROUP BY 1"
    )
    return lambda: duckdb.sql(query).to_arrow_table().num_rows


def pandas_summary(path: str) -> Callable[[], int]:
    import pandas as pd

    return lambda: _pandas_summary(pd, path)


def _pandas_summary(pd: Any, path: str) -> int:
    frame = pd.read_parquet(path)
    frame["day"] = pd.to_datetime(frame["date"]).dt.normalize()
    daily = frame.groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    per = daily.groupby("customer_id").agg(
        first=("day", "min"), last=("day", "max"), days=("day", "count"), total=("amount", "sum")
    )
    end = daily["day"].max()
    per["frequency"] = per["days"] - 1
    per["recency"] = (per["last"] - per["first"]).dt.days / 7
    per["T"] = (end - per["first"]).dt.days / 7
    return len(per)


def patron_model(name: str) -> Any:
    """A fresh Patron lifetime model by its CLI name (bgnbd or pareto-nbd)."""
    sys.path.insert(0, str(ROOT / "src"))
    from patron.analytics.clv.registry import model_named

    return model_named(name)


def patron_fit(name: str, path: str) -> Callable[[], dict[str, Any]]:
    patron_model(name)  # imports before the clock starts
    data = np.load(path)

    def run() -> dict[str, Any]:
        model = patron_model(name).fit(data["x"], data["t"], data["T"])
        return {"params": model.params_, "ll": model.log_likelihood_}

    return run


def scipy_bgnbd(path: str) -> Callable[[], dict[str, Any]]:
    return lambda: _scipy_bgnbd(path)


def _scipy_bgnbd(path: str) -> dict[str, Any]:
    from scipy.optimize import minimize
    from scipy.special import betaln, gammaln

    data = np.load(path)
    x, t, T = data["x"], data["t"], data["T"]

    def nll(theta: np.ndarray) -> float:
        r, alpha, a, b = np.exp(theta)
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = betaln(a, b + x) - betaln(a, b)
        a3 = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore"):
            a4 = np.where(
                x > 0,
                np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t),
                -np.inf,
            )
        return -float(np.sum(a1 + a2 + np.logaddexp(a3, a4)))

    result = minimize(
        nll,
        np.zeros(4),
        method="Nelder-Mead",
        options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-6},
    )
    return {
        "params": dict(zip(("r", "alpha", "a", "b"), np.exp(result.x).tolist(), strict=True)),
        "ll": -result.fun,
    }


LIFETIMES_SCRIPT = """
import json, sys, time
import numpy as np
from lifetimes import BetaGeoFitter, ParetoNBDFitter
data = np.load(sys.argv[2])
elapsed = float("inf")
for _ in range(int(sys.argv[3])):
    fitter = BetaGeoFitter() if sys.argv[1] == "bgnbd" else ParetoNBDFitter()
    start = time.perf_counter()
    fitter.fit(data["x"], data["t"], data["T"])
    elapsed = min(elapsed, time.perf_counter() - start)
params = {k: float(v) for k, v in fitter.params_.items()}
print(json.dumps({"seconds": elapsed, "params": params}))
"""


def lifetimes_fit(python: str, model: str, path: str) -> dict[str, Any] | None:
    try:
        out = subprocess.run(
            [python, "-c", LIFETIMES_SCRIPT, model, path, str(FIT_REPEAT)],
            check=True,
            capture_output=True,
            text=True,
            timeout=1800,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"  (lifetimes baseline unavailable: {exc.__class__.__name__})")
        return None
    return dict(json.loads(out.strip().splitlines()[-1]))


def log_likelihood_at(name: str, path: str, params: dict[str, float]) -> float:
    """Patron's log-likelihood at lifetimes' parameters: the fits compared on one scale."""
    from patron.analytics.clv import RFT

    data = np.load(path)
    model = patron_model(name)
    values = np.array([params[p] for p in model.param_names])
    ll, _ = model.loglik(values, RFT.of(data["x"], data["t"], data["T"]))
    return float(ll.sum())


def write_clv_purchases(path: Path, n: int, seed: int = 1) -> int:
    """Purchases of n customers drawn from BG/NBD (CDNOW's parameters), each customer's
    first purchase 20 to 78 weeks before 2025-12-31 and every purchase dated to the day:
    the repeat purchases at the simulated recency and, before it, uniformly (as a
    Poisson process's are given their number and the last). Returns the rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sys.path.insert(0, str(ROOT / "src"))
    from patron.analytics.clv import simulate

    age_days = np.floor(np.random.default_rng(seed + 8).uniform(20, 78, n) * 7)
    x, t, _ = simulate.bgnbd(n, 0.243, 4.414, 0.793, 2.426, age_days / 7, seed=seed)
    repeats = x.astype(np.int64)
    rng = np.random.default_rng(seed + 1)
    first = np.datetime64("2025-12-31") - age_days.astype("timedelta64[D]")
    owner = np.repeat(np.arange(n), repeats)
    weeks = rng.uniform(0, 1, len(owner)) * t[owner]
    weeks[np.cumsum(repeats)[repeats > 0] - 1] = t[repeats > 0]  # each one's last: at t_x
    customer = np.concatenate([np.arange(n), owner])
    day = np.concatenate([first, first[owner] + np.floor(weeks * 7).astype("timedelta64[D]")])
    order = np.argsort(day, kind="stable")  # a history file, in date order
    table = pa.table(
        {
            "customer_id": np.char.add("c", customer[order].astype(str)),
            "date": day[order],
            "amount": np.round(rng.gamma(2.0, 15.0, len(customer)), 2)[order],
        }
    )
    pq.write_table(table, path)
    return len(customer)


LIFETIMES_WHOLE = """
import json, sys
import pandas as pd
from lifetimes import BetaGeoFitter
from lifetimes.utils import summary_data_from_transaction_data
frame = pd.read_parquet(sys.argv[1])
summary = summary_data_from_transaction_data(
    frame, "customer_id", "date", freq="D", freq_multiplier=7
)  # Patron's definition: purchase days, recency and age in weeks of 7 days
fitter = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
params = {k: float(v) for k, v in fitter.params_.items()}
print(json.dumps({"params": params, "n_customers": len(summary)}))
"""


def whole_process(command: list[str], env: dict[str, str]) -> tuple[float, float, dict[str, Any]]:
    """Best of FIT_REPEAT runs of `command`: (wall seconds, CPU seconds of that run, the
    JSON it printed last)."""
    best = (float("inf"), 0.0, {})
    for _ in range(FIT_REPEAT):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        if wall < best[0]:
            best = (wall, cpu, json.loads(done.stdout.strip().splitlines()[-1]))
    return best


def clv_fit_processes(customers: int, lifetimes_python: str | None, tmp: str) -> None:
    """Step 4: both whole processes on one file, after one untimed run of each on a small
    file, so that both start as an installed program does: with its bytecode compiled
    (the bench's own .venv may have none: uv does not compile it; it goes to a cache
    of this run's, PYTHONPYCACHEPREFIX) and the libraries in the page cache."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"PYTHONPATH": str(ROOT / "src"), "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pyc")}
    patron = [str(Path(sys.executable).parent / "patron"), "clv", "fit"]
    small, big = Path(tmp) / "warm.parquet", Path(tmp) / "clv.parquet"
    write_clv_purchases(small, 2_000)
    rows = write_clv_purchases(big, customers)
    print(f"4. `patron clv fit FILE --model bgnbd`, whole process, {customers:,} customers")
    print(f"   ({rows:,} purchases, Parquet)")
    subprocess.run([*patron, str(small), "--json"], env=env, capture_output=True, check=True)
    ours = whole_process([*patron, str(big), "--model", "bgnbd", "--json"], env)
    print(
        f"  patron            {ours[0]:7.2f} s  cpu {ours[1]:6.2f} s"
        f"  LL {ours[2]['log_likelihood']:.2f}"
    )
    if lifetimes_python is None:
        print("  (no --lifetimes-python: lifetimes not run)")
        return
    script = [lifetimes_python, "-c", LIFETIMES_WHOLE]
    subprocess.run([*script, str(small)], env=env, capture_output=True, check=True)
    base = whole_process([*script, str(big)], env)
    gap = max(abs(base[2]["params"][k] / v - 1) for k, v in ours[2]["params"].items())
    print(
        f"  lifetimes         {base[0]:7.2f} s  cpu {base[1]:6.2f} s"
        f"  {base[2]['n_customers']:,} customers, parameters within {gap:.1e} of Patron's"
    )
    print(
        f"  speed-up: {base[0] / ours[0]:.1f}x wall, {base[1] / ours[1]:.1f}x cpu"
        f" (target >= 10); load average {os.getloadavg()[0]:.2f}"
    )


def summary_step(purchases: int, tmp: str) -> None:
    parquet = str(Path(tmp) / "purchases.parquet")
    write_purchases(Path(parquet), purchases)
    print(f"1. customer summary of {purchases:,} purchases")
    floor = measured(duckdb_floor, parquet)
    same = measured(duckdb_same_definition, parquet)
    ours = measured(patron_summary, parquet)
    pandas = measured(pandas_summary, parquet)
    for label, (secs, mem, rows) in (
        ("duckdb GROUP BY (floor)", floor),
        ("duckdb SQL, same definition", same),
        ("patron summary (ibis/duckdb)", ours),
        ("pandas groupby", pandas),
    ):
        print(f"  {label:32s} {secs:7.2f} s  peak {mem:7.0f} MiB  rows {rows:,}")
    print(
        f"  patron / floor: {ours[0] / floor[0]:.2f}x (target <= 2);"
        f" patron / same definition: {ours[0] / same[0]:.2f}x;"
        f" pandas / patron: {pandas[0] / ours[0]:.1f}x (target >= 10)"
    )


def bgnbd_step(customers: int, lifetimes_python: str | None, tmp: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from patron.analytics.clv import simulate

    # weeks with daily resolution, as a summary built from purchase dates has them
    ages = np.random.default_rng(9).uniform(20, 78, customers)
    x, t, T = simulate.bgnbd(customers, 0.243, 4.414, 0.793, 2.426, ages, seed=1)
    T = np.floor(T * 7) / 7
    t = np.minimum(np.floor(t * 7) / 7, T)
    npz = str(Path(tmp) / "bgnbd.npz")
    np.savez(npz, x=x, t=t, T=T)
    print(f"2. BG/NBD fit on {customers:,} customers")
    ours = measured(patron_fit, "bgnbd", npz, repeat=FIT_REPEAT)
    print(f"  patron            {ours[0]:7.2f} s  peak {ours[1]:6.0f} MiB  LL {ours[2]['ll']:.2f}")
    base = lifetimes_fit(lifetimes_python, "bgnbd", npz) if lifetimes_python else None
    if base is not None:
        ll = log_likelihood_at("bgnbd", npz, base["params"])
        print(f"  lifetimes         {base['seconds']:7.2f} s  LL {ll:.2f} (at its params)")
        print(f"  speed-up: {base['seconds'] / ours[0]:.1f}x (target >= 40)")
    else:
        plain = measured(scipy_bgnbd, npz, repeat=FIT_REPEAT)
        print(
            f"  scipy minimize    {plain[0]:7.2f} s  peak {plain[1]:6.0f} MiB"
            f"  LL {plain[2]['ll']:.2f}"
        )
        print(f"  speed-up: {plain[0] / ours[0]:.1f}x (target >= 40)")


def pareto_step(lifetimes_python: str | None, tmp: str) -> None:
    import csv

    with CDNOW.open() as f:
        rows = list(csv.DictReader(f))
    cd = str(Path(tmp) / "cdnow.npz")
    np.savez(
        cd,
        x=np.array([float(r["x"]) for r in rows]),
        t=np.array([float(r["t_x"]) for r in rows]),
        T=np.array([float(r["T"]) for r in rows]),
    )
    print("3. Pareto/NBD fit on CDNOW (2,357 customers)")
    ours = measured(patron_fit, "pareto-nbd", cd, repeat=FIT_REPEAT)
    print(f"  patron            {ours[0]:7.3f} s  LL {ours[2]['ll']:.2f}")
    if lifetimes_python:
        base = lifetimes_fit(lifetimes_python, "pareto", cd)
        if base is not None:
            ll = log_likelihood_at("pareto-nbd", cd, base["params"])
            print(f"  lifetimes         {base['seconds']:7.3f} s  LL {ll:.2f} (at its params)")
            print(f"  speed-up: {base['seconds'] / ours[0]:.1f}x (target >= 10)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lifetimes-python", default=None)
    parser.add_argument("--steps", default="1,2,3,4", help="which steps, e.g. 2,4")
    args = parser.parse_args()
    steps = {int(s) for s in args.steps.split(",")}
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        if 1 in steps:
            summary_step(args.purchases, tmp)
        if 2 in steps:
            bgnbd_step(args.customers, args.lifetimes_python, tmp)
        if 3 in steps:
            pareto_step(args.lifetimes_python, tmp)
        if 4 in steps:
            clv_fit_processes(args.customers, args.lifetimes_python, tmp)


if __name__ == "__main__":
    main()
