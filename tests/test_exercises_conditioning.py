"""Tests for dlbook.exercises.conditioning: the checker accepts right answers and rejects wrong ones."""
import numpy as np
import pytest

from dlbook import objectives, optim
from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.conditioning import _optimal_step, check_optimal_step


def test_reference_minimises_the_contraction_factor_on_a_grid():
    rng = np.random.default_rng(0)
    for _ in range(5):
        lam = rng.uniform(0.1, 50.0, size=6)
        eta, rho = _optimal_step(lam)
        grid = np.linspace(1e-6, 2.0 / lam.max(), 200_001)
        rates = np.max(np.abs(1.0 - grid[:, None] * lam), axis=1)
        assert rates.min() >= rho - 1e-12
        assert grid[rates.argmin()] == pytest.approx(eta, abs=2 * (grid[1] - grid[0]))
        assert np.max(np.abs(1.0 - eta * lam)) == pytest.approx(rho, rel=1e-12)


def test_reference_rate_is_the_measured_rate_of_gradient_descent():
    q = objectives.Quadratic.from_eigenvalues([2.0, 18.0], minimum=[2.0, 3.0])
    eta, rho = _optimal_step([2.0, 18.0])
    assert (eta, rho) == pytest.approx((0.1, 0.8))
    path = objectives.trajectory(q, optim.SGD, [0.0, 0.0], 30, lr=eta)
    err = np.linalg.norm(path - q.minimum, axis=1)
    np.testing.assert_allclose(err[1:] / err[:-1], rho, rtol=1e-8)


def test_check_optimal_step_accepts_and_rejects():
    assert "match" in check_optimal_step(_optimal_step)
    assert "match" in check_optimal_step(lambda lam: (2 / (np.min(lam) + np.max(lam)),
                                                      (np.ptp(lam)) / (np.min(lam) + np.max(lam))))
    wrong = [
        lambda lam: (1 / np.max(lam), 1 - np.min(lam) / np.max(lam)),       # the "safe" step
        lambda lam: (2 / (lam[0] + lam[-1]), abs(lam[-1] - lam[0]) / (lam[0] + lam[-1])),  # unsorted
        lambda lam: [2 / (lam.min() + lam.max()), 0.0],                      # not a tuple
        lambda lam: (2 / (lam.min() + lam.max()), (lam.max() - lam.min()) / (lam.max() + lam.min()), 0),
    ]
    for fn in wrong:
        with pytest.raises(ExerciseCheckError):
            check_optimal_step(fn)
