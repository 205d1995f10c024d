"""Tests for dlbook.exercises.momentum: the checker accepts right answers and rejects wrong ones."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.momentum import _heavy_ball_reference, check_heavy_ball
from dlbook.objectives import Quadratic, Rosenbrock, trajectory
from dlbook.optim import SGD


def _heavy_ball_loop(grad, w0, lrs, momentum):
    # the notes' form, written out: v <- a v - lr_t grad(p); p <- p + v, from v = 0
    p = np.array(w0, dtype=float)
    v = np.zeros_like(p)
    path = [p.copy()]
    for lr in lrs:
        v = momentum * v - lr * grad(p)
        p = p + v
        path.append(p.copy())
    return np.array(path)


def _buffer_form(grad, w0, lrs, momentum):
    # PyTorch's form: b <- a b + grad(p); p <- p - lr_t b (differs once the rate changes)
    p = np.array(w0, dtype=float)
    b = np.zeros_like(p)
    path = [p.copy()]
    for lr in lrs:
        b = momentum * b + grad(p)
        p = p - lr * b
        path.append(p.copy())
    return np.array(path)


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9, 0.99])
def test_reference_is_the_notes_loop(momentum):
    bowl = Quadratic.from_eigenvalues([0.5, 3.0, 40.0], minimum=[1.0, -2.0, 0.5])
    lrs = [0.04] * 15 + [0.01] * 15 + [0.002] * 10
    w0 = np.array([3.0, 1.0, -1.0])
    np.testing.assert_allclose(_heavy_ball_reference(bowl.grad, w0, lrs, momentum),
                               _heavy_ball_loop(bowl.grad, w0, lrs, momentum),
                               rtol=1e-12, atol=1e-14)


def test_reference_equals_sgd_for_a_constant_rate():
    rb = Rosenbrock()
    w0 = np.array([-1.2, 1.0])
    ref = _heavy_ball_reference(rb.grad, w0, [1e-3] * 200, 0.9)
    sgd = trajectory(rb, SGD, w0, 200, lr=1e-3, momentum=0.9)
    np.testing.assert_allclose(ref, sgd, rtol=1e-12, atol=1e-14)


def test_reference_differs_from_sgd_after_a_rate_change():
    bowl = Quadratic.from_eigenvalues([1.0, 25.0])
    w0 = np.array([-4.0, 1.5])
    lrs = [0.05] * 10 + [0.005] * 10
    ref = _heavy_ball_reference(bowl.grad, w0, lrs, 0.9)
    other = _buffer_form(bowl.grad, w0, lrs, 0.9)
    np.testing.assert_allclose(ref[:11], other[:11], rtol=1e-12)
    assert np.max(np.abs(ref[11:] - other[11:])) > 1e-2


def test_check_heavy_ball_accepts_and_rejects():
    assert "match" in check_heavy_ball(_heavy_ball_loop)
    with pytest.raises(ExerciseCheckError):             # PyTorch's form under a schedule
        check_heavy_ball(_buffer_form)
    with pytest.raises(ExerciseCheckError):             # forgets the momentum
        check_heavy_ball(lambda g, w0, lrs, m: _heavy_ball_loop(g, w0, lrs, 0.0))
    with pytest.raises(ExerciseCheckError, match="shape"):      # drops the start point
        check_heavy_ball(lambda g, w0, lrs, m: _heavy_ball_loop(g, w0, lrs, m)[1:])


def test_check_heavy_ball_rejects_modifying_w0():
    def in_place(grad, w0, lrs, momentum):
        p, v, path = w0, np.zeros_like(w0), [w0.copy()]
        for lr in lrs:
            v = momentum * v - lr * grad(p)
            p += v
            path.append(p.copy())
        return np.array(path)

    with pytest.raises(ExerciseCheckError, match="modified"):
        check_heavy_ball(in_place)
