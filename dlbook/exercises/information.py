"""Self-checks for the exercises of the chapter *Information theory for learning*.

Each ``check_*`` calls the reader's function and dlbook's reference (:mod:`dlbook.information`)
on the same seeded cases: single distributions of shape (V,), batches of shape (N, V), and the
edge cases that need the conventions (zero probabilities, one-hot and uniform rows, and for the
divergence a ``q`` that is zero where ``p`` is not). Results are compared in bits.
"""
import numpy as np

from .. import information
from . import check_against

__all__ = ["check_entropy", "check_kl_divergence"]


def _distributions(rng, shape, zeros):
    p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    if zeros:
        p = np.where(rng.random(shape) < 0.35, 0.0, p)
        p[..., 0] += (p.sum(axis=-1) == 0)
        p = p / p.sum(axis=-1, keepdims=True)
    return p


def _single_cases(rng):
    """Distributions ``p`` of shapes (V,) and (N, V), with and without zeros."""
    cases = [np.full(6, 1 / 6), np.array([0.4, 0.1, 0.01, 0.09, 0.25, 0.15]),
             np.array([0.0, 1.0, 0.0]), np.array([1.0]), np.array([0.5, 0.0, 0.5])]
    for shape in [(4,), (5, 3), (7, 8), (2, 10)]:
        cases += [_distributions(rng, shape, False), _distributions(rng, shape, True)]
    return cases


def check_entropy(fn, *, seed=0):
    r"""Check ``fn(p)`` -> the entropy in **bits** of each distribution along the last axis.

    ``p`` has shape (V,) (return a float or 0-d array) or (N, V) (return shape (N,)); terms with
    :math:`p_i = 0` must count as 0, as :func:`dlbook.information.entropy` does.
    """
    rng = np.random.default_rng(seed)
    cases = [(p,) for p in _single_cases(rng)]
    return check_against(fn, information.entropy, cases, name="entropy")


def check_kl_divergence(fn, *, seed=0):
    r"""Check ``fn(p, q)`` -> :math:`\mathrm{KL}(p\,\|\,q)` in **bits** along the last axis.

    ``p`` and ``q`` have the same shape, (V,) or (N, V). Terms with :math:`p_i = 0` count as 0
    even where :math:`q_i = 0`, and a term with :math:`p_i > 0`, :math:`q_i = 0` gives
    :math:`+\infty`, as :func:`dlbook.information.kl_divergence` does.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for p in _single_cases(rng):
        cases.append((p, _distributions(rng, p.shape, False)))
        cases.append((p, p))
    cases.append((np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])))     # +inf
    cases.append((np.array([[0.0, 1.0], [0.3, 0.7]]), np.array([[1.0, 0.0], [0.3, 0.7]])))
    cases.append((np.array([0.0, 1.0]), np.array([0.0, 1.0])))
    return check_against(fn, information.kl_divergence, cases, name="kl_divergence")
