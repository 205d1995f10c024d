"""dlbook.gradcheck: the finite-difference checker itself must be exact where it can be and
must catch wrong gradients."""
import numpy as np
import pytest

from dlbook import nn
from dlbook.gradcheck import (GradientCheckError, check_gradient, check_module,
                              numerical_gradient, relative_error)


def _quadratic(rng, n=6):
    m = rng.normal(size=(n, n))
    a = m + m.T
    b = rng.normal(size=n)
    x = rng.normal(size=n)
    return a, b, x


def test_numerical_gradient_of_quadratic_is_exact(rng):
    """Central differences have no truncation error on a quadratic: only rounding remains."""
    a, b, x = _quadratic(rng)
    grad = numerical_gradient(lambda: 0.5 * x @ a @ x + b @ x, x)
    np.testing.assert_allclose(grad, a @ x + b, rtol=0, atol=1e-8)


def test_numerical_gradient_matrix_argument_and_restores_x(rng):
    w = rng.normal(size=(3, 4))
    v = rng.normal(size=4)
    u = rng.normal(size=3)
    before = w.copy()
    grad = numerical_gradient(lambda: u @ w @ v + np.sum(w ** 2), w)
    np.testing.assert_allclose(grad, np.outer(u, v) + 2 * w, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(w, before)


def test_check_gradient_passes_right_and_catches_wrong(rng):
    a, b, x = _quadratic(rng)
    f = lambda: 0.5 * x @ a @ x + b @ x  # noqa: E731
    err = check_gradient(f, x, a @ x + b)
    assert 0 <= err < 1e-7
    with pytest.raises(GradientCheckError, match="relative error"):
        check_gradient(f, x, a @ x)                 # forgot the linear term
    with pytest.raises(GradientCheckError, match="gradient of w"):
        check_gradient(f, x, 2 * (a @ x + b), name="w")   # off by a factor 2
    assert issubclass(GradientCheckError, AssertionError)


def test_check_gradient_absolute_floor_for_tiny_gradients():
    """A gradient that is correctly ~0 passes despite finite-difference noise (atol), while a
    real mistake far above the floor is still caught."""
    x = np.array([1.0, 2.0])
    f = lambda: 1e-3 * float(np.sum(x))  # noqa: E731
    check_gradient(f, x, np.full(2, 1e-3))
    check_gradient(f, x, np.full(2, 1e-3 + 5e-9))
    with pytest.raises(GradientCheckError):
        check_gradient(f, x, np.full(2, 2e-3))


def test_check_gradient_catches_a_single_wrong_entry():
    x = np.array([0.3, -1.2, 2.0])
    f = lambda: float(np.sum(np.sin(x)))  # noqa: E731
    good = np.cos(x)
    check_gradient(f, x, good)
    bad = good.copy()
    bad[1] += 1e-3
    with pytest.raises(GradientCheckError):
        check_gradient(f, x, bad)


def test_check_gradient_shape_mismatch():
    x = np.zeros(3)
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        check_gradient(lambda: float(np.sum(x)), x, np.zeros(2))


def test_numerical_gradient_input_errors():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32))
    with pytest.raises(TypeError):
        numerical_gradient(lambda: 0.0, [0.0, 1.0])
    with pytest.raises(ValueError, match="contiguous"):
        numerical_gradient(lambda: 0.0, np.zeros((3, 4)).T)


def test_relative_error_by_hand():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    # max-norm relative error: max|a-b| / max(max|a|, max|b|)
    assert relative_error([1.0], [3.0]) == pytest.approx(2 / 3)
    assert relative_error([1.0, 10.0], [1.5, 10.0]) == pytest.approx(0.05)
    assert relative_error([0.0, 1e-20], [0.0, 0.0]) == pytest.approx(1e-8)  # floor 1e-12
    assert relative_error(np.zeros(0), np.zeros(0)) == 0.0
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))


def test_check_module_passes_correct_layers(rng):
    errors = check_module(nn.Linear(3, 2, generator=rng), rng.normal(size=(4, 3)), generator=rng)
    assert set(errors) == {"input", "weight", "bias"}
    assert all(e < 1e-6 for e in errors.values())


class _WrongInputGrad(nn.Linear):
    def backward(self, grad_output):
        return 0.5 * super().backward(grad_output)


class _WrongWeightGrad(nn.Linear):
    def backward(self, grad_output):
        dx = super().backward(grad_output)
        self.weight.grad = self.weight.grad.T.T * 1.01
        return dx


@pytest.mark.parametrize("cls,which", [(_WrongInputGrad, "input"), (_WrongWeightGrad, "weight")])
def test_check_module_catches_wrong_backward(cls, which, rng):
    with pytest.raises(GradientCheckError, match=which):
        check_module(cls(3, 2, generator=rng), rng.normal(size=(4, 3)), generator=rng)
