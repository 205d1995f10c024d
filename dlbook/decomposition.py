r"""Linear dimensionality reduction in scikit-learn's estimator shape: PCA and LDA.

Both follow ``fit`` / ``transform`` / ``fit_transform`` with fitted attributes ending in an
underscore, and reproduce scikit-learn's numbers (PCA's ``svd_solver='full'``; LDA's
``solver='eigen'``), so the book's derivations can be checked against the reference library.
"""
import numbers

import numpy as np
import scipy.linalg

from ._validation import as_design_matrix, as_float_array, check_ndim

__all__ = ["PCA", "LinearDiscriminantAnalysis"]


def _check_X(X, name="X", n_features=None):
    X = as_design_matrix(X, name)
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features, but the estimator was fitted with "
                         f"{n_features} features")
    return X


def _check_fitted(est, attr):
    if not hasattr(est, attr):
        raise RuntimeError(f"This {type(est).__name__} instance is not fitted yet; call fit first")


class PCA:
    r"""Principal component analysis by the SVD of the centred data.

    With :math:`X_c = X - \bar x` (N×D) and :math:`X_c = U S V^\top`, the principal directions are
    the rows of :math:`V^\top` — the eigenvectors of the sample covariance
    :math:`X_c^\top X_c/(N-1)` — and the variance along direction k is :math:`s_k^2/(N-1)`.

    Parameters
    ----------
    n_components : int, float in (0, 1), or None
        Number of components to keep; a float keeps the fewest components whose explained
        variance ratios sum to at least that fraction; None keeps min(N, D).

    Attributes
    ----------
    components_ : ndarray, shape (n_components, D)
        Unit principal directions, sorted by decreasing variance. Sign convention as
        scikit-learn: the entry of largest magnitude in each row is positive.
    explained_variance_ : ndarray, shape (n_components,)
    explained_variance_ratio_ : ndarray, shape (n_components,)
    singular_values_ : ndarray, shape (n_components,)
    mean_ : ndarray, shape (D,)
    n_components_ : int
    """

    def __init__(self, n_components=None):
        self.n_components = n_components

    def _resolve_n_components(self, ratios, n, d):
        k = self.n_components
        limit = min(n, d)
        if k is None:
            return limit
        if isinstance(k, numbers.Integral) and not isinstance(k, bool):
            if not 0 <= k <= limit:
                raise ValueError(f"n_components={k} must be between 0 and min(n_samples, "
                                 f"n_features)={limit}")
            return int(k)
        if isinstance(k, numbers.Real) and 0 < k < 1:
            return int(np.searchsorted(np.cumsum(ratios), k, side="right") + 1)
        raise ValueError(f"n_components must be an int, a float in (0, 1) or None, got {k!r}")

    def fit(self, X, y=None):
        """Fit the model to ``X`` of shape (N, D); returns ``self``."""
        X = _check_X(X)
        n, d = X.shape
        if n < 2:
            raise ValueError(f"PCA needs at least 2 samples, got {n}")
        self.mean_ = X.mean(axis=0)
        _, s, vt = np.linalg.svd(X - self.mean_, full_matrices=False)
        # sign convention: largest-magnitude entry of each direction positive
        signs = np.sign(vt[np.arange(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])
        vt *= signs[:, None]
        variance = s ** 2 / (n - 1)
        ratios = variance / variance.sum()
        k = self._resolve_n_components(ratios, n, d)
        self.n_components_ = k
        self.components_ = vt[:k]
        self.explained_variance_ = variance[:k]
        self.explained_variance_ratio_ = ratios[:k]
        self.singular_values_ = s[:k]
        self.n_features_in_ = d
        self.n_samples_ = n
        return self

    def transform(self, X):
        r"""Coordinates of ``X`` along the components: :math:`(X - \bar x) V_k`, shape (N, k)."""
        _check_fitted(self, "components_")
        X = _check_X(X, n_features=self.n_features_in_)
        return (X - self.mean_) @ self.components_.T

    def fit_transform(self, X, y=None):
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        r"""Map coordinates back to the input space: :math:`Z V_k^\top + \bar x`."""
        _check_fitted(self, "components_")
        Z = as_float_array(Z, "Z")
        check_ndim(Z, "Z", 2, f"(N, {self.n_components_})")
        if Z.shape[1] != self.n_components_:
            raise ValueError(f"Z must have {self.n_components_} columns, got {Z.shape[1]}")
        return Z @ self.components_ + self.mean_


def _shrunk_cov(X, shrinkage):
    r"""Biased covariance :math:`\Sigma` of ``X``, optionally shrunk towards a multiple of the
    identity: :math:`(1-\alpha)\Sigma + \alpha\,\tfrac{\operatorname{tr}\Sigma}{D} I`."""
    Xc = X - X.mean(axis=0)
    cov = Xc.T @ Xc / len(X)
    if shrinkage is None:
        return cov
    mu = np.trace(cov) / cov.shape[0]
    shrunk = (1.0 - shrinkage) * cov
    shrunk.flat[:: cov.shape[0] + 1] += shrinkage * mu
    return shrunk


class LinearDiscriminantAnalysis:
    r"""Fisher's linear discriminant analysis (the generalised-eigenproblem solver).

    With class priors :math:`\pi_k`, the within-class scatter is
    :math:`S_w = \sum_k \pi_k \Sigma_k` (each :math:`\Sigma_k` the biased covariance of class k),
    the total scatter :math:`S_t` is the biased covariance of all of X, and the between-class
    scatter is :math:`S_b = S_t - S_w`. The discriminant directions solve

    .. math:: S_b v = \lambda S_w v,

    normalised so that :math:`v^\top S_w v = 1`, sorted by decreasing :math:`\lambda`. At most
    C − 1 eigenvalues are non-zero (rank of :math:`S_b`), so at most C − 1 directions are useful.

    Parameters
    ----------
    n_components : int or None
        At most min(C − 1, D); None keeps that maximum.
    shrinkage : float in [0, 1] or None
        Shrink every covariance towards a multiple of the identity, as scikit-learn does;
        needed when :math:`S_w` is singular (e.g. constant pixels).

    Attributes
    ----------
    classes_, priors_, means_ : class labels, proportions and means
    xbar_ : ndarray, shape (D,) — the prior-weighted overall mean
    covariance_ : ndarray, shape (D, D) — :math:`S_w`
    scalings_ : ndarray, shape (D, D) — all generalised eigenvectors, as columns
    explained_variance_ratio_ : ndarray, shape (n_components,) — :math:`\lambda_k / \sum_j \lambda_j`

    ``transform(X)`` returns ``X @ scalings_[:, :n_components]`` — scikit-learn's eigen solver
    does not subtract the mean, which only shifts every projected point by the same vector.
    """

    def __init__(self, n_components=None, shrinkage=None):
        self.n_components = n_components
        self.shrinkage = shrinkage

    def fit(self, X, y):
        """Fit to ``X`` (N, D) with class labels ``y`` (N,); returns ``self``."""
        X = _check_X(X)
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
        if self.shrinkage is not None and not (isinstance(self.shrinkage, numbers.Real)
                                               and 0 <= self.shrinkage <= 1):
            raise ValueError(f"shrinkage must be None or a float in [0, 1], got {self.shrinkage!r}")
        self.classes_, codes = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError("LDA needs at least 2 classes")
        max_components = min(n_classes - 1, X.shape[1])
        if self.n_components is None:
            self._max_components = max_components
        elif not 1 <= self.n_components <= max_components:
            raise ValueError(f"n_components cannot be larger than min(n_features, n_classes - 1) "
                             f"= {max_components}, got {self.n_components}")
        else:
            self._max_components = int(self.n_components)
        counts = np.bincount(codes)
        self.priors_ = counts / len(y)
        self.means_ = np.stack([X[codes == k].mean(axis=0) for k in range(n_classes)])
        self.xbar_ = self.priors_ @ self.means_
        Sw = sum(p * _shrunk_cov(X[codes == k], self.shrinkage)
                 for k, p in enumerate(self.priors_))
        St = _shrunk_cov(X, self.shrinkage)
        Sb = St - Sw
        try:
            evals, evecs = scipy.linalg.eigh(Sb, Sw)
        except np.linalg.LinAlgError:
            raise ValueError("the within-class scatter S_w is singular (some direction has no "
                             "within-class variance, e.g. a constant feature); pass shrinkage=... "
                             "or remove such features") from None
        order = np.argsort(evals)[::-1]
        self.covariance_ = Sw
        self.explained_variance_ratio_ = (evals / evals.sum())[order][: self._max_components]
        self.scalings_ = evecs[:, order]
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        """Project onto the first ``n_components`` discriminant directions, shape (N, k)."""
        _check_fitted(self, "scalings_")
        X = _check_X(X, n_features=self.n_features_in_)
        return X @ self.scalings_[:, : self._max_components]

    def fit_transform(self, X, y):
        """``fit(X, y)`` then ``transform(X)``."""
        return self.fit(X, y).transform(X)
