"""Tests for dlbook.exercises.regularization: the checkers accept right answers, reject wrong ones."""
import itertools

import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.regularization import (_dropout_ridge_reference, _l1_minimizer_reference,
                                             check_dropout_ridge, check_l1_minimizer)


def test_l1_reference_minimises_the_cost_on_a_grid():
    lam = np.array([2.0, 0.5, 0.05, 1.0])
    w_star = np.array([-1.0, 0.3, 2.0, 0.2])
    alpha = 0.25
    grid = np.linspace(-3, 3, 600001)                       # spacing 1e-5
    cost = 0.5 * lam[:, None] * (grid - w_star[:, None]) ** 2 + alpha * np.abs(grid)
    brute = grid[np.argmin(cost, axis=1)]
    np.testing.assert_allclose(_l1_minimizer_reference(lam, w_star, alpha), brute, atol=1e-5)


def test_l1_checker_accepts_the_reference_and_rejects_l2():
    assert "all 5 cases match" in check_l1_minimizer(_l1_minimizer_reference)

    def l2_shrinkage(eigenvalues, w_star, alpha):
        return eigenvalues / (eigenvalues + alpha) * w_star

    with pytest.raises(ExerciseCheckError):
        check_l1_minimizer(l2_shrinkage)

    def no_clipping(eigenvalues, w_star, alpha):      # forgets that w stops at zero
        return w_star - np.sign(w_star) * alpha / eigenvalues

    with pytest.raises(ExerciseCheckError):
        check_l1_minimizer(no_clipping)


def _expected_loss_by_enumeration(X, y, w, p):
    """Mean of ||y - (R*X/(1-p)) w||^2 over every 0/1 mask R, weighted by its probability."""
    n, d = X.shape
    masks = np.array(list(itertools.product([0.0, 1.0], repeat=d)))     # one row's masks
    prob = (1 - p) ** masks.sum(1) * p ** (d - masks.sum(1))
    pred = (masks[:, None, :] * X[None] / (1 - p)) @ w                    # (2^d, n)
    return float(np.sum(prob[:, None] * (y[None] - pred) ** 2))


def test_dropout_ridge_reference_is_the_minimiser_of_the_enumerated_loss():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((7, 3)) * [0.5, 1.0, 2.0]
    y = rng.standard_normal(7)
    p = 0.3
    w = _dropout_ridge_reference(X, y, p)
    # the expected loss is quadratic in w: its finite-difference gradient vanishes at w
    h = 1e-5
    grad = [(_expected_loss_by_enumeration(X, y, w + h * e, p)
             - _expected_loss_by_enumeration(X, y, w - h * e, p)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(grad, 0.0, atol=1e-7)


def test_dropout_ridge_checker_accepts_the_reference_and_rejects_wrong_scalings():
    assert "all 4 cases match" in check_dropout_ridge(_dropout_ridge_reference)

    def keep_for_drop(X, y, p):                   # uses p_keep/(1-p_keep) instead of p/(1-p)
        return _dropout_ridge_reference(X, y, 1 - p)

    def plain_ridge(X, y, p):                      # a penalty not scaled per feature
        return np.linalg.solve(X.T @ X + p / (1 - p) * np.eye(X.shape[1]), X.T @ y)

    for wrong in (keep_for_drop, plain_ridge):
        with pytest.raises(ExerciseCheckError):
            check_dropout_ridge(wrong)
