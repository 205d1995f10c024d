"""Tests for dlbook.reservoir: echo state networks, the ridge readout and Mackey–Glass."""
import numpy as np
import pytest

from dlbook.exceptions import NotFittedError
from dlbook.reservoir import (EchoStateNetwork, mackey_glass, ridge_readout,
                              scale_spectral_radius, spectral_radius)


# ----------------------------------------------------------------------------- spectral radius
def test_spectral_radius_of_known_matrices():
    assert spectral_radius(np.diag([0.5, -2.0, 1.0])) == pytest.approx(2.0)
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])          # eigenvalues +-i
    assert spectral_radius(3 * rotation) == pytest.approx(3.0)


def test_scale_spectral_radius_hits_the_target_and_keeps_eigenvectors():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((30, 30))
    for rho in (0.0, 0.3, 1.0, 1.7):
        scaled = scale_spectral_radius(W, rho)
        assert spectral_radius(scaled) == pytest.approx(rho, abs=1e-12)
        np.testing.assert_allclose(scaled * spectral_radius(W), W * rho, rtol=1e-12,
                                   atol=1e-12)


def test_spectral_radius_validation():
    with pytest.raises(ValueError, match="square"):
        spectral_radius(np.ones((2, 3)))
    with pytest.raises(ValueError, match="nilpotent"):
        scale_spectral_radius(np.array([[0.0, 1.0], [0.0, 0.0]]), 0.5)
    with pytest.raises(ValueError, match="rho"):
        scale_spectral_radius(np.eye(2), -1.0)


# ----------------------------------------------------------------------------- ridge readout
def _ridge_by_augmentation(S, Y, lam):
    """A second derivation: least squares on [S, 1] with the penalty rows sqrt(lam) I, 0."""
    M, F = S.shape
    A = np.vstack([np.hstack([S, np.ones((M, 1))]),
                   np.hstack([np.sqrt(lam) * np.eye(F), np.zeros((F, 1))])])
    B = np.vstack([Y, np.zeros((F, Y.shape[1]))])
    sol = np.linalg.lstsq(A, B, rcond=None)[0]
    return sol[:F].T, sol[F]


@pytest.mark.parametrize("M,F,K,lam", [(40, 3, 1, 1e-3), (100, 12, 3, 2.0), (15, 30, 2, 0.5)])
def test_ridge_readout_matches_an_independent_solution(M, F, K, lam):
    rng = np.random.default_rng(M + F)
    S = rng.standard_normal((M, F)) + 2.0
    Y = rng.standard_normal((M, K)) - 1.0
    coef, intercept = ridge_readout(S, Y, lam)
    coef2, intercept2 = _ridge_by_augmentation(S, Y, lam)
    np.testing.assert_allclose(coef, coef2, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(intercept, intercept2, rtol=1e-8, atol=1e-10)


def test_ridge_readout_matches_scikit_learn():
    linear_model = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(3)
    S, Y = rng.standard_normal((60, 5)), rng.standard_normal((60, 2))
    ref = linear_model.Ridge(alpha=0.8).fit(S, Y)
    coef, intercept = ridge_readout(S, Y, 0.8)
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-10)
    np.testing.assert_allclose(intercept, ref.intercept_, rtol=1e-10)


def test_ridge_readout_validation():
    with pytest.raises(ValueError, match=r"\(M, K\)"):
        ridge_readout(np.ones((5, 2)), np.ones((4, 1)), 1.0)
    with pytest.raises(ValueError, match="ridge"):
        ridge_readout(np.ones((5, 2)), np.ones((5, 1)), -1.0)
    with pytest.raises(ValueError, match="NaN"):
        ridge_readout(np.full((5, 2), np.nan), np.ones((5, 1)), 1.0)


# ----------------------------------------------------------------------------- Mackey–Glass
def test_mackey_glass_shape_range_and_determinism():
    x = mackey_glass(500)
    assert x.shape == (500,)
    assert 0.2 < x.min() and x.max() < 1.5
    np.testing.assert_array_equal(x, mackey_glass(500))


def test_mackey_glass_converges_with_the_step():
    coarse = mackey_glass(200, dt=0.1, discard=50.0)
    fine = mackey_glass(200, dt=0.05, discard=50.0)
    assert np.max(np.abs(coarse[:100] - fine[:100])) < 1e-3


def test_mackey_glass_short_delay_goes_to_its_fixed_point():
    # for a small delay the fixed point x* = 1 (beta/gamma = 2 -> x*^10 = 1) is stable
    x = mackey_glass(50, tau=1.0, discard=800.0)
    np.testing.assert_allclose(x, 1.0, atol=1e-6)


def test_mackey_glass_validation():
    with pytest.raises(ValueError, match="multiple of dt"):
        mackey_glass(10, tau=17.05)
    with pytest.raises(ValueError, match="positive"):
        mackey_glass(10, dt=0.0)


# ----------------------------------------------------------------------------- the network
def _loop_states(esn, x):
    """One sequence, one step at a time, written out for the tests."""
    h = np.zeros(esn.weight_hh_.shape[0])
    out = []
    for x_t in x:
        h = (1 - esn.leak_rate) * h + esn.leak_rate * np.tanh(
            esn.weight_ih_ @ x_t + esn.bias_ + esn.weight_hh_ @ h)
        out.append(h)
    return np.array(out)


def test_states_match_a_loop_and_the_batch_is_independent():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 25, 2))
    esn = EchoStateNetwork(20, spectral_radius=0.8, leak_rate=0.4, bias_scaling=0.2,
                           generator=5).fit(X, rng.standard_normal((4, 25)))
    states = esn.transform(X)
    assert states.shape == (4, 25, 20)
    for n in range(4):
        np.testing.assert_allclose(states[n], _loop_states(esn, X[n]), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(esn.transform(X[n]), states[n], rtol=1e-12, atol=1e-14)


def test_reservoir_has_the_requested_spectral_radius_and_scales():
    esn = EchoStateNetwork(50, spectral_radius=1.2, input_scaling=0.3, bias_scaling=0.1,
                           generator=0).fit(np.zeros((10, 3)), np.zeros(10))
    assert spectral_radius(esn.weight_hh_) == pytest.approx(1.2, abs=1e-10)
    assert np.abs(esn.weight_ih_).max() <= 0.3 and np.abs(esn.bias_).max() <= 0.1
    assert esn.weight_ih_.shape == (50, 3) and esn.n_features_in_ == 3


def test_leaky_impulse_response_is_geometric():
    leaks = np.array([1.0, 0.5, 0.1])
    impulse = np.zeros((60, 1))
    impulse[0] = 1.0
    esn = EchoStateNetwork(3, spectral_radius=0.0, leak_rate=leaks, input_scaling=1e-4,
                           generator=2).fit(impulse, np.zeros(60))
    r = esn.transform(impulse)
    np.testing.assert_allclose(r / r[0], (1 - leaks) ** np.arange(60)[:, None], rtol=1e-6,
                               atol=1e-15)


def test_readout_is_exact_for_a_linear_function_of_the_input():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 40, 2))
    y = X @ np.array([[1.5], [-0.5]]) + 0.25                    # in the span of [h; x; 1]
    esn = EchoStateNetwork(10, ridge=0.0, generator=1).fit(X, y)
    np.testing.assert_allclose(esn.predict(X), y, rtol=1e-7, atol=1e-8)
    assert esn.predict(X).shape == (3, 40, 1)
    assert esn.coef_.shape == (1, 12) and esn.intercept_.shape == (1,)


def test_one_step_prediction_of_a_sine_beats_persistence():
    t = np.arange(1200)
    s = np.sin(0.21 * t) + 0.5 * np.sin(0.05 * t)
    x, y = s[:-1, None], s[1:]
    esn = EchoStateNetwork(80, spectral_radius=0.9, leak_rate=0.5, washout=50,
                           generator=0).fit(x[:800], y[:800])
    pred = esn.predict(x)[800:]
    err, persist = np.sqrt(np.mean((pred - y[800:]) ** 2)), np.sqrt(np.mean(np.diff(s[800:]) ** 2))
    assert pred.shape == (399,)
    assert err < 0.01 * persist


def test_seeded_fits_are_reproducible():
    X, y = np.random.default_rng(0).standard_normal((30, 1)), np.arange(30.0)
    a = EchoStateNetwork(15, generator=7).fit(X, y)
    b = EchoStateNetwork(15, generator=7).fit(X, y)
    np.testing.assert_array_equal(a.weight_hh_, b.weight_hh_)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_estimator_protocol_and_validation():
    esn = EchoStateNetwork(12, leak_rate=0.3)
    assert esn.get_params()["n_reservoir"] == 12
    with pytest.raises(NotFittedError):
        esn.predict(np.zeros((5, 1)))
    with pytest.raises(ValueError, match="leak_rate"):
        EchoStateNetwork(5, leak_rate=0.0).fit(np.zeros((5, 1)), np.zeros(5))
    with pytest.raises(ValueError, match="leak_rate"):
        EchoStateNetwork(5, leak_rate=np.ones(4)).fit(np.zeros((5, 1)), np.zeros(5))
    with pytest.raises(ValueError, match="washout"):
        EchoStateNetwork(5, washout=5).fit(np.zeros((5, 1)), np.zeros(5))
    with pytest.raises(ValueError, match=r"y must have shape"):
        EchoStateNetwork(5).fit(np.zeros((5, 1)), np.zeros(4))
    with pytest.raises(ValueError, match=r"\(N, T, D\)"):
        EchoStateNetwork(5).fit(np.zeros(5), np.zeros(5))
    fitted = EchoStateNetwork(5, generator=0).fit(np.zeros((5, 2)), np.zeros(5))
    with pytest.raises(ValueError, match="features"):
        fitted.predict(np.zeros((5, 3)))
