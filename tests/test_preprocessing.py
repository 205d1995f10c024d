"""dlbook.preprocessing: parity with scikit-learn's scalers, constant features, input errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlbook.exceptions import NotFittedError
from dlbook.preprocessing import MinMaxScaler, StandardScaler

skp = pytest.importorskip("sklearn.preprocessing")

RTOL, ATOL = 1e-10, 1e-12


def _data(rng, n=40, d=6):
    """Features on very different scales and offsets, plus one constant column."""
    X = rng.standard_normal((n, d)) * 10.0 ** rng.uniform(-3, 4, d) + rng.uniform(-50, 50, d)
    X[:, 2] = 7.25
    return X


@pytest.mark.parametrize("with_mean, with_std",
                         [(True, True), (True, False), (False, True), (False, False)])
def test_standard_scaler_matches_sklearn(rng, with_mean, with_std):
    X, X_new = _data(rng), _data(rng, n=9)
    ours = StandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    ref = skp.StandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    for attr in ("mean_", "var_", "scale_"):
        got, want = getattr(ours, attr), getattr(ref, attr)
        if want is None:
            assert got is None
        else:
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    assert ours.n_samples_seen_ == ref.n_samples_seen_ and ours.n_features_in_ == 6
    np.testing.assert_allclose(ours.transform(X_new), ref.transform(X_new), rtol=RTOL, atol=1e-9)
    np.testing.assert_allclose(ours.fit_transform(X), ref.fit_transform(X), rtol=RTOL, atol=1e-9)
    Z = rng.standard_normal((5, 6))
    np.testing.assert_allclose(ours.inverse_transform(Z), ref.inverse_transform(Z), rtol=RTOL,
                               atol=1e-9)


def test_standard_scaler_output_is_standardised_and_invertible(rng):
    X = _data(rng)
    Z = StandardScaler().fit_transform(X)
    keep = np.arange(6) != 2
    np.testing.assert_allclose(Z[:, keep].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z[:, keep].std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(StandardScaler().fit(X).inverse_transform(Z), X, rtol=1e-12)


def test_constant_feature_is_only_shifted(rng):
    X = _data(rng)
    s = StandardScaler().fit(X)
    assert s.scale_[2] == 1.0 == skp.StandardScaler().fit(X).scale_[2]
    np.testing.assert_allclose(s.transform(X)[:, 2], 0.0, atol=1e-12)
    m = MinMaxScaler(feature_range=(-1, 3)).fit(X)
    assert m.data_range_[2] == 0.0 and m.scale_[2] == 4.0
    np.testing.assert_allclose(m.transform(X)[:, 2], -1.0)
    assert np.all(np.isfinite(m.transform(X)))


@pytest.mark.parametrize("feature_range, clip", [((0, 1), False), ((-1, 3), False),
                                                 ((-2.5, -0.5), True)])
def test_minmax_scaler_matches_sklearn(rng, feature_range, clip):
    X = _data(rng)
    X_new = 1.5 * _data(rng, n=9)                     # partly outside the training range
    ours = MinMaxScaler(feature_range, clip=clip).fit(X)
    ref = skp.MinMaxScaler(feature_range=feature_range, clip=clip).fit(X)
    for attr in ("data_min_", "data_max_", "data_range_", "scale_", "min_"):
        np.testing.assert_allclose(getattr(ours, attr), getattr(ref, attr), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(ours.transform(X_new), ref.transform(X_new), rtol=RTOL, atol=1e-9)
    np.testing.assert_allclose(ours.fit_transform(X), ref.fit_transform(X), rtol=RTOL, atol=1e-9)
    Z = rng.uniform(*feature_range, size=(5, 6))
    np.testing.assert_allclose(ours.inverse_transform(Z), ref.inverse_transform(Z), rtol=RTOL,
                               atol=1e-9)


def test_minmax_training_data_lands_in_range(rng):
    X = _data(rng)
    Z = MinMaxScaler().fit_transform(X)
    keep = np.arange(6) != 2
    np.testing.assert_allclose(Z[:, keep].min(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z[:, keep].max(axis=0), 1.0, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 4)),
              elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)))
def test_property_parity_on_arbitrary_finite_data(X):
    for ours, ref in [(StandardScaler(), skp.StandardScaler()),
                      (MinMaxScaler(), skp.MinMaxScaler())]:
        got, want = ours.fit_transform(X), ref.fit_transform(X)
        assert got.shape == X.shape
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("Scaler", [StandardScaler, MinMaxScaler])
def test_bad_input_raises(Scaler):
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        Scaler().fit(np.arange(5.0))
    with pytest.raises(ValueError, match="NaN or infinity"):
        Scaler().fit(np.array([[1.0, np.nan], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="NaN or infinity"):
        Scaler().fit(np.array([[1.0, np.inf], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="at least one sample"):
        Scaler().fit(np.empty((0, 3)))
    fitted = Scaler().fit(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match="fitted with 2 features"):
        fitted.transform(np.ones((4, 3)))
    with pytest.raises(ValueError, match="fitted with 2 features"):
        fitted.inverse_transform(np.ones((4, 3)))
    with pytest.raises(NotFittedError, match="not fitted"):
        Scaler().transform(np.ones((2, 2)))
    with pytest.raises(NotFittedError, match="not fitted"):
        Scaler().inverse_transform(np.ones((2, 2)))
    with pytest.raises(TypeError):
        Scaler().fit(np.array([["a", "b"]]))


@pytest.mark.parametrize("feature_range", [(1, 1), (2, 0), (0,), "01"])
def test_minmax_rejects_bad_feature_range(feature_range):
    with pytest.raises(ValueError, match="feature_range"):
        MinMaxScaler(feature_range).fit(np.ones((3, 2)))


def test_minmax_rejects_non_numeric_bounds():
    with pytest.raises(TypeError, match=r"feature_range\[1\] must be a real number, got NoneType"):
        MinMaxScaler((0, None)).fit(np.ones((3, 2)))


@pytest.mark.parametrize("Scaler", [StandardScaler, MinMaxScaler])
def test_array_likes_are_accepted(Scaler):
    X = [[1.0, 2.0], [3.0, 5.0], [4.0, 9.0]]
    expected = Scaler().fit_transform(np.array(X))
    np.testing.assert_array_equal(Scaler().fit_transform(X), expected)
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(Scaler().fit_transform(torch.tensor(X, dtype=torch.float64)),
                                  expected)


def test_scalers_are_estimators():
    s = StandardScaler(with_std=False)
    assert s.get_params() == {"with_mean": True, "with_std": False}
    assert repr(s) == "StandardScaler(with_std=False)"
    assert s.set_params(with_std=True).with_std is True
    assert (repr(MinMaxScaler((-1, 1), clip=True))
            == "MinMaxScaler(clip=True, feature_range=(-1, 1))")
