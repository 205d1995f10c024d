"""dlbook.model_selection: parity with scikit-learn (KFold, Ridge, PolynomialFeatures,
cross_val_score), the bias–variance identity, the splits, and the error messages."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import model_selection as ms
from reference import assert_parity

sklearn = pytest.importorskip("sklearn")
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402
from sklearn.model_selection import cross_val_score as sk_cross_val_score  # noqa: E402
from sklearn.preprocessing import PolynomialFeatures  # noqa: E402


# --------------------------------------------------------------------------- k-fold
@pytest.mark.parametrize("n, k", [(10, 2), (10, 3), (11, 5), (7, 7), (100, 10), (23, 4)])
def test_kfold_without_shuffle_is_sklearns(n, k):
    ours = ms.kfold_indices(n, k)
    theirs = list(KFold(n_splits=k).split(np.zeros(n)))
    assert len(ours) == len(theirs) == k
    for (tr, va), (tr_sk, va_sk) in zip(ours, theirs):
        np.testing.assert_array_equal(tr, tr_sk)
        np.testing.assert_array_equal(va, va_sk)


@pytest.mark.parametrize("n, k", [(10, 3), (11, 5), (37, 6)])
def test_kfold_with_shuffle_has_sklearns_fold_sizes(n, k):
    ours = ms.kfold_indices(n, k, shuffle=True, seed=3)
    theirs = list(KFold(n_splits=k, shuffle=True, random_state=3).split(np.zeros(n)))
    assert [len(va) for _, va in ours] == [len(va) for _, va in theirs]
    assert [len(tr) for tr, _ in ours] == [len(tr) for tr, _ in theirs]


@settings(max_examples=50, deadline=None)
@given(n=st.integers(2, 60), data=st.data(), shuffle=st.booleans())
def test_kfold_is_a_partition(n, data, shuffle):
    k = data.draw(st.integers(2, n))
    folds = ms.kfold_indices(n, k, shuffle=shuffle, seed=0)
    val = np.concatenate([va for _, va in folds])
    np.testing.assert_array_equal(np.sort(val), np.arange(n))      # each sample validated once
    for tr, va in folds:
        np.testing.assert_array_equal(np.sort(np.r_[tr, va]), np.arange(n))
        assert np.intersect1d(tr, va).size == 0
    sizes = [len(va) for _, va in folds]
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)


def test_kfold_shuffle_is_reproducible_and_seeded():
    a = ms.kfold_indices(20, 4, shuffle=True, seed=1)
    b = ms.kfold_indices(20, 4, shuffle=True, seed=1)
    c = ms.kfold_indices(20, 4, shuffle=True, seed=2)
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, b))
    assert not all(np.array_equal(x[1], y[1]) for x, y in zip(a, c))


# --------------------------------------------------------------------------- cross-validation
@pytest.mark.parametrize("k", [3, 5])
def test_cross_val_score_matches_sklearn_with_ridge(rng, k):
    X = rng.standard_normal((31, 4))
    y = X @ rng.standard_normal(4) + 0.5 * rng.standard_normal(31)

    def neg_mse(X_tr, y_tr, X_va, y_va):
        coef, b = ms.ridge_fit(X_tr, y_tr, 0.7)
        return -np.mean((X_va @ coef + b - y_va) ** 2)

    ours = ms.cross_val_score(neg_mse, X, y, k)
    theirs = sk_cross_val_score(Ridge(alpha=0.7), X, y, cv=KFold(k),
                                scoring="neg_mean_squared_error")
    assert_parity(ours, theirs)


def test_cross_val_score_passes_the_right_rows(rng):
    X = np.arange(12.0)[:, None]
    y = np.arange(12.0)
    seen = []

    def record(X_tr, y_tr, X_va, y_va):
        np.testing.assert_array_equal(X_tr[:, 0], y_tr)
        seen.append(y_va)
        return len(y_va)

    scores = ms.cross_val_score(record, X, y, 5, shuffle=True, seed=0)
    np.testing.assert_array_equal(scores, [3, 3, 2, 2, 2])
    np.testing.assert_array_equal(np.sort(np.concatenate(seen)), y)


# --------------------------------------------------------------------------- polynomial features
@pytest.mark.parametrize("degree, include_bias", [(0, True), (1, True), (1, False), (2, True),
                                                   (2, False), (5, True), (9, False)])
def test_polynomial_features_match_sklearn(rng, degree, include_bias):
    x = rng.uniform(-1.5, 1.5, 13)
    theirs = PolynomialFeatures(degree, include_bias=include_bias).fit_transform(x[:, None])
    assert_parity(ms.polynomial_features(x, degree, include_bias=include_bias), theirs)
    assert_parity(ms.polynomial_features(x[:, None], degree, include_bias=include_bias), theirs)


# --------------------------------------------------------------------------- ridge
@pytest.mark.parametrize("alpha", [1e-3, 0.5, 3.0, 100.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_matches_sklearn(rng, alpha, fit_intercept):
    X = rng.standard_normal((40, 6)) + 2.0           # a mean, so the intercept matters
    y = X @ rng.standard_normal(6) + 1.5 + 0.3 * rng.standard_normal(40)
    coef, intercept = ms.ridge_fit(X, y, alpha, fit_intercept=fit_intercept)
    ref = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="svd").fit(X, y)
    assert coef.shape == (6,)
    assert isinstance(intercept, float)
    assert_parity(coef, ref.coef_, rtol=1e-9, atol=1e-11)
    assert_parity(intercept, ref.intercept_, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_multi_target_matches_sklearn(rng, fit_intercept):
    X = rng.standard_normal((25, 4))
    Y = rng.standard_normal((25, 3))
    coef, intercept = ms.ridge_fit(X, Y, 1.3, fit_intercept=fit_intercept)
    ref = Ridge(alpha=1.3, fit_intercept=fit_intercept, solver="svd").fit(X, Y)
    assert coef.shape == (3, 4) and np.shape(intercept) == (3,)
    assert_parity(coef, ref.coef_, rtol=1e-9, atol=1e-11)
    assert_parity(intercept, ref.intercept_, rtol=1e-9, atol=1e-11)
    for k in range(3):                                  # same as K separate fits
        c_k, b_k = ms.ridge_fit(X, Y[:, k], 1.3, fit_intercept=fit_intercept)
        assert_parity(coef[k], c_k)
        assert_parity(intercept[k], b_k)


def test_ridge_on_polynomial_features_matches_sklearn(rng):
    x = rng.uniform(-1, 1, 30)
    y = np.sin(3 * x) + 0.1 * rng.standard_normal(30)
    P = ms.polynomial_features(x, 7, include_bias=False)
    coef, b = ms.ridge_fit(P, y, 1e-2)
    ref = Ridge(alpha=1e-2, solver="svd").fit(P, y)
    assert_parity(coef, ref.coef_, rtol=1e-8, atol=1e-10)
    assert_parity(b, ref.intercept_, rtol=1e-8, atol=1e-10)


def test_ridge_solves_the_normal_equations(rng):
    X, y, lam = rng.standard_normal((20, 5)), rng.standard_normal(20), 0.8
    coef, _ = ms.ridge_fit(X, y, lam, fit_intercept=False)
    np.testing.assert_allclose((X.T @ X + lam * np.eye(5)) @ coef, X.T @ y, rtol=1e-10,
                               atol=1e-12)


def test_ridge_intercept_is_unpenalized(rng):
    """fit_intercept=True is ridge on [1, X] with a zero penalty on the constant column."""
    X, y, lam = rng.standard_normal((20, 3)), rng.standard_normal(20) + 4.0, 2.0
    A = np.c_[np.ones(20), X]
    penalty = lam * np.diag([0.0, 1.0, 1.0, 1.0])
    w = np.linalg.solve(A.T @ A + penalty, A.T @ y)
    coef, b = ms.ridge_fit(X, y, lam)
    np.testing.assert_allclose(np.r_[b, coef], w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(10, 4), (6, 15)])
def test_ridge_at_zero_is_minimum_norm_least_squares(rng, shape):
    X, y = rng.standard_normal(shape), rng.standard_normal(shape[0])
    coef, _ = ms.ridge_fit(X, y, 0.0, fit_intercept=False)
    np.testing.assert_allclose(coef, np.linalg.pinv(X) @ y, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(coef, ms.ridge_fit(X, y, 1e-12, fit_intercept=False)[0],
                               rtol=1e-6, atol=1e-8)


def test_ridge_shrinks_as_lambda_grows(rng):
    X, y = rng.standard_normal((30, 8)), rng.standard_normal(30)
    lams = np.geomspace(1e-4, 1e4, 30)
    norms = [np.linalg.norm(ms.ridge_fit(X, y, lam)[0]) for lam in lams]
    assert np.all(np.diff(norms) < 0)


# --------------------------------------------------------------------------- bias and variance
def test_decomposition_identity_on_synthetic_numbers(rng):
    pred = rng.standard_normal((50, 7)) * 2.0 + 1.0
    truth = rng.standard_normal(7)
    out = ms.bias_variance_decomposition(pred, truth, 0.25, reduction="none")
    np.testing.assert_allclose(out.expected_error, out.noise + out.bias2 + out.variance,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out.bias2, (pred.mean(axis=0) - truth) ** 2)
    np.testing.assert_allclose(out.variance, pred.var(axis=0))
    mean = ms.bias_variance_decomposition(pred, truth, 0.25)
    assert mean.bias2 == pytest.approx(out.bias2.mean())
    assert mean.variance == pytest.approx(out.variance.mean())
    assert mean.noise == 0.25
    assert mean.expected_error == pytest.approx(0.25 + mean.bias2 + mean.variance, rel=1e-12)


def test_decomposition_by_hand():
    pred = np.array([[1.0, 0.0], [3.0, 0.0]])          # means 2 and 0; variances 1 and 0
    out = ms.bias_variance_decomposition(pred, np.array([1.0, 0.0]), 0.5)
    assert (out.bias2, out.variance, out.noise, out.expected_error) == (0.5, 0.5, 0.5, 1.5)


def test_decomposition_matches_monte_carlo_error(rng):
    truth = np.array([0.0, 1.0, -1.0])
    pred = truth + 0.3 + 0.5 * rng.standard_normal((20000, 3))
    new_y = truth + 0.2 * rng.standard_normal((20000, 3))
    out = ms.bias_variance_decomposition(pred, truth, 0.04)
    assert np.mean((new_y - pred) ** 2) == pytest.approx(out.expected_error, rel=0.02)
    assert out.bias2 == pytest.approx(0.09, rel=0.05)
    assert out.variance == pytest.approx(0.25, rel=0.05)


def test_a_single_fit_has_no_variance():
    out = ms.bias_variance_decomposition(np.array([[1.0, 2.0]]), np.array([0.0, 0.0]))
    assert out.variance == 0.0 and out.bias2 == 2.5


# --------------------------------------------------------------------------- splits
def test_train_val_test_split_partitions_the_rows(rng):
    X = np.arange(100.0)[:, None] * np.ones((1, 3))
    y = np.arange(100.0)
    s = ms.train_val_test_split(X, y, (0.6, 0.2, 0.2), seed=4)
    assert s.sizes() == (60, 20, 20)
    np.testing.assert_array_equal(np.sort(np.r_[s.y_train, s.y_val, s.y_test]), y)
    np.testing.assert_array_equal(s.X_train[:, 0], s.y_train)   # rows stay together
    again = ms.train_val_test_split(X, y, (0.6, 0.2, 0.2), seed=4)
    np.testing.assert_array_equal(s.y_val, again.y_val)


def test_train_val_test_split_sizes_add_up():
    for n in [7, 10, 33, 101]:
        s = ms.train_val_test_split(np.zeros(n), np.zeros(n), (0.5, 0.3, 0.2), seed=0)
        assert sum(s.sizes()) == n


def test_stratified_split_keeps_class_proportions(rng):
    y = np.repeat(np.arange(3), [60, 30, 10])
    s = ms.train_val_test_split(np.zeros((100, 2)), y, (0.6, 0.2, 0.2), seed=0, stratify=True)
    np.testing.assert_array_equal(np.bincount(s.y_train), [36, 18, 6])
    np.testing.assert_array_equal(np.bincount(s.y_val), [12, 6, 2])
    np.testing.assert_array_equal(np.bincount(s.y_test), [12, 6, 2])


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call, exc, match", [
    (lambda: ms.kfold_indices(5, 6), ValueError, "cannot exceed"),
    (lambda: ms.kfold_indices(5, 1), ValueError, "n_splits must be an int >= 2"),
    (lambda: ms.kfold_indices(5.0, 2), TypeError,
     r"n_samples must be a positive int, got float 5\.0"),
    (lambda: ms.kfold_indices(5, 2, shuffle=True, seed=-1), ValueError,
     "seed must be a non-negative int, got -1"),
    (lambda: ms.kfold_indices(5, 2, shuffle=True, seed="0"), TypeError, "seed"),
    (lambda: ms.cross_val_score(3, np.zeros(4), np.zeros(4), 2), TypeError, "callable"),
    (lambda: ms.cross_val_score(lambda *a: 0, np.zeros(4), np.zeros(5), 2), ValueError,
     "same number of rows"),
    (lambda: ms.polynomial_features(np.zeros((4, 2)), 2), ValueError, r"\(N,\) or \(N, 1\)"),
    (lambda: ms.polynomial_features(np.zeros(4), -1), ValueError, "degree"),
    (lambda: ms.polynomial_features(np.zeros(4), 2.0), TypeError, "degree"),
    (lambda: ms.polynomial_features(np.zeros(4), 0, include_bias=False), ValueError, "no features"),
    (lambda: ms.polynomial_features("abc", 2), TypeError, "x must be"),
    (lambda: ms.ridge_fit(np.zeros(4), np.zeros(4), 1.0), ValueError, r"\(N, D\)"),
    (lambda: ms.ridge_fit(np.zeros((4, 2)), np.zeros(3), 1.0), ValueError, "one row per row"),
    (lambda: ms.ridge_fit(np.zeros((4, 2)), np.zeros(4), -1.0), ValueError,
     r"lam must be a real number in \[0, inf\), got -1\.0"),
    (lambda: ms.ridge_fit(np.zeros((4, 2)), np.zeros(4), "1"), TypeError, "lam"),
    (lambda: ms.ridge_fit(np.full((4, 2), np.nan), np.zeros(4), 1.0), ValueError, "NaN"),
    (lambda: ms.bias_variance_decomposition(np.zeros(3), np.zeros(3)), ValueError, r"\(R, M\)"),
    (lambda: ms.bias_variance_decomposition(np.zeros((2, 3)), np.zeros(4)), ValueError,
     r"shape \(R, 4\)"),
    (lambda: ms.bias_variance_decomposition(np.zeros((2, 3)), np.zeros(3), -0.1), ValueError,
     "noise_var"),
    (lambda: ms.bias_variance_decomposition(np.zeros((2, 3)), np.zeros(3), "a"), TypeError,
     "noise_var"),
    (lambda: ms.bias_variance_decomposition(np.zeros((2, 3)), np.zeros(3), reduction="sum"),
     ValueError, "reduction"),
    (lambda: ms.train_val_test_split(np.zeros(5), np.zeros(4)), ValueError, "same number"),
    (lambda: ms.train_val_test_split(np.zeros(5), np.zeros(5), (0.5, 0.5)), ValueError, "three"),
    (lambda: ms.train_val_test_split(np.zeros(5), np.zeros(5), (0.5, 0.3, 0.3)), ValueError,
     "sum to 1"),
    (lambda: ms.train_val_test_split(np.zeros(5), np.zeros(5), stratify=True), TypeError,
     "integer class labels"),
    (lambda: ms.train_val_test_split(np.zeros((5, 2, 2)), np.zeros(5)), ValueError, r"\(N, D\)"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --------------------------------------------------------------------------- split sizes
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_too_few_samples_for_three_parts_raises(n):
    """3 samples at (0.7, 0.15, 0.15) used to give an empty test set."""
    with pytest.raises(ValueError, match=r"set would be empty; use more samples"):
        ms.train_val_test_split(np.zeros((n, 2)), np.zeros(n))


def test_three_samples_raise_as_two_sklearn_calls_do():
    from sklearn.model_selection import train_test_split
    X, y = np.zeros((3, 2)), np.zeros(3)
    _, X_rest, _, y_rest = train_test_split(X, y, train_size=0.7, random_state=0)
    with pytest.raises(ValueError, match="empty"):
        train_test_split(X_rest, y_rest, test_size=0.5, random_state=0)
    with pytest.raises(ValueError, match=r"n_samples=3 and fractions=\[0.7, 0.15, 0.15\] the "
                                         r"test set would be empty"):
        ms.train_val_test_split(X, y)


def test_smallest_split_that_fills_every_part():
    s = ms.train_val_test_split(np.zeros((7, 2)), np.zeros(7))
    assert s.sizes() == (5, 1, 1)
    with pytest.raises(ValueError, match="at least one row, got 0"):
        ms.train_val_test_split(np.zeros((0, 2)), np.zeros(0))


def test_stratified_split_rejects_a_one_member_class_like_sklearn():
    y = np.r_[np.zeros(19, dtype=int), 1]
    with pytest.raises(ValueError, match=r"least populated class in y \(1\) has only 1 member"):
        ms.train_val_test_split(np.zeros((20, 2)), y, stratify=True)
    from sklearn.model_selection import train_test_split
    with pytest.raises(ValueError, match="least populated class"):
        train_test_split(np.zeros((20, 2)), y, test_size=0.3, stratify=y)
    ms.train_val_test_split(np.zeros((20, 2)), y)                  # fine without stratifying


def test_stratified_part_smaller_than_the_number_of_classes_raises():
    y = np.repeat(np.arange(3), [10, 2, 2])         # per class 8/1/1, 2/0/0, 2/0/0 samples
    with pytest.raises(ValueError, match=r"stratified validation set would have 1 sample\(s\), "
                                         r"fewer than the 3 classes"):
        ms.train_val_test_split(np.zeros((14, 2)), y, (0.8, 0.1, 0.1), stratify=True)
    s = ms.train_val_test_split(np.zeros((12, 2)), np.repeat(np.arange(3), 4), (0.5, 0.25, 0.25),
                                stratify=True)
    assert s.sizes() == (6, 3, 3)
