r"""Test objectives for studying optimizers, and a runner that records an optimizer's path.

Each objective is a small class with ``value(w)``, ``grad(w)`` and ``hessian(w)`` for a single
point ``w`` of shape (D,), vectorized ``value`` over a grid for contour plots, and its known
minimizer ``minimum``. :func:`trajectory` drives any :mod:`dlbook.optim` optimizer on an
objective, exactly as training drives it on a network: set ``.grad``, call ``step()``.
"""
import numpy as np

from ._validation import as_float_array, check_int
from .nn import Parameter

__all__ = ["Quadratic", "Rosenbrock", "trajectory", "condition_number"]


class Quadratic:
    r"""The quadratic bowl :math:`f(w) = \tfrac12 (w - w^*)^\top A (w - w^*)`.

    Parameters
    ----------
    A : ndarray, shape (D, D)
        Symmetric positive (semi-)definite Hessian.
    minimum : ndarray, shape (D,), optional
        :math:`w^*`, default the origin.
    """

    def __init__(self, A, minimum=None):
        A = as_float_array(A, "A")
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be a square matrix, got shape {A.shape}")
        if not np.allclose(A, A.T):
            raise ValueError("A must be symmetric")
        self.A = A
        d = A.shape[0]
        self.minimum = np.zeros(d) if minimum is None else as_float_array(minimum, "minimum")
        if self.minimum.shape != (d,):
            raise ValueError(f"minimum must have shape ({d},), got {self.minimum.shape}")

    @classmethod
    def from_eigenvalues(cls, eigenvalues, minimum=None):
        """An axis-aligned bowl whose Hessian is ``diag(eigenvalues)``."""
        return cls(np.diag(as_float_array(eigenvalues, "eigenvalues")), minimum)

    def value(self, w):
        r"""f at ``w`` of shape (..., D) — any leading shape, e.g. a grid for contours."""
        d = as_float_array(w, "w") - self.minimum
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.A, d)

    def grad(self, w):
        return (as_float_array(w, "w") - self.minimum) @ self.A

    def hessian(self, w=None):
        return self.A.copy()


def _check_points_2d(w, *, grid):
    """``w`` as float64 with a last axis of length 2 (one point (2,), or a grid (..., 2))."""
    w = as_float_array(w, "w")
    if w.ndim == 0 or w.shape[-1] != 2 or (not grid and w.ndim != 1):
        layout = "(2,) or a grid of points (..., 2)" if grid else "(2,)"
        raise ValueError(f"Rosenbrock's function is two-dimensional: w must have shape {layout}, "
                         f"got shape {w.shape}")
    return w


class Rosenbrock:
    r"""Rosenbrock's banana valley :math:`f(x, y) = (a - x)^2 + b (y - x^2)^2`, minimum at
    :math:`(a, a^2)`; defaults :math:`a = 1`, :math:`b = 100`.

    Two-dimensional only: a point ``w`` must have shape (2,) (``value`` also takes a grid of
    points, shape (..., 2)); any other length raises ``ValueError``.
    """

    def __init__(self, a=1.0, b=100.0):
        self.a, self.b = float(a), float(b)
        self.minimum = np.array([self.a, self.a ** 2])

    def value(self, w):
        w = _check_points_2d(w, grid=True)
        x, y = w[..., 0], w[..., 1]
        return (self.a - x) ** 2 + self.b * (y - x ** 2) ** 2

    def grad(self, w):
        x, y = _check_points_2d(w, grid=False)
        return np.array([-2 * (self.a - x) - 4 * self.b * x * (y - x ** 2),
                         2 * self.b * (y - x ** 2)])

    def hessian(self, w):
        x, y = as_float_array(w, "w")
        return np.array([[2 - 4 * self.b * (y - 3 * x ** 2), -4 * self.b * x],
                         [-4 * self.b * x, 2 * self.b]])


def trajectory(objective, optimizer_cls, w0, steps, *, scheduler=None, **hyperparameters):
    """Run ``optimizer_cls(params, **hyperparameters)`` for ``steps`` steps from ``w0``.

    Returns the visited points, shape (steps + 1, D), starting with ``w0``. A ``scheduler``
    (a callable taking the optimizer and returning an LR scheduler) is stepped after every step.
    """
    w0 = as_float_array(w0, "w0")
    if w0.ndim != 1:
        raise ValueError(f"w0 must be a 1-D point of shape (D,), got {w0.shape}")
    steps = check_int(steps, "steps", 0)
    p = Parameter(w0.copy())
    opt = optimizer_cls([p], **hyperparameters)
    sched = scheduler(opt) if scheduler is not None else None
    path = np.empty((steps + 1, w0.size))
    path[0] = w0
    for t in range(1, steps + 1):
        p.grad = objective.grad(p.data)
        opt.step()
        if sched is not None:
            sched.step()
        path[t] = p.data
    return path


def condition_number(H):
    r""":math:`\kappa = |\lambda|_{\max} / |\lambda|_{\min}` of a symmetric matrix (inf if singular)."""
    H = as_float_array(H, "H")
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"H must be a square matrix, got shape {H.shape}")
    lam = np.abs(np.linalg.eigvalsh((H + H.T) / 2))
    return float("inf") if lam.min() == 0 else float(lam.max() / lam.min())
