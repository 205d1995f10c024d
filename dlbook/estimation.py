r"""Minimum mean-squared-error estimation: affine and linear MMSE, the Wiener solution, LMS.

Everything here estimates a target :math:`y` from an observation :math:`x \in \mathbb{R}^D` with
the smallest mean-squared error, given (or learning from data) the first and second moments of
the pair. On paper ``x`` and ``y`` are column vectors, :math:`y \in \mathbb{R}^M`; the moments are:

* ``m_x``, ``m_y``, shapes (D,), (M,): the means :math:`\mathbb{E}[x]`, :math:`\mathbb{E}[y]`;
* ``K_x``, shape (D, D): the covariance :math:`\mathbb{E}[(x - m_x)(x - m_x)^\top]`;
* ``K_yx``, shape (M, D): the cross-covariance :math:`\mathbb{E}[(y - m_y)(x - m_x)^\top]`,
  whose transpose is :math:`K_{xy}`;
* ``R_x``, shape (D, D): the correlation :math:`\mathbb{E}[x x^\top] = K_x + m_x m_x^\top`;
* ``r_xy``, shape (D,), and ``r_y``, a scalar: :math:`\mathbb{E}[x\, y]` and
  :math:`\mathbb{E}[y^2]` for a scalar target.

A scalar target is the case M = 1, written with 1-D arrays: ``K_yx`` of shape (D,) and ``m_y`` a
float. Matrices follow :class:`dlbook.nn.Linear`'s layout: the estimator's matrix ``F`` has
shape (M, D) = (out, in), so a batch ``X`` of shape (N, D) is mapped to
``dlbook.functional.linear(X, F, b)`` = ``X @ F.T + b``.

The two iterative methods minimize the error surface :math:`E(w) = \mathbb{E}[(y - w^\top x)^2]`
of a scalar target, whose gradient is :math:`\nabla E = -2(r_{xy} - R_x w)`. Both step along
:math:`-\tfrac12\nabla E` (the factor 2 is absorbed into the step size ``lr``, as in the LMS
literature), so that the iteration is stable for :math:`0 < \eta < 2/\lambda_{\max}(R_x)`
(:func:`max_stable_step`).
"""
import numpy as np

from ._validation import as_float_array, check_finite, check_int, check_scalar

__all__ = ["affine_mmse", "lmmse_error", "wiener", "linear_mse", "steepest_descent", "lms",
           "max_stable_step"]


# --------------------------------------------------------------------------- validation
def _square_symmetric(K, name):
    """A finite, symmetric (D, D) float array, or ``ValueError``."""
    K = check_finite(as_float_array(K, name), name)
    if K.ndim != 2 or K.shape[0] != K.shape[1] or K.shape[0] == 0:
        raise ValueError(f"{name} must have shape (D, D) with D >= 1, got shape {K.shape}")
    scale = max(float(np.max(np.abs(K))), np.finfo(float).tiny)
    if not np.allclose(K, K.T, rtol=0.0, atol=1e-10 * scale):
        raise ValueError(f"{name} must be symmetric (a covariance or correlation matrix)")
    return K


def _positive_definite(K, name):
    K = _square_symmetric(K, name)
    try:
        np.linalg.cholesky(K)
    except np.linalg.LinAlgError:
        raise ValueError(f"{name} must be positive definite (invertible); it is singular or "
                         "has a negative eigenvalue") from None
    return K


def _cross(K_yx, D, name, layout):
    """``K_yx`` (M, D) or ``r_xy``-style (D,) vector; ``ValueError`` naming the layout."""
    K_yx = check_finite(as_float_array(K_yx, name), name)
    if K_yx.ndim not in (1, 2) or K_yx.shape[-1 if layout == "yx" else 0] != D:
        want = f"(M, {D}) or ({D},)" if layout == "yx" else f"({D},) or ({D}, M)"
        raise ValueError(f"{name} must have shape {want} to match a ({D}, {D}) matrix, "
                         f"got shape {K_yx.shape}")
    return K_yx


def _vector(v, D, name):
    v = check_finite(as_float_array(v, name), name)
    if v.shape != (D,):
        raise ValueError(f"{name} must have shape ({D},), got shape {v.shape}")
    return v


# --------------------------------------------------------------------------- closed forms
def affine_mmse(K_x, K_yx, m_x, m_y):
    r"""The best affine estimator :math:`\hat y = F x + b` in the mean-squared sense.

    .. math:: F = K_{yx} K_x^{-1}, \qquad b = m_y - F m_x,

    so that :math:`\hat y = m_y + K_{yx} K_x^{-1} (x - m_x)`. ``F`` is computed by solving
    :math:`K_x F^\top = K_{xy}`, never by forming the inverse.

    Parameters
    ----------
    K_x : ndarray, shape (D, D)
        Covariance of ``x``; symmetric positive definite.
    K_yx : ndarray, shape (M, D), or shape (D,) for a scalar target
        Cross-covariance :math:`\mathbb{E}[(y - m_y)(x - m_x)^\top]`.
    m_x : ndarray, shape (D,)
        Mean of ``x``.
    m_y : ndarray, shape (M,), or a float for a scalar target
        Mean of ``y``.

    Returns
    -------
    F : ndarray, same shape as ``K_yx``
        (M, D) = (out, in), the layout of :attr:`dlbook.nn.Linear.weight`.
    b : ndarray, shape (M,), or a float for a scalar target

    Raises
    ------
    TypeError
        If an argument is not numeric.
    ValueError
        If the shapes do not match, ``K_x`` is not symmetric positive definite, or an input is
        not finite.
    """
    K_x = _positive_definite(K_x, "K_x")
    D = K_x.shape[0]
    K_yx = _cross(K_yx, D, "K_yx", "yx")
    m_x = _vector(m_x, D, "m_x")
    m_y = check_finite(as_float_array(m_y, "m_y"), "m_y")
    want = K_yx.shape[:-1]
    if m_y.shape != want:
        raise ValueError(f"m_y must have shape {want} to match K_yx of shape {K_yx.shape}, "
                         f"got shape {m_y.shape}")
    F = np.linalg.solve(K_x, K_yx.T).T          # K_x F^T = K_xy, K_x symmetric
    b = m_y - F @ m_x
    return F, (float(b) if b.ndim == 0 else b)


def lmmse_error(K_y, K_yx, K_x):
    r"""The smallest mean-squared error of an affine (or linear) estimator.

    .. math:: \operatorname{tr}\big(K_y - K_{yx} K_x^{-1} K_{xy}\big),

    which for a scalar target reads :math:`\sigma_y^2 - k_{xy}^\top K_x^{-1} k_{xy}`. Pass
    covariances (centered moments) for the **affine** MMSE; pass correlations
    :math:`R_y = \mathbb{E}[yy^\top]`, :math:`R_{yx} = \mathbb{E}[yx^\top]`,
    :math:`R_x = \mathbb{E}[xx^\top]` for the **linear** MMSE (no bias), e.g.
    :math:`r_y - r_{xy}^\top R_x^{-1} r_{xy}` with :math:`r_y = \mathbb{E}[y^2]`.

    Parameters
    ----------
    K_y : ndarray, shape (M, M), or a float for a scalar target
    K_yx : ndarray, shape (M, D), or shape (D,) for a scalar target
    K_x : ndarray, shape (D, D)
        Symmetric positive definite.

    Returns
    -------
    float
        The error summed over the M components of ``y`` (the trace).

    Raises
    ------
    TypeError, ValueError
        As :func:`affine_mmse`; also if ``K_y`` does not have the shape ``K_yx`` implies.
    """
    K_x = _positive_definite(K_x, "K_x")
    K_yx = _cross(K_yx, K_x.shape[0], "K_yx", "yx")
    K_y = check_finite(as_float_array(K_y, "K_y"), "K_y")
    want = () if K_yx.ndim == 1 else (K_yx.shape[0],) * 2
    if K_y.shape != want:
        raise ValueError(f"K_y must have shape {want} to match K_yx of shape {K_yx.shape}, "
                         f"got shape {K_y.shape}")
    explained = K_yx @ np.linalg.solve(K_x, K_yx.T)   # K_yx K_x^{-1} K_xy
    return float(np.trace(np.atleast_2d(K_y - explained)))


def wiener(R_x, r_xy):
    r"""The Wiener solution :math:`w = R_x^{-1} r_{xy}`, the best linear estimator :math:`w^\top x`.

    It solves the normal equations :math:`R_x w = r_{xy}`, where the gradient of
    :math:`E(w) = \mathbb{E}[(y - w^\top x)^2]` vanishes. With sample moments
    (``R_x = X.T @ X / N``, ``r_xy = X.T @ y / N``) it is the least-squares fit without
    intercept.

    Parameters
    ----------
    R_x : ndarray, shape (D, D)
        :math:`\mathbb{E}[x x^\top]`; symmetric positive definite.
    r_xy : ndarray, shape (D,), or (D, M) for M targets
        :math:`\mathbb{E}[x\, y]` (or :math:`R_{xy} = \mathbb{E}[x y^\top]`).

    Returns
    -------
    ndarray, same shape as ``r_xy``
        ``w``; for M targets the (D, M) matrix :math:`F^\top = R_x^{-1} R_{xy}`.

    Raises
    ------
    TypeError, ValueError
        On non-numeric input, mismatched shapes, or an ``R_x`` that is not symmetric positive
        definite.
    """
    R_x = _positive_definite(R_x, "R_x")
    r_xy = _cross(r_xy, R_x.shape[0], "r_xy", "xy")
    return np.linalg.solve(R_x, r_xy)


def linear_mse(w, R_x, r_xy, r_y):
    r"""The error surface :math:`E(w) = \mathbb{E}[(y - w^\top x)^2]` of a linear estimator.

    .. math:: E(w) = r_y - 2\, w^\top r_{xy} + w^\top R_x\, w .

    Vectorized over any number of weight vectors, e.g. a grid for a contour plot or a whole
    trajectory from :func:`steepest_descent`.

    Parameters
    ----------
    w : ndarray, shape (..., D)
    R_x : ndarray, shape (D, D)
        :math:`\mathbb{E}[x x^\top]`, symmetric (positive semidefinite).
    r_xy : ndarray, shape (D,)
        :math:`\mathbb{E}[x\, y]`.
    r_y : float
        :math:`\mathbb{E}[y^2]` (the second moment, which is :math:`\sigma_y^2` only when
        :math:`\mathbb{E}[y] = 0`).

    Returns
    -------
    ndarray, shape (...)
        One mean-squared error per weight vector (a 0-d array for a single ``w``).
    """
    R_x = _square_symmetric(R_x, "R_x")
    D = R_x.shape[0]
    r_xy = _vector(r_xy, D, "r_xy")
    r_y = check_finite(as_float_array(r_y, "r_y"), "r_y")
    if r_y.shape != ():
        raise ValueError(f"r_y must be a scalar, got shape {r_y.shape}")
    w = as_float_array(w, "w")
    if w.ndim == 0 or w.shape[-1] != D:
        raise ValueError(f"w must have shape (..., {D}), got shape {w.shape}")
    with np.errstate(over="ignore", invalid="ignore"):   # a diverged trajectory gives inf
        return r_y - 2.0 * (w @ r_xy) + np.einsum("...i,ij,...j->...", w, R_x, w)


# --------------------------------------------------------------------------- iterations
def max_stable_step(R_x):
    r"""The step-size bound :math:`2/\lambda_{\max}(R_x)` of steepest descent on :math:`E(w)`.

    The iteration :math:`w_{n+1} = w_n + \eta(r_{xy} - R_x w_n)` converges for every starting
    point if and only if :math:`0 < \eta <` ``max_stable_step(R_x)``: along the eigenvector of
    :math:`\lambda_i` the error is multiplied by :math:`1 - \eta\lambda_i` at every step.

    Parameters
    ----------
    R_x : ndarray, shape (D, D)
        Symmetric positive semidefinite, not zero.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``R_x`` is not symmetric, has a negative eigenvalue, or is zero.
    """
    R_x = _square_symmetric(R_x, "R_x")
    eigenvalues = np.linalg.eigvalsh(R_x)
    lam_max = float(eigenvalues[-1])
    if lam_max <= 0 or eigenvalues[0] < -1e-12 * lam_max:
        raise ValueError("R_x must be positive semidefinite and not zero, got eigenvalues "
                         f"from {eigenvalues[0]:.3g} to {lam_max:.3g}")
    return 2.0 / lam_max


def steepest_descent(R_x, r_xy, lr, steps, w0=None):
    r"""Steepest descent on the error surface with exact moments (no data, no noise).

    .. math:: w_{n+1} = w_n + \eta\,(r_{xy} - R_x w_n) = w_n - \eta\,\tfrac12\nabla E(w_n).

    The error :math:`c_n = w_n - R_x^{-1} r_{xy}` obeys :math:`c_{n+1} = (I - \eta R_x)\,c_n`.
    Step sizes above :func:`max_stable_step` are allowed (to show divergence); a diverging
    trajectory may end in ``inf``/``nan`` without warnings.

    Parameters
    ----------
    R_x : ndarray, shape (D, D)
        :math:`\mathbb{E}[x x^\top]`, symmetric.
    r_xy : ndarray, shape (D,)
        :math:`\mathbb{E}[x\, y]`.
    lr : float
        The step size :math:`\eta > 0` (on :math:`-\tfrac12\nabla E`).
    steps : int
        Number of iterations, >= 0.
    w0 : ndarray, shape (D,), optional
        Starting point; zeros by default.

    Returns
    -------
    ndarray, shape (steps + 1, D)
        The trajectory :math:`w_0, w_1, \dots, w_{\text{steps}}`.
    """
    R_x = _square_symmetric(R_x, "R_x")
    D = R_x.shape[0]
    r_xy = _vector(r_xy, D, "r_xy")
    lr = check_scalar(lr, "lr", min_val=0, max_val=np.inf, include_boundaries="neither")
    steps = check_int(steps, "steps", 0)
    w = np.zeros(D) if w0 is None else _vector(w0, D, "w0")
    trajectory = np.empty((steps + 1, D))
    trajectory[0] = w
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(steps):                  # iterations, not samples: each needs the last
            trajectory[n + 1] = trajectory[n] + lr * (r_xy - R_x @ trajectory[n])
    return trajectory


def lms(X, y, lr, w0=None):
    r"""Least mean squares (Widrow–Hoff): stochastic gradient descent on one sample per step.

    .. math:: w_{n+1} = w_n + \eta\,(y_n - w_n^\top x_n)\,x_n, \qquad n = 0, \dots, N-1,

    the steepest-descent step with :math:`r_{xy} - R_x w` replaced by its one-sample estimate
    :math:`(y_n - x_n^\top w_n)\,x_n`. Each update needs the weights the previous sample
    produced, so the loop over the N samples *is* the algorithm and cannot be vectorized away;
    independent runs (leading axes of ``X`` and ``y``) are processed together in each step.

    Parameters
    ----------
    X : ndarray, shape (..., N, D)
        The samples :math:`x_n` as rows, in the order they arrive; leading axes index
        independent runs.
    y : ndarray, shape (..., N)
        The targets :math:`y_n`.
    lr : float
        Step size :math:`\eta > 0`. The mean of :math:`w_n` can only converge for
        :math:`\eta <` ``max_stable_step(R_x)``; LMS itself needs a smaller step.
    w0 : ndarray, shape (D,) or (..., D), optional
        Starting weights; zeros by default.

    Returns
    -------
    ndarray, shape (..., N + 1, D)
        The trajectory :math:`w_0, \dots, w_N` of every run. A diverging run may end in
        ``inf``/``nan`` without warnings.
    """
    X = check_finite(as_float_array(X, "X"), "X")
    if X.ndim < 2:
        raise ValueError(f"X must have shape (..., N, D), got shape {X.shape}")
    y = check_finite(as_float_array(y, "y"), "y")
    if y.shape != X.shape[:-1]:
        raise ValueError(f"y must have shape {X.shape[:-1]}, one target per row of X "
                         f"(X has shape {X.shape}), got shape {y.shape}")
    lr = check_scalar(lr, "lr", min_val=0, max_val=np.inf, include_boundaries="neither")
    *batch, N, D = X.shape
    trajectory = np.empty((*batch, N + 1, D))
    if w0 is None:
        trajectory[..., 0, :] = 0.0
    else:
        w0 = check_finite(as_float_array(w0, "w0"), "w0")
        try:
            trajectory[..., 0, :] = np.broadcast_to(w0, (*batch, D))
        except ValueError:
            raise ValueError(f"w0 must have shape ({D},) or {(*batch, D)}, got shape "
                             f"{w0.shape}") from None
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(N):                      # sequential in time: w_{n+1} needs w_n
            w, x = trajectory[..., n, :], X[..., n, :]
            error = y[..., n] - np.sum(x * w, axis=-1)             # y_n - w_n^T x_n
            trajectory[..., n + 1, :] = w + lr * error[..., None] * x
    return trajectory
