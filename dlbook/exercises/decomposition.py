"""Self-checks for the exercises of the chapter *Dimensionality reduction: SVD, PCA and LDA*.

Each ``check_*`` calls the reader's function and a reference built on :mod:`dlbook.decomposition`
with the same seeded random cases, and returns a one-line verdict, or raises
:class:`~dlbook.exercises.ExerciseCheckError` saying which case and which output differ.
"""
import numpy as np

from ..decomposition import PCA, LinearDiscriminantAnalysis
from . import ExerciseCheckError, check_against

__all__ = ["check_pca", "check_scatter_matrices"]


def _pca_cases(seed):
    """Correlated Gaussian clouds with a non-zero mean and well-separated variances."""
    rng = np.random.default_rng(seed)  # its own generator: checking never disturbs the reader's
    cases = []
    for n, d, k in [(30, 2, 1), (50, 4, 2), (80, 6, 3), (40, 5, 5)]:
        scales = 3.0 ** -np.arange(d)                       # distinct variances: unique axes
        rotation = np.linalg.qr(rng.standard_normal((d, d)))[0]
        X = (rng.standard_normal((n, d)) * scales) @ rotation.T + rng.uniform(-5, 5, d)
        cases.append((X, k))
    return cases


def _reference_pca(X, n_components):
    pca = PCA(n_components).fit(X)
    return pca.components_, pca.explained_variance_


def _fix_signs(components):
    """Flip each row so that its largest-magnitude entry is positive (scikit-learn's rule)."""
    c = np.array(components, dtype=float)
    if c.ndim != 2:
        return c
    rows = np.arange(c.shape[0])
    return c * np.sign(c[rows, np.argmax(np.abs(c), axis=1)])[:, None]


def check_pca(fn, *, seed=0):
    r"""Check ``fn(X, n_components)`` -> ``(components, explained_variance)``.

    ``X`` has shape (N, D). ``components`` must have shape (n_components, D), one unit principal
    direction per row, sorted by decreasing variance; ``explained_variance`` has shape
    (n_components,) and uses the unbiased covariance (divide by N − 1), as
    :class:`dlbook.decomposition.PCA`. The sign of each direction is arbitrary and is not checked.
    """
    def signless(f):
        def wrapped(X, k):
            out = f(X, k)
            if not (isinstance(out, tuple) and len(out) == 2):
                raise ExerciseCheckError("pca: return a tuple (components, explained_variance)")
            return _fix_signs(out[0]), np.asarray(out[1], dtype=float)
        return wrapped
    return check_against(signless(fn), signless(_reference_pca), _pca_cases(seed), name="pca",
                         rtol=1e-6, atol=1e-9)


def _scatter_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, d, c in [(12, 2, 2), (40, 3, 3), (90, 5, 4), (60, 4, 6)]:
        y = np.r_[np.arange(c), rng.integers(0, c, n - c)]   # every class present
        means = 3.0 * rng.standard_normal((c, d))
        X = means[y] + rng.standard_normal((n, d))
        cases.append((X, rng.permutation(y) if c == 2 else y))
    return cases


def _reference_scatter(X, y):
    # dlbook's LDA stores S_w / N as covariance_; S_b / N is the biased total covariance minus it.
    n = len(X)
    lda = LinearDiscriminantAnalysis(store_covariance=True).fit(X, y)
    Xc = X - X.mean(axis=0)
    total = Xc.T @ Xc / n
    return n * lda.covariance_, n * (total - lda.covariance_)


def check_scatter_matrices(fn, *, seed=0):
    r"""Check ``fn(X, y)`` -> ``(S_intra, S_inter)``, each of shape (D, D).

    The within-class scatter :math:`S_\text{intra} = \sum_c (X_c - \mu_c)^\top (X_c - \mu_c)` and
    the between-class scatter :math:`S_\text{inter} = \sum_c N_c (\mu_c - \mu)(\mu_c - \mu)^\top`,
    as sums (not averages) over the N rows of ``X`` (N, D) with labels ``y`` (N,).
    """
    return check_against(fn, _reference_scatter, _scatter_cases(seed), name="scatter_matrices",
                         rtol=1e-8, atol=1e-9)
