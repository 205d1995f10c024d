r"""Self-checks for the exercises of the chapter on regularization.

``check_l1_minimizer(fn)`` compares the reader's closed-form minimizer of an L1-penalized
quadratic with a diagonal Hessian (soft thresholding) with the reference on random cases.
``check_dropout_ridge(fn)`` compares the reader's minimizer of the expected loss of a linear
least-squares model trained with inverted dropout on its inputs with the reference. Each returns
a one-line verdict or raises :class:`~dlbook.exercises.ExerciseCheckError` saying what differs.
"""
import numpy as np

from . import check_against

__all__ = ["check_l1_minimizer", "check_dropout_ridge"]


def _l1_minimizer_reference(eigenvalues, w_star, alpha):
    r"""Minimizer of :math:`\tfrac12\sum_i \lambda_i (w_i - w_i^*)^2 + \alpha \sum_i |w_i|`.

    The cost separates into one-dimensional problems; each is solved by soft thresholding,
    :math:`w_i = \operatorname{sign}(w_i^*)\max(|w_i^*| - \alpha/\lambda_i, 0)`.
    """
    eigenvalues = np.asarray(eigenvalues, dtype=np.float64)
    w_star = np.asarray(w_star, dtype=np.float64)
    return np.sign(w_star) * np.maximum(np.abs(w_star) - alpha / eigenvalues, 0.0)


def check_l1_minimizer(fn):
    r"""Compare ``fn(eigenvalues, w_star, alpha)`` with the soft-thresholding solution.

    ``eigenvalues`` (D,) are the positive diagonal entries :math:`\lambda_i` of the Hessian,
    ``w_star`` (D,) the unpenalized minimum and ``alpha >= 0`` the L1 strength; ``fn`` must
    return the minimizer of :math:`\tfrac12\sum_i \lambda_i (w_i - w_i^*)^2 + \alpha\sum_i|w_i|`
    as an array of shape (D,). The cases include ``alpha = 0`` and coordinates that end exactly
    at zero.
    """
    rng = np.random.default_rng(1996)
    cases = [
        (np.array([1.0, 0.1]), np.array([1.0, 1.0]), 0.2),
        (np.array([2.0, 0.5, 0.05]), np.array([-1.0, 0.3, 2.0]), 0.0),
        (np.array([1.0, 1.0, 1.0]), np.array([0.5, -0.5, 0.1]), 0.5),    # ties at the threshold
        (rng.uniform(0.01, 3.0, 8), rng.standard_normal(8), 0.3),
        (rng.uniform(0.01, 3.0, 8), rng.standard_normal(8), 2.0),
    ]
    return check_against(fn, _l1_minimizer_reference, cases, name="L1 minimizer", rtol=1e-9,
                         atol=1e-12)


def _dropout_ridge_reference(X, y, p):
    r"""Minimizer of :math:`\mathbb{E}_R \lVert y - (R \odot X / (1-p))\, w \rVert^2`.

    ``R`` has independent Bernoulli(1 - p) entries (PyTorch's ``p`` is the drop probability).
    The expectation is :math:`\lVert y - Xw\rVert^2 + \frac{p}{1-p}\sum_j w_j^2 \sum_n x_{nj}^2`,
    a ridge penalty scaled per feature by the diagonal of :math:`X^\top X`.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    gram = X.T @ X
    return np.linalg.solve(gram + p / (1.0 - p) * np.diag(np.diag(gram)), X.T @ y)


def check_dropout_ridge(fn):
    r"""Compare ``fn(X, y, p)`` with the minimizer of the expected inverted-dropout loss.

    ``X`` (N, D) and ``y`` (N,) are the data of a linear model :math:`\hat y = Xw` without bias;
    every input :math:`x_{nj}` is dropped independently with probability ``p`` (PyTorch's
    convention) and the survivors are scaled by :math:`1/(1-p)`. ``fn`` must return the ``w``
    of shape (D,) that minimizes the squared error averaged over all masks.
    """
    rng = np.random.default_rng(2014)
    cases = []
    for n, d, p in [(12, 3, 0.5), (30, 5, 0.2), (8, 4, 0.8), (50, 2, 0.05)]:
        X = rng.standard_normal((n, d)) * rng.uniform(0.2, 3.0, d)   # features of unequal scale
        y = X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n)
        cases.append((X, y, p))
    return check_against(fn, _dropout_ridge_reference, cases, name="dropout ridge", rtol=1e-8,
                         atol=1e-10)
