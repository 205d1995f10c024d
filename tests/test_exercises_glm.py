"""The self-checks of the GLM chapter accept correct answers and reject typical mistakes."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.glm import check_glm_gradient, check_newton_step

TRANSFER = {"linear": lambda z: z, "logistic": lambda z: 1.0 / (1.0 + np.exp(-z)),
            "poisson": np.exp}
DERIVATIVE = {"linear": np.ones_like,
              "logistic": lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2,
              "poisson": np.exp}


def gradient(model, X, y, w):
    return X.T @ (TRANSFER[model](X @ w) - y) / len(y)


def newton(model, X, y, w):
    s = DERIVATIVE[model](X @ w)
    H = X.T @ (s[:, None] * X) / len(y)
    return w - np.linalg.solve(H, gradient(model, X, y, w))


def test_gradient_accepts_a_correct_answer():
    assert "all 12 cases match" in check_glm_gradient(gradient)


def test_gradient_accepts_a_per_example_sum():
    def per_example(model, X, y, w):
        return sum((TRANSFER[model](x @ w) - t) * x for x, t in zip(X, y)) / len(y)
    check_glm_gradient(per_example)


@pytest.mark.parametrize("mistake", ["sum_not_mean", "sign", "identity_link", "factor_two",
                                     "no_transpose"])
def test_gradient_rejects_mistakes(mistake):
    def wrong(model, X, y, w):
        t = TRANSFER["linear" if mistake == "identity_link" else model]
        r = t(X @ w) - y
        if mistake == "sign":
            r = -r
        if mistake == "no_transpose":
            return (r @ X[:, ::-1]) / len(y)
        g = X.T @ r
        if mistake == "factor_two":
            g = 2 * g
        return g if mistake == "sum_not_mean" else g / len(y)
    with pytest.raises(ExerciseCheckError):
        check_glm_gradient(wrong)


def test_newton_accepts_a_correct_answer():
    assert "cases match" in check_newton_step(newton)


@pytest.mark.parametrize("mistake", ["gradient_step", "no_weights", "plus"])
def test_newton_rejects_mistakes(mistake):
    def wrong(model, X, y, w):
        if mistake == "gradient_step":
            return w - gradient(model, X, y, w)
        s = np.ones(len(y)) if mistake == "no_weights" else DERIVATIVE[model](X @ w)
        H = X.T @ (s[:, None] * X) / len(y)
        step = np.linalg.solve(H, gradient(model, X, y, w))
        return w + step if mistake == "plus" else w - step
    with pytest.raises(ExerciseCheckError):
        check_newton_step(wrong)


def test_checking_does_not_touch_the_global_generator(restore_default_generator):
    import dlbook
    dlbook.manual_seed(5)
    before = dlbook.default_generator().bit_generator.state
    check_glm_gradient(gradient)
    assert dlbook.default_generator().bit_generator.state == before
