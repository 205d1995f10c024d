"""dlbook._validation's array entry points (check_array, check_X_y, check_1d,
check_classification_targets, check_is_fitted, sum_tolerance): accepted inputs and the error
messages, which name the argument, the expected and the received value."""
import numpy as np
import pytest

from dlbook._validation import (check_1d, check_array, check_classification_targets,
                                check_is_fitted, check_X_y, sum_tolerance)
from dlbook.decomposition import PCA
from dlbook.exceptions import NotFittedError


# --------------------------------------------------------------------------- check_array
def test_check_array_accepts_lists_arrays_and_array_likes():
    out = check_array([[1, 2], [3, 4]])
    assert out.dtype == np.float64 and out.shape == (2, 2)
    x = np.ones((3, 2))
    assert check_array(x) is x                             # no copy when nothing changes
    assert check_array(np.ones((3, 2), np.float32)).dtype == np.float64
    assert check_array(np.ones((3, 2), np.float32), dtype=None).dtype == np.float32
    assert check_array(np.ones((3, 2), int), dtype="numeric").dtype == int
    assert check_array(np.array([[1, 2]], dtype=object), dtype="numeric").dtype == np.float64
    assert check_array(np.ones((2, 2), np.float32),
                       dtype=[np.float64, np.float32]).dtype == np.float32
    assert check_array(np.array([[True, False]])).dtype == np.float64
    assert check_array([1.0, 2.0], ensure_2d=False).shape == (2,)
    assert check_array(np.zeros((2, 3, 4)), allow_nd=True).shape == (2, 3, 4)


def test_check_array_accepts_torch_tensors():
    torch = pytest.importorskip("torch")
    out = check_array(torch.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(out, np.arange(6.0).reshape(3, 2))
    with pytest.raises(TypeError, match="X must be array-like"):
        check_array(torch.ones(2, 2, requires_grad=True))


@pytest.mark.parametrize("call, exc, match", [
    (lambda: check_array(np.arange(5.0)), ValueError,
     r"X must be a 2-D array of shape \(N, D\), got a 1-D array of shape \(5,\); "
     r"use X\.reshape\(-1, 1\)"),
    (lambda: check_array(np.zeros((2, 2, 2))), ValueError, r"3-D array of shape \(2, 2, 2\)"),
    (lambda: check_array(np.zeros((2, 2, 2)), ensure_2d=False), ValueError, "3-D"),
    (lambda: check_array(3.0), ValueError, "at least one dimension"),
    (lambda: check_array(np.empty((0, 3))), ValueError,
     r"X must have at least one sample, got shape \(0, 3\)"),
    (lambda: check_array(np.ones((2, 3)), ensure_min_samples=3), ValueError,
     "at least 3 samples"),
    (lambda: check_array(np.empty((3, 0))), ValueError, "at least one feature"),
    (lambda: check_array([[1.0, np.nan]]), ValueError, "X contains NaN or infinity"),
    (lambda: check_array([[1.0, np.inf]], force_all_finite="allow-nan"), ValueError,
     "X contains infinity"),
    (lambda: check_array([[1.0]], force_all_finite="yes"), ValueError, "force_all_finite"),
    (lambda: check_array([["a", "b"]], name="features"), TypeError,
     r"features must be numeric, got an array of dtype <U1"),
    (lambda: check_array([[1j]]), TypeError, "X must be real"),
    (lambda: check_array([[object()]]), TypeError, "cannot be converted"),
    (lambda: check_array(None), TypeError, "X must be array-like, got None"),
    (lambda: check_array([[1.0, 2.0], [3.0]]), ValueError, "X could not be converted"),
])
def test_check_array_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_check_array_finite_options():
    nan = np.array([[1.0, np.nan]])
    assert np.isnan(check_array(nan, force_all_finite="allow-nan")).any()
    assert np.isinf(check_array([[np.inf]], force_all_finite=False)).all()


# --------------------------------------------------------------------------- check_X_y, check_1d
def test_check_X_y_returns_validated_pair():
    X, y = check_X_y([[1, 2], [3, 4], [5, 6]], ["a", "b", "a"])
    assert X.dtype == np.float64 and y.dtype.kind == "U" and y.shape == (3,)
    X, y = check_X_y(np.ones((3, 2)), [1, 2, 3], y_numeric=True)
    assert y.dtype == np.float64
    X, Y = check_X_y(np.ones((3, 2)), np.ones((3, 2)), multi_output=True)
    assert Y.shape == (3, 2)


@pytest.mark.parametrize("y, match", [
    (np.zeros((3, 1)), r"y must be a 1-D array of shape \(N,\), got a column of shape \(3, 1\); "
                       r"pass y\.ravel\(\)"),
    (np.zeros((3, 2)), r"y must be a 1-D array of shape \(N,\), got shape \(3, 2\)"),
    (np.zeros(4), r"same number of samples, got X of shape \(3, 2\) and y of shape \(4,\)"),
    (np.array([0.0, np.nan, 1.0]), "y contains NaN or infinity"),
    (None, "y is required"),
])
def test_check_X_y_errors(y, match):
    with pytest.raises(ValueError, match=match):
        check_X_y(np.ones((3, 2)), y)


def test_check_1d():
    np.testing.assert_array_equal(check_1d((1, 2, 3)), [1, 2, 3])
    with pytest.raises(ValueError, match=r"labels must be a 1-D array.*column of shape \(2, 1\)"):
        check_1d([[1], [2]], "labels")
    with pytest.raises(ValueError, match=r"got shape \(\)"):
        check_1d(5)


def test_check_classification_targets():
    for y in ([0, 1, 2], [0.0, 1.0, 2.0], ["a", "b"], [True, False],
              np.array(["a", "b"], dtype=object)):
        check_classification_targets(np.asarray(y))
    with pytest.raises(ValueError, match="y must hold class labels .* continuous values such "
                                         "as 0.5"):
        check_classification_targets(np.array([0.0, 0.5, 1.0]))
    with pytest.raises(ValueError, match="NaN"):
        check_classification_targets(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="mixes string and non-string"):
        check_classification_targets(np.array(["a", 1], dtype=object))
    with pytest.raises(TypeError, match="dtype complex128"):
        check_classification_targets(np.array([1j]))


# --------------------------------------------------------------------------- check_is_fitted
def test_check_is_fitted():
    pca = PCA(2)
    with pytest.raises(NotFittedError, match="This PCA instance is not fitted yet"):
        check_is_fitted(pca)
    with pytest.raises(NotFittedError, match="custom"):
        check_is_fitted(pca, "components_", msg="custom")
    pca.fit(np.random.default_rng(0).normal(size=(10, 3)))
    check_is_fitted(pca)
    check_is_fitted(pca, ["components_", "mean_"])
    with pytest.raises(NotFittedError):
        check_is_fitted(pca, ["components_", "missing_"])
    check_is_fitted(pca, ["components_", "missing_"], all_or_any=any)

    class Custom:
        def fit(self):
            return self

        def __sklearn_is_fitted__(self):
            return True

    check_is_fitted(Custom())
    with pytest.raises(TypeError, match="class PCA"):
        check_is_fitted(PCA)
    with pytest.raises(TypeError, match="with a fit method"):
        check_is_fitted(np.zeros(3))
    # caught as a ValueError or an AttributeError, as scikit-learn's
    with pytest.raises(ValueError):
        check_is_fitted(PCA())
    with pytest.raises(AttributeError):
        check_is_fitted(PCA())


# --------------------------------------------------------------------------- sum_tolerance
def test_sum_tolerance_scales_with_the_dtype():
    t64, t32, t16 = sum_tolerance(np.float64), sum_tolerance(np.float32), sum_tolerance("float16")
    assert t64 == 8 * np.finfo(np.float64).eps
    assert t32 == 8 * np.finfo(np.float32).eps > 1e-8         # above float32 rounding
    assert t16 > t32 > t64
    assert sum_tolerance(np.int64) == t64                      # exact inputs: float64 sums
    assert sum_tolerance(np.ones(3, np.float32)) == t32
    assert sum_tolerance(np.float32, 100) == pytest.approx(10 * t32)
    with pytest.raises(ValueError, match="n_terms"):
        sum_tolerance(np.float64, 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("V", [2, 10, 1000, 50_000])
def test_sum_tolerance_admits_normalised_low_precision_vectors(dtype, V):
    rng = np.random.default_rng(V)
    for _ in range(5):
        x = rng.uniform(0, 1, (4, V)).astype(dtype)
        p = x / x.sum(axis=-1, keepdims=True)
        assert np.all(np.abs(p.astype(np.float64).sum(axis=-1) - 1) <= sum_tolerance(dtype, V))
    # a real normalisation error is still caught
    assert 1e-3 > sum_tolerance(dtype, V) or dtype == np.float16
