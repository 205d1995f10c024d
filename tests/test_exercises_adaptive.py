"""Tests for dlbook.exercises.adaptive: the checker accepts right answers and rejects wrong ones."""
import math

import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.adaptive import _adam_reference, check_adam_path
from dlbook.objectives import Rosenbrock, trajectory
from dlbook.optim import Adam


def _adam_loop(grad, w0, steps, lr, betas, eps, *, eps_hat=False, correct=True,
               eps_inside=False):
    # Adam written out; the keyword switches produce the usual mistakes and variants
    b1, b2 = betas
    w = np.array(w0, dtype=float)
    m, v = np.zeros_like(w), np.zeros_like(w)
    path = [w.copy()]
    for t in range(1, steps + 1):
        g = grad(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        if eps_hat:        # the paper's cheaper form, eps added to the uncorrected root
            w = w - lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        else:
            m_hat = m / (1 - b1**t) if correct else m
            v_hat = v / (1 - b2**t) if correct else v
            denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
            w = w - lr * m_hat / denom
        path.append(w.copy())
    return np.array(path)


def test_reference_is_dlbook_adam():
    rb = Rosenbrock()
    w0 = np.array([-1.2, 1.0])
    ref = _adam_reference(rb.grad, w0, 300, 0.01, (0.9, 0.999), 1e-8)
    np.testing.assert_allclose(ref, trajectory(rb, Adam, w0, 300, lr=0.01), rtol=1e-12)


def test_reference_is_the_loop():
    rb = Rosenbrock()
    w0 = np.array([0.5, -0.3])
    np.testing.assert_allclose(_adam_reference(rb.grad, w0, 100, 0.03, (0.8, 0.99), 1e-6),
                               _adam_loop(rb.grad, w0, 100, 0.03, (0.8, 0.99), 1e-6),
                               rtol=1e-11, atol=1e-14)


def test_check_adam_path_accepts_the_loop():
    assert "match" in check_adam_path(_adam_loop)


@pytest.mark.parametrize("variant", [dict(eps_hat=True), dict(correct=False),
                                     dict(eps_inside=True)])
def test_check_adam_path_rejects_variants(variant):
    with pytest.raises(ExerciseCheckError):
        check_adam_path(lambda *args: _adam_loop(*args, **variant))


def test_check_adam_path_rejects_wrong_shape_and_swapped_betas():
    with pytest.raises(ExerciseCheckError, match="shape"):      # drops the start point
        check_adam_path(lambda *args: _adam_loop(*args)[1:])
    with pytest.raises(ExerciseCheckError):
        check_adam_path(lambda g, w0, n, lr, betas, eps: _adam_loop(g, w0, n, lr, betas[::-1], eps))


def test_check_adam_path_rejects_modifying_w0():
    def in_place(grad, w0, steps, lr, betas, eps):
        path = _adam_loop(grad, w0, steps, lr, betas, eps)
        w0 += 1.0
        return path

    with pytest.raises(ExerciseCheckError, match="modified"):
        check_adam_path(in_place)
