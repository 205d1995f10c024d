r"""Linear dimensionality reduction in scikit-learn's estimator shape: PCA (and LDA).

:class:`PCA` follows ``fit`` / ``transform`` / ``fit_transform`` with fitted attributes ending in
an underscore and reproduces scikit-learn's numbers (``svd_solver='full'``), so the book's
derivations can be checked against the reference library. It is a
:class:`dlbook.base.BaseEstimator`, so scikit-learn's ``clone``, ``Pipeline`` and
``GridSearchCV`` accept it.

:class:`LinearDiscriminantAnalysis` lives in :mod:`dlbook.discriminant_analysis` (as in
scikit-learn); it is importable from here too.
"""
import numbers

import numpy as np

from ._validation import check_array, check_is_fitted, check_n_features
from .base import BaseEstimator, TransformerMixin
from .discriminant_analysis import LinearDiscriminantAnalysis

__all__ = ["PCA", "LinearDiscriminantAnalysis"]


class PCA(TransformerMixin, BaseEstimator):
    r"""Principal component analysis by the SVD of the centered data.

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
        X = check_array(X)
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
        check_is_fitted(self, "components_")
        X = check_array(X)
        check_n_features(X, self)
        return (X - self.mean_) @ self.components_.T

    def inverse_transform(self, Z):
        r"""Map coordinates back to the input space: :math:`Z V_k^\top + \bar x`."""
        check_is_fitted(self, "components_")
        Z = check_array(Z, name="Z")
        if Z.shape[1] != self.n_components_:
            raise ValueError(f"Z must have {self.n_components_} columns, got {Z.shape[1]}")
        return Z @ self.components_ + self.mean_
