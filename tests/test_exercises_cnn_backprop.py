"""The CNN-backprop exercise checkers accept correct answers and reject the classic slips."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.cnn_backprop import (check_conv_backward, check_max_pool_backward,
                                           reference_conv_backward,
                                           reference_max_pool_backward)
from dlbook.gradcheck import check_gradient


def loop_conv_backward(x, w, g, *, flip=True):
    """Loop version of the two formulas; ``flip=False`` injects the unflipped-kernel slip."""
    kh, kw = w.shape
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    for i in range(g.shape[0]):
        for j in range(g.shape[1]):
            dw += g[i, j] * x[i:i + kh, j:j + kw]
            dx[i:i + kh, j:j + kw] += g[i, j] * (w if flip else w[::-1, ::-1])
    return dx, dw


def loop_max_pool_backward(x, g, k, *, first=True):
    """Loop version; ``first=False`` sends the gradient to every tied maximum."""
    dx = np.zeros_like(x)
    for i in range(g.shape[0]):
        for j in range(g.shape[1]):
            win = x[i * k:(i + 1) * k, j * k:(j + 1) * k]
            if first:
                p, q = np.unravel_index(np.argmax(win), win.shape)
                dx[i * k + p, j * k + q] += g[i, j]
            else:
                dx[i * k:(i + 1) * k, j * k:(j + 1) * k] += g[i, j] * (win == win.max())
    return dx


def test_conv_checker_accepts_loops():
    assert check_conv_backward(loop_conv_backward).endswith("cases match")


def test_conv_checker_rejects_unflipped_kernel():
    with pytest.raises(ExerciseCheckError):
        check_conv_backward(lambda x, w, g: loop_conv_backward(x, w, g, flip=False))


def test_conv_checker_rejects_swapped_outputs():
    with pytest.raises(ExerciseCheckError):
        check_conv_backward(lambda x, w, g: loop_conv_backward(x, w, g)[::-1])


def test_conv_reference_matches_finite_differences():
    rng = np.random.default_rng(0)
    x, w, g = rng.normal(size=(5, 4)), rng.normal(size=(2, 3)), rng.normal(size=(4, 2))
    dx, dw = reference_conv_backward(x, w, g)

    def cost():
        kh, kw = w.shape
        return sum(g[i, j] * np.sum(w * x[i:i + kh, j:j + kw])
                   for i in range(g.shape[0]) for j in range(g.shape[1]))

    check_gradient(cost, x, dx)
    check_gradient(cost, w, dw)


def test_conv_reference_validates_shapes():
    with pytest.raises(ValueError, match="grad_output must have shape"):
        reference_conv_backward(np.zeros((4, 4)), np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="2-D array"):
        reference_conv_backward(np.zeros((1, 4, 4)), np.zeros((2, 2)), np.zeros((3, 3)))


def test_pool_checker_accepts_first_maximum():
    assert check_max_pool_backward(loop_max_pool_backward).endswith("cases match")


def test_pool_checker_rejects_every_maximum_with_a_hint():
    with pytest.raises(ExerciseCheckError, match="first maximum"):
        check_max_pool_backward(lambda x, g, k: loop_max_pool_backward(x, g, k, first=False))


def test_pool_checker_rejects_average_spreading():
    def spread(x, g, k):
        dx = np.zeros_like(x)
        h, w = g.shape
        dx[:h * k, :w * k] = np.kron(g, np.ones((k, k))) / k ** 2
        return dx

    with pytest.raises(ExerciseCheckError):
        check_max_pool_backward(spread)


def test_pool_reference_routes_to_first_maximum():
    x = np.array([[1.0, 3.0], [3.0, 0.0]])
    assert np.array_equal(reference_max_pool_backward(x, np.array([[2.0]]), 2),
                          [[0.0, 2.0], [0.0, 0.0]])
