"""Self-checks for the exercises of the chapter *MMSE estimation, the Wiener solution and LMS*.

Each ``check_*`` calls the reader's function and dlbook's reference (:mod:`dlbook.estimation`)
on the same seeded random cases and returns a one-line verdict, or raises
:class:`~dlbook.exercises.ExerciseCheckError` saying which case and which output differ.
"""
import numpy as np

from .. import estimation
from . import check_against

__all__ = ["check_lms", "check_affine_mmse"]


def _lms_cases(seed):
    """``(X, y, lr, w0)`` for one run each: several sizes, correlated inputs, stable steps."""
    rng = np.random.default_rng(seed)  # its own generator: checking never disturbs the reader's
    cases = []
    for n, d in [(1, 1), (5, 2), (60, 3), (200, 2)]:
        A = rng.standard_normal((d, d))
        X = rng.standard_normal((n, d)) @ A
        y = X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n)
        lr = 0.5 / max(float(np.mean(np.sum(X ** 2, axis=1))), 1e-3)
        cases.append((X, y, lr, rng.standard_normal(d)))
    return cases


def check_lms(fn, *, seed=0):
    r"""Check ``fn(X, y, lr, w0)`` -> the LMS trajectory, shape (N + 1, D).

    ``X`` has shape (N, D) (one sample per row, in arrival order), ``y`` shape (N,), ``lr`` is
    the step size and ``w0`` shape (D,) the starting weights; row n of the result is
    :math:`w_n`, with :math:`w_{n+1} = w_n + \eta (y_n - w_n^\top x_n) x_n`, as
    :func:`dlbook.estimation.lms` computes it.
    """
    return check_against(fn, estimation.lms, _lms_cases(seed), name="lms", rtol=1e-9,
                         atol=1e-12)


def _affine_cases(seed):
    """``(K_x, K_yx, m_x, m_y)`` from valid joint covariances, x in R^D, y in R^M."""
    rng = np.random.default_rng(seed)
    cases = []
    for d, m in [(1, 1), (2, 3), (3, 2), (4, 1)]:
        A = rng.standard_normal((d + m, d + m))
        K = A @ A.T + 0.1 * np.eye(d + m)
        cases.append((K[:d, :d], K[d:, :d], rng.standard_normal(d), rng.standard_normal(m)))
    return cases


def check_affine_mmse(fn, *, seed=0):
    r"""Check ``fn(K_x, K_yx, m_x, m_y)`` -> ``(F, b)``, F of shape (M, D) and b of shape (M,).

    ``K_x`` (D, D) is the covariance of x, ``K_yx`` (M, D) the cross-covariance
    :math:`\mathbb{E}[(y - m_y)(x - m_x)^\top]`, and ``m_x``, ``m_y`` the means; the answer is
    :math:`F = K_{yx} K_x^{-1}`, :math:`b = m_y - F m_x`, as :func:`dlbook.estimation.affine_mmse`.
    """
    return check_against(fn, estimation.affine_mmse, _affine_cases(seed), name="affine_mmse",
                         rtol=1e-8, atol=1e-10)
