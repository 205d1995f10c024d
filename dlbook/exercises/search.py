r"""Self-checks for the exercises of the chapter *Hyper-parameters and search*.

``check_log_uniform(fn)`` compares the reader's log-uniform sampler with
:func:`dlbook.search.log_uniform` on fresh generators with the same seeds;
``check_trials_needed(fn)`` compares the reader's count of random-search trials with the exact
smallest :math:`n` such that :math:`1 - (1 - q)^n \ge p`. Each returns a one-line verdict or
raises :class:`~dlbook.exercises.ExerciseCheckError` saying which case differs.
"""
import math
import numbers

import numpy as np

from ..search import log_uniform
from . import ExerciseCheckError, check_against

__all__ = ["check_log_uniform", "check_trials_needed"]


def check_log_uniform(fn):
    r"""Check ``fn(low, high, size, generator)`` -> ndarray of shape ``size``, log-uniform.

    The reference draws one uniform number per sample, ``u = generator.uniform(size=size)``,
    and returns :math:`a\,(b/a)^u`; any algebraically equal form (``exp`` of a uniform draw
    on :math:`[\ln a, \ln b)`, ``10 **`` of one on :math:`[\log_{10} a, \log_{10} b)`) matches.
    Each case gives the reader's function and the reference their own generator with the same
    seed, so the reader's draws never disturb the reference's.
    """
    cases = [(1e-5, 1.0, (1000,), 0), (1e-3, 1e-1, (4, 3), 1), (0.5, 2.0, (7,), 2),
             (1.0, 1e6, (200,), 3), (2e-4, 3e-2, (1,), 4)]

    def reference(low, high, size, seed):
        return log_uniform(low, high, size, generator=np.random.default_rng(seed))

    def candidate(low, high, size, seed):
        out = np.asarray(fn(low, high, size, np.random.default_rng(seed)), dtype=float)
        if out.size and not (out.min() >= low and out.max() <= high):
            raise ExerciseCheckError(f"log_uniform: samples for ({low}, {high}) fall outside "
                                     f"the range: [{out.min():.3g}, {out.max():.3g}]")
        return out

    return check_against(candidate, reference, cases, name="log_uniform", rtol=1e-9, atol=0.0)


def _trials_needed(q, p):
    """Smallest integer n >= 1 with 1 - (1 - q)^n >= p, robust to rounding at the boundary."""
    n = max(1, math.ceil(math.log1p(-p) / math.log1p(-q)))
    while n > 1 and 1.0 - (1.0 - q) ** (n - 1) >= p:
        n -= 1
    while 1.0 - (1.0 - q) ** n < p:
        n += 1
    return n


def check_trials_needed(fn):
    r"""Check ``fn(q, p)`` -> the smallest number of random trials :math:`n` for which at least
    one trial lands in the best fraction ``q`` of the search space with probability ``p``.

    That is the smallest integer :math:`n \ge 1` with :math:`1 - (1 - q)^n \ge p`, for
    :math:`0 < q < 1` and :math:`0 < p < 1`. The answer must be an integer.
    """
    cases = [(0.05, 0.95), (0.01, 0.99), (0.1, 0.9), (0.2, 0.5), (0.5, 0.9), (0.001, 0.95),
             (0.3, 0.2), (0.05, 0.5)]
    for q, p in cases:
        got = fn(q, p)
        if not isinstance(got, numbers.Integral) or isinstance(got, bool):
            raise ExerciseCheckError(f"trials_needed: fn({q}, {p}) returned {got!r}; a number "
                                     "of trials must be an int")
    return check_against(fn, _trials_needed, cases, name="trials_needed", rtol=0.0, atol=0.0)
