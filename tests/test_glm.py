"""dlbook.glm: finite-difference gradients and Hessians, parity with scikit-learn and PyTorch,
the line search, and the error messages."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import functional as F
from dlbook import glm
from reference import assert_grad_close, assert_parity, central_difference, strict_numerics, tt

MODELS = list(glm.MODELS)


def make_data(model, rng, n=200, d=3, scale=0.5):
    """Features (with an intercept column), targets drawn from the model, and true weights."""
    X = glm.add_intercept(rng.standard_normal((n, d)))
    w_true = scale * rng.standard_normal(d + 1)
    z = X @ w_true
    if model == "linear":
        y = z + rng.standard_normal(n)
    elif model == "logistic":
        y = (rng.uniform(size=n) < F.sigmoid(z)).astype(float)
    else:
        y = rng.poisson(np.exp(z)).astype(float)
    return X, y, w_true


# --------------------------------------------------------------------------- derivatives
@pytest.mark.parametrize("model", MODELS)
def test_gradient_matches_finite_differences(model, rng):
    X, y, _ = make_data(model, rng, n=40, d=4)
    w = 0.7 * rng.standard_normal(X.shape[1])
    numeric = central_difference(lambda v: glm.nll_loss(model, X, y, v), w)
    assert_grad_close(glm.nll_gradient(model, X, y, w), numeric)


@pytest.mark.parametrize("model", MODELS)
def test_gradient_with_soft_targets_matches_finite_differences(model, rng):
    X = rng.standard_normal((30, 3))
    y = rng.uniform(0, 1, 30) if model != "linear" else rng.standard_normal(30)
    w = rng.standard_normal(3)
    numeric = central_difference(lambda v: glm.nll_loss(model, X, y, v), w)
    assert_grad_close(glm.nll_gradient(model, X, y, w), numeric)


@pytest.mark.parametrize("model", MODELS)
def test_hessian_matches_finite_differences_of_the_gradient(model, rng):
    X, y, _ = make_data(model, rng, n=40, d=3)
    w = 0.5 * rng.standard_normal(X.shape[1])
    H = glm.nll_hessian(model, X, w)
    numeric = np.stack([central_difference(lambda v: glm.nll_gradient(model, X, y, v)[i], w)
                        for i in range(X.shape[1])])
    np.testing.assert_allclose(H, numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(H, H.T)


@pytest.mark.parametrize("model", MODELS)
def test_hessian_is_positive_semidefinite(model, rng):
    for _ in range(5):
        X = rng.standard_normal((int(rng.integers(1, 20)), int(rng.integers(1, 6)))) * 3
        w = rng.standard_normal(X.shape[1])
        eig = np.linalg.eigvalsh(glm.nll_hessian(model, X, w))
        assert eig.min() >= -1e-12 * max(1.0, eig.max())


def test_hessian_of_linear_regression_is_the_gram_matrix(rng):
    X = rng.standard_normal((25, 4))
    np.testing.assert_allclose(glm.nll_hessian("linear", X, rng.standard_normal(4)),
                               X.T @ X / 25, rtol=1e-13)


@pytest.mark.parametrize("model", MODELS)
def test_gradient_is_residual_times_input(model, rng):
    X, y, w = make_data(model, rng, n=30, d=2)
    y_hat = glm.predict(model, X, w)
    per_example = (y_hat - y)[:, None] * X                 # (ŷ_n - y_n) x_n
    np.testing.assert_allclose(glm.nll_gradient(model, X, y, w), per_example.mean(axis=0),
                               rtol=1e-12, atol=1e-14)


@settings(max_examples=60, deadline=None)
@given(st.floats(-700, 700))
def test_mean_function_derivative_is_nonnegative_and_finite(z):
    for model in MODELS:
        with strict_numerics():
            d = glm.mean_function_derivative(model, np.array([z]))
        assert np.isfinite(d).all() and (d >= 0).all()


def test_logistic_is_stable_for_huge_linear_predictors():
    X = np.array([[1.0], [1.0]])
    y = np.array([0.0, 1.0])
    with strict_numerics():
        loss = glm.nll_loss("logistic", X, y, np.array([1000.0]))
        grad = glm.nll_gradient("logistic", X, y, np.array([1000.0]))
        mean = glm.mean_function("logistic", np.array([-1000.0, 1000.0]))
    assert loss == pytest.approx(500.0)
    np.testing.assert_allclose(grad, [0.5])
    np.testing.assert_array_equal(mean, [0.0, 1.0])


@pytest.mark.parametrize("model", MODELS)
def test_loss_change_is_the_difference_of_losses(model, rng):
    X, y, w = make_data(model, rng, n=50, d=3)
    z = X @ w
    for scale in (1e-3, 0.1, 2.0, 5.0):
        d = scale * rng.standard_normal(50)
        direct = glm._nll_from_z(model, z + d, y) - glm._nll_from_z(model, z, y)
        assert glm._nll_change(model, z, d, y) == pytest.approx(direct, rel=1e-9, abs=1e-13)


def test_loss_change_is_accurate_where_the_difference_is_rounding_noise(rng):
    # A step of 1e-9 in z changes the Poisson loss by ~1e-9 * mean(e^z - y); the difference of
    # two losses of size ~1 keeps only ~7 digits of it, the term-by-term change keeps them all.
    X, y, w = make_data("poisson", rng, n=100, d=2)
    z = X @ w
    d = 1e-9 * rng.standard_normal(100)
    first_order = float(np.mean((np.exp(z) - y) * d + 0.5 * np.exp(z) * d ** 2))
    assert glm._nll_change("poisson", z, d, y) == pytest.approx(first_order, rel=1e-6)


# --------------------------------------------------------------------------- the losses
def test_losses_agree_with_dlbook_functional(rng):
    X, y, w = make_data("linear", rng, n=30)
    assert glm.nll_loss("linear", X, y, w) == pytest.approx(0.5 * F.mse_loss(X @ w, y), rel=1e-13)
    X, y, w = make_data("logistic", rng, n=30)
    assert glm.nll_loss("logistic", X, y, w) == pytest.approx(
        F.binary_cross_entropy_with_logits(X @ w, y), rel=1e-13)
    assert glm.nll_loss("logistic", X, y, w) == pytest.approx(
        F.binary_cross_entropy(glm.predict("logistic", X, w), y), rel=1e-12)


@pytest.mark.parametrize("model", MODELS)
def test_loss_is_the_negative_log_likelihood_up_to_a_constant(model, rng):
    from scipy import stats
    X, y, w = make_data(model, rng, n=60)
    mu = glm.predict(model, X, w)
    if model == "linear":
        nll, const = -stats.norm.logpdf(y, loc=mu, scale=1.0), 0.5 * np.log(2 * np.pi)
    elif model == "logistic":
        nll, const = -stats.bernoulli.logpmf(y, mu), 0.0
    else:
        from scipy.special import gammaln
        nll, const = -stats.poisson.logpmf(y, mu), gammaln(y + 1)
    np.testing.assert_allclose(glm.nll_loss(model, X, y, w), np.mean(nll - const), rtol=1e-12)


def test_torch_poisson_nll_loss_parity(torch, rng):
    X, y, w = make_data("poisson", rng, n=80)
    z = X @ w
    expected = torch.nn.functional.poisson_nll_loss(tt(z), tt(y), log_input=True, full=False)
    assert_parity(glm.nll_loss("poisson", X, y, w), expected)


def test_torch_bce_with_logits_parity(torch, rng):
    X, y, w = make_data("logistic", rng, n=80)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(tt(X @ w), tt(y))
    assert_parity(glm.nll_loss("logistic", X, y, w), expected)


def test_torch_mse_parity(torch, rng):
    X, y, w = make_data("linear", rng, n=80)
    expected = 0.5 * torch.nn.functional.mse_loss(tt(X @ w), tt(y))
    assert_parity(glm.nll_loss("linear", X, y, w), expected)


TORCH_LOSSES = {
    "linear": lambda t, z, y: 0.5 * t.nn.functional.mse_loss(z, y),
    "logistic": lambda t, z, y: t.nn.functional.binary_cross_entropy_with_logits(z, y),
    "poisson": lambda t, z, y: t.nn.functional.poisson_nll_loss(z, y, log_input=True, full=False),
}


@pytest.mark.parametrize("model", MODELS)
def test_torch_autograd_gradient_and_hessian_parity(model, torch, rng):
    X, y, w = make_data(model, rng, n=50)
    Xt, yt = tt(X), tt(y)

    def loss(v):
        return TORCH_LOSSES[model](torch, Xt @ v, yt)

    wt = tt(w, requires_grad=True)
    loss(wt).backward()
    assert_parity(glm.nll_gradient(model, X, y, w), wt.grad)
    assert_parity(glm.nll_hessian(model, X, w), torch.autograd.functional.hessian(loss, tt(w)))


# --------------------------------------------------------------------------- fitting
def _sklearn_fit(model, X, y):
    """The scikit-learn estimator for ``model``, unpenalized and fitted to high precision.
    ``X`` has no intercept column (scikit-learn fits the intercept itself)."""
    import sklearn
    from sklearn.linear_model import LinearRegression, LogisticRegression, PoissonRegressor
    if model == "linear":
        est = LinearRegression()
    elif model == "logistic":
        major, minor = (int(p) for p in sklearn.__version__.split(".")[:2])
        no_penalty = {"C": np.inf} if (major, minor) >= (1, 8) else {"penalty": None}
        est = LogisticRegression(**no_penalty, tol=1e-12, max_iter=10_000)
    else:
        est = PoissonRegressor(alpha=0.0, tol=1e-12, max_iter=10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # convergence chatter at tol=1e-12
        est.fit(X, y)
    return np.r_[np.ravel(est.intercept_), np.ravel(est.coef_)]


@pytest.mark.parametrize("model", MODELS)
def test_fit_gd_matches_scikit_learn(model, rng):
    pytest.importorskip("sklearn")
    X, y, _ = make_data(model, rng, n=300, d=3)
    result = glm.fit_gd(model, X, y, tol=1e-12, max_iter=5000)
    assert result.converged, result.message
    np.testing.assert_allclose(result.w, _sklearn_fit(model, X[:, 1:], y), atol=1e-6)


@pytest.mark.parametrize("model", MODELS)
def test_fit_gd_reaches_a_stationary_point_with_a_psd_hessian(model, rng):
    X, y, _ = make_data(model, rng, n=150, d=2)
    result = glm.fit_gd(model, X, y, tol=1e-10)
    assert result.converged
    assert np.max(np.abs(glm.nll_gradient(model, X, y, result.w))) <= 1e-10
    assert np.linalg.eigvalsh(glm.nll_hessian(model, X, result.w)).min() > 0


@pytest.mark.parametrize("model", MODELS)
def test_line_search_never_increases_the_loss(model, rng):
    X, y, _ = make_data(model, rng, n=100, d=3, scale=0.3)
    X[:, 1:] *= 3.0                                        # badly scaled: lr=10 is far too large
    result = glm.fit_gd(model, X, y, lr=10.0, tol=1e-6, max_iter=500)
    assert result.losses[-1] < result.losses[0]
    assert np.all(np.diff(result.losses) <= 1e-12 * np.abs(result.losses[:-1]))
    assert np.all(result.lrs <= 10.0) and result.n_trials >= result.n_iter
    assert len(result.losses) == len(result.grad_norms) == result.n_iter + 1


def test_accepted_steps_satisfy_the_armijo_condition(rng):
    X, y, _ = make_data("poisson", rng, n=100, d=3, scale=0.8)
    c = 0.3
    result = glm.fit_gd("poisson", X, y, c=c, tol=1e-6)
    w = np.zeros(X.shape[1])
    for eta, loss, next_loss in zip(result.lrs, result.losses[:-1], result.losses[1:]):
        g = glm.nll_gradient("poisson", X, y, w)
        assert next_loss <= loss - c * eta * (g @ g) + 1e-12
        w = w - eta * g
    np.testing.assert_allclose(w, result.w)


def test_fixed_step_too_large_diverges_and_small_one_converges(rng):
    X, y, _ = make_data("poisson", rng, n=100, d=2, scale=0.8)
    with strict_numerics():
        big = glm.fit_gd("poisson", X, y, lr=5.0, line_search=False, max_iter=500)
    assert not big.converged and big.message.startswith("diverged")
    assert not np.isfinite(big.losses[-1])
    small = glm.fit_gd("poisson", X, y, lr=0.05, line_search=False, max_iter=20_000, tol=1e-8)
    assert small.converged and np.all(small.lrs == 0.05)
    assert small.n_trials == small.n_iter


def test_fit_gd_starts_at_w0_and_respects_max_iter(rng):
    X, y, _ = make_data("logistic", rng, n=50)
    w0 = np.array([0.1, -0.2, 0.3, 0.0])
    result = glm.fit_gd("logistic", X, y, w0=w0, max_iter=3)
    assert result.n_iter == 3 and not result.converged
    assert result.losses[0] == pytest.approx(glm.nll_loss("logistic", X, y, w0))
    assert "max_iter" in result.message
    w0_copy = w0.copy()
    glm.fit_gd("logistic", X, y, w0=w0)
    np.testing.assert_array_equal(w0, w0_copy)             # the caller's array is not touched


def test_fit_gd_stops_immediately_at_a_minimum(rng):
    X = rng.standard_normal((20, 2))
    w = rng.standard_normal(2)
    result = glm.fit_gd("linear", X, X @ w, w0=w)
    assert result.converged and result.n_iter == 0 and result.lrs.shape == (0,)


def test_add_intercept():
    out = glm.add_intercept(np.array([[2.0, 3.0], [4.0, 5.0]]))
    np.testing.assert_array_equal(out, [[1, 2, 3], [1, 4, 5]])
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        glm.add_intercept(np.ones(3))


# --------------------------------------------------------------------------- errors
def test_unknown_model():
    X, y, w = np.ones((3, 2)), np.ones(3), np.ones(2)
    with pytest.raises(ValueError, match="poisson"):
        glm.nll_loss("gamma", X, y, w)
    with pytest.raises(TypeError, match="str"):
        glm.predict(1, X, w)
    with pytest.raises(ValueError, match="model must be one of"):
        glm.mean_function("Linear", 0.0)


@pytest.mark.parametrize("fn", ["nll_loss", "nll_gradient"])
def test_shape_errors_name_the_shapes(fn):
    f = getattr(glm, fn)
    with pytest.raises(ValueError, match=r"X must be a 2-D array of shape \(N, D\), got a 1-D "
                                         r"array of shape \(3,\)"):
        f("linear", np.ones(3), np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"w must have shape \(2,\).*got \(3,\)"):
        f("linear", np.ones((3, 2)), np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"y must have shape \(3,\).*got \(3, 1\)"):
        f("linear", np.ones((3, 2)), np.ones((3, 1)), np.ones(2))
    with pytest.raises(ValueError, match=r"at least one sample, got shape \(0, 2\)"):
        f("linear", np.ones((0, 2)), np.ones(0), np.ones(2))


def test_target_domain_errors():
    X, w = np.ones((3, 1)), np.zeros(1)
    with pytest.raises(ValueError, match=r"y must hold logistic-regression targets in \[0, 1\], "
                                         r"got values in \[0, 2\]"):
        glm.nll_loss("logistic", X, np.array([0.0, 1.0, 2.0]), w)
    with pytest.raises(ValueError,
                       match=r"y must hold Poisson counts >= 0, got values in \[-1, 2\]"):
        glm.nll_gradient("poisson", X, np.array([0.0, -1.0, 2.0]), w)
    glm.nll_loss("linear", X, np.array([-5.0, 1.0, 2.0]), w)   # any real target is fine


def test_type_and_finiteness_errors():
    with pytest.raises(TypeError, match="X must be"):
        glm.nll_loss("linear", "abc", np.ones(3), np.ones(1))
    with pytest.raises(TypeError, match="X must be numeric, got an array of dtype <U1"):
        glm.nll_hessian("linear", np.array([["a"]]), np.ones(1))
    with pytest.raises(ValueError, match="NaN"):
        glm.nll_loss("linear", np.array([[np.nan]]), np.ones(1), np.ones(1))
    with pytest.raises(ValueError, match="NaN"):
        glm.nll_loss("linear", np.ones((1, 1)), np.array([np.inf]), np.ones(1))


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"lr": 0.0}, ValueError, r"lr must be a positive real number, got 0\.0"),
    ({"lr": "1"}, TypeError, "lr must be a positive real number, got str '1'"),
    ({"tol": -1.0}, ValueError, r"tol must be a positive real number, got -1\.0"),
    ({"c": 1.0}, ValueError, r"c must be a real number in \(0, 1\), got 1\.0"),
    ({"shrink": 1.5}, ValueError, r"shrink must be a real number in \(0, 1\), got 1\.5"),
    ({"max_iter": 0}, ValueError, "max_iter must be a positive int, got 0"),
    ({"max_iter": 2.5}, TypeError, r"max_iter must be a positive int, got float 2\.5"),
    ({"max_backtracks": 0}, ValueError, "max_backtracks must be a positive int, got 0"),
    ({"line_search": "yes"}, TypeError, "line_search must be a bool, got str 'yes'"),
    ({"w0": np.ones(3)}, ValueError, r"w must have shape \(2,\)"),
    ({"w0": np.array([np.nan, 0.0])}, ValueError, "w0 contains NaN"),
])
def test_fit_gd_argument_errors(kwargs, error, pattern):
    X, y = np.ones((4, 2)), np.ones(4)
    with pytest.raises(error, match=pattern):
        glm.fit_gd("linear", X, y, **kwargs)
