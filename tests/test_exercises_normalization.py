"""Tests for dlbook.exercises.normalization: the checkers accept right answers and reject wrong
ones, and their references agree with formulas written out here."""
import numpy as np
import pytest

from dlbook import nn
from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.normalization import (_backward_reference, _fold_reference,
                                            check_batchnorm_backward, check_fold_batchnorm)


def _backward_formula(grad_output, x, gamma, eps):
    # dx = (1/sigma) (dxh - mean(dxh) - xh * mean(dxh * xh)), dxh = gamma * g
    mu, var = x.mean(axis=0), x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    dx_hat = grad_output * gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return dx, np.sum(grad_output * x_hat, axis=0), np.sum(grad_output, axis=0)


def _backward_fixed_statistics(grad_output, x, gamma, eps):
    # forgets that the mean and variance depend on x
    inv_std = 1.0 / np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - x.mean(axis=0)) * inv_std
    return grad_output * gamma * inv_std, np.sum(grad_output * x_hat, axis=0), grad_output.sum(0)


def _backward_unbiased(grad_output, x, gamma, eps):
    # normalises with the unbiased variance
    n = len(x)
    var = x.var(axis=0) * n / (n - 1)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - x.mean(axis=0)) * inv_std
    dx_hat = grad_output * gamma
    proj = x_hat * (dx_hat * x_hat).mean(axis=0) * (n - 1) / n
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - proj)
    return dx, np.sum(grad_output * x_hat, axis=0), np.sum(grad_output, axis=0)


def _fold_formula(weight, bias, running_mean, running_var, gamma, beta, eps):
    scale = gamma / np.sqrt(running_var + eps)
    return weight * scale[:, None], scale * (bias - running_mean) + beta


def test_backward_reference_matches_formula():
    rng = np.random.default_rng(0)
    x, g, gamma = rng.normal(2.0, 3.0, (9, 4)), rng.standard_normal((9, 4)), rng.uniform(1, 2, 4)
    for got, want in zip(_backward_reference(g, x, gamma, 1e-3),
                         _backward_formula(g, x, gamma, 1e-3)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_check_batchnorm_backward_accepts_and_rejects():
    assert "match" in check_batchnorm_backward(_backward_formula)
    with pytest.raises(ExerciseCheckError):
        check_batchnorm_backward(_backward_fixed_statistics)
    with pytest.raises(ExerciseCheckError):
        check_batchnorm_backward(_backward_unbiased)
    with pytest.raises(ExerciseCheckError, match="returned 1 values"):
        check_batchnorm_backward(lambda g, x, gamma, eps: _backward_formula(g, x, gamma, eps)[0])


def test_fold_reference_matches_formula_and_module():
    rng = np.random.default_rng(1)
    args = (rng.standard_normal((3, 5)), rng.standard_normal(3), rng.standard_normal(3),
            rng.uniform(0.1, 2, 3), rng.uniform(0.5, 2, 3), rng.standard_normal(3), 1e-5)
    for got, want in zip(_fold_reference(*args), _fold_formula(*args)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    weight, bias = _fold_formula(*args)
    linear = nn.Linear(5, 3, generator=np.random.default_rng(2))
    linear.weight.data[...], linear.bias.data[...] = args[0], args[1]
    bn = nn.BatchNorm1d(3, eps=args[6])
    bn.running_mean, bn.running_var = args[2].copy(), args[3].copy()
    bn.weight.data[...], bn.bias.data[...] = args[4], args[5]
    x = rng.standard_normal((7, 5))
    np.testing.assert_allclose(nn.Sequential(linear, bn).eval()(x), x @ weight.T + bias,
                               rtol=1e-12, atol=1e-13)


def test_fold_reference_leaves_global_generator_alone():
    from dlbook.random import default_generator
    state = default_generator().bit_generator.state
    check_fold_batchnorm(_fold_formula)
    assert default_generator().bit_generator.state == state


def test_check_fold_batchnorm_accepts_and_rejects():
    assert "match" in check_fold_batchnorm(_fold_formula)
    with pytest.raises(ExerciseCheckError):     # forgets epsilon
        check_fold_batchnorm(lambda w, b, m, v, g, be, eps: _fold_formula(w, b, m, v, g, be, 0.0))
    with pytest.raises(ExerciseCheckError):     # forgets the old bias
        check_fold_batchnorm(lambda w, b, m, v, g, be, eps: _fold_formula(w, 0 * b, m, v, g, be,
                                                                          eps))
    with pytest.raises(ExerciseCheckError, match="shape"):   # bias as a column
        check_fold_batchnorm(lambda *args: (_fold_formula(*args)[0],
                                            _fold_formula(*args)[1][:, None]))
