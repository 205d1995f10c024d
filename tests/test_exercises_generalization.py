"""The self-check of the generalization chapter accepts correct answers and rejects typical
mistakes."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.generalization import check_loocv_ridge


def loocv_shortcut(X, y, lam):
    H = X @ np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T)
    residuals = (y - H @ y) / (1.0 - np.diag(H))
    return float(np.mean(residuals ** 2))


def loocv_brute_force(X, y, lam):
    errors = []
    for n in range(len(X)):
        keep = np.arange(len(X)) != n
        w = np.linalg.solve(X[keep].T @ X[keep] + lam * np.eye(X.shape[1]), X[keep].T @ y[keep])
        errors.append((X[n] @ w - y[n]) ** 2)
    return float(np.mean(errors))


def test_accepts_the_shortcut():
    assert "all 5 cases match" in check_loocv_ridge(loocv_shortcut)


def test_accepts_brute_force():
    check_loocv_ridge(loocv_brute_force)


@pytest.mark.parametrize("mistake", ["training_error", "no_leverage", "sum", "root"])
def test_rejects_mistakes(mistake):
    def wrong(X, y, lam):
        H = X @ np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T)
        r = y - H @ y
        if mistake == "training_error":
            return float(np.mean(r ** 2))
        if mistake == "no_leverage":
            return float(np.mean((r / (1.0 - np.diag(H).mean())) ** 2))
        r = r / (1.0 - np.diag(H))
        if mistake == "sum":
            return float(np.sum(r ** 2))
        return float(np.sqrt(np.mean(r ** 2)))
    with pytest.raises(ExerciseCheckError):
        check_loocv_ridge(wrong)
