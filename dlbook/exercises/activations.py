"""Self-checks for the exercises of the chapter *Activation and cost functions*.

Each ``check_*(fn)`` calls the reader's function on fixed inputs — ordinary logits, logits of
size :math:`10^4` that overflow a naive ``exp``, a single class, a single row — and compares the
result with :mod:`dlbook.functional`. It returns a one-line verdict or raises
:class:`dlbook.exercises.ExerciseCheckError` naming the first case that differs.
"""
import numpy as np

from .. import functional as F
from . import check_against

__all__ = ["check_softmax", "check_log_softmax", "check_softmax_jacobian"]


def _logit_cases():
    """Inputs of shape (N, V) that a correct, numerically stable implementation must handle."""
    rng = np.random.default_rng(20130)
    return [
        (rng.standard_normal((4, 5)),),                         # ordinary logits
        (3.0 * rng.standard_normal((1, 3)),),                   # a single row
        (rng.standard_normal((6, 1)),),                         # a single class: output is 1 / 0
        (np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]]),),    # overflow and underflow
        (1e3 * rng.standard_normal((3, 4)),),                   # large, mixed signs
        (rng.standard_normal((2, 4)) + 800.0,),                 # exp overflows, spread small
    ]


def check_softmax(fn):
    """Check ``fn(x)``, a softmax over the last axis of an (N, V) array.

    The reference is :func:`dlbook.functional.softmax`; cases include logits of
    :math:`\\pm 10^4`, where the textbook formula returns NaN.
    """
    return check_against(fn, lambda x: F.softmax(x, dim=-1), _logit_cases(), name="softmax")


def check_log_softmax(fn):
    """Check ``fn(x)``, a log-softmax over the last axis of an (N, V) array.

    The reference is :func:`dlbook.functional.log_softmax` (log-sum-exp with the maximum
    subtracted). Entries of :math:`-2\\times 10^4` must come out finite and exact.
    """
    return check_against(fn, lambda x: F.log_softmax(x, dim=-1), _logit_cases(),
                         name="log_softmax")


def _jacobian_reference(z):
    """The V×V softmax Jacobian, assembled from :func:`dlbook.functional.softmax_backward`.

    Row i of ``softmax_backward(e_i, z)`` is :math:`e_i^\\top J`; stacking the V unit vectors
    gives :math:`J` itself, without ever writing the formula the reader is asked to derive.
    """
    v = z.shape[0]
    return F.softmax_backward(np.eye(v), np.broadcast_to(z, (v, v)))


def check_softmax_jacobian(fn):
    """Check ``fn(z)`` for ``z`` of shape (V,): it must return the (V, V) matrix
    :math:`\\partial s_i / \\partial z_j` of :math:`s = \\mathrm{softmax}(z)`."""
    rng = np.random.default_rng(20131)
    cases = [(rng.standard_normal(v),) for v in (1, 2, 3, 7)]
    cases.append((np.array([1e4, -1e4, 0.0]),))
    cases.append((np.array([2.0, 2.0, 2.0, 2.0]),))
    return check_against(fn, _jacobian_reference, cases, name="softmax_jacobian")
