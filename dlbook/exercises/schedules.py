r"""Self-checks for the exercises of the chapter on learning-rate schedules.

``check_triangular(fn)`` compares the reader's closed form of Smith's triangular cyclical
learning rate with :class:`dlbook.optim.lr_scheduler.CyclicLR` stepped one iteration at a time.
It prints nothing and returns a one-line verdict (or raises
:class:`~dlbook.exercises.ExerciseCheckError` saying what differs).
"""
import numpy as np

from ..nn import Parameter
from ..optim import SGD
from ..optim.lr_scheduler import CyclicLR
from . import ExerciseCheckError, check_against

__all__ = ["check_triangular"]


def _triangular_reference(t, base_lr, max_lr, step_size):
    r"""The rate :math:`\eta_t` of ``CyclicLR(mode='triangular')`` at each iteration in ``t``.

    ``t`` is an int array of shape (n,) of iteration numbers (0 is the rate set at
    construction); returns a float array of shape (n,).
    """
    t = np.asarray(t)
    opt = SGD([Parameter(np.zeros(1))], lr=base_lr)
    sched = CyclicLR(opt, base_lr=base_lr, max_lr=max_lr, step_size_up=step_size,
                     mode="triangular", cycle_momentum=False)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(int(t.max(initial=0))):
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    return np.asarray(lrs, dtype=np.float64)[t]


def check_triangular(fn):
    r"""Compare ``fn(t, base_lr, max_lr, step_size)`` with dlbook's ``CyclicLR``.

    ``t`` is an int array of shape (n,) of iteration numbers; ``fn`` must return the triangular
    cyclical rate at each of them, a float array of shape (n,), without modifying ``t``.
    """
    cases = [
        (np.arange(0, 61), 0.01, 0.1, 10),        # six half-cycles, both slopes
        (np.arange(0, 41), 1e-3, 1.0, 1),         # the shortest possible cycle
        (np.array([0, 7, 8, 9, 23, 24, 25, 250]), 0.5, 2.0, 8),   # scattered, out of order ok
        (np.arange(100, 0, -3), 0.2, 0.3, 15),    # decreasing t
    ]
    for i, (t, base, top, step) in enumerate(cases):
        before = t.copy()
        fn(t, base, top, step)
        if not np.array_equal(t, before):
            raise ExerciseCheckError(f"triangular: case {i} modified its argument t")
    return check_against(fn, _triangular_reference, cases, name="triangular", rtol=1e-12,
                         atol=1e-14)
