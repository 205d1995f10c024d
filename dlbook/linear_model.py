r"""Linear models fitted in closed form or by proximal gradient: ridge regression and the lasso.

Where a reader looks for a linear solver. Each function is derived in the chapter that needs
it and is also importable from that chapter's module: :func:`ridge_fit` from
:mod:`dlbook.model_selection` (regularization and the bias–variance trade-off),
:func:`soft_threshold` and :func:`lasso_proximal_gradient` from :mod:`dlbook.decision` (the MAP
estimate under a Laplace prior). Generalized linear models (linear, logistic, Poisson and
softmax regression, fitted by gradient descent or Newton's method) have their own module,
:mod:`dlbook.glm`; the Wiener solution and the LMS filter are in :mod:`dlbook.estimation`.

==========================================  =================================================
dlbook                                      scikit-learn
==========================================  =================================================
``ridge_fit(X, y, lam)``                    ``Ridge(alpha=lam).fit(X, y)``
``lasso_proximal_gradient(X, y, alpha)``    ``Lasso(alpha, fit_intercept=False).fit(X, y)``
``soft_threshold(x, tau)``                  (no counterpart)
==========================================  =================================================
"""
import warnings

import numpy as np

from ._validation import as_float_array, check_array, check_positive_int, check_scalar, check_X_y

__all__ = ["ridge_fit", "soft_threshold", "lasso_proximal_gradient"]


# --------------------------------------------------------------------------- ridge regression
def ridge_fit(X, y, lam, *, fit_intercept=True):
    r"""Ridge regression: minimize :math:`\lVert y - Xw - b\rVert^2 + \lambda \lVert w\rVert^2`.

    The minimizer solves the normal equations :math:`(X^\top X + \lambda I)\,w = X^\top y`
    (on centered data when there is an intercept). It is computed from the thin SVD
    :math:`X = U\,\mathrm{diag}(s)\,V^\top` as

    .. math:: w = V\,\mathrm{diag}\!\Big(\frac{s_i}{s_i^2 + \lambda}\Big)\,U^\top y ,

    which is the same vector, is stable when :math:`X^\top X` is badly conditioned, and at
    :math:`\lambda = 0` gives the minimum-norm least-squares solution (singular values below
    ``max(N, D) * eps * s_max`` count as zero, as in ``numpy.linalg.pinv``).

    Parameters
    ----------
    X : ndarray, shape (N, D)
    y : ndarray, shape (N,) or (N, K)
        One target, or K targets fitted independently with the same ``X``.
    lam : float, >= 0
        The penalty :math:`\lambda` (scikit-learn's ``alpha``), on the sum of squared errors
        (not their mean).
    fit_intercept : bool, default True
        Fit an intercept :math:`b` that is **not** penalized: center ``X`` and ``y``, solve, and
        set :math:`b = \bar y - \bar x^\top w`, as ``sklearn.linear_model.Ridge`` does. With
        False there is no intercept, and a constant column in ``X`` is penalized like any other.

    Returns
    -------
    coef : ndarray, shape (D,) for y of shape (N,), or (K, D) for y of shape (N, K)
    intercept : float, or ndarray of shape (K,); 0.0 when ``fit_intercept=False``
        Predictions are ``X @ coef + intercept`` (``X @ coef.T + intercept`` for K targets).
    """
    X = check_array(X, ndim=2, layout="(N, D)")
    y = check_array(y, name="y", ndim=(1, 2), layout="(N,) or (N, K)", ensure_min_samples=0,
                    ensure_min_features=0)
    if len(y) != len(X):
        raise ValueError(f"y must have one row per row of X ({X.shape[0]}), got shape {y.shape}")
    lam = check_scalar(lam, "lam", min_val=0, max_val=np.inf, include_boundaries="left")
    if fit_intercept:
        x_mean, y_mean = X.mean(axis=0), y.mean(axis=0)
        Xc, yc = X - x_mean, y - y_mean
    else:
        Xc, yc = X, y
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    keep = s > max(X.shape) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
    factor = np.zeros_like(s)
    factor[keep] = s[keep] / (s[keep] ** 2 + lam)                 # s / (s² + λ)
    coef = Vt.T @ (factor[:, None] * (U.T @ yc.reshape(len(yc), -1)))   # (D, K)
    coef = coef[:, 0] if y.ndim == 1 else coef.T
    if not fit_intercept:
        return coef, (0.0 if y.ndim == 1 else np.zeros(y.shape[1]))
    intercept = y_mean - (x_mean @ coef if y.ndim == 1 else coef @ x_mean)
    return coef, (float(intercept) if y.ndim == 1 else intercept)


# --------------------------------------------------------------------------- the lasso (MAP with a Laplace prior)
def soft_threshold(x, threshold):
    r"""The proximal operator of :math:`\tau\lVert\cdot\rVert_1`:
    :math:`\operatorname{sign}(x)\max(|x| - \tau, 0)`, elementwise.

    Parameters
    ----------
    x : ndarray, any shape
    threshold : float
        :math:`\tau \ge 0`.

    Returns
    -------
    ndarray, same shape as ``x``
    """
    x = as_float_array(x, "x")
    threshold = check_scalar(threshold, "threshold", min_val=0, max_val=np.inf,
                             include_boundaries="left")
    return np.sign(x) * np.maximum(np.abs(x) - threshold, 0.0)


def lasso_proximal_gradient(X, y, alpha, *, max_iter=100_000, tol=1e-12):
    r"""Minimize scikit-learn's Lasso objective by proximal gradient descent (ISTA).

    .. math:: J(w) = \frac{1}{2N}\lVert y - Xw\rVert_2^2 + \alpha\lVert w\rVert_1

    Each step is a gradient step on the smooth part with step size :math:`1/L`,
    :math:`L = \lVert X\rVert_2^2/N` (its Lipschitz constant), followed by
    :func:`soft_threshold` with :math:`\tau = \alpha/L`. This is the MAP estimate of linear
    regression with Gaussian noise of variance :math:`\sigma^2` and independent Laplace priors
    :math:`p(w_d) \propto e^{-|w_d|/b}` when :math:`\alpha = \sigma^2/(N b)`. There is no
    intercept (``Lasso(fit_intercept=False)``).

    Parameters
    ----------
    X : ndarray, shape (N, D)
    y : ndarray, shape (N,)
    alpha : float
        :math:`\alpha \ge 0`.
    max_iter : int
    tol : float
        Stop when no weight moves by more than ``tol`` in one step.

    Returns
    -------
    w : ndarray, shape (D,)
        Warns (``RuntimeWarning``) if ``max_iter`` steps did not reach ``tol``.
    """
    X, y = check_X_y(X, y, y_numeric=True)
    alpha = check_scalar(alpha, "alpha", min_val=0, max_val=np.inf, include_boundaries="left")
    max_iter = check_positive_int(max_iter, "max_iter")
    n = X.shape[0]
    lipschitz = np.linalg.norm(X, 2) ** 2 / n
    w = np.zeros(X.shape[1])
    if lipschitz == 0:
        return w
    for _ in range(int(max_iter)):
        grad = X.T @ (X @ w - y) / n
        w_new = soft_threshold(w - grad / lipschitz, alpha / lipschitz)
        if np.max(np.abs(w_new - w), initial=0.0) <= tol:
            return w_new
        w = w_new
    warnings.warn(f"lasso_proximal_gradient did not converge to tol={tol:g} in {max_iter} "
                  "iterations", RuntimeWarning, stacklevel=2)
    return w
