"""Self-checks for the exercises of the chapter *Three steps, and when to use deep learning*.

Each ``check_*`` calls the reader's function and dlbook's reference (:mod:`dlbook.glm`) on the
same seeded random cases, for all three models, and returns a one-line verdict, or raises
:class:`~dlbook.exercises.ExerciseCheckError` saying which case and which output differ.
"""
import numpy as np

from .. import glm
from . import check_against

__all__ = ["check_glm_gradient", "check_newton_step"]


def _cases(seed):
    """``(model, X, y, w)`` for every model, several shapes, targets drawn from the model."""
    rng = np.random.default_rng(seed)  # its own generator: checking never disturbs the reader's
    cases = []
    for model in glm.MODELS:
        for n, d in [(1, 1), (5, 2), (40, 3), (17, 6)]:
            X = rng.standard_normal((n, d))
            w = 0.5 * rng.standard_normal(d)
            z = X @ w
            if model == "linear":
                y = z + rng.standard_normal(n)
            elif model == "logistic":
                y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-z))).astype(float)
            else:
                y = rng.poisson(np.exp(z)).astype(float)
            cases.append((model, X, y, rng.standard_normal(d)))
    return cases


def check_glm_gradient(fn, *, seed=0):
    r"""Check ``fn(model, X, y, w)`` -> :math:`\nabla L(w)`, shape (D,), for the mean loss.

    ``model`` is ``'linear'``, ``'logistic'`` or ``'poisson'``; ``X`` has shape (N, D), ``y``
    shape (N,) and ``w`` shape (D,). The loss is averaged over the N rows, and the linear loss
    carries the factor ½, as in :func:`dlbook.glm.nll_loss`.
    """
    return check_against(fn, glm.nll_gradient, _cases(seed), name="glm_gradient")


def _reference_newton_step(model, X, y, w):
    H = glm.nll_hessian(model, X, w)
    return w - np.linalg.solve(H, glm.nll_gradient(model, X, y, w))


def check_newton_step(fn, *, seed=0):
    r"""Check ``fn(model, X, y, w)`` -> :math:`w - (\nabla^2 L(w))^{-1}\nabla L(w)`, shape (D,).

    Same arguments as :func:`check_glm_gradient`. The cases have N >= D rows in general
    position, so every Hessian is invertible.
    """
    cases = [case for case in _cases(seed) if case[1].shape[0] >= case[1].shape[1]]
    return check_against(fn, _reference_newton_step, cases, name="newton_step", rtol=1e-6,
                         atol=1e-9)
