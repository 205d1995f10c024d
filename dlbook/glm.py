r"""Generalized linear models: linear, logistic and Poisson regression.

A generalized linear model (GLM) predicts a target :math:`y` from features :math:`x \in \mathbb{R}^D`
in three steps: a linear predictor :math:`z = x^\top w`, a fixed *transfer function* (the
inverse link) :math:`\hat y = t(z)`, and a loss :math:`\ell(z, y)`, the negative log-likelihood of
the model's distribution with mean :math:`\hat y`. The three models here use the *canonical*
transfer function of their distribution:

=============  ===================  ===================  ===============================
``model``      distribution of y    :math:`t(z)`         :math:`\ell(z, y)` (no constants)
=============  ===================  ===================  ===============================
``'linear'``   Gaussian, variance 1 :math:`z`            :math:`\tfrac12 (z - y)^2`
``'logistic'`` Bernoulli            :math:`\sigma(z)`    :math:`\log(1 + e^{z}) - y z`
``'poisson'``  Poisson              :math:`e^{z}`        :math:`e^{z} - y z`
=============  ===================  ===================  ===============================

For all three, :math:`\partial\ell/\partial z = t(z) - y = \hat y - y` and
:math:`\partial^2\ell/\partial z^2 = t'(z) \ge 0`. Averaged over a batch of N rows of ``X``
(shape (N, D)), the cost :math:`L(w) = \frac1N\sum_n \ell(x_n^\top w, y_n)` therefore has

* gradient :math:`\nabla L(w) = X^\top(\hat y - y)/N`, shape (D,), and
* Hessian :math:`\nabla^2 L(w) = X^\top S X/N` with :math:`S = \operatorname{diag}(t'(z_n))`,
  shape (D, D), positive semidefinite, so :math:`L` is convex.

There is no separate bias: as in the lecture notes, a constant feature (see
:func:`add_intercept`) plays its role. The squared-error loss carries the factor ½ of the Gaussian
negative log-likelihood, so it is half of :func:`dlbook.functional.mse_loss`; the logistic loss is
:func:`dlbook.functional.binary_cross_entropy_with_logits`, and the Poisson loss is
``torch.nn.functional.poisson_nll_loss(z, y, log_input=True)``.
"""
from dataclasses import dataclass

import numpy as np

from ._validation import (as_float_array, check_array, check_array_range, check_bool,
                          check_finite, check_ndim, check_option, check_positive_int,
                          check_scalar)
from .functional import binary_cross_entropy_with_logits, sigmoid

__all__ = ["MODELS", "add_intercept", "mean_function", "mean_function_derivative", "predict",
           "nll_loss", "nll_gradient", "nll_hessian", "GDResult", "fit_gd"]

#: The models this module knows, by name.
MODELS = ("linear", "logistic", "poisson")


# --------------------------------------------------------------------------- validation
def _check_model(model):
    if not isinstance(model, str):
        raise TypeError(f"model must be one of {MODELS} (a str), got {type(model).__name__}")
    return check_option(model, "model", MODELS)


def _check_X_w(X, w):
    X = check_array(X, layout="(N, D)")
    w = as_float_array(w, "w")
    if w.shape != (X.shape[1],):
        raise ValueError(f"w must have shape ({X.shape[1]},) to match X of shape {X.shape}, "
                         f"got {w.shape}")
    return X, w


def _check_y(model, y, n):
    y = as_float_array(y, "y")
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},), one target per row of X, got {y.shape}")
    check_finite(y, "y")
    if model == "logistic":
        check_array_range(y, "y", 0, 1, what="logistic-regression targets")
    if model == "poisson":
        check_array_range(y, "y", min_val=0, what="Poisson counts")
    return y


# --------------------------------------------------------------------------- the model
def add_intercept(X):
    """Prepend a column of ones to ``X``, so that ``w[0]`` acts as the bias.

    Parameters
    ----------
    X : ndarray, shape (N, D)

    Returns
    -------
    ndarray, shape (N, D + 1)
    """
    X = as_float_array(X, "X")
    check_ndim(X, "X", 2, "(N, D)")
    return np.hstack([np.ones((X.shape[0], 1)), X])


def mean_function(model, z):
    r"""The transfer function :math:`\hat y = t(z)`: identity, sigmoid or exponential.

    Parameters
    ----------
    model : {'linear', 'logistic', 'poisson'}
    z : ndarray, any shape
        Linear predictor(s) :math:`x^\top w`.

    Returns
    -------
    ndarray, same shape as ``z``
        The predicted mean: a real number, a probability in (0, 1), or a rate :math:`e^z > 0`.
    """
    _check_model(model)
    z = as_float_array(z, "z")
    if model == "linear":
        return z.copy()
    if model == "logistic":
        return sigmoid(z)
    return np.exp(z)


def mean_function_derivative(model, z):
    r""":math:`t'(z)`, the weight of each example in the Hessian :math:`X^\top S X/N`.

    For a canonical transfer function it is the variance of :math:`y` given :math:`z`:
    1 (Gaussian with unit variance), :math:`\sigma(z)(1-\sigma(z))` (Bernoulli), :math:`e^z`
    (Poisson). Same shape as ``z``; never negative.
    """
    _check_model(model)
    z = as_float_array(z, "z")
    if model == "linear":
        return np.ones_like(z)
    if model == "logistic":
        s = sigmoid(z)
        return s * (1.0 - s)
    return np.exp(z)


def predict(model, X, w):
    r"""Predicted means :math:`\hat y = t(Xw)`.

    Parameters
    ----------
    model : {'linear', 'logistic', 'poisson'}
    X : ndarray, shape (N, D)
    w : ndarray, shape (D,)

    Returns
    -------
    ndarray, shape (N,)
    """
    _check_model(model)
    X, w = _check_X_w(X, w)
    return mean_function(model, X @ w)


def _nll_from_z(model, z, y):
    """Mean negative log-likelihood (constants dropped) given the linear predictors ``z``."""
    if model == "linear":
        return 0.5 * float(np.mean((z - y) ** 2))
    if model == "logistic":
        return binary_cross_entropy_with_logits(z, y)
    with np.errstate(over="ignore", invalid="ignore"):  # a huge trial step may overflow: inf
        return float(np.mean(np.exp(z) - y * z))


def _nll_change(model, z, d, y):
    r"""Mean of :math:`\ell(z + d, y) - \ell(z, y)`, computed without subtracting two losses.

    Near a minimum the change is many orders of magnitude smaller than the loss itself, and the
    difference of two rounded losses would be rounding noise. Written in terms of the step ``d``
    in the linear predictor, every term is accurate to a few ulps of the change itself.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if model == "linear":
            change = d * (z - y + 0.5 * d)
        elif model == "logistic":
            small = np.log1p(sigmoid(z) * np.expm1(np.minimum(d, 1.0)))
            large = (np.logaddexp(0.0, z + d) - np.logaddexp(0.0, z))
            change = np.where(np.abs(d) < 1.0, small, large) - y * d
        else:
            change = np.exp(z) * np.expm1(d) - y * d
        return float(np.mean(change))


def nll_loss(model, X, y, w):
    r"""Negative log-likelihood averaged over the batch, :math:`L(w) = \frac1N\sum_n\ell(x_n^\top w, y_n)`.

    Constants that do not depend on :math:`w` are dropped:
    :math:`\ell = \tfrac12(z-y)^2` (linear), :math:`\log(1+e^z) - yz` (logistic, computed
    without overflow), :math:`e^z - yz` (Poisson, i.e. without :math:`\log y!`).

    Parameters
    ----------
    model : {'linear', 'logistic', 'poisson'}
    X : ndarray, shape (N, D)
    y : ndarray, shape (N,)
        Real targets (linear), values in [0, 1] (logistic) or counts >= 0 (Poisson).
    w : ndarray, shape (D,)

    Returns
    -------
    float
    """
    _check_model(model)
    X, w = _check_X_w(X, w)
    y = _check_y(model, y, X.shape[0])
    return _nll_from_z(model, X @ w, y)


def nll_gradient(model, X, y, w):
    r"""Gradient of :func:`nll_loss`: :math:`\nabla L(w) = X^\top(\hat y - y)/N`.

    The same formula for all three models, because each uses its canonical transfer function:
    :math:`\partial\ell/\partial z = \hat y - y`, and :math:`\partial z/\partial w = x`.

    Parameters
    ----------
    model : {'linear', 'logistic', 'poisson'}
    X : ndarray, shape (N, D)
    y : ndarray, shape (N,)
    w : ndarray, shape (D,)

    Returns
    -------
    ndarray, shape (D,)
    """
    _check_model(model)
    X, w = _check_X_w(X, w)
    y = _check_y(model, y, X.shape[0])
    residual = mean_function(model, X @ w) - y          # ŷ - y, shape (N,)
    return X.T @ residual / X.shape[0]


def nll_hessian(model, X, w):
    r"""Hessian of :func:`nll_loss`: :math:`\nabla^2 L(w) = X^\top S X / N`, :math:`S = \operatorname{diag}(t'(Xw))`.

    It does not depend on the targets, and it is positive semidefinite because every
    :math:`t'(z_n) \ge 0`: :math:`v^\top X^\top S X v/N = \frac1N\sum_n t'(z_n)(x_n^\top v)^2 \ge 0`.

    Parameters
    ----------
    model : {'linear', 'logistic', 'poisson'}
    X : ndarray, shape (N, D)
    w : ndarray, shape (D,)

    Returns
    -------
    ndarray, shape (D, D), symmetric
    """
    _check_model(model)
    X, w = _check_X_w(X, w)
    s = mean_function_derivative(model, X @ w)          # diagonal of S, shape (N,)
    H = (X * s[:, None]).T @ X / X.shape[0]
    return 0.5 * (H + H.T)                              # exactly symmetric, not just to rounding


# --------------------------------------------------------------------------- optimization
@dataclass(frozen=True)
class GDResult:
    """What :func:`fit_gd` returns.

    Attributes
    ----------
    w : ndarray, shape (D,)
        The final weights.
    losses : ndarray, shape (n_iter + 1,)
        :math:`L(w_k)` for k = 0, ..., n_iter (the first entry is the loss at ``w0``).
    lrs : ndarray, shape (n_iter,)
        The step size :math:`\\eta_k` used in each iteration.
    grad_norms : ndarray, shape (n_iter + 1,)
        :math:`\\max_i |\\nabla L(w_k)_i|` at every iterate.
    n_iter : int
        Number of gradient steps taken.
    n_trials : int
        Number of step sizes tried, rejected trials of the line search included (equal to
        ``n_iter`` without a line search).
    converged : bool
        True when the gradient's largest entry fell to ``tol`` or below.
    message : str
    """
    w: np.ndarray
    losses: np.ndarray
    lrs: np.ndarray
    grad_norms: np.ndarray
    n_iter: int
    n_trials: int
    converged: bool
    message: str


def _check_fit_args(model, X, y, w0, lr, line_search, max_iter, tol, c, shrink, max_backtracks):
    _check_model(model)
    X = as_float_array(X, "X")
    check_ndim(X, "X", 2, "(N, D)")
    w = np.zeros(X.shape[1]) if w0 is None else np.array(as_float_array(w0, "w0"))
    X, w = _check_X_w(X, w)
    y = _check_y(model, y, X.shape[0])
    check_finite(w, "w0")
    lr = check_scalar(lr, "lr", min_val=0, include_boundaries="neither")
    tol = check_scalar(tol, "tol", min_val=0, include_boundaries="neither")
    c = check_scalar(c, "c", min_val=0, max_val=1, include_boundaries="neither")
    shrink = check_scalar(shrink, "shrink", min_val=0, max_val=1, include_boundaries="neither")
    check_positive_int(max_iter, "max_iter")
    check_positive_int(max_backtracks, "max_backtracks")
    check_bool(line_search, "line_search")
    return X, y, w, lr, tol, c, shrink


def fit_gd(model, X, y, *, w0=None, lr=1.0, line_search=True, max_iter=1000, tol=1e-8,
           c=1e-4, shrink=0.5, max_backtracks=60):
    r"""Minimize :func:`nll_loss` by gradient descent, :math:`w_{k+1} = w_k - \eta_k \nabla L(w_k)`.

    With ``line_search=True`` the step size :math:`\eta_k` is found by backtracking: start from
    ``lr`` and multiply by ``shrink`` until the *Armijo* (sufficient decrease) condition

    .. math:: L(w_k - \eta g_k) \le L(w_k) - c\,\eta\,\lVert g_k\rVert^2, \qquad g_k = \nabla L(w_k),

    holds. The left side is computed as :math:`L(w_k)` plus the change of the loss, evaluated
    term by term from the step in the linear predictor, so that the test stays meaningful when
    the change is far below the rounding error of :math:`L` itself. With ``line_search=False``
    every step uses :math:`\eta_k =` ``lr``; if the loss then
    becomes infinite or NaN, the run stops and reports divergence.

    Parameters
    ----------
    model : {'linear', 'logistic', 'poisson'}
    X : ndarray, shape (N, D)
        Include a column of ones (:func:`add_intercept`) to fit a bias.
    y : ndarray, shape (N,)
    w0 : ndarray, shape (D,), optional
        Starting point; zeros by default.
    lr : float, default 1.0
        The fixed step size, or the first trial step of each line search.
    line_search : bool, default True
    max_iter : int, default 1000
    tol : float, default 1e-8
        Stop when :math:`\max_i |\nabla L(w)_i| \le` ``tol``.
    c : float in (0, 1), default 1e-4
        Armijo constant: the fraction of the linearly predicted decrease a step must achieve.
    shrink : float in (0, 1), default 0.5
        Backtracking factor.
    max_backtracks : int, default 60
        If no step in ``lr * shrink**j``, j < ``max_backtracks``, satisfies the Armijo condition
        (near the minimum, rounding errors can hide any decrease), the run stops.

    Returns
    -------
    GDResult
    """
    X, y, w, lr, tol, c, shrink = _check_fit_args(model, X, y, w0, lr, line_search, max_iter,
                                                   tol, c, shrink, max_backtracks)

    def loss_at(v):
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run reports inf/NaN
            return _nll_from_z(model, X @ v, y)

    def grad_at(v):
        with np.errstate(over="ignore", invalid="ignore"):
            return X.T @ (mean_function(model, X @ v) - y) / X.shape[0]

    loss, g = loss_at(w), grad_at(w)
    losses, lrs, grad_norms = [loss], [], [float(np.max(np.abs(g)))]
    n_trials, message = 0, f"reached max_iter={max_iter}"
    for _ in range(max_iter):
        if grad_norms[-1] <= tol:
            break
        eta = lr
        if line_search:
            z, Xg, g2 = X @ w, X @ g, float(g @ g)
            for _ in range(max_backtracks):
                n_trials += 1
                if _nll_change(model, z, -eta * Xg, y) <= -c * eta * g2:   # Armijo
                    break
                eta *= shrink
            else:
                message = "line search found no decrease (rounding level reached)"
                break
        w = w - eta * g
        loss, g = loss_at(w), grad_at(w)
        n_trials += 0 if line_search else 1
        losses.append(loss)
        lrs.append(eta)
        grad_norms.append(float(np.max(np.abs(g))) if np.all(np.isfinite(g)) else np.inf)
        if not np.isfinite(loss) or not np.isfinite(grad_norms[-1]):
            message = "diverged: the loss is no longer finite (step size too large)"
            break
    converged = grad_norms[-1] <= tol
    if converged:
        message = f"converged: max |gradient| <= tol={tol:g}"
    return GDResult(w=w, losses=np.array(losses), lrs=np.array(lrs),
                    grad_norms=np.array(grad_norms), n_iter=len(lrs), n_trials=n_trials,
                    converged=bool(converged), message=message)
