r"""Self-check for the exercise of the chapter on neural language models and word embeddings.

* ``check_sgns_loss(fn)``: ``fn(center, context, negatives)`` with arrays of shapes (B, D),
  (B, D) and (B, K, D) returns ``(loss, (dcenter, dcontext, dnegatives))``: the skip-gram
  negative-sampling loss :math:`\sum_b [-\log\sigma(u_b^\top v_b) - \sum_k \log\sigma(-u_{bk}^\top v_b)]`
  summed over the batch, and its gradients with respect to the three inputs.

It compares with :func:`dlbook.lm.embeddings.sgns_loss` on random and extreme inputs and raises
:class:`~dlbook.exercises.ExerciseCheckError` saying what differs, or returns a one-line verdict.
"""
import numpy as np

from ..lm.embeddings import sgns_loss
from . import ExerciseCheckError, check_against

__all__ = ["check_sgns_loss"]


def _cases():
    rng = np.random.default_rng(2013)
    cases = []
    for B, K, D in ((1, 1, 1), (3, 2, 4), (5, 5, 3), (2, 7, 6)):
        cases.append((rng.normal(size=(B, D)), rng.normal(size=(B, D)),
                      rng.normal(size=(B, K, D))))
    big = np.full((2, 3), 30.0)                # inner products of +-2700: overflow territory
    cases.append((big, -big, np.repeat(big[:, None, :], 2, axis=1)))
    return cases


def check_sgns_loss(fn):
    """Check ``fn(center, context, negatives) -> (loss, (dcenter, dcontext, dnegatives))``."""
    if not callable(fn):
        raise ExerciseCheckError("check_sgns_loss expects a function")

    def flat(result, name):
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], tuple)
                and len(result[1]) == 3):
            raise ExerciseCheckError(f"{name} must return (loss, (dcenter, dcontext, "
                                     "dnegatives))")
        loss, grads = result
        if not np.isfinite(float(loss)):
            raise ExerciseCheckError(f"{name} returned a non-finite loss {loss!r}: compute "
                                     "-log(sigmoid(x)) as np.logaddexp(0, -x)")
        return (float(loss),) + tuple(grads)

    return check_against(lambda *a: flat(fn(*(x.copy() for x in a)), "your function"),
                         lambda *a: flat(sgns_loss(*a), "sgns_loss"), _cases(),
                         name="check_sgns_loss", rtol=1e-7, atol=1e-9)
