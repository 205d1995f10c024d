r"""Linear discriminant analysis, with scikit-learn's solvers, attributes and results.

LDA models each class :math:`k` as a Gaussian :math:`\mathcal N(\mu_k, \Sigma)` with a covariance
shared by all classes, and prior :math:`\pi_k`. The log-posterior is then linear in :math:`x`
(up to a term common to all classes),

.. math:: \delta_k(x) = x^\top \Sigma^{-1}\mu_k - \tfrac12 \mu_k^\top\Sigma^{-1}\mu_k + \log\pi_k,

so the classifier is ``argmax_k (X @ coef_.T + intercept_)``. The same model gives Fisher's
dimensionality reduction: the directions :math:`v` that maximize the ratio
:math:`v^\top S_b v / v^\top S_w v` of between-class to within-class scatter, at most C − 1 of
them. Two solvers compute them:

* ``'svd'`` (the default): whiten the within-class scatter through the SVD of the
  class-centered data, dropping directions with no within-class variance (so a constant feature
  is harmless), then take the SVD of the whitened class means. Never forms a covariance matrix.
* ``'eigen'``: solve the generalized eigenproblem :math:`S_b v = \lambda S_w v` with
  :math:`S_b = S_t - S_w`. Needs :math:`S_w` invertible; ``shrinkage`` makes it so.

``shrinkage`` (eigen only) replaces every covariance by
:math:`(1-\alpha)\Sigma + \alpha\,\tfrac{\operatorname{tr}\Sigma}{D} I`, with a fixed
:math:`\alpha \in [0, 1]` or ``'auto'``: the Ledoit–Wolf estimate of the best :math:`\alpha`,
computed on standardized features, as scikit-learn does.
"""
import numbers

import numpy as np
import scipy.linalg
from scipy.special import expit

from ._validation import (check_1d, check_array, check_array_range, check_bool,
                          check_classification_targets, check_is_fitted, check_n_features,
                          check_option, check_scalar, check_X_y, sum_tolerance)
from .base import BaseEstimator, ClassifierMixin, TransformerMixin
from .preprocessing import StandardScaler

__all__ = ["LinearDiscriminantAnalysis", "ledoit_wolf_shrinkage"]


# --------------------------------------------------------------------------- covariances
def ledoit_wolf_shrinkage(X):
    r"""Ledoit and Wolf's estimate of the shrinkage :math:`\alpha` for the covariance of ``X``.

    With the biased sample covariance :math:`S` of the centered rows :math:`x_n` (N×D) and the
    target :math:`\mu I`, :math:`\mu = \operatorname{tr} S / D`, Ledoit and Wolf (2004) estimate
    the :math:`\alpha` minimizing the expected squared Frobenius error of
    :math:`(1-\alpha)S + \alpha\mu I` as :math:`\alpha = \min(\bar b^2, d^2) / d^2` with

    .. math::
        d^2 = \tfrac1D \lVert S - \mu I\rVert_F^2, \qquad
        \bar b^2 = \frac{1}{N^2 D}\sum_n \lVert x_n x_n^\top - S\rVert_F^2
                 = \frac{1}{N^2 D}\Big(\sum_n \lVert x_n\rVert^4 - N\lVert S\rVert_F^2\Big).

    Parameters
    ----------
    X : ndarray, shape (N, D)
        Data; it is centered here.

    Returns
    -------
    float in [0, 1]
        0 when :math:`S` is already a multiple of the identity.
    """
    X = check_array(X)
    n, d = X.shape
    Xc = X - X.mean(axis=0)
    S = Xc.T @ Xc / n
    trace = np.trace(S)
    mu = trace / d
    frob2 = np.sum(S ** 2)
    d2 = (frob2 - 2.0 * mu * trace + d * mu ** 2) / d
    b2 = (np.sum(np.sum(Xc ** 2, axis=1) ** 2) - n * frob2) / (n ** 2 * d)
    b2 = min(b2, d2)
    return 0.0 if b2 <= 0 else float(b2 / d2)


def _shrunk(S, alpha):
    r""":math:`(1-\alpha) S + \alpha\,\tfrac{\operatorname{tr} S}{D} I`."""
    out = (1.0 - alpha) * S
    out.flat[:: S.shape[0] + 1] += alpha * np.trace(S) / S.shape[0]
    return out


def _covariance(X, shrinkage):
    """Biased covariance of the rows of ``X``, shrunk by ``shrinkage`` (None, float or 'auto')."""
    Xc = X - X.mean(axis=0)
    S = Xc.T @ Xc / len(X)
    if shrinkage is None:
        return S
    if isinstance(shrinkage, str):                 # 'auto': Ledoit-Wolf on standardized data
        scaler = StandardScaler().fit(X)
        Z = scaler.transform(X)
        corr = _shrunk(_covariance(Z, None), ledoit_wolf_shrinkage(Z))
        return scaler.scale_[:, None] * corr * scaler.scale_[None, :]
    return _shrunk(S, shrinkage)


# --------------------------------------------------------------------------- the estimator
class LinearDiscriminantAnalysis(ClassifierMixin, TransformerMixin, BaseEstimator):
    r"""Linear discriminant analysis: a classifier and a supervised linear projection.

    Parameters
    ----------
    solver : {'svd', 'eigen'}, default 'svd'
        'svd' handles a singular within-class scatter (constant or collinear features) and does
        not compute covariances; 'eigen' solves :math:`S_b v = \lambda S_w v` and supports
        ``shrinkage``. ('lsqr' is not implemented.)
    shrinkage : None, 'auto' or float in [0, 1], default None
        Covariance shrinkage towards :math:`\tfrac{\operatorname{tr}\Sigma}{D} I`; 'auto' uses
        the Ledoit–Wolf estimate. Only with ``solver='eigen'``.
    priors : array-like, shape (C,), optional
        Class priors :math:`\pi_k` in the order of ``classes_``, non-negative and summing to 1;
        default the class proportions in ``y``.
    n_components : int, optional
        Number of discriminant directions kept by ``transform``, at most min(C − 1, D);
        default that maximum.
    store_covariance : bool, default False
        With ``solver='svd'``, also compute ``covariance_`` (the eigen solver always does).
    tol : float, default 1e-4
        ``solver='svd'``: singular values of the standardized within-class data below ``tol``
        count as zero (and between-class ones below ``tol`` times the largest).

    Attributes
    ----------
    classes_ : ndarray, shape (C,)
        The sorted class labels.
    priors_ : ndarray, shape (C,)
    means_ : ndarray, shape (C, D)
        Class means :math:`\mu_k`.
    xbar_ : ndarray, shape (D,)
        The prior-weighted overall mean :math:`\sum_k \pi_k \mu_k`.
    covariance_ : ndarray, shape (D, D)
        The within-class scatter :math:`S_w = \sum_k \pi_k \Sigma_k` (biased class covariances,
        shrunk with ``shrinkage``). Eigen solver, or svd with ``store_covariance=True``.
    scalings_ : ndarray, shape (D, r)
        The discriminant directions as columns: with 'eigen', all D generalized eigenvectors
        normalized to :math:`v^\top S_w v = 1`; with 'svd', r <= C − 1 of them with the same
        normalization (the directions of non-zero between-class scatter).
    explained_variance_ratio_ : ndarray, shape (n_components,)
        Share of the between-class scatter along each kept direction
        (:math:`\lambda_k / \sum_j \lambda_j`).
    coef_ : ndarray, shape (C, D), or (1, D) for two classes
    intercept_ : ndarray, shape (C,), or (1,) for two classes
        ``decision_function(X) = X @ coef_.T + intercept_`` (for two classes: class 1 minus
        class 0).
    n_features_in_ : int

    Notes
    -----
    ``transform`` returns ``(X - xbar_) @ scalings_`` with 'svd' and ``X @ scalings_`` with
    'eigen' (the eigen solver does not center, as in scikit-learn; this shifts every projected
    point by the same vector). Where :math:`S_w` is invertible, the two solvers give the same
    predictions and probabilities, and projections that agree up to the sign of each direction
    (and that constant shift); their ``coef_`` and ``intercept_`` differ by a term common to all
    classes, which cancels in every comparison between classes.
    """

    def __init__(self, solver="svd", shrinkage=None, priors=None, n_components=None,
                 store_covariance=False, tol=1e-4):
        self.solver = solver
        self.shrinkage = shrinkage
        self.priors = priors
        self.n_components = n_components
        self.store_covariance = store_covariance
        self.tol = tol

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        try:
            check_option(self.solver, "solver", ("svd", "eigen"))
        except ValueError as exc:
            if not isinstance(self.solver, numbers.Number):
                raise
            raise ValueError(f"{exc}; the first positional argument is the solver, pass "
                             f"n_components={self.solver!r} by name") from None
        s = self.shrinkage
        if not (s is None or (isinstance(s, str) and s == "auto")
                or (isinstance(s, numbers.Real) and not isinstance(s, bool) and 0 <= s <= 1)):
            raise ValueError(f"shrinkage must be None, 'auto' or a float in [0, 1], got {s!r}")
        if s is not None and self.solver == "svd":
            raise ValueError(f"shrinkage is not supported by solver='svd' (got shrinkage={s!r}); "
                             f"use solver='eigen'")
        if self.n_components is not None:
            check_scalar(self.n_components, "n_components", numbers.Integral)
        check_scalar(self.tol, "tol", min_val=0)
        check_bool(self.store_covariance, "store_covariance")

    def _check_priors(self, counts):
        if self.priors is None:
            return counts / counts.sum()
        raw = np.asarray(self.priors)
        priors = check_1d(self.priors, "priors", dtype=np.float64)
        if priors.shape != counts.shape:
            raise ValueError(f"priors must have one entry per class, shape {counts.shape}, got "
                             f"shape {priors.shape}")
        check_array_range(priors, "priors", min_val=0)
        if abs(priors.sum() - 1.0) > sum_tolerance(raw.dtype, priors.size):
            raise ValueError(f"priors must sum to 1, got a sum of {priors.sum():.10g}")
        return priors

    # ------------------------------------------------------------------ fit
    def fit(self, X, y):
        """Fit the class means, priors and discriminant directions; returns ``self``.

        Parameters
        ----------
        X : array-like, shape (N, D)
        y : array-like, shape (N,)
            Class labels (integers, strings, ...); at least two classes and more samples than
            classes.
        """
        self._check_params()
        X, y = check_X_y(X, y)
        check_classification_targets(y, "y")
        self.classes_, codes = np.unique(y, return_inverse=True)
        n, d = X.shape
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(f"LDA needs at least 2 classes in y, got {n_classes}: "
                             f"{self.classes_.tolist()}")
        if n <= n_classes:
            raise ValueError(f"the number of samples ({n}) must be larger than the number of "
                             f"classes ({n_classes})")
        max_components = min(n_classes - 1, d)
        if self.n_components is None:
            self._max_components = max_components
        elif not 1 <= self.n_components <= max_components:
            raise ValueError(f"n_components must be between 1 and min(n_features, n_classes - 1)"
                             f" = {max_components}, got {self.n_components}")
        else:
            self._max_components = int(self.n_components)
        counts = np.bincount(codes, minlength=n_classes)
        self.priors_ = self._check_priors(counts)
        self.means_ = np.stack([X[codes == k].mean(axis=0) for k in range(n_classes)])
        self.xbar_ = self.priors_ @ self.means_
        if self.solver == "eigen" or self.store_covariance:
            self.covariance_ = sum(p * _covariance(X[codes == k], self.shrinkage)
                                   for k, p in enumerate(self.priors_))
        elif hasattr(self, "covariance_"):          # left over from an earlier fit
            del self.covariance_
        if self.solver == "svd":
            self._solve_svd(X, codes)
        else:
            self._solve_eigen(X)
        if n_classes == 2:          # one score: class 1 against class 0
            self.coef_ = self.coef_[1:] - self.coef_[:1]
            self.intercept_ = self.intercept_[1:] - self.intercept_[:1]
        self.n_features_in_ = d
        return self

    def _solve_eigen(self, X):
        Sw = self.covariance_
        Sb = _covariance(X, self.shrinkage) - Sw
        try:
            evals, evecs = scipy.linalg.eigh(Sb, Sw)
        except np.linalg.LinAlgError:
            raise ValueError("the within-class scatter S_w is singular (some direction has no "
                             "within-class variance, e.g. a constant feature); use "
                             "solver='svd', pass shrinkage=... or remove such features") from None
        order = np.argsort(evals)[::-1]
        self.explained_variance_ratio_ = (evals / evals.sum())[order][: self._max_components]
        self.scalings_ = evecs[:, order]
        # Sigma^{-1} = V V^T when V^T S_w V = I
        self.coef_ = self.means_ @ self.scalings_ @ self.scalings_.T
        self.intercept_ = -0.5 * np.sum(self.means_ * self.coef_, axis=1) + self._log_priors()

    def _solve_svd(self, X, codes):
        n, n_classes = len(X), len(self.classes_)
        within = X - self.means_[codes]                      # class-centered rows
        std = within.std(axis=0)
        std[std == 0] = 1.0
        # 1. whiten: W with W^T S_w W = I on the directions that vary within the classes,
        #    S_w = within^T within / N (the same S_w as the eigen solver's covariance_)
        _, s, vt = scipy.linalg.svd(within / std / np.sqrt(n), full_matrices=False)
        rank = int(np.sum(s > self.tol))
        whiten = (vt[:rank] / std).T / s[:rank]              # (D, rank)
        # 2. the class means in whitened coordinates, weighted by sqrt(N pi_k / (C - 1))
        weight = np.sqrt(n * self.priors_ / (n_classes - 1))
        between = (weight[:, None] * (self.means_ - self.xbar_)) @ whiten
        _, s_b, vt_b = scipy.linalg.svd(between, full_matrices=False)
        self.explained_variance_ratio_ = (s_b ** 2 / np.sum(s_b ** 2))[: self._max_components]
        rank_b = int(np.sum(s_b > self.tol * s_b[0]))
        self.scalings_ = whiten @ vt_b[:rank_b].T            # (D, rank_b)
        # discriminant functions in the whitened space, where Sigma = I
        centred_means = (self.means_ - self.xbar_) @ self.scalings_
        self.coef_ = centred_means @ self.scalings_.T
        self.intercept_ = (-0.5 * np.sum(centred_means ** 2, axis=1) + self._log_priors()
                           - self.coef_ @ self.xbar_)

    def _log_priors(self):
        with np.errstate(divide="ignore"):      # a zero prior rules its class out: log 0 = -inf
            return np.log(self.priors_)

    # ------------------------------------------------------------------ use
    def _check_X(self, X):
        check_is_fitted(self, "classes_")
        X = check_array(X)
        check_n_features(X, self)
        return X

    def transform(self, X):
        """Project ``X`` onto the first ``n_components`` discriminant directions.

        Returns
        -------
        ndarray, shape (N, n_components)
        """
        X = self._check_X(X)
        if self.solver == "svd":
            X = X - self.xbar_
        return (X @ self.scalings_)[:, : self._max_components]

    def decision_function(self, X):
        r"""The linear scores :math:`\delta_k(x)` (log-posteriors up to a common constant).

        Returns
        -------
        ndarray, shape (N, C), or (N,) for two classes (the score of class 1 minus class 0)
        """
        X = self._check_X(X)
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X):
        """The class of highest posterior probability, shape (N,)."""
        scores = self.decision_function(X)
        best = (scores > 0).astype(np.intp) if scores.ndim == 1 else np.argmax(scores, axis=1)
        return self.classes_[best]

    def predict_proba(self, X):
        """Posterior class probabilities, shape (N, C), columns in the order of ``classes_``."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p1 = expit(scores)
            return np.column_stack([1.0 - p1, p1])
        scores = scores - scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        return p / p.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """Logarithms of :meth:`predict_proba`, computed stably; shape (N, C)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return np.column_stack([-np.logaddexp(0.0, scores), -np.logaddexp(0.0, -scores)])
        shifted = scores - scores.max(axis=1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
