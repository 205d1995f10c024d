r"""Reservoir computing: echo state networks and a chaotic benchmark series.

An **echo state network** (Jaeger, 2001) is a recurrent network whose recurrent and input weights
are drawn at random once and never trained. Only a linear readout of its states is fitted, by
ridge regression, which is a convex problem with a closed-form solution: no backpropagation
through time, hence no vanishing or exploding gradients. The reservoir is a leaky-integrator
tanh RNN (rows are the N sequences of a batch),

.. math::
    h_t = (1 - \alpha) \odot h_{t-1} + \alpha \odot \tanh(W_{in} x_t + b + W h_{t-1}),
    \qquad h_0 = 0,

with the leak rate :math:`\alpha \in (0, 1]` (a scalar, or one per unit for several time scales)
and :math:`W` rescaled to a chosen spectral radius. The readout is
:math:`\hat y_t = W_{out} [h_t; x_t] + c`.

Shapes follow scikit-learn: a batch of sequences is (N, T, D), samples first; a single sequence
may be given as (T, D). Time is the second axis of a batch.
"""
import numpy as np

from ._validation import (as_float_array, check_array, check_int, check_is_fitted,
                          check_n_features, check_positive_int, check_scalar)
from .base import BaseEstimator
from .random import as_generator

__all__ = ["EchoStateNetwork", "mackey_glass", "ridge_readout", "scale_spectral_radius",
           "spectral_radius"]


def spectral_radius(W):
    r"""The largest absolute eigenvalue :math:`\rho(W) = \max_i |\lambda_i(W)|`.

    Parameters
    ----------
    W : ndarray, shape (H, H)

    Returns
    -------
    float
    """
    W = check_array(W, name="W", ndim=2, layout="(H, H)", ensure_min_samples=0,
                    ensure_min_features=0)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square matrix of shape (H, H), got shape {W.shape}")
    if W.size == 0:
        return 0.0
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def scale_spectral_radius(W, rho):
    r"""Return :math:`\rho\, W / \rho(W)`, a copy of ``W`` with spectral radius exactly ``rho``.

    Scaling a matrix scales all its eigenvalues by the same factor, so the eigenvectors and the
    ratios between eigenvalues are kept.

    Parameters
    ----------
    W : ndarray, shape (H, H)
        Must have a non-zero eigenvalue.
    rho : float, >= 0
        The wanted spectral radius.

    Returns
    -------
    ndarray, shape (H, H)
    """
    check_scalar(rho, "rho", min_val=0)
    current = spectral_radius(W)
    if current == 0.0:
        raise ValueError("W has spectral radius 0 (it is nilpotent), so it cannot be rescaled "
                         "to another spectral radius")
    return np.asarray(W, dtype=np.float64) * (float(rho) / current)


def ridge_readout(states, targets, ridge):
    r"""Ridge regression with an unpenalized intercept, in closed form.

    Minimizes :math:`\sum_m \lVert y_m - W s_m - c\rVert^2 + \lambda \lVert W\rVert_F^2` (a sum
    over the M rows, :math:`\lambda` = ``ridge``) by centering: with :math:`\bar s`, :math:`\bar y`
    the column means and :math:`S_c`, :math:`Y_c` the centered data,
    :math:`W^\top = (S_c^\top S_c + \lambda I)^{-1} S_c^\top Y_c` and
    :math:`c = \bar y - W \bar s`. This is scikit-learn's ``Ridge(alpha=ridge)``.

    Parameters
    ----------
    states : ndarray, shape (M, F)
        One row of features per time step (and sequence).
    targets : ndarray, shape (M, K)
    ridge : float, >= 0
        :math:`\lambda`; with 0 the features' Gram matrix must be invertible.

    Returns
    -------
    coef : ndarray, shape (K, F)
    intercept : ndarray, shape (K,)
    """
    S = check_array(states, name="states", ndim=2, layout="(M, F)", ensure_min_features=0)
    Y = check_array(targets, name="targets", ensure_2d=False, allow_nd=True,
                    ensure_min_samples=0, ensure_min_features=0)
    if Y.ndim != 2 or Y.shape[0] != S.shape[0]:
        raise ValueError(f"targets must have shape (M, K) with M = {S.shape[0]} rows like "
                         f"states, got shape {Y.shape}")
    check_scalar(ridge, "ridge", min_val=0)
    s_mean, y_mean = S.mean(axis=0), Y.mean(axis=0)
    Sc, Yc = S - s_mean, Y - y_mean
    gram = Sc.T @ Sc
    gram[np.diag_indices_from(gram)] += ridge
    coef = np.linalg.solve(gram, Sc.T @ Yc).T
    return coef, y_mean - coef @ s_mean


def mackey_glass(n_samples, *, tau=17.0, beta=0.2, gamma=0.1, n=10, x0=1.2, dt=0.1,
                 sample_every=1.0, discard=500.0):
    r"""Sample the Mackey–Glass delay differential equation.

    .. math::
        \frac{dx}{dt} = \beta\, \frac{x(t - \tau)}{1 + x(t - \tau)^n} - \gamma\, x(t),
        \qquad x(t) = x_0 \text{ for } t \le 0 .

    Integrated with the classical Runge–Kutta method of step ``dt``; the delayed value at the
    half step is the mean of its two neighbors on the grid. With the defaults (:math:`\tau =
    17`) the solution is chaotic, the standard benchmark of Mackey and Glass (1977).

    Parameters
    ----------
    n_samples : int
        Number of samples returned.
    tau, beta, gamma, n, x0 : float
        Delay (a positive multiple of ``dt``), the equation's constants and the initial history.
    dt : float, default 0.1
        Integration step.
    sample_every : float, default 1.0
        Time between returned samples (a positive multiple of ``dt``).
    discard : float, default 500.0
        Length of the initial transient that is integrated and dropped.

    Returns
    -------
    ndarray, shape (n_samples,)
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    for name, value in (("tau", tau), ("dt", dt), ("sample_every", sample_every)):
        check_scalar(value, name, min_val=0, include_boundaries="neither")
    check_scalar(discard, "discard", min_val=0)
    lag, every, skip = tau / dt, sample_every / dt, discard / dt
    for name, value in (("tau", lag), ("sample_every", every), ("discard", skip)):
        if abs(value - round(value)) > 1e-9:
            raise ValueError(f"{name} must be a multiple of dt = {dt}, got {name}/dt = {value}")
    lag, every, skip = int(round(lag)), int(round(every)), int(round(skip))

    def rhs(x, x_delayed):
        return beta * x_delayed / (1.0 + x_delayed ** n) - gamma * x

    n_steps = skip + (n_samples - 1) * every
    x = np.empty(lag + n_steps + 1)
    x[:lag + 1] = x0                                      # history on [-tau, 0]
    for i in range(lag, lag + n_steps):
        d0, d1 = x[i - lag], x[i - lag + 1]
        dm = 0.5 * (d0 + d1)
        k1 = rhs(x[i], d0)
        k2 = rhs(x[i] + 0.5 * dt * k1, dm)
        k3 = rhs(x[i] + 0.5 * dt * k2, dm)
        k4 = rhs(x[i] + dt * k3, d1)
        x[i + 1] = x[i] + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x[lag + skip::every][:n_samples].copy()


def _check_sequences(X, name="X"):
    """X as a float64 (N, T, D) array, and whether it was one (T, D) sequence."""
    X = check_array(X, name=name, ndim=(2, 3), layout="(N, T, D), or (T, D) for one sequence")
    single = X.ndim == 2
    return (X[None] if single else X), single


class EchoStateNetwork(BaseEstimator):
    r"""Echo state network: a fixed random leaky tanh reservoir and a ridge-regression readout.

    Parameters
    ----------
    n_reservoir : int, default 100
        H, units in the reservoir.
    spectral_radius : float, default 0.9
        :math:`\rho(W)` after rescaling the random recurrent matrix.
    leak_rate : float or array of shape (H,), default 1.0
        :math:`\alpha \in (0, 1]`; 1 is a plain tanh RNN, small values make slow units.
    input_scaling : float, default 1.0
        :math:`W_{in}` is drawn from :math:`U(-s, s)`.
    bias_scaling : float, default 0.0
        :math:`b` is drawn from :math:`U(-s, s)`.
    ridge : float, default 1e-6
        Penalty :math:`\lambda` of the readout (see :func:`ridge_readout`).
    washout : int, default 0
        Steps at the start of every sequence left out of the readout's fit, while the state
        forgets its arbitrary initial value.
    generator : numpy.random.Generator, int or None, keyword only
        Draws the reservoir in ``fit``; None uses the package-wide generator.

    Attributes
    ----------
    weight_ih_ : ndarray, shape (H, D)
        :math:`W_{in}`.
    weight_hh_ : ndarray, shape (H, H)
        :math:`W`, with spectral radius ``spectral_radius``.
    bias_ : ndarray, shape (H,)
    coef_ : ndarray, shape (K, H + D)
        Readout weights on :math:`[h_t; x_t]`.
    intercept_ : ndarray, shape (K,)
    n_features_in_ : int
        D.

    Notes
    -----
    ``fit(X, y)`` draws the reservoir, runs it over every sequence (all N at once, one matrix
    product per step) and fits the readout on all steps after the washout. ``transform(X)``
    returns the states, ``predict(X)`` the readout's output; both start each sequence from
    :math:`h_0 = 0`.
    """

    def __init__(self, n_reservoir=100, spectral_radius=0.9, leak_rate=1.0, input_scaling=1.0,
                 bias_scaling=0.0, ridge=1e-6, washout=0, *, generator=None):
        self.n_reservoir = n_reservoir
        self.spectral_radius = spectral_radius
        self.leak_rate = leak_rate
        self.input_scaling = input_scaling
        self.bias_scaling = bias_scaling
        self.ridge = ridge
        self.washout = washout
        self.generator = generator

    def _validated_leak(self, H):
        leak = as_float_array(self.leak_rate, "leak_rate")
        if leak.ndim > 1 or (leak.ndim == 1 and leak.shape != (H,)):
            raise ValueError(f"leak_rate must be a number or an array of shape (n_reservoir,) = "
                             f"({H},), got shape {leak.shape}")
        if not np.all((leak > 0) & (leak <= 1)):
            raise ValueError("leak_rate must lie in (0, 1]")
        return leak

    def _check_params(self):
        H = check_positive_int(self.n_reservoir, "n_reservoir")
        for name in ("spectral_radius", "input_scaling", "bias_scaling", "ridge"):
            check_scalar(getattr(self, name), name, min_val=0)
        check_int(self.washout, "washout", 0)
        return H, self._validated_leak(H)

    def _states(self, X):
        """Run the reservoir over X (N, T, D): states (N, T, H)."""
        N, T, _ = X.shape
        H = self.weight_hh_.shape[0]
        leak = self._leak_
        drive = X @ self.weight_ih_.T + self.bias_               # W_in x_t + b for all steps
        states = np.empty((N, T, H))
        h = np.zeros((N, H))
        w_t = self.weight_hh_.T
        for t in range(T):
            h = (1.0 - leak) * h + leak * np.tanh(drive[:, t] + h @ w_t)
            states[:, t] = h
        return states

    def _check_X(self, X):
        check_is_fitted(self, "coef_")
        X, single = _check_sequences(X)
        check_n_features(X, self, unit="features per step")
        return X, single

    def fit(self, X, y):
        """Draw the reservoir and fit the readout.

        Parameters
        ----------
        X : ndarray, shape (N, T, D) or (T, D)
        y : ndarray, shape (N, T, K), (N, T), (T, K) or (T,)
            Target at every step, laid out like ``X`` (without D, or with K outputs).

        Returns
        -------
        self
        """
        H, leak = self._check_params()
        X, single = _check_sequences(X)
        N, T, D = X.shape
        Y = check_array(y, name="y", ensure_2d=False, allow_nd=True, ensure_min_samples=0,
                        ensure_min_features=0)
        lead = (T,) if single else (N, T)
        if Y.shape[:len(lead)] != lead or Y.ndim not in (len(lead), len(lead) + 1):
            raise ValueError(f"y must have shape {lead} or {lead + ('K',)} to match X of shape "
                             f"{X.shape[1:] if single else X.shape}, got shape {Y.shape}")
        if self.washout >= T:
            raise ValueError(f"washout = {self.washout} leaves no step of sequences of length "
                             f"T = {T} to fit the readout on")
        self._y_1d = Y.ndim == len(lead)
        Y = Y.reshape(N, T, -1)
        rng = as_generator(self.generator)
        self.weight_ih_ = rng.uniform(-self.input_scaling, self.input_scaling, (H, D))
        self.bias_ = rng.uniform(-self.bias_scaling, self.bias_scaling, H)
        self.weight_hh_ = scale_spectral_radius(rng.standard_normal((H, H)),
                                                float(self.spectral_radius))
        self._leak_ = leak
        self.n_features_in_ = D
        features = np.concatenate([self._states(X), X], axis=2)[:, self.washout:]
        self.coef_, self.intercept_ = ridge_readout(features.reshape(-1, H + D),
                                                    Y[:, self.washout:].reshape(-1, Y.shape[2]),
                                                    float(self.ridge))
        return self

    def transform(self, X):
        """Reservoir states for every step, shape (N, T, H) (or (T, H) for one sequence)."""
        X, single = self._check_X(X)
        states = self._states(X)
        return states[0] if single else states

    def predict(self, X):
        """Readout at every step, laid out like the ``y`` given to ``fit``.

        Returns
        -------
        ndarray, shape (N, T, K) or (N, T) (without the N axis for one sequence)
        """
        X, single = self._check_X(X)
        features = np.concatenate([self._states(X), X], axis=2)
        out = features @ self.coef_.T + self.intercept_
        if self._y_1d:
            out = out[..., 0]
        return out[0] if single else out
