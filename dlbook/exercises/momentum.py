r"""Self-checks for the exercises of the chapter on momentum and Nesterov's method.

``check_heavy_ball(fn)`` runs the reader's heavy-ball iteration, written in the lecture notes'
form :math:`v \leftarrow \alpha v - \eta_t \nabla C(p)`, :math:`p \leftarrow p + v`, on a few
objectives and learning-rate sequences and compares every visited point with a reference. It
prints nothing and returns a one-line verdict (or raises
:class:`~dlbook.exercises.ExerciseCheckError` saying what differs).
"""
import numpy as np

from ..nn import Parameter
from ..objectives import Quadratic, Rosenbrock
from ..optim import SGD
from . import ExerciseCheckError, check_against

__all__ = ["check_heavy_ball"]


def _heavy_ball_reference(grad, w0, lrs, momentum):
    r"""The notes' heavy ball from :math:`v_0 = 0`; returns the path, shape (len(lrs) + 1, D).

    Computed with :class:`dlbook.optim.SGD` at ``lr=1`` fed the scaled gradient
    :math:`\eta_t \nabla C`: its buffer is then :math:`b_t = -v_t`, because the notes' form
    scales each gradient by its own learning rate *before* it enters the buffer.
    """
    p = Parameter(np.array(w0, dtype=np.float64, copy=True))
    opt = SGD([p], lr=1.0, momentum=momentum)
    path = [p.data.copy()]
    for lr in lrs:
        p.grad = lr * np.asarray(grad(p.data.copy()), dtype=np.float64)
        opt.step()
        path.append(p.data.copy())
    return np.array(path)


def check_heavy_ball(fn):
    """Compare ``fn(grad, w0, lrs, momentum)`` with the notes' heavy-ball iteration.

    ``fn`` receives a gradient function ``grad(w) -> ndarray (D,)``, a start point ``w0`` of
    shape (D,), a list of learning rates (one per step, so a schedule is allowed) and the
    momentum factor; it must start from a zero velocity and return every visited point,
    ``w0`` first, as an array of shape ``(len(lrs) + 1, D)``. ``w0`` must not be modified.
    """
    rng = np.random.default_rng(599)
    bowl = Quadratic.from_eigenvalues([1.0, 25.0])
    M = rng.standard_normal((3, 3))
    tilted = Quadratic(M @ M.T + 0.5 * np.eye(3), minimum=rng.standard_normal(3))
    cases = [
        (bowl.grad, np.array([-4.0, 1.5]), [0.05] * 30, 0.9),                   # constant rate
        (bowl.grad, np.array([-4.0, 1.5]), [0.05] * 12 + [0.005] * 12, 0.9),     # a step decay
        (tilted.grad, rng.standard_normal(3), [0.2 / (1 + t) for t in range(25)], 0.5),
        (Rosenbrock().grad, np.array([-1.2, 1.0]), [1e-3] * 40, 0.95),
        (bowl.grad, np.array([3.0, -1.0]), [0.03] * 10, 0.0),                   # plain GD
    ]
    for i, (grad, w0, lrs, momentum) in enumerate(cases):
        before = w0.copy()
        fn(grad, w0, list(lrs), momentum)
        if not np.array_equal(w0, before):
            raise ExerciseCheckError(f"heavy ball: case {i} modified its start point w0")
    return check_against(fn, _heavy_ball_reference, cases, name="heavy ball", rtol=1e-9,
                         atol=1e-12)
