"""Recency-frequency data, checked up front and compressed to sufficient statistics.

The purchase models need only each customer's (frequency x, recency t_x, age T); many
customers share the same triple, so fitting on the unique triples with their counts costs
the same for a thousand customers or ten million (DESIGN.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from patron.domain.errors import InvalidInput, PatronError

Array = NDArray[np.float64]
Scalar = TypeVar("Scalar", bound=np.generic)


class ModelNotIdentified(PatronError):
    """The data cannot pin the model's parameters down (instead of returning NaNs)."""

    code = "model_not_identified"


def _column(name: str, values: ArrayLike) -> Array:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise InvalidInput(f"{name} must be one-dimensional")
    if not np.all(np.isfinite(array)):
        raise InvalidInput(f"{name} has missing, non-numeric or infinite values")
    return array


@dataclass(frozen=True)
class RFT:
    """Frequency (repeat purchases), recency and age, with a weight (count) per row."""

    x: Array
    t_x: Array
    T: Array
    weights: Array

    @classmethod
    def of(
        cls,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> RFT:
        x, t_x, age = (
            _column(n, v) for n, v in (("frequency", frequency), ("recency", recency), ("T", T))
        )
        w = np.ones_like(x) if weights is None else _column("weights", weights)
        if not (len(x) == len(t_x) == len(age) == len(w)):
            raise InvalidInput("frequency, recency, T (and weights) must have the same length")
        if len(x) == 0:
            raise InvalidInput("no customers to fit")
        if np.any(x < 0) or np.any(x != np.floor(x)):
            raise InvalidInput("frequency must be a non-negative whole number")
        if np.any(t_x < 0) or np.any(t_x > age):
            raise InvalidInput("recency must lie between 0 and T")
        if np.any(age < 0):
            raise InvalidInput("T (customer age) must not be negative")
        if np.any((x == 0) & (t_x != 0)):
            raise InvalidInput("recency must be 0 for customers without repeat purchases")
        if np.any(w < 0):
            raise InvalidInput("weights must not be negative")
        if not w.sum() > 0:
            raise InvalidInput("the weights add up to no customer: nothing to fit")
        return cls(x, t_x, age, w)

    def compress(self) -> RFT:
        """Unique (x, t_x, T) triples with summed weights: the sufficient statistics."""
        rows = distinct_rows(
            (factorize(self.x), factorize(self.t_x), factorize(self.T)), self.weights
        )
        return RFT(rows.x[rows.ix], rows.t_x[rows.it], rows.T[rows.iT], rows.weights)

    @property
    def n_customers(self) -> int:
        return int(round(float(self.weights.sum())))

    @property
    def typical_T(self) -> float:
        """The mean age to three significant digits, for start values: a sum's last bits
        depend on the order of its terms, and a start that did would make the same
        customers, listed otherwise or counted, take another path to the optimum."""
        return float(f"{np.average(self.T, weights=self.weights):.3g}")


Coded = tuple[NDArray[np.int64], Array]  # codes into distinct values, the distinct values


@dataclass(frozen=True)
class DistinctRows:
    """Distinct (x, t_x, T) rows, each column's distinct values and every row's codes
    into them, with the rows' summed weights."""

    x: Array
    t_x: Array
    T: Array
    ix: NDArray[np.int64]
    it: NDArray[np.int64]
    iT: NDArray[np.int64]
    weights: Array


def distinct_rows(columns: tuple[Coded, Coded, Coded], weights: Array) -> DistinctRows:
    """The three columns' codes make one integer key per row, and the distinct keys are
    the distinct rows (in key order: by x, then t_x, then T, whatever the input order)."""
    (cx, ux), (ct, ut), (cT, uT) = columns
    key = (cx * len(ut) + ct) * len(uT) + cT
    rows, keys = factorize(key)
    summed = np.bincount(rows, weights=weights, minlength=len(keys)).astype(np.float64)
    ix, rest = np.divmod(keys, len(ut) * len(uT))
    it, iT = np.divmod(rest, len(uT))
    return DistinctRows(ux, ut, uT, ix, it, iT, summed)


def factorize(values: NDArray[Scalar]) -> tuple[NDArray[np.int64], NDArray[Scalar]]:
    """Codes into the distinct values, which come sorted.

    A sort, not pandas' hashing: on a million keys it costs about the same (hashing wins
    only where few values repeat a lot, by some milliseconds), and a command that fits a
    model need not import pandas for it. Sorted distinct values also make the
    compression independent of the input's order, so a fit on counts and a fit on the
    rows they count evaluate the same sums in the same order.
    """
    uniques, codes = np.unique(values, return_inverse=True)
    return np.asarray(codes, dtype=np.int64).reshape(-1), np.asarray(uniques, dtype=values.dtype)
