"""Self-checks for the exercises of the chapter *Generalization*.

Each ``check_*`` calls the reader's function and a reference built from
:mod:`dlbook.model_selection` on the same seeded random cases and returns a one-line verdict, or
raises :class:`~dlbook.exercises.ExerciseCheckError` saying which case differs.
"""
import numpy as np

from .. import model_selection
from . import check_against

__all__ = ["check_loocv_ridge"]


def _reference_loocv_ridge(X, y, lam):
    """Leave-one-out error the slow way: N ridge fits, each without one row."""
    squared_errors = []
    for train, val in model_selection.kfold_indices(len(X), len(X)):
        coef, _ = model_selection.ridge_fit(X[train], y[train], lam, fit_intercept=False)
        squared_errors.append((X[val] @ coef - y[val]) ** 2)
    return float(np.mean(np.concatenate(squared_errors)))


def check_loocv_ridge(fn, *, seed=0):
    r"""Check ``fn(X, y, lam)`` -> the leave-one-out mean squared error of ridge regression.

    ``X`` has shape (N, D), ``y`` shape (N,) and ``lam`` is a float > 0. The model has no
    separate intercept (``ridge_fit(..., fit_intercept=False)``). The answer is one float,
    :math:`\frac1N\sum_n (y_n - \hat y_{-n})^2`, where :math:`\hat y_{-n}` is the prediction for
    row n of the model fitted to the other N − 1 rows.
    """
    rng = np.random.default_rng(seed)  # its own generator: checking never disturbs the reader's
    cases = []
    for n, d, lam in [(6, 2, 0.5), (12, 3, 1e-3), (20, 5, 2.0), (15, 15, 0.1), (30, 40, 1.0)]:
        X = rng.standard_normal((n, d))
        y = X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n)
        cases.append((X, y, lam))
    return check_against(fn, _reference_loocv_ridge, cases, name="loocv_ridge", rtol=1e-6,
                         atol=1e-9)
