"""The synthetic customer base behaves like a real one where the analytics look.

The demo, the tests and the benchmarks stand on `patron.synth`; if its customers stopped
concentrating revenue, churning, buying by the season or paying invoices late, the
analytics run on them would have nothing to find. Each property is measured here with
plain pandas on the generated purchases, not through Patron's analytics, with tolerances
that hold for any seed (checked for seeds 1 to 10; the observed ranges are in comments).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from patron.synth import SynthParams, generate

SEED = 7
PARAMS = SynthParams(customers=4000, seed=SEED)


def purchases(params: SynthParams) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (
                p.customer_id,
                p.order_id,
                p.occurred_at,
                float(p.amount),
                p.payment_method,
                p.invoice_due_at,
                p.paid_at,
            )
            for p in generate(params)
        ],
        columns=["customer", "order", "at", "amount", "payment", "due", "paid"],
    )


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return purchases(PARAMS)


def weeks_in(frame: pd.DataFrame) -> pd.Series:
    return (frame["at"] - PARAMS.start) / pd.Timedelta(weeks=1)


def test_the_same_seed_gives_the_same_base_and_another_seed_another() -> None:
    small = SynthParams(customers=50, seed=3)
    first, again = purchases(small), purchases(small)
    other = purchases(SynthParams(customers=50, seed=4))
    pd.testing.assert_frame_equal(first, again)
    assert not first[["order", "at", "amount"]].equals(other[["order", "at", "amount"]])


def test_every_customer_buys_within_the_period_and_order_ids_are_unique(
    base: pd.DataFrame,
) -> None:
    assert base["customer"].nunique() == PARAMS.customers  # each buys at least once
    assert base["order"].is_unique
    weeks = weeks_in(base)
    assert weeks.min() >= 0 and weeks.max() < PARAMS.weeks
    first = weeks_in(base.sort_values("at").drop_duplicates("customer"))
    assert first.max() < PARAMS.acquisition_weeks  # customers arrive in the first 78 weeks


def test_a_fifth_of_the_customers_bring_most_of_the_revenue(base: pd.DataFrame) -> None:
    """Pareto: the top 20% of customers by revenue hold well over half of it (0.72-0.77
    observed; 0.59 when every basket costs the same and only the buying rates differ)."""
    revenue = base.groupby("customer")["amount"].sum().sort_values(ascending=False)
    top = revenue.iloc[: len(revenue) // 5].sum() / revenue.sum()
    assert top >= 0.65


def test_customers_stop_buying(base: pd.DataFrame) -> None:
    """Churn: the customers who arrived in the first 13 weeks buy about half as often in
    weeks 65-104 as in weeks 13-52 (0.48-0.67 observed). The two windows are 52 weeks
    apart, so they cover the same seasons: without drop-out the ratio would be about 1."""
    first = base.groupby("customer")["at"].min()
    cohort = first[first < PARAMS.start + timedelta(weeks=13)].index
    bought = base[base["customer"].isin(cohort)]
    weeks = weeks_in(bought)
    early = int(((weeks >= 13) & (weeks < 52)).sum())
    late = int(((weeks >= 65) & (weeks < 104)).sum())
    assert len(cohort) >= 400 and early >= 300
    assert late / early <= 0.8
    # and some customers are gone for good: the cohort's buyers of the first window
    # who never come back in the second
    early_buyers = set(bought.loc[(weeks >= 13) & (weeks < 52), "customer"])
    late_buyers = set(bought.loc[(weeks >= 65) & (weeks < 104), "customer"])
    assert len(early_buyers - late_buyers) / len(early_buyers) >= 0.5


def test_revenue_peaks_in_winter(base: pd.DataFrame) -> None:
    """Seasonality: monthly revenue divided by its centred 2x12 moving average (the
    classical decomposition's seasonal index) is high from November to January, around
    synth's 16 December peak, and low from May to July (1.32-1.57 against 0.56-0.80
    observed; with no seasonality both are about 1)."""
    monthly = base.set_index("at")["amount"].resample("MS").sum().iloc[:24]
    weights = np.r_[0.5, np.ones(11), 0.5] / 12
    trend = np.convolve(monthly.to_numpy(), weights, mode="valid")  # months 6 to 17
    index = pd.Series(monthly.iloc[6:18].to_numpy() / trend, index=monthly.index[6:18])
    by_month = index.groupby(index.index.month).mean()
    winter, summer = by_month[[11, 12, 1]].mean(), by_month[[5, 6, 7]].mean()
    assert winter >= 1.2 and summer <= 0.9
    assert winter / summer >= 1.6


def test_b2b_customers_pay_invoices_late_by_habit(base: pd.DataFrame) -> None:
    """Payment delays: B2B customers (about 8%) pay by invoice, due 30 days after the
    purchase; some pay late as a habit, others early (about half of the invoices are
    late; 0.45-0.54 observed)."""
    invoices = base[base["payment"] == "invoice"]
    others = base[base["payment"] != "invoice"]
    assert others["due"].isna().all() and others["paid"].isna().all()
    b2b = invoices["customer"].unique()
    assert 0.06 <= len(b2b) / PARAMS.customers <= 0.10
    assert not set(b2b) & set(others["customer"])
    assert (invoices["due"] - invoices["at"] == pd.Timedelta(days=30)).all()
    delay = (invoices["paid"] - invoices["due"]) / pd.Timedelta(days=1)
    late = delay > 0
    assert 0.3 <= late.mean() <= 0.7
    assert delay[late].median() >= 5  # late by days, not by seconds
    # a habit: most repeat B2B customers are nearly always late or nearly always on time
    per_customer = late.groupby(invoices["customer"]).agg(["mean", "size"])
    repeat = per_customer[per_customer["size"] >= 3]["mean"]
    assert len(repeat) >= 30
    assert (repeat >= 0.8).mean() >= 0.2 and (repeat <= 0.2).mean() >= 0.2
