"""dlbook.decomposition: PCA and LDA against scikit-learn (PCA svd_solver='full', LDA
solver='eigen') on iris and digits, against their defining eigenproblems computed here, a
hypothesis property of PCA, and input validation. LDA's default svd solver and its classifier
methods are tested in test_discriminant_analysis.py."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dlbook.decomposition import PCA, LinearDiscriminantAnalysis
from dlbook.exceptions import NotFittedError

RTOL, ATOL = 1e-10, 1e-10

# scikit-learn is the reference and ships the two data sets: tests that need it skip cleanly
# without it, the others (hypothesis property, validation on synthetic data) still run


@pytest.fixture(scope="module")
def skd():
    return pytest.importorskip("sklearn.decomposition")


@pytest.fixture(scope="module")
def skda():
    return pytest.importorskip("sklearn.discriminant_analysis")


@pytest.fixture(scope="module")
def iris():
    d = pytest.importorskip("sklearn.datasets").load_iris()
    return d.data, d.target


@pytest.fixture(scope="module")
def digits():
    d = pytest.importorskip("sklearn.datasets").load_digits()
    return d.data, d.target


DIGITS_RANK = 61     # digits has 3 constant pixels: the last 3 directions are arbitrary


# --------------------------------------------------------------------------- PCA vs sklearn

def _compare_pca(ours, theirs, X, n_exact):
    assert ours.n_components_ == theirs.n_components_
    k = min(n_exact, ours.n_components_)
    np.testing.assert_allclose(ours.components_[:k], theirs.components_[:k], rtol=1e-8,
                               atol=1e-9)
    for attr in ("explained_variance_", "explained_variance_ratio_", "singular_values_"):
        np.testing.assert_allclose(getattr(ours, attr), getattr(theirs, attr), rtol=RTOL,
                                   atol=1e-9, err_msg=attr)
    np.testing.assert_allclose(ours.mean_, theirs.mean_, rtol=RTOL, atol=ATOL)
    Z, Z_ref = ours.transform(X), theirs.transform(X)
    np.testing.assert_allclose(Z[:, :k], Z_ref[:, :k], rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(ours.inverse_transform(Z), theirs.inverse_transform(Z_ref),
                               rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("n_components", [None, 1, 2, 3, 4, 0.5, 0.95, 0.99])
def test_pca_parity_iris(skd, iris, n_components):
    X, _ = iris
    ours = PCA(n_components).fit(X)
    theirs = skd.PCA(n_components, svd_solver="full").fit(X)
    _compare_pca(ours, theirs, X, n_exact=4)
    # on new points too
    Xn = X[:10] + np.random.default_rng(0).normal(scale=0.3, size=(10, 4))
    np.testing.assert_allclose(ours.transform(Xn), theirs.transform(Xn), rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("n_components", [None, 2, 10, 40, 0.5, 0.8, 0.95])
def test_pca_parity_digits(skd, digits, n_components):
    X, _ = digits
    ours = PCA(n_components).fit(X)
    theirs = skd.PCA(n_components, svd_solver="full").fit(X)
    _compare_pca(ours, theirs, X, n_exact=DIGITS_RANK)


def test_pca_fit_transform_equals_fit_then_transform(skd, digits):
    X, _ = digits
    np.testing.assert_allclose(PCA(5).fit_transform(X), PCA(5).fit(X).transform(X), rtol=1e-12)
    np.testing.assert_allclose(PCA(5).fit_transform(X),
                               skd.PCA(5, svd_solver="full").fit_transform(X), rtol=1e-8,
                               atol=1e-8)


def test_pca_full_rank_inverse_transform_reconstructs(iris):
    X, _ = iris
    pca = PCA().fit(X)
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(X)), X, rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("name", ["iris", "digits"])
def test_pca_is_the_eigendecomposition_of_the_sample_covariance(name, iris, digits):
    """Independent of sklearn and of the SVD: eigh of X_c^T X_c / (N - 1)."""
    X = (iris if name == "iris" else digits)[0]
    k = 4 if name == "iris" else 30
    pca = PCA(k).fit(X)
    Xc = X - X.mean(axis=0)
    cov = Xc.T @ Xc / (len(X) - 1)
    evals, evecs = np.linalg.eigh(cov)
    evals, evecs = evals[::-1], evecs[:, ::-1]
    np.testing.assert_allclose(pca.explained_variance_, evals[:k], rtol=1e-9)
    np.testing.assert_allclose(pca.explained_variance_ratio_, evals[:k] / evals.sum(), rtol=1e-9)
    np.testing.assert_allclose(pca.singular_values_, np.sqrt(evals[:k] * (len(X) - 1)),
                               rtol=1e-9)
    # the same directions up to sign: |<v_ours, v_eigh>| = 1, and orthonormal rows
    np.testing.assert_allclose(np.abs(np.sum(pca.components_ * evecs[:, :k].T, axis=1)), 1.0,
                               rtol=1e-8)
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(k), atol=1e-12)
    np.testing.assert_allclose(cov @ pca.components_.T, pca.components_.T * evals[:k],
                               atol=1e-8 * evals[0])
    # sign convention: the largest-magnitude entry of each direction is positive
    rows = np.arange(k)
    assert np.all(pca.components_[rows, np.argmax(np.abs(pca.components_), axis=1)] > 0)


def test_pca_float_n_components_is_the_smallest_reaching_the_fraction(digits):
    X, _ = digits
    full = PCA().fit(X).explained_variance_ratio_
    for frac in (0.3, 0.5, 0.9):
        k = PCA(frac).fit(X).n_components_
        assert full[:k].sum() >= frac and full[: k - 1].sum() < frac


# --------------------------------------------------------------------------- PCA property

@settings(max_examples=40, deadline=None)
@given(n=st.integers(4, 40), d=st.integers(1, 6), seed=st.integers(0, 2 ** 32 - 1),
       scale=st.floats(0.1, 100.0))
def test_pca_scores_are_uncorrelated_with_the_explained_variances(n, d, seed, scale):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) * scale + rng.normal(size=d)
    pca = PCA().fit(X)
    Z = pca.transform(X)
    k = pca.n_components_
    assert Z.shape == (n, k) == (n, min(n, d))
    cov = np.atleast_2d(np.cov(Z, rowvar=False))
    top = max(pca.explained_variance_[0], 1e-300)
    np.testing.assert_allclose(cov, np.diag(pca.explained_variance_), atol=1e-9 * top)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-9 * np.sqrt(top) + 1e-12)
    assert np.all(np.diff(pca.explained_variance_) <= 1e-12 * top)


# --------------------------------------------------------------------------- LDA vs sklearn

def _compare_lda(ours, theirs, X, n_exact=None):
    for attr in ("explained_variance_ratio_", "means_", "priors_", "covariance_"):
        np.testing.assert_allclose(getattr(ours, attr), getattr(theirs, attr), rtol=1e-8,
                                   atol=1e-10, err_msg=attr)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    # (sklearn's eigen solver keeps no xbar_: the prior-weighted mean from its attributes)
    np.testing.assert_allclose(ours.xbar_, theirs.priors_ @ theirs.means_, rtol=1e-10,
                               atol=1e-12)
    Z, Z_ref = ours.transform(X), theirs.transform(X)
    assert Z.shape == Z_ref.shape
    Z, Z_ref = Z[:, :n_exact], Z_ref[:, :n_exact]
    signs = np.sign(np.sum(Z * Z_ref, axis=0))
    assert np.all(signs != 0)
    scale = np.max(np.abs(Z_ref), axis=0)
    np.testing.assert_allclose(Z * signs / scale, Z_ref / scale, atol=1e-7)


@pytest.mark.parametrize("n_components", [None, 1, 2])
def test_lda_parity_iris(skda, iris, n_components):
    X, y = iris
    ours = LinearDiscriminantAnalysis(solver="eigen", n_components=n_components).fit(X, y)
    theirs = skda.LinearDiscriminantAnalysis(n_components=n_components, solver="eigen").fit(X, y)
    _compare_lda(ours, theirs, X)


@pytest.mark.parametrize("shrinkage", [0.1, 0.5])
@pytest.mark.parametrize("n_components", [None, 3])
def test_lda_parity_digits_with_shrinkage(skda, digits, shrinkage, n_components):
    X, y = digits
    ours = LinearDiscriminantAnalysis(solver="eigen", n_components=n_components,
                                      shrinkage=shrinkage).fit(X, y)
    theirs = skda.LinearDiscriminantAnalysis(n_components=n_components, solver="eigen",
                                             shrinkage=shrinkage).fit(X, y)
    # With shrinkage, S_b = S_t - S_w keeps the difference of the two identity terms, so it
    # is no longer of rank C - 1: beyond the informative directions the generalised
    # eigenvalues form a cluster of nearly equal values. On digits the 9th falls inside it and
    # its direction is not defined (it is checked as a valid eigenvector further below).
    _compare_lda(ours, theirs, X, n_exact=8)
    assert ours.transform(X).shape == (len(X), n_components or 9)


def _scatter(X, y, shrinkage=None):
    """S_w and S_b written out here: prior-weighted biased class covariances (optionally
    shrunk towards tr(S)/D I), and S_b = sum_k pi_k (mu_k - mu)(mu_k - mu)^T."""
    classes = np.unique(y)
    D = X.shape[1]

    def cov(A):
        S = np.cov(A, rowvar=False, bias=True)
        if shrinkage is not None:
            S = (1 - shrinkage) * S + shrinkage * np.trace(S) / D * np.eye(D)
        return S

    priors = np.array([np.mean(y == c) for c in classes])
    Sw = sum(p * cov(X[y == c]) for p, c in zip(priors, classes))
    St = cov(X)
    return Sw, St - Sw, priors


@pytest.mark.parametrize("case", ["iris", "digits-0.1", "digits-0.5"])
def test_lda_scalings_solve_the_generalised_eigenproblem(case, iris, digits):
    if case == "iris":
        (X, y), shrinkage = iris, None
    else:
        (X, y), shrinkage = digits, float(case.split("-")[1])
    lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage=shrinkage).fit(X, y)
    Sw, Sb, priors = _scatter(X, y, shrinkage)
    np.testing.assert_allclose(lda.covariance_, Sw, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(lda.priors_, priors, rtol=1e-15)
    C = len(np.unique(y))
    V = lda.scalings_[:, : C - 1]
    lam = np.einsum("dk,de,ek->k", V, Sb, V)          # v^T S_b v with v^T S_w v = 1
    np.testing.assert_allclose(V.T @ Sw @ V, np.eye(C - 1), atol=1e-8)
    scale = np.abs(Sb).max()
    np.testing.assert_allclose(Sb @ V, (Sw @ V) * lam, atol=1e-7 * scale)
    assert np.all(np.diff(lam) <= 1e-10) and lam[-1] > 0
    # ratios: lambda_k over the sum of all generalised eigenvalues, tr(S_w^{-1} S_b)
    total = np.trace(np.linalg.solve(Sw, Sb))
    np.testing.assert_allclose(lda.explained_variance_ratio_, lam / total, rtol=1e-6)
    if case == "iris":
        # Sb has rank C - 1: the fourth eigenvalue vanishes
        v4 = lda.scalings_[:, 3]
        assert abs(v4 @ Sb @ v4) < 1e-10 * lam[0]


@pytest.mark.parametrize("solver", ["svd", "eigen"])
def test_lda_separates_iris(iris, solver):
    """Sanity of the projection: class means in LDA space are far apart in within-class units."""
    X, y = iris
    Z = LinearDiscriminantAnalysis(solver=solver, n_components=2).fit_transform(X, y)
    means = np.array([Z[y == k].mean(axis=0) for k in range(3)])
    within = np.mean([Z[y == k].std(axis=0).max() for k in range(3)])
    assert min(np.linalg.norm(means[i] - means[j]) for i in range(3) for j in range(i)) > 3 * within


# --------------------------------------------------------------------------- errors

def test_lda_at_most_c_minus_one_components(skda, iris):
    X, y = iris
    assert LinearDiscriminantAnalysis(n_components=2).fit(X, y).transform(X).shape == (150, 2)
    with pytest.raises(ValueError, match="n_components"):
        LinearDiscriminantAnalysis(n_components=3).fit(X, y)
    with pytest.raises(ValueError):    # sklearn agrees
        skda.LinearDiscriminantAnalysis(n_components=3, solver="eigen").fit(X, y)
    with pytest.raises(ValueError, match="n_components"):
        LinearDiscriminantAnalysis(n_components=2).fit(X[:, :1], y)   # min(C - 1, D) = 1


def test_lda_singular_within_scatter_asks_for_shrinkage(digits):
    X, y = digits
    with pytest.raises(ValueError, match="shrinkage"):
        LinearDiscriminantAnalysis(solver="eigen").fit(X, y)
    # the default svd solver drops the constant pixels instead
    assert LinearDiscriminantAnalysis().fit(X, y).scalings_.shape == (64, 9)


@pytest.mark.parametrize("shrinkage", [-0.1, 1.5, "automatic", True])
def test_lda_bad_shrinkage(iris, shrinkage):
    X, y = iris
    with pytest.raises(ValueError, match="shrinkage"):
        LinearDiscriminantAnalysis(solver="eigen", shrinkage=shrinkage).fit(X, y)
    with pytest.raises(ValueError, match="shrinkage"):     # svd never takes shrinkage
        LinearDiscriminantAnalysis(shrinkage=0.5).fit(X, y)


def test_lda_needs_two_classes_and_matching_labels(iris):
    X, y = iris
    with pytest.raises(ValueError):
        LinearDiscriminantAnalysis().fit(X, np.zeros(150, dtype=int))
    with pytest.raises(ValueError):
        LinearDiscriminantAnalysis().fit(X, y[:-1])


@pytest.mark.parametrize("est", [PCA(2), LinearDiscriminantAnalysis()], ids=["PCA", "LDA"])
def test_not_fitted_raises_not_fitted_error(est):
    with pytest.raises(NotFittedError, match="not fitted"):
        est.transform(np.zeros((3, 4)))


def test_pca_inverse_transform_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted"):
        PCA(2).inverse_transform(np.zeros((3, 2)))


def test_wrong_feature_count_raises_value_error(iris):
    X, y = iris
    pca = PCA(2).fit(X)
    lda = LinearDiscriminantAnalysis().fit(X, y)
    for est in (pca, lda):
        with pytest.raises(ValueError, match="3 features.*4 features"):
            est.transform(X[:, :3])
    with pytest.raises(ValueError, match="2 columns"):
        pca.inverse_transform(np.zeros((5, 3)))


@pytest.mark.parametrize("bad", [5, 0.0, 1.0, 1.5, -1, "mle", True])
def test_pca_bad_n_components(iris, bad):
    X, _ = iris
    with pytest.raises(ValueError, match="n_components"):
        PCA(bad).fit(X)


@pytest.mark.parametrize("bad", [np.zeros(5), np.zeros((1, 3)), np.array([[1.0, np.nan]] * 3)],
                         ids=["1d", "one_sample", "nan"])
def test_pca_bad_input(bad):
    with pytest.raises(ValueError):
        PCA().fit(bad)
