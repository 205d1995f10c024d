"""dlbook._validation's entry points (check_array, check_X_y, check_1d,
check_classification_targets, check_is_fitted, check_consistent_length, check_n_features,
check_index_array, sum_tolerance, and check_scalar, check_bool, check_option for scalars) and the public functions that route through them: accepted
inputs and the error messages, which name the argument, the expected and the received value."""
import numbers

import numpy as np
import pytest

from dlbook import decision as dec
from dlbook import model_selection as ms
from dlbook import nn, optim, training
from dlbook._validation import (check_1d, check_array, check_bool, check_classification_targets,
                                check_array_range, check_consistent_length, check_index_array,
                                check_is_fitted,
                                check_n_features, check_option, check_scalar, check_X_y,
                                sum_tolerance)
from dlbook.decomposition import PCA
from dlbook.information import empirical_distribution
from dlbook.lm.recurrent import RNNLanguageModel, token_nll
from dlbook.preprocessing import StandardScaler
from dlbook.reservoir import EchoStateNetwork, ridge_readout, spectral_radius
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


# --------------------------------------------------------------------------- ndim, lengths, ids
def test_check_array_ndim_and_layout():
    out = check_array([[1, 2], [3, 4]], name="cost", ndim=2, layout="(M, A)")
    assert out.dtype == np.float64 and out.shape == (2, 2)
    assert check_array(np.zeros((2, 3, 4)), ndim=(2, 3)).shape == (2, 3, 4)
    with pytest.raises(ValueError, match=r"^cost must have shape \(M, A\), got shape \(2,\)$"):
        check_array([1.0, 2.0], name="cost", ndim=2, layout="(M, A)")
    with pytest.raises(ValueError, match=r"^w must be a 2-D or 3-D array, got shape \(\)$"):
        check_array(1.0, name="w", ndim=(2, 3))
    with pytest.raises(ValueError, match="X must have at least one sample"):
        check_array(np.zeros((0, 2, 2)), ndim=3)
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        check_array([[[np.nan]]], ndim=3)


def test_check_consistent_length():
    check_consistent_length(np.zeros((3, 2)), np.zeros(3), names=("X", "y"))
    with pytest.raises(ValueError, match=r"^X and y must have the same number of samples, got 4 "
                                         r"and 5 \(X of shape \(4, 3\), y of shape \(5,\)\)$"):
        check_consistent_length(np.zeros((4, 3)), np.zeros(5), names=("X", "y"))
    with pytest.raises(ValueError, match=r"X, y and w must .* got 4, 4 and 3"):
        check_consistent_length(np.zeros(4), np.zeros(4), np.zeros(3), names=("X", "y", "w"))
    with pytest.raises(ValueError, match="one name per array"):
        check_consistent_length(np.zeros(4), np.zeros(4), names=("X",))


def test_check_n_features():
    pca = PCA().fit(np.random.default_rng(0).standard_normal((5, 3)))
    check_n_features(np.zeros((2, 3)), pca)
    with pytest.raises(ValueError, match=r"^X has 2 features, but PCA was fitted with 3 "
                                         r"features$"):
        check_n_features(np.zeros((2, 2)), pca)
    with pytest.raises(ValueError, match="Z has 4 features per step, but PCA was fitted with 3"):
        check_n_features(np.zeros((1, 2, 4)), pca, name="Z", unit="features per step")


def test_check_index_array():
    out = check_index_array([0, 2, 1], "ids", 3)
    assert np.issubdtype(out.dtype, np.integer)
    assert check_index_array(np.zeros((0,), np.int64), "ids", 3).shape == (0,)
    with pytest.raises(TypeError, match=r"^ids must hold integer token ids, got dtype float64$"):
        check_index_array([0.0, 1.0], "ids", 3, what="token ids")
    with pytest.raises(TypeError, match="got dtype bool"):
        check_index_array([True, False], "ids", 3)
    with pytest.raises(ValueError, match=r"^ids must hold indices in \[0, 3\), got values in "
                                         r"\[0, 3\]$"):
        check_index_array([0, 3], "ids", 3)
    with pytest.raises(ValueError, match=r"non-negative indices, got values in \[-1, 2\]"):
        check_index_array([-1, 2], "ids")
    with pytest.raises(ValueError, match=r"^ids must have shape \(T, N\), got shape \(3,\)$"):
        check_index_array([0, 1, 2], "ids", 3, ndim=2, layout="(T, N)")


@pytest.mark.parametrize("mode, ok, bad, expected", [
    ("both", [0.0, 1.0], [0.0, 1.5], r"in \[0, 1\]"),
    ("left", [0.0, 0.5], [0.0, 1.0], r"in \[0, 1\)"),
    ("right", [0.5, 1.0], [0.0, 1.0], r"in \(0, 1\]"),
    ("neither", [0.1, 0.9], [1.0, 1.0], r"in \(0, 1\)"),
])
def test_check_array_range_boundaries(mode, ok, bad, expected):
    x = np.array(ok)
    assert check_array_range(x, "p", 0, 1, include_boundaries=mode) is x
    with pytest.raises(ValueError, match=rf"^p must hold values {expected}, got values in \["):
        check_array_range(np.array(bad), "p", 0, 1, include_boundaries=mode)


def test_check_array_range_nan_empty_and_noun():
    with pytest.raises(ValueError, match=r"^p must hold values >= 0, got only NaN$"):
        check_array_range(np.array([np.nan, np.nan]), "p", min_val=0)
    with pytest.raises(ValueError, match=r"^target must hold probabilities in \[0, 1\], got values "
                                         r"in \[-0\.5, 2\] and NaN$"):
        check_array_range(np.array([-0.5, np.nan, 2.0]), "target", 0, 1, what="probabilities")
    with pytest.raises(ValueError, match=r"^p must hold values in \[0, 1\], got values in "
                                         r"\[0\.5, 0\.5\] and NaN$"):   # in range but NaN
        check_array_range(np.array([0.5, np.nan]), "p", 0, 1)
    with pytest.raises(ValueError, match=r"^n must hold counts <= 3, got values in \[1, 4\]$"):
        check_array_range(np.array([1, 4]), "n", max_val=3, what="counts")
    assert check_array_range(np.zeros(0), "p", 0, 1).shape == (0,)
    with pytest.raises(ValueError, match="include_boundaries must be"):
        check_array_range(np.zeros(1), "p", 0, 1, include_boundaries="open")


# --------------------------------------------------------------------------- public functions
# Each call below used to do its own np.asarray + shape checks; now it goes through _validation,
# so lists are accepted and NaN/infinity, wrong dimensions, mismatched lengths and empty inputs
# raise an error naming the argument.
def test_routed_functions_accept_lists():
    assert dec.empirical_risk([0, 1, 1], [0, 1, 0], [[0.0, 1.0], [2.0, 0.0]]) == pytest.approx(
        2.0 / 3)
    assert dec.bayes_decision([[0.2, 0.8], [0.9, 0.1]]).tolist() == [1, 0]
    coef, intercept = ms.ridge_fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], 0.0)
    assert coef == pytest.approx([2.0]) and intercept == pytest.approx(1.0)
    assert empirical_distribution([0, 1, 1, 1], 2).tolist() == [0.25, 0.75]
    np.testing.assert_array_equal(training.confusion_matrix([0, 1, 1], [0, 1, 0]),
                                  [[1, 0], [1, 1]])
    w = dec.lasso_proximal_gradient([[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0], 0.0, tol=1e-14)
    np.testing.assert_allclose(w, [1.0, 2.0])
    assert len(_nn_fit(X3.tolist(), Y3.tolist())["train_loss"]) == 1
    assert spectral_radius([[2.0, 0.0], [0.0, 1.0]]) == pytest.approx(2.0)
    coef, intercept = ridge_readout([[0.0], [1.0], [2.0]], [[1.0], [3.0], [5.0]], 0.0)
    np.testing.assert_allclose(coef, [[2.0]])
    np.testing.assert_allclose(intercept, [1.0])


def _nn_fit(X, y, **kw):
    model = nn.Linear(3, 2, generator=0)
    return training.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), X,
                        y, epochs=1, batch_size=2, **kw)


X3, Y3 = np.zeros((4, 3)), np.array([0, 1, 0, 1])


@pytest.mark.parametrize("call, exc, match", [
    # training
    (lambda: _nn_fit(np.full((4, 3), np.nan), Y3), ValueError, "^X contains NaN"),
    (lambda: _nn_fit(X3, Y3, X_val=X3, y_val=Y3[:3]), ValueError,
     r"^X_val and y_val must have the same number of samples, got 4 and 3"),
    (lambda: _nn_fit(X3[:0], Y3[:0]), ValueError, "X must have at least one sample"),
    (lambda: _nn_fit(1.0, Y3), ValueError, "X must be an array with at least one dimension"),
    (lambda: _nn_fit(X3, ["a", "b", "a", "b"]), TypeError, "y must be numeric"),
    (lambda: training.confusion_matrix([0, 1], [0, 1, 1]), ValueError,
     "y_true and y_pred must have the same number of samples, got 2 and 3"),
    (lambda: training.confusion_matrix([[0, 1]], [0, 1]), ValueError,
     r"y_true must be a 1-D array of shape \(N,\)"),
    (lambda: training.confusion_matrix([0.0, np.nan], [0, 1]), ValueError,
     "y_true contains NaN"),
    # decision
    (lambda: dec.bayes_decision([[0.5, np.inf]]), ValueError,
     "^posteriors contains NaN or infinity"),
    (lambda: dec.bayes_decision([[0.5, 0.5]], [1.0, 0.0]), ValueError,
     r"^cost must have shape \(M, A\), got shape \(2,\)"),
    (lambda: dec.empirical_risk([0, 1], [0], np.eye(2)), ValueError,
     "y_true and y_pred must have the same number of samples, got 2 and 1"),
    (lambda: dec.empirical_risk([[0, 1]], [[0, 1]], np.eye(2)), ValueError,
     r"^y_true must have shape \(N,\), got shape \(1, 2\)"),
    (lambda: dec.empirical_risk(np.zeros(0, int), np.zeros(0, int), np.eye(2)), ValueError,
     "at least one example"),
    (lambda: dec.bayes_risk([0.0, 1.0], np.eye(2), np.eye(2) / 2), TypeError,
     "decisions must hold integer actions, got dtype float64"),
    (lambda: dec.lasso_proximal_gradient(np.eye(2), [1.0, np.nan], 0.1), ValueError,
     "^y contains NaN"),
    (lambda: dec.lasso_proximal_gradient(np.eye(2), [1.0], 0.1), ValueError,
     "X and y must have the same number of samples"),
    (lambda: dec.lasso_proximal_gradient(np.zeros((0, 2)), [], 0.1), ValueError,
     "X must have at least one sample"),
    (lambda: dec.lasso_proximal_gradient(np.ones(2), [1.0], 0.1), ValueError,
     "X must be a 2-D array"),
    # model selection
    (lambda: ms.ridge_fit(np.ones((3, 1)), [1.0, np.inf, 0.0], 1.0), ValueError,
     "^y contains NaN or infinity"),
    (lambda: ms.ridge_fit(np.ones((0, 1)), [], 1.0), ValueError,
     "X must have at least one sample"),
    (lambda: ms.ridge_fit(np.ones((3, 0)), np.ones(3), 1.0), ValueError,
     "X must have at least one feature"),
    (lambda: ms.bias_variance_decomposition([[1.0, np.nan]], [0.0, 0.0]), ValueError,
     "^predictions contains NaN"),
    (lambda: ms.bias_variance_decomposition([[1.0, 0.0]], [[0.0, 0.0]]), ValueError,
     r"^truth must have shape \(M,\)"),
    # information
    (lambda: empirical_distribution([[[0]]], 2), ValueError,
     r"^samples must have shape \(M,\) or \(N, M\), got shape \(1, 1, 1\)"),
    # reservoir computing
    (lambda: spectral_radius([[0.0, 1.0], [np.nan, 0.0]]), ValueError, "^W contains NaN"),
    (lambda: spectral_radius([1.0, 2.0]), ValueError, r"^W must have shape \(H, H\)"),
    (lambda: ridge_readout(np.zeros((0, 2)), np.zeros((0, 1)), 1.0), ValueError,
     "^states must have at least one sample"),
    (lambda: ridge_readout(np.ones((3, 1)), [[1.0], [np.inf], [0.0]], 1.0), ValueError,
     "^targets contains NaN or infinity"),
    (lambda: EchoStateNetwork(5).fit(np.zeros((5, 1)), [0.0] * 4 + [np.nan]), ValueError,
     "^y contains NaN"),
    # language models
    (lambda: RNNLanguageModel(5, 3, 4)(np.zeros((2, 1))), TypeError,
     "^input must hold integer ids, got dtype float64"),
    (lambda: token_nll(RNNLanguageModel(5, 3, 4), np.array([[1, 2]])), ValueError,
     r"^stream must have shape \(L,\), got shape \(1, 2\)"),
])
def test_routed_functions_reject_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def _esn():
    return EchoStateNetwork(5, generator=0).fit(np.zeros((5, 2)), np.zeros(5))


@pytest.mark.parametrize("make, X_bad, match", [
    (lambda: PCA().fit(np.random.default_rng(0).standard_normal((5, 3))), np.zeros((2, 2)),
     "^X has 2 features, but PCA was fitted with 3 features$"),
    (lambda: StandardScaler().fit([[0.0, 1.0], [1.0, 0.0]]), [[0.0]],
     "^X has 1 features, but StandardScaler was fitted with 2 features$"),
    (_esn, np.zeros((5, 3)),
     "^X has 3 features per step, but EchoStateNetwork was fitted with 2 features per step$"),
    (_esn, np.full((5, 2), np.nan), "^X contains NaN"),
    (_esn, np.zeros((0, 5, 2)), "X must have at least one sample"),
    (_esn, np.zeros((1, 1, 5, 2)),
     r"^X must have shape \(N, T, D\), or \(T, D\) for one sequence, got shape "
     r"\(1, 1, 5, 2\)$"),
])
def test_fitted_estimators_check_what_they_transform(make, X_bad, match):
    est = make()
    method = est.predict if hasattr(est, "predict") else est.transform
    with pytest.raises(ValueError, match=match):
        method(X_bad)


def test_language_model_ids_go_through_check_index_array():
    from dlbook.lm.pretraining import MaskedLanguageModel, mask_tokens
    from dlbook.lm.transformer import TransformerLM
    with pytest.raises(TypeError, match="input_ids must hold integer token ids, got dtype float64"):
        mask_tokens(np.ones((2, 3)), 10, 1)
    with pytest.raises(ValueError, match="input_ids must hold non-negative token ids"):
        mask_tokens(np.array([[1, -2]]), 10, 1)
    with pytest.raises(TypeError, match="special_ids"):
        mask_tokens(np.array([[1, 2]]), 10, 1, special_ids=[0.5])
    with pytest.raises(TypeError, match="input_ids must hold integer token ids"):
        MaskedLanguageModel(10, d_model=8, nhead=2, dim_feedforward=8, max_len=4)(
            np.array([[True, False]]))
    lm = TransformerLM(10, d_model=8, nhead=2, num_layers=1, dim_feedforward=8, max_len=4)
    with pytest.raises(ValueError, match=r"input must hold token ids in \[0, 10\), got values"):
        lm(np.array([[1, 12]]))
    with pytest.raises(ValueError, match=r"input must have shape \(N, T\)"):
        lm(np.array([1, 2]))


# --------------------------------------------------------------------------- scalars, flags, options
@pytest.mark.parametrize("x, kwargs, expected", [
    (0.1, dict(min_val=0), 0.1),
    (np.float32(0.5), dict(min_val=0, max_val=1), 0.5),
    (3, {}, 3.0),                                          # an int is a real number
    (np.inf, dict(min_val=0), np.inf),                     # no upper bound: inf is in range
    (0.0, dict(min_val=0, max_val=1, include_boundaries="left"), 0.0),
    (1.0, dict(min_val=0, max_val=1, include_boundaries="right"), 1.0),
])
def test_check_scalar_accepts_reals_in_range(x, kwargs, expected):
    out = check_scalar(x, "x", **kwargs)
    assert out == expected and type(out) is float


def test_check_scalar_integers():
    assert type(check_scalar(np.int64(3), "k", numbers.Integral, min_val=0)) is int
    with pytest.raises(TypeError, match=r"k must be a positive int, got float 2\.0"):
        check_scalar(2.0, "k", numbers.Integral, min_val=1)


@pytest.mark.parametrize("x, target, kwargs, exc, match", [
    ("0.1", numbers.Real, dict(min_val=0), TypeError,
     r"lr must be a non-negative real number, got str '0\.1'"),
    (True, numbers.Real, {}, TypeError, r"lr must be a real number, got bool True"),
    (np.bool_(True), numbers.Integral, {}, TypeError, r"lr must be an int, got bool"),
    (None, numbers.Real, {}, TypeError, r"lr must be a real number, got NoneType None"),
    (np.nan, numbers.Real, {}, ValueError, r"lr must be a real number, got nan"),
    (-0.5, numbers.Real, dict(min_val=0), ValueError,
     r"lr must be a non-negative real number, got -0\.5"),
    (0.0, numbers.Real, dict(min_val=0, include_boundaries="neither"), ValueError,
     r"lr must be a positive real number, got 0\.0"),
    (1.0, numbers.Real, dict(min_val=0, max_val=1, include_boundaries="left"), ValueError,
     r"lr must be a real number in \[0, 1\), got 1\.0"),
    (np.inf, numbers.Real, dict(min_val=0, max_val=1), ValueError,
     r"lr must be a real number in \[0, 1\], got inf"),
    (5.0, numbers.Real, dict(max_val=1), ValueError, r"lr must be a real number <= 1, got 5\.0"),
    (0, numbers.Integral, dict(min_val=1), ValueError, r"lr must be a positive int, got 0"),
    (-1, numbers.Integral, dict(min_val=0), ValueError, r"lr must be a non-negative int, got -1"),
    (1, numbers.Integral, dict(min_val=2), ValueError, r"lr must be an int >= 2, got 1"),
])
def test_check_scalar_names_argument_expected_and_received(x, target, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        check_scalar(x, "lr", target, **kwargs)


def test_check_scalar_rejects_bad_specifications():
    with pytest.raises(TypeError, match="target_type must be numbers.Real or numbers.Integral"):
        check_scalar(1, "x", float)
    with pytest.raises(ValueError, match="include_boundaries must be"):
        check_scalar(1, "x", include_boundaries="open")


def test_check_bool():
    assert check_bool(np.bool_(False), "flag") is False
    for bad in (1, "False", None, np.array([True])):
        with pytest.raises(TypeError, match=f"flag must be a bool, got {type(bad).__name__}"):
            check_bool(bad, "flag")


def test_check_option():
    assert check_option("sum", "reduction", ("mean", "sum", "none")) == "sum"
    assert check_option(np.str_("none"), "reduction", ("mean", "sum", "none")) == "none"
    assert check_option(None, "mode", (None, "auto")) is None
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum' or 'none', "
                                         "got 'avg'"):
        check_option("avg", "reduction", ("mean", "sum", "none"))
    with pytest.raises(ValueError, match="got True"):          # True == 1, but is not an option
        check_option(True, "degree", (1, 2))
    with pytest.raises(TypeError, match="reduction must be one of .*, got list"):
        check_option(["mean"], "reduction", ("mean", "sum", "none"))
