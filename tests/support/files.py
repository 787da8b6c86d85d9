"""Purchase files for import tests, written on the fly (nothing large is committed)."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path


def write_purchases(path: Path, rows: int, *, bad_every: int = 0, seed: int = 7) -> int:
    """`customer_id,date,amount` rows; every `bad_every`-th row is invalid. Returns valid rows."""
    rng = random.Random(seed)
    start = date(2024, 1, 1)
    valid = 0
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["customer_id", "date", "amount"])
        for i in range(1, rows + 1):
            customer = f"c{rng.randrange(rows // 10 + 1)}"
            day = (start + timedelta(days=rng.randrange(700))).isoformat()
            amount = f"{rng.randrange(100, 50000) / 100:.2f}"
            if bad_every and i % bad_every == 0:
                writer.writerow([customer, day, "not-a-number"] if i % 2 else ["", day, amount])
                continue
            writer.writerow([customer, day, amount])
            valid += 1
    return valid
