"""Benchmark: `analytics.simulation` on a year of purchases, against the domain's scorer.

A year of N purchases (default 10,000,000) of C customers (default 1,000,000), made
with NumPy in the run (Pareto-like purchase counts, 1 to 3 lines in the example
program's categories, the example's promotion code on a few), replayed under
examples/program.toml (tiers on a 12-month window re-evaluated monthly, category and
promotion multipliers, a code promotion, both kinds of milestone, 24-month expiry) with
a monthly redemption rate of 5 %. The baseline scores a random sample of the same
purchases one by one with `domain.earning.score`, at the tier the simulation found for
each (scoring only: no tier windows, no lots), and its time is scaled to N; the sample's
points are checked against the simulation's (milestones apart, as the sample carries no
member state). Peak RSS is the process's.

    python bench/simulate.py [--purchases 10000000] [--customers 1000000] [--sample 20000]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np

from patron.analytics.simulation import Assumptions, History, simulate
from patron.analytics.simulation.report import figures
from patron.domain.earning import Line, MemberState, PurchaseFacts, score
from patron.domain.program import parse_program

ROOT = Path(__file__).resolve().parents[1]
CATEGORIES = ("books", "gift-cards", "shoes", "toys", "food")


def history(purchases: int, customers: int, seed: int = 1) -> History:
    rng = np.random.default_rng(seed)
    weight = rng.pareto(2.0, customers) + 0.1
    customer = rng.choice(customers, purchases, p=weight / weight.sum())
    seconds = rng.integers(0, 365 * 86_400, purchases)
    at = np.datetime64("2026-01-01T00:00:00", "us") + seconds.astype("timedelta64[s]")
    code = np.where(rng.random(purchases) < 0.05, 0, -1)
    lines = rng.integers(1, 4, purchases)
    line_purchase = np.repeat(np.arange(purchases, dtype=np.int64), lines)
    size = len(line_purchase)
    price = rng.integers(50, 8_000, size) * 100  # cents, as ten-thousandths
    quantity = rng.integers(1, 3, size)
    return History(
        customer=customer.astype(np.int64),
        customer_ids=np.array([f"c{k}" for k in range(customers)], dtype=object),
        occurred_at=at,
        code=code.astype(np.int64),
        codes=("SPRING26",),
        line_purchase=line_purchase,
        line_amount=price * quantity,
        line_cost=price * quantity * 6 // 10,
        line_category=rng.integers(-1, len(CATEGORIES), size),
        categories=CATEGORIES,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--purchases", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    args = parser.parse_args()
    program = parse_program((ROOT / "examples" / "program.toml").read_text())
    began = time.perf_counter()
    data = history(args.purchases, args.customers)
    made = time.perf_counter() - began
    assumptions = Assumptions(date(2026, 1, 1), date(2026, 12, 31), Decimal("0.05"))
    load_before = os.getloadavg()[0]
    began, cpu = time.perf_counter(), time.process_time()
    run = simulate(program, data, assumptions)
    table = figures(run)
    took, took_cpu = time.perf_counter() - began, time.process_time() - cpu
    load_after = os.getloadavg()[0]
    sample = np.random.default_rng(2).choice(len(data), min(args.sample, len(data)), replace=False)
    names = [t.name for t in program.tiers.levels]
    facts = [_facts(data, int(k)) for k in sample]
    states = [MemberState(names[run.tier_before[k]], 10**9, Decimal(10) ** 15) for k in sample]
    began, cpu = time.perf_counter(), time.process_time()
    scored = [score(program, s, f).points for s, f in zip(states, facts, strict=True)]
    one_by_one = (time.perf_counter() - began) / len(sample)
    one_by_one_cpu = (time.process_time() - cpu) / len(sample)
    expected = run.points.total[sample] - run.points.milestone[sample]
    assert scored == expected.tolist(), "the sample's points differ from the simulation's"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"machine: {platform.node()} {platform.machine()}, Python {platform.python_version()},"
        f" {datetime.now():%Y-%m-%d %H:%M}"
    )
    print(
        f"history: {len(data):,} purchases, {len(data.line_amount):,} lines,"
        f" {args.customers:,} customers (made in {made:.1f} s)"
    )
    print(
        f"simulation (replay and monthly figures): {took:.1f} s wall, {took_cpu:.1f} s CPU,"
        f" {len(data) / took:,.0f} purchases/s"
    )
    print(
        f"domain scorer one by one: {one_by_one * 1e6:.1f} µs a purchase on {len(sample):,}"
        f" ({one_by_one_cpu * 1e6:.1f} µs CPU); {one_by_one * len(data):.0f} s for all (scaled)"
    )
    print(
        f"ratio: {one_by_one * len(data) / took:.0f}x wall,"
        f" {one_by_one_cpu * len(data) / took_cpu:.0f}x CPU; sample points equal: yes"
    )
    print(f"peak RSS: {peak:,.0f} MiB; load average {load_before:.1f} -> {load_after:.1f}")
    print(
        f"issued {table.summary['points_issued']:,}, tiers at the end"
        f" {dict(zip(names, run.tiers_by_month[-1].tolist(), strict=True))}"
    )


def _facts(data: History, k: int) -> PurchaseFacts:
    lines = _lines_of(data, k)
    code = data.codes[data.code[k]] if data.code[k] >= 0 else None
    return PurchaseFacts(
        data.occurred_at[k].astype(datetime),
        "EUR",
        tuple(
            Line("sku", data.categories[c] if c >= 0 else None, 1, Decimal(int(a)).scaleb(-4))
            for a, c in zip(data.line_amount[lines], data.line_category[lines], strict=True)
        ),
        code,
    )


def _lines_of(data: History, k: int) -> np.ndarray:  # type: ignore[type-arg]
    first = np.searchsorted(data.line_purchase, k)
    last = np.searchsorted(data.line_purchase, k, side="right")
    return np.arange(first, last)


if __name__ == "__main__":
    main()
