"""The self-checks of the MMSE chapter accept correct answers and reject typical mistakes."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.mmse import check_affine_mmse, check_lms


def lms_loop(X, y, lr, w0):
    w, out = np.array(w0, dtype=float), [np.array(w0, dtype=float)]
    for x_n, y_n in zip(X, y):
        w = w + lr * (y_n - w @ x_n) * x_n
        out.append(w)
    return np.array(out)


def test_lms_accepts_a_correct_answer():
    assert "all 4 cases match" in check_lms(lms_loop)


@pytest.mark.parametrize("mistake", ["sign", "factor_two", "no_initial_row", "stale_weights",
                                     "batch_gradient"])
def test_lms_rejects_mistakes(mistake):
    def wrong(X, y, lr, w0):
        if mistake == "batch_gradient":                      # steepest descent on the samples
            w, out = np.array(w0, dtype=float), [np.array(w0, dtype=float)]
            for _ in range(len(y)):
                w = w + lr * X.T @ (y - X @ w) / len(y)
                out.append(w)
            return np.array(out)
        w, out = np.array(w0, dtype=float), [np.array(w0, dtype=float)]
        for x_n, y_n in zip(X, y):
            e = y_n - (np.asarray(w0) if mistake == "stale_weights" else w) @ x_n
            step = {"sign": -lr, "factor_two": 2 * lr}.get(mistake, lr)
            w = w + step * e * x_n
            out.append(w)
        out = np.array(out)
        return out[1:] if mistake == "no_initial_row" else out
    with pytest.raises(ExerciseCheckError):
        check_lms(wrong)


def test_affine_accepts_a_correct_answer():
    def affine(K_x, K_yx, m_x, m_y):
        F = K_yx @ np.linalg.inv(K_x)
        return F, m_y - F @ m_x
    assert "all 4 cases match" in check_affine_mmse(affine)


@pytest.mark.parametrize("mistake", ["returns_F_transposed", "no_bias_correction",
                                     "diagonal_only"])
def test_affine_rejects_mistakes(mistake):
    def wrong(K_x, K_yx, m_x, m_y):
        F = K_yx @ np.linalg.inv(K_x)
        if mistake == "returns_F_transposed":                  # K_x^{-1} K_xy, shape (D, M)
            F = np.linalg.inv(K_x) @ K_yx.T
        if mistake == "diagonal_only":                         # ignores correlations in x
            F = K_yx / np.diag(K_x)
        b = m_y if mistake == "no_bias_correction" else m_y - K_yx @ np.linalg.solve(K_x, m_x)
        return F, b
    with pytest.raises(ExerciseCheckError):
        check_affine_mmse(wrong)
