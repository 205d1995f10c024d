r"""Finite-difference gradient checks for functions and modules.

Central differences :math:`(f(x+\epsilon e_i) - f(x-\epsilon e_i))/2\epsilon` have error
:math:`O(\epsilon^2)`; in float64 with :math:`\epsilon = 10^{-6}` they agree with a correct
analytic gradient to about 1e-8 relative error, and a wrong one is off by order 1.
"""
import numpy as np

from ._validation import as_float_array
from .autograd import no_grad
from .random import as_generator

__all__ = ["GradientCheckError", "numerical_gradient", "relative_error", "check_gradient",
           "check_module"]


class GradientCheckError(AssertionError):
    """Raised when an analytic gradient disagrees with finite differences."""


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of a scalar function ``f`` at ``x``.

    ``x`` is perturbed in place one element at a time (and restored), so ``f`` may close over
    it, e.g. a parameter array of a module.

    Parameters
    ----------
    f : callable returning a float
    x : ndarray (float64), any shape
    eps : float

    Returns
    -------
    ndarray, same shape as ``x``
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError("numerical_gradient needs a float64 ndarray to perturb in place")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient needs a contiguous array")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = float(f())
        flat[i] = old - eps
        fm = float(f())
        flat[i] = old
        gflat[i] = (fp - fm) / (2.0 * eps)
    return grad


def relative_error(a, b):
    r"""Max-norm relative error :math:`\max|a-b| / \max(\max|a|, \max|b|, 10^{-12})`.

    Measured against the largest gradient entry rather than entry by entry: finite differences
    carry an absolute error of about 1e-10, which would swamp entries that are (correctly)
    almost zero, while any genuine mistake shows up at the scale of the gradient itself.
    """
    a = as_float_array(a, "a")
    b = as_float_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-12)
    return float(np.max(np.abs(a - b))) / scale


def check_gradient(f, x, analytic, *, eps=1e-6, tol=1e-6, atol=1e-8, name="x"):
    """Raise :class:`GradientCheckError` unless ``analytic`` matches the numerical gradient.

    Passes when ``max|analytic - numeric| <= atol + tol * max(|analytic|, |numeric|)``: relative
    to the size of the gradient, with an absolute floor ``atol`` for gradients that are
    (correctly) almost zero. Returns the relative error, so a notebook can print or assert it.
    """
    numeric = numerical_gradient(f, x, eps)
    analytic = as_float_array(analytic, "analytic")
    if analytic.shape != x.shape:
        raise ValueError(f"analytic gradient for {name} has shape {analytic.shape}, "
                         f"expected {x.shape}")
    err = relative_error(analytic, numeric)
    diff = float(np.max(np.abs(analytic - numeric), initial=0.0))
    scale = max(float(np.max(np.abs(analytic), initial=0.0)),
                float(np.max(np.abs(numeric), initial=0.0)))
    if not diff <= atol + tol * scale:
        raise GradientCheckError(f"gradient of {name}: max abs difference {diff:.2e}, "
                                 f"relative error {err:.2e} > {tol:.0e}")
    return err


def check_module(module, x, *, eps=1e-6, tol=1e-6, atol=1e-8, generator=None):
    r"""Check a module's input and parameter gradients against finite differences.

    Uses the scalar :math:`C = \sum (\text{module}(x) \odot R)` with a fixed random :math:`R`,
    so every output element contributes with its own weight. Returns a dict of relative errors
    keyed by ``'input'`` and the parameter names; raises on the first failure.
    """
    rng = as_generator(generator)
    x = np.array(as_float_array(x, "x"))
    with no_grad():
        r = rng.standard_normal(np.shape(module(x)))

    def cost():
        with no_grad():                  # probes for finite differences are never backpropagated
            return float(np.sum(module(x) * r))

    module.zero_grad()
    module(x)
    dx = module.backward(r)
    errors = {"input": check_gradient(cost, x, dx, eps=eps, tol=tol, atol=atol, name="input")}
    for name, p in module.named_parameters():
        errors[name] = check_gradient(cost, p.data, p.grad, eps=eps, tol=tol, atol=atol,
                                      name=name)
    return errors
