"""dlbook.estimation against independent computations: direct linear algebra, least squares on
large samples (NumPy and scikit-learn), the closed-form error recursion of steepest descent, a
plain per-sample LMS loop; and the error messages."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import estimation as est


def spd(rng, d, cond=10.0):
    """A random symmetric positive definite matrix with condition number ``cond``."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = np.geomspace(1.0, cond, d) if d > 1 else np.array([2.0])
    return (Q * lam) @ Q.T


def joint_moments(rng, d, m):
    """Means and a valid joint covariance of (x, y), x in R^d, y in R^m."""
    K = spd(rng, d + m, cond=20.0)
    return rng.standard_normal(d), rng.standard_normal(m), K[:d, :d], K[d:, :d], K[d:, d:]


# --------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("d,m", [(1, 1), (3, 2), (2, 4), (5, 1)])
def test_affine_mmse_matches_the_inverse_formula(rng, d, m):
    m_x, m_y, K_x, K_yx, _ = joint_moments(rng, d, m)
    F, b = est.affine_mmse(K_x, K_yx, m_x, m_y)
    F_ref = K_yx @ np.linalg.inv(K_x)
    np.testing.assert_allclose(F, F_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b, m_y - F_ref @ m_x, rtol=1e-10, atol=1e-12)
    assert F.shape == (m, d) and b.shape == (m,)


def test_affine_mmse_scalar_target_uses_1d_shapes(rng):
    m_x, m_y, K_x, K_yx, _ = joint_moments(rng, 3, 1)
    F, b = est.affine_mmse(K_x, K_yx[0], m_x, float(m_y[0]))
    F2, b2 = est.affine_mmse(K_x, K_yx, m_x, m_y)
    assert F.shape == (3,) and isinstance(b, float)
    np.testing.assert_allclose(F, F2[0], rtol=1e-14)
    np.testing.assert_allclose(b, b2[0], rtol=1e-14)


def sample(rng, n, d, m):
    """Non-Gaussian (x, y) with y affine in x plus independent noise, and the exact moments."""
    A = rng.standard_normal((d, d))
    m_x = rng.standard_normal(d)
    F_true, b_true = rng.standard_normal((m, d)), rng.standard_normal(m)
    u = rng.uniform(-np.sqrt(3), np.sqrt(3), (n, d))             # unit variance, not Gaussian
    X = u @ A.T + m_x
    Y = X @ F_true.T + b_true + 0.5 * rng.laplace(size=(n, m)) / np.sqrt(2)
    return X, Y, F_true, b_true


def test_affine_mmse_from_sample_moments_is_least_squares_with_intercept(rng):
    sklearn = pytest.importorskip("sklearn.linear_model")
    X, Y, F_true, b_true = sample(rng, 20000, 3, 2)
    K_x = np.cov(X, rowvar=False, bias=True)
    K_yx = (Y - Y.mean(0)).T @ (X - X.mean(0)) / len(X)
    F, b = est.affine_mmse(K_x, K_yx, X.mean(0), Y.mean(0))
    reg = sklearn.LinearRegression().fit(X, Y)
    np.testing.assert_allclose(F, reg.coef_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(b, reg.intercept_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(F, F_true, atol=0.05)              # and near the truth
    np.testing.assert_allclose(b, b_true, atol=0.05)


def test_wiener_from_sample_moments_is_least_squares_without_intercept(rng):
    sklearn = pytest.importorskip("sklearn.linear_model")
    X, Y, _, _ = sample(rng, 5000, 4, 1)
    w = est.wiener(X.T @ X / len(X), X.T @ Y[:, 0] / len(X))
    reg = sklearn.LinearRegression(fit_intercept=False).fit(X, Y[:, 0])
    np.testing.assert_allclose(w, reg.coef_, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(w, np.linalg.lstsq(X, Y[:, 0], rcond=None)[0], rtol=1e-9)


def test_wiener_matches_solve_and_handles_several_targets(rng):
    R = spd(rng, 4)
    r = rng.standard_normal((4, 3))
    np.testing.assert_allclose(est.wiener(R, r), np.linalg.solve(R, r), rtol=1e-12)
    np.testing.assert_allclose(est.wiener(R, r[:, 1]), np.linalg.solve(R, r[:, 1]), rtol=1e-12)


@pytest.mark.parametrize("d,m", [(1, 1), (3, 2), (2, 4)])
def test_lmmse_error_is_the_error_of_the_optimal_estimator(rng, d, m):
    m_x, m_y, K_x, K_yx, K_y = joint_moments(rng, d, m)
    F, _ = est.affine_mmse(K_x, K_yx, m_x, m_y)
    # error covariance of y - F x - b: K_y - F K_xy - K_yx F^T + F K_x F^T
    direct = np.trace(K_y - F @ K_yx.T - K_yx @ F.T + F @ K_x @ F.T)
    assert est.lmmse_error(K_y, K_yx, K_x) == pytest.approx(direct, rel=1e-10)
    # any other F is worse
    G = F + 0.1 * rng.standard_normal(F.shape)
    worse = np.trace(K_y - G @ K_yx.T - K_yx @ G.T + G @ K_x @ G.T)
    assert worse > est.lmmse_error(K_y, K_yx, K_x)


def test_lmmse_error_scalar_form_and_sample_residual(rng):
    X, Y, _, _ = sample(rng, 4000, 3, 1)
    y = Y[:, 0]
    R, r, r_y = X.T @ X / len(X), X.T @ y / len(X), float(y @ y / len(X))
    w = est.wiener(R, r)
    resid = np.mean((y - X @ w) ** 2)
    assert est.lmmse_error(r_y, r, R) == pytest.approx(resid, rel=1e-9)
    assert est.lmmse_error(r_y, r, R) == pytest.approx(r_y - r @ np.linalg.solve(R, r), rel=1e-12)


def test_linear_mse_matches_sample_average_and_broadcasts(rng):
    X, Y, _, _ = sample(rng, 3000, 2, 1)
    y = Y[:, 0]
    R, r, r_y = X.T @ X / len(X), X.T @ y / len(X), float(y @ y / len(X))
    W = rng.standard_normal((4, 5, 2))
    want = np.mean((y[None, None, :] - W @ X.T) ** 2, axis=-1)
    got = est.linear_mse(W, R, r, r_y)
    assert got.shape == (4, 5)
    np.testing.assert_allclose(got, want, rtol=1e-9)
    w_opt = est.wiener(R, r)
    assert float(est.linear_mse(w_opt, R, r, r_y)) == pytest.approx(est.lmmse_error(r_y, r, R),
                                                                    rel=1e-10)


# --------------------------------------------------------------------------- iterations
@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.99, 1.01, 1.5])
def test_steepest_descent_follows_the_mode_recursion(rng, fraction):
    d = 3
    R = spd(rng, d, cond=8.0)
    r = rng.standard_normal(d)
    w0 = rng.standard_normal(d)
    lam, Q = np.linalg.eigh(R)
    lr = fraction * 2.0 / lam[-1]
    steps = 40
    traj = est.steepest_descent(R, r, lr, steps, w0)
    w_star = np.linalg.solve(R, r)
    n = np.arange(steps + 1)[:, None]
    modes = (1.0 - lr * lam) ** n * (Q.T @ (w0 - w_star))       # v_n = (1 - lr lam)^n v_0
    np.testing.assert_allclose(traj, w_star + modes @ Q.T, rtol=1e-9, atol=1e-9)
    assert traj.shape == (steps + 1, d)


def test_steepest_descent_converges_below_and_diverges_above_the_bound(rng):
    R = spd(rng, 2, cond=10.0)
    r = rng.standard_normal(2)
    w_star = np.linalg.solve(R, r)
    bound = est.max_stable_step(R)
    below = est.steepest_descent(R, r, 0.98 * bound, 2000, w_star + 1.0)
    above = est.steepest_descent(R, r, 1.02 * bound, 2000, w_star + 1.0)
    assert np.linalg.norm(below[-1] - w_star) < 1e-8
    assert np.linalg.norm(above[-1] - w_star) > 1e8


def test_steepest_descent_from_the_default_start_and_zero_steps(rng):
    R, r = spd(rng, 2), rng.standard_normal(2)
    traj = est.steepest_descent(R, r, 0.1, 0)
    assert traj.shape == (1, 2) and np.all(traj == 0)


def test_steepest_descent_overflow_is_silent(rng):
    R, r = spd(rng, 2), rng.standard_normal(2)
    with np.errstate(all="raise"):
        traj = est.steepest_descent(R, r, 10 * est.max_stable_step(R), 2000)
    assert not np.all(np.isfinite(traj[-1]))


def test_max_stable_step_is_two_over_the_largest_eigenvalue(rng):
    R = spd(rng, 4, cond=50.0)
    assert est.max_stable_step(R) == pytest.approx(2.0 / np.linalg.eigvalsh(R).max(), rel=1e-12)
    singular = np.diag([2.0, 0.0])                                 # semidefinite is fine
    assert est.max_stable_step(singular) == pytest.approx(1.0)


def reference_lms(X, y, lr, w0):
    """The LMS update written out for one run, one sample at a time."""
    w = np.array(w0, dtype=float)
    out = [w.copy()]
    for x_n, y_n in zip(X, y):
        w = w + lr * (y_n - float(np.dot(w, x_n))) * x_n
        out.append(w.copy())
    return np.array(out)


def test_lms_matches_a_plain_loop_and_runs_batches_independently(rng):
    X = rng.standard_normal((3, 50, 4))
    y = rng.standard_normal((3, 50))
    w0 = rng.standard_normal((3, 4))
    traj = est.lms(X, y, 0.05, w0)
    assert traj.shape == (3, 51, 4)
    for k in range(3):
        np.testing.assert_allclose(traj[k], reference_lms(X[k], y[k], 0.05, w0[k]),
                                   rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(est.lms(X[k], y[k], 0.05, w0[k]), traj[k], rtol=0, atol=0)


def test_lms_mean_converges_to_the_wiener_solution(rng):
    d, n, runs = 2, 3000, 64
    R = np.array([[1.0, 0.6], [0.6, 1.0]])
    L = np.linalg.cholesky(R)
    w_true = np.array([1.0, -2.0])
    X = rng.standard_normal((runs, n, d)) @ L.T
    y = X @ w_true + 0.3 * rng.standard_normal((runs, n))
    traj = est.lms(X, y, 0.01, np.zeros(d))
    np.testing.assert_allclose(traj[:, -1].mean(axis=0), w_true, atol=0.02)
    # the mean trajectory follows steepest descent on the exact moments (independence theory)
    sd = est.steepest_descent(R, R @ w_true, 0.01, n)
    np.testing.assert_allclose(traj.mean(axis=0)[::300], sd[::300], atol=0.05)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(0, 4), st.integers(1, 5))
def test_lms_shapes(n_batch, n, d):
    X = np.ones((n_batch, n, d))
    traj = est.lms(X, np.zeros((n_batch, n)), 0.01)
    assert traj.shape == (n_batch, n + 1, d)
    assert np.all(np.isfinite(traj))


def test_lms_divergence_is_silent():
    X = np.full((200, 2), 3.0)
    with np.errstate(all="raise"):
        traj = est.lms(X, np.ones(200), 5.0)
    assert not np.all(np.isfinite(traj[-1]))


# --------------------------------------------------------------------------- errors
def test_shape_errors_name_the_expected_shape(rng):
    K = spd(rng, 3)
    with pytest.raises(ValueError, match=r"K_yx must have shape \(M, 3\)"):
        est.affine_mmse(K, np.ones((2, 2)), np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match=r"m_x must have shape \(3,\)"):
        est.affine_mmse(K, np.ones((2, 3)), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match=r"m_y must have shape \(2,\)"):
        est.affine_mmse(K, np.ones((2, 3)), np.zeros(3), 0.0)
    with pytest.raises(ValueError, match=r"K_x must have shape \(D, D\)"):
        est.affine_mmse(np.ones((2, 3)), np.ones(3), np.zeros(3), 0.0)
    with pytest.raises(ValueError, match=r"K_y must have shape \(2, 2\)"):
        est.lmmse_error(1.0, np.ones((2, 3)), K)
    with pytest.raises(ValueError, match=r"r_xy must have shape \(3,\) or \(3, M\)"):
        est.wiener(K, np.ones(2))
    with pytest.raises(ValueError, match=r"w must have shape \(\.\.\., 3\)"):
        est.linear_mse(np.ones(2), K, np.ones(3), 1.0)
    with pytest.raises(ValueError, match=r"y must have shape \(5,\)"):
        est.lms(np.ones((5, 2)), np.ones(4), 0.1)
    with pytest.raises(ValueError, match=r"X must have shape \(\.\.\., N, D\)"):
        est.lms(np.ones(5), np.ones(5), 0.1)
    with pytest.raises(ValueError, match=r"w0 must have shape"):
        est.lms(np.ones((5, 2)), np.ones(5), 0.1, np.ones(3))
    with pytest.raises(ValueError, match=r"w0 must have shape \(3,\)"):
        est.steepest_descent(K, np.ones(3), 0.1, 3, np.ones(2))


def test_matrix_property_errors(rng):
    with pytest.raises(ValueError, match="symmetric"):
        est.wiener(np.array([[1.0, 0.5], [0.0, 1.0]]), np.ones(2))
    with pytest.raises(ValueError, match="positive definite"):
        est.wiener(np.array([[1.0, 1.0], [1.0, 1.0]]), np.ones(2))
    with pytest.raises(ValueError, match="positive definite"):
        est.affine_mmse(-np.eye(2), np.ones(2), np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="positive semidefinite"):
        est.max_stable_step(np.diag([1.0, -1.0]))
    with pytest.raises(ValueError, match="positive semidefinite"):
        est.max_stable_step(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="NaN or infinity"):
        est.wiener(np.array([[1.0, np.nan], [np.nan, 1.0]]), np.ones(2))
    with pytest.raises(ValueError, match="NaN or infinity"):
        est.lms(np.ones((3, 2)), np.array([1.0, np.inf, 0.0]), 0.1)


def test_argument_type_and_value_errors(rng):
    K = spd(rng, 2)
    with pytest.raises(TypeError, match="K_x must be"):
        est.affine_mmse("not a matrix", np.ones(2), np.zeros(2), 0.0)
    with pytest.raises(TypeError, match="numeric array"):
        est.wiener(np.array([["a", "b"], ["c", "d"]]), np.ones(2))
    with pytest.raises(TypeError, match=r"lr must be a real number in \(0, inf\), got str '0.1'"):
        est.steepest_descent(K, np.ones(2), "0.1", 3)
    with pytest.raises(TypeError, match=r"lr must be a real number in \(0, inf\), got NoneType"):
        est.lms(np.ones((3, 2)), np.ones(3), None)
    with pytest.raises(ValueError, match=r"lr must be a real number in \(0, inf\), got 0\.0"):
        est.lms(np.ones((3, 2)), np.ones(3), 0.0)
    with pytest.raises(ValueError, match=r"lr must be a real number in \(0, inf\), got -1\.0"):
        est.steepest_descent(K, np.ones(2), -1.0, 3)
    with pytest.raises(TypeError, match=r"steps must be a non-negative int, got float 2\.5"):
        est.steepest_descent(K, np.ones(2), 0.1, 2.5)
    with pytest.raises(ValueError, match="steps must be a non-negative int, got -1"):
        est.steepest_descent(K, np.ones(2), 0.1, -1)
