"""Self-checks for the exercises of the chapter *Bayesian decision theory*.

Each ``check_*`` calls the reader's function and dlbook's reference (:mod:`dlbook.decision`) on
the same seeded random cases and returns a one-line verdict, or raises
:class:`~dlbook.exercises.ExerciseCheckError` saying which case and which output differ.
"""
import numpy as np

from .. import decision
from . import check_against

__all__ = ["check_roc_curve"]


def _roc_cases(seed):
    """``(y_true, y_score)`` pairs: continuous scores, heavy ties, and tiny samples."""
    rng = np.random.default_rng(seed)  # its own generator: checking never disturbs the reader's
    cases = [(np.array([0, 1]), np.array([0.3, 0.7])),
             (np.array([1, 0]), np.array([0.3, 0.7])),
             (np.array([0, 1, 0, 1]), np.array([1.0, 1.0, 1.0, 1.0]))]
    for n, levels in [(10, None), (57, None), (200, 3), (31, 2), (500, 12)]:
        y = rng.integers(0, 2, n)
        y[:2] = [0, 1]
        rng.shuffle(y)
        s = (rng.standard_normal(n) + y if levels is None
             else rng.integers(0, levels, n) + 0.5 * y * rng.integers(0, 2, n)).astype(float)
        cases.append((y, s))
    return cases


def _reference_roc(y_true, y_score):
    return decision.roc_curve(y_true, y_score, drop_intermediate=False)


def check_roc_curve(fn, *, seed=0):
    r"""Check ``fn(y_true, y_score)`` -> ``(fpr, tpr, thresholds)``, every distinct score kept.

    ``y_true`` has shape (N,) with labels 0 and 1, ``y_score`` shape (N,). The expected output
    is that of ``sklearn.metrics.roc_curve(y_true, y_score, drop_intermediate=False)``: one point
    per distinct score, thresholds decreasing and starting with ``inf``, and a score counted as
    positive when ``score >= threshold``.
    """
    return check_against(fn, _reference_roc, _roc_cases(seed), name="roc_curve", rtol=1e-12,
                         atol=1e-12)
