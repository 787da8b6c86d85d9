"""The trust-region Newton method of the lifetime fits (analytics/clv/trust_region.py):
its step on quadratic models worked by hand, and its search on Rosenbrock's valley."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from patron.analytics.clv.trust_region import Outcome, _step, minimize_trust_region


def test_a_newton_step_inside_the_region_is_taken_whole() -> None:
    # H = diag(1, 2), g = (1, 1): the model's minimum is at -(1, 1/2), |p| = 1.118
    step, on_boundary = _step(np.array([1.0, 1.0]), np.diag([1.0, 2.0]), 2.0)
    assert step == pytest.approx([-1.0, -0.5]) and not on_boundary


@pytest.mark.parametrize("hessian", [[1.0, 2.0], [-1.0, 2.0]], ids=["convex", "indefinite"])
def test_a_step_too_long_or_uphill_stops_on_the_boundary(hessian: list[float]) -> None:
    # the step is -(H + μI)⁻¹ g for one μ >= max(0, -λ₁) with |p| = radius (here 0.5)
    g, h = np.array([1.0, 1.0]), np.diag(hessian)
    step, on_boundary = _step(g, h, 0.5)
    assert on_boundary and np.linalg.norm(step) == pytest.approx(0.5)
    mu = -(g + h @ step) / step  # each component gives μ back: the same for both
    assert mu[0] == pytest.approx(mu[1]) and mu[0] >= max(0.0, -min(hessian))


def test_the_hard_case_steps_along_the_lowest_curvature() -> None:
    # H = diag(-1, 2), g = (0, 1): with μ = 1 the step is (0, -1/3), inside a radius of 1,
    # so the rest of the radius goes along the first axis: (√(1 - 1/9), -1/3)
    step, on_boundary = _step(np.array([0.0, 1.0]), np.diag([-1.0, 2.0]), 1.0)
    assert on_boundary
    assert abs(step[0]) == pytest.approx(np.sqrt(8 / 9)) and step[1] == pytest.approx(-1 / 3)


def rosenbrock(x: np.ndarray) -> float:
    return float(100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2)


def rosenbrock_gradient(x: np.ndarray) -> np.ndarray:
    return np.array([-400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]), 200 * (x[1] - x[0] ** 2)])


def rosenbrock_hessian(x: np.ndarray) -> np.ndarray:
    return np.array([[1200 * x[0] ** 2 - 400 * x[1] + 2, -400 * x[0]], [-400 * x[0], 200.0]])


def search(watch: Callable[[np.ndarray, float], bool]) -> Outcome:
    """Rosenbrock's function from its classic start, (-1.2, 1)."""
    return minimize_trust_region(
        rosenbrock,
        rosenbrock_gradient,
        rosenbrock_hessian,
        np.array([-1.2, 1.0]),
        gtol=1e-9,
        max_iterations=100,
        watch=watch,
    )


def test_the_search_follows_rosenbrocks_valley_to_its_minimum_at_1_1() -> None:
    seen: list[float] = []

    def watch(x: np.ndarray, value: float) -> bool:
        seen.append(value)
        return False

    outcome = search(watch)
    assert outcome.success
    assert outcome.x == pytest.approx([1.0, 1.0], abs=1e-8)
    assert seen == sorted(seen, reverse=True)  # a step is taken only if the value falls
    assert len(seen) == outcome.nit


def test_the_watch_ends_the_search_unconverged() -> None:
    outcome = search(lambda x, value: True)
    assert (outcome.success, outcome.nit) == (False, 1)
