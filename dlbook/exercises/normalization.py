r"""Self-checks for the exercises of the chapter on input and batch normalization.

* ``check_batchnorm_backward(fn)`` — the backward pass of batch normalization in training mode,
  ``fn(grad_output, x, gamma, eps) -> (dx, dgamma, dbeta)``, compared with
  :class:`dlbook.nn.BatchNorm1d`.
* ``check_fold_batchnorm(fn)`` — folding an evaluation-mode batch normalization into the
  :class:`~dlbook.nn.Linear` layer before it,
  ``fn(weight, bias, running_mean, running_var, gamma, beta, eps) -> (weight', bias')``.

Each prints nothing and returns a one-line verdict, or raises
:class:`~dlbook.exercises.ExerciseCheckError` saying what differs.
"""
import numpy as np

from .. import nn
from . import check_against

__all__ = ["check_batchnorm_backward", "check_fold_batchnorm"]


def _batchnorm(gamma, eps, *, beta=None, running_mean=None, running_var=None):
    """A BatchNorm1d with the given affine parameters (and running statistics)."""
    bn = nn.BatchNorm1d(len(gamma), eps=eps)
    bn.weight.data[...] = gamma
    if beta is not None:
        bn.bias.data[...] = beta
    if running_mean is not None:
        bn.running_mean = np.array(running_mean, dtype=np.float64)
        bn.running_var = np.array(running_var, dtype=np.float64)
    return bn


def _backward_reference(grad_output, x, gamma, eps):
    r"""``(dx, dgamma, dbeta)`` of :math:`y = \gamma \hat x + \beta` with batch statistics."""
    bn = _batchnorm(gamma, eps)
    bn.train()
    bn(x)
    dx = bn.backward(grad_output)
    return dx, bn.weight.grad, bn.bias.grad


def check_batchnorm_backward(fn):
    r"""Compare ``fn(grad_output, x, gamma, eps)`` with batch normalization's backward pass.

    ``x`` and ``grad_output`` have shape (N, D), ``gamma`` shape (D,); the statistics are the
    batch mean and the biased batch variance, as in training mode. ``fn`` must return the
    three gradients ``(dx, dgamma, dbeta)`` with shapes (N, D), (D,), (D,).
    """
    rng = np.random.default_rng(599)
    cases = []
    for n, d, eps in ((2, 1, 1e-5), (5, 3, 1e-5), (16, 4, 0.1), (64, 7, 1e-5), (3, 2, 0.0)):
        x = rng.normal(loc=rng.uniform(-3, 3, d), scale=rng.uniform(0.2, 4.0, d), size=(n, d))
        cases.append((rng.standard_normal((n, d)), x, rng.uniform(0.5, 2.0, d), eps))
    return check_against(fn, _backward_reference, cases, name="batchnorm backward",
                         rtol=1e-8, atol=1e-11)


def _fold_reference(weight, bias, running_mean, running_var, gamma, beta, eps):
    r"""Probe the evaluation-mode composite ``BN(Linear(x))``, which is affine in ``x``.

    Its value at :math:`x = 0` is the folded bias, and its value at the unit vector
    :math:`e_j` minus that is column :math:`j` of the folded weight.
    """
    out_features, in_features = weight.shape
    # its random initial weights are overwritten; a private generator leaves the global one alone
    linear = nn.Linear(in_features, out_features, generator=np.random.default_rng(0))
    linear.weight.data[...] = weight
    linear.bias.data[...] = bias
    bn = _batchnorm(gamma, eps, beta=beta, running_mean=running_mean, running_var=running_var)
    model = nn.Sequential(linear, bn).eval()
    probes = np.vstack([np.zeros(in_features), np.eye(in_features)])
    out = model(probes)
    return (out[1:] - out[0]).T, out[0]


def check_fold_batchnorm(fn):
    r"""Compare ``fn(weight, bias, running_mean, running_var, gamma, beta, eps)`` with the
    evaluation-mode composite of a :class:`~dlbook.nn.Linear` layer and a
    :class:`~dlbook.nn.BatchNorm1d`.

    ``weight`` has shape (out, in) and the other arrays shape (out,). ``fn`` must return
    ``(weight', bias')`` such that ``x @ weight'.T + bias'`` equals the composite's output for
    every ``x``.
    """
    rng = np.random.default_rng(599)
    cases = []
    for n_out, n_in, eps in ((1, 1, 1e-5), (3, 5, 1e-5), (8, 4, 0.5), (6, 6, 1e-3)):
        cases.append((rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out),
                      rng.normal(scale=2.0, size=n_out), rng.uniform(0.05, 3.0, n_out),
                      rng.uniform(0.5, 2.0, n_out), rng.standard_normal(n_out), eps))
    return check_against(fn, _fold_reference, cases, name="fold batchnorm", rtol=1e-9,
                         atol=1e-12)
