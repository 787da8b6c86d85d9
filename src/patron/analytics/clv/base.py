"""The scikit-learn-like shape every lifetime model shares: `fit()` returns self and the
fitted attributes end in an underscore.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import ArrayLike

from patron.analytics.clv.data import RFT, Array, ModelNotIdentified
from patron.analytics.clv.fitting import Fit, Objective, maximize, summed


class FittedModel:
    """Parameters, standard errors and log-likelihood of a maximum-likelihood fit."""

    name: ClassVar[str]
    param_names: ClassVar[tuple[str, ...]]

    def __init__(self) -> None:
        self.params_: dict[str, float] = {}
        self.standard_errors_: dict[str, float] = {}
        self.log_likelihood_: float = float("nan")
        self.n_customers_: int = 0

    def _store(self, fit: Fit, n: int) -> None:
        self.params_ = dict(zip(self.param_names, map(float, fit.params), strict=True))
        self.standard_errors_ = dict(
            zip(self.param_names, map(float, fit.standard_errors), strict=True)
        )
        self.log_likelihood_ = fit.log_likelihood
        self.n_customers_ = n

    @property
    def weakly_identified_(self) -> list[str]:
        """Parameters whose standard error exceeds the estimate: the data pins them down
        poorly. Small samples do that to BG/NBD's b; on a likelihood ridge (Pareto/NBD's
        s and beta growing together when drop-out shows no heterogeneity) the estimates
        are a limit case, not values."""
        return [n for n, v in self.params_.items() if self.standard_errors_[n] > abs(v)]

    def _params(self) -> Array:
        if not self.params_:
            raise ModelNotIdentified(f"{self.name}: fit the model first")
        return np.array([self.params_[n] for n in self.param_names])

    def summary(self) -> dict[str, Any]:
        return {
            "model": self.name,
            "params": self.params_,
            "standard_errors": self.standard_errors_,
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "weakly_identified": self.weakly_identified_,
        }


class PurchaseModel(FittedModel):
    """A model of repeat purchases fitted on (frequency, recency, T)."""

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        data = RFT.of(frequency, recency, T, weights)
        if not np.any(data.x > 0):
            raise ModelNotIdentified(
                f"{self.name}: no customer made a repeat purchase; the model cannot be fitted"
            )
        objective = self._objective(data)
        fit = maximize(objective, self._start(data), self.param_names, data.n_customers)
        self._store(fit, data.n_customers)
        return self

    def _objective(self, data: RFT) -> Objective:
        """By default: the per-row likelihood summed over the unique (x, t_x, T) rows."""
        unique = data.compress()
        return summed(lambda p: self.loglik(p, unique), unique.weights)

    def _start(self, data: RFT) -> Array:
        return np.ones(len(self.param_names))

    def loglik(self, params: Array, data: RFT) -> tuple[Array, Array]:
        raise NotImplementedError

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Array:
        raise NotImplementedError

    def expected_purchases(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Array:
        raise NotImplementedError
