r"""Self-checks for the exercises of the chapter on adaptive methods.

``check_adam_path(fn)`` runs the reader's Adam, written as a plain loop, on a few objectives and
compares every visited point with :class:`dlbook.optim.Adam` (PyTorch's update, with
:math:`\epsilon` added to the bias-corrected root). It returns a one-line verdict or raises
:class:`~dlbook.exercises.ExerciseCheckError` saying what differs.
"""
import numpy as np

from ..nn import Parameter
from ..objectives import Quadratic, Rosenbrock
from ..optim import Adam
from . import ExerciseCheckError, check_against

__all__ = ["check_adam_path"]


def _adam_reference(grad, w0, steps, lr, betas, eps):
    """Points visited by :class:`dlbook.optim.Adam` from ``w0``; shape (steps + 1, D)."""
    p = Parameter(np.array(w0, dtype=np.float64, copy=True))
    opt = Adam([p], lr=lr, betas=betas, eps=eps)
    path = [p.data.copy()]
    for _ in range(steps):
        p.grad = np.asarray(grad(p.data.copy()), dtype=np.float64)
        opt.step()
        path.append(p.data.copy())
    return np.array(path)


def check_adam_path(fn):
    r"""Compare ``fn(grad, w0, steps, lr, betas, eps)`` with dlbook's (= PyTorch's) Adam.

    ``fn`` receives a gradient function ``grad(w) -> ndarray (D,)``, a start point ``w0`` of
    shape (D,), the number of steps, the learning rate, the pair ``betas`` and ``eps``. It must
    start from :math:`m_0 = v_0 = 0` and return every visited point, ``w0`` first, as an array
    of shape ``(steps + 1, D)``; ``w0`` must not be modified. One case has gradients of the order
    of ``eps``, so the placement of :math:`\epsilon` (after the bias correction) matters.
    """
    rng = np.random.default_rng(2015)
    bowl = Quadratic.from_eigenvalues([1.0, 100.0])
    M = rng.standard_normal((3, 3))
    tilted = Quadratic(M @ M.T + 0.5 * np.eye(3), minimum=rng.standard_normal(3))
    tiny = Quadratic.from_eigenvalues([1e-8, 3e-8])           # gradients of the order of eps
    cases = [
        (bowl.grad, np.array([-5.0, 1.0]), 50, 0.1, (0.9, 0.999), 1e-8),
        (tilted.grad, rng.standard_normal(3), 40, 0.05, (0.8, 0.99), 1e-8),
        (Rosenbrock().grad, np.array([-1.2, 1.0]), 60, 0.02, (0.9, 0.999), 1e-8),
        (tiny.grad, np.array([1.0, -2.0]), 30, 0.1, (0.9, 0.999), 1e-8),
        (bowl.grad, np.array([2.0, 0.5]), 25, 0.3, (0.0, 0.9), 1e-3),   # no momentum, large eps
    ]
    for i, (grad, w0, steps, lr, betas, eps) in enumerate(cases):
        before = w0.copy()
        fn(grad, w0, steps, lr, betas, eps)
        if not np.array_equal(w0, before):
            raise ExerciseCheckError(f"Adam: case {i} modified its start point w0")
    return check_against(fn, _adam_reference, cases, name="Adam", rtol=1e-9, atol=1e-12)
