r"""Self-checks for the exercises of the chapter on gradient descent and conditioning.

``check_optimal_step(fn)`` calls the reader's function on fixed spectra, compares it with the
reference and returns a one-line verdict (or raises
:class:`~dlbook.exercises.ExerciseCheckError` saying what differs).
"""
import numpy as np

from . import ExerciseCheckError, check_against

__all__ = ["check_optimal_step"]


def _optimal_step(eigenvalues):
    r"""Best fixed step and its contraction factor for a quadratic with these Hessian eigenvalues.

    For :math:`f(w) = \tfrac12 (w - w^*)^\top A (w - w^*)` with eigenvalues
    :math:`0 < \lambda_{\min} \le \dots \le \lambda_{\max}` (given in any order), gradient descent
    contracts the error by :math:`\rho(\eta) = \max_i |1 - \eta\lambda_i|`; the minimizer is
    :math:`\eta^* = 2/(\lambda_{\min} + \lambda_{\max})` with
    :math:`\rho(\eta^*) = (\lambda_{\max} - \lambda_{\min})/(\lambda_{\max} + \lambda_{\min})`.
    Returns ``(eta, rho)`` as two floats.
    """
    lam = np.asarray(eigenvalues, dtype=np.float64).ravel()
    lo, hi = lam.min(), lam.max()
    return float(2.0 / (lo + hi)), float((hi - lo) / (hi + lo))


def check_optimal_step(fn):
    """Compare ``fn(eigenvalues) -> (eta, rho)`` with the best fixed gradient-descent step.

    ``fn`` receives a 1-D array of positive eigenvalues in no particular order (possibly of
    length one) and must return the step :math:`\\eta^*` and the contraction factor
    :math:`\\rho^*` as two numbers.
    """
    rng = np.random.default_rng(7)
    cases = [
        (np.array([2.0, 18.0]),),                      # the notes' kappa = 9 example
        (np.array([2.0, 2.0]),),                       # kappa = 1: one step suffices
        (np.array([5.0]),),                            # a single eigenvalue
        (np.array([3.0, 0.5, 40.0, 7.0]),),            # unsorted
        (rng.uniform(0.01, 100.0, size=25),),
    ]
    for i, (lam,) in enumerate(cases):
        out = fn(lam.copy())
        if not isinstance(out, tuple) or len(out) != 2:
            raise ExerciseCheckError(f"optimal step: case {i} should return a tuple (eta, rho), "
                                     f"got {type(out).__name__}")
    return check_against(fn, _optimal_step, cases, name="optimal step", rtol=1e-10, atol=1e-12)
