"""dlbook.base: the estimator protocol (get_params / set_params / repr / fit_transform), and
scikit-learn's clone, Pipeline and GridSearchCV driving dlbook's estimators with the same results
as the scikit-learn equivalents."""
import numpy as np
import pytest

from dlbook.base import BaseEstimator, TransformerMixin
from dlbook.decomposition import PCA
from dlbook.discriminant_analysis import LinearDiscriminantAnalysis
from dlbook.exceptions import NotFittedError
from dlbook.preprocessing import MinMaxScaler, StandardScaler

sklearn = pytest.importorskip("sklearn")
from sklearn import decomposition as skdecomposition  # noqa: E402
from sklearn import discriminant_analysis as skda  # noqa: E402
from sklearn import preprocessing as skpreprocessing  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits, load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402

ESTIMATORS = [PCA(n_components=2), StandardScaler(with_mean=False), MinMaxScaler((-1, 1)),
              LinearDiscriminantAnalysis(solver="eigen", shrinkage=0.2, n_components=1)]
IDS = ["PCA", "StandardScaler", "MinMaxScaler", "LDA"]


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)


# --------------------------------------------------------------------------- the protocol
class _Toy(TransformerMixin, BaseEstimator):
    def __init__(self, scale=1.0, *, inner=None, name="toy"):
        self.scale = scale
        self.inner = inner
        self.name = name

    def fit(self, X, y=None):
        self.n_features_in_ = np.shape(X)[1]
        return self

    def transform(self, X):
        return np.asarray(X) * self.scale


def test_get_params_reads_the_constructor_signature():
    toy = _Toy(2.0, inner=PCA(3))
    assert toy.get_params(deep=False) == {"scale": 2.0, "inner": toy.inner, "name": "toy"}
    deep = toy.get_params()
    assert deep["inner__n_components"] == 3 and deep["inner"] is toy.inner
    assert PCA().get_params() == {"n_components": None}
    assert set(LinearDiscriminantAnalysis().get_params()) == {
        "solver", "shrinkage", "priors", "n_components", "store_covariance", "tol"}


def test_set_params_sets_and_reaches_nested_estimators():
    toy = _Toy(inner=PCA(3))
    assert toy.set_params(scale=5.0, inner__n_components=1) is toy
    assert toy.scale == 5.0 and toy.inner.n_components == 1
    with pytest.raises(ValueError, match="invalid parameter 'sclae' for estimator _Toy"):
        toy.set_params(sclae=1.0)


def test_repr_shows_only_changed_parameters():
    assert repr(PCA()) == "PCA()"
    assert repr(PCA(n_components=0.9)) == "PCA(n_components=0.9)"
    assert repr(LinearDiscriminantAnalysis(solver="eigen", shrinkage="auto")) == \
        "LinearDiscriminantAnalysis(shrinkage='auto', solver='eigen')"
    assert repr(LinearDiscriminantAnalysis(priors=np.array([0.5, 0.5]))).startswith(
        "LinearDiscriminantAnalysis(priors=array([0.5, 0.5])")
    assert repr(MinMaxScaler(feature_range=(0, 1))) == "MinMaxScaler()"


def test_varargs_constructor_is_rejected():
    class Bad(BaseEstimator):
        def __init__(self, *layers):
            self.layers = layers

    with pytest.raises(TypeError, match=r"\*layers"):
        Bad(1, 2).get_params()


def test_fit_transform_from_the_mixin(iris):
    X, y = iris
    np.testing.assert_array_equal(_Toy(3.0).fit_transform(X), 3.0 * X)
    lda = LinearDiscriminantAnalysis()
    np.testing.assert_allclose(lda.fit_transform(X, y), lda.fit(X, y).transform(X), rtol=1e-12)


@pytest.mark.parametrize("est", [PCA(2), StandardScaler(), MinMaxScaler(),
                                 LinearDiscriminantAnalysis()], ids=IDS)
def test_transform_before_fit_raises_not_fitted_error(est):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        est.transform(np.zeros((3, 4)))
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


# --------------------------------------------------------------------------- scikit-learn's tools
@pytest.mark.parametrize("est", ESTIMATORS, ids=IDS)
def test_clone_copies_parameters_not_fitted_state(est, iris):
    X, y = iris
    fitted = clone(est).fit(X, y)
    copy = clone(fitted)
    assert type(copy) is type(est) and copy is not fitted
    assert repr(copy) == repr(est)
    for name, value in est.get_params(deep=False).items():
        assert getattr(copy, name) is value or getattr(copy, name) == value
    with pytest.raises(NotFittedError):
        copy.transform(X)
    np.testing.assert_allclose(copy.fit(X, y).transform(X), fitted.transform(X), rtol=1e-12)


def test_pipeline_scaler_pca_logistic_regression_matches_sklearn(digits):
    X, y = digits
    X_train, y_train, X_test = X[:1200], y[:1200], X[1200:]
    ours = Pipeline([("scale", StandardScaler()), ("pca", PCA(n_components=20)),
                     ("clf", LogisticRegression(max_iter=2000))]).fit(X_train, y_train)
    theirs = Pipeline([("scale", skpreprocessing.StandardScaler()),
                       ("pca", skdecomposition.PCA(n_components=20, svd_solver="full")),
                       ("clf", LogisticRegression(max_iter=2000))]).fit(X_train, y_train)
    Z, Z_ref = ours[:-1].transform(X_test), theirs[:-1].transform(X_test)
    np.testing.assert_allclose(Z, Z_ref, rtol=1e-8, atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X_test), theirs.predict(X_test))
    np.testing.assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test),
                               atol=1e-6)
    assert ours.score(X_test, y[1200:]) == theirs.score(X_test, y[1200:])


def test_grid_search_over_pca_n_components_matches_sklearn(digits):
    X, y = digits
    X, y = X[::2], y[::2]
    grid = {"pca__n_components": [5, 10, 20]}
    ours = GridSearchCV(make_pipeline(MinMaxScaler(), PCA(),
                                      LogisticRegression(max_iter=2000)), grid, cv=3).fit(X, y)
    theirs = GridSearchCV(make_pipeline(skpreprocessing.MinMaxScaler(),
                                        skdecomposition.PCA(svd_solver="full"),
                                        LogisticRegression(max_iter=2000)), grid, cv=3).fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               theirs.cv_results_["mean_test_score"], atol=1e-12)
    assert isinstance(ours.best_estimator_.named_steps["pca"], PCA)
    assert ours.best_estimator_.named_steps["pca"].n_components_ == ours.best_params_[
        "pca__n_components"]


def test_lda_is_a_classifier_for_sklearn(iris):
    """Tagged as a classifier: GridSearchCV(cv=5) uses stratified folds, as for sklearn's LDA."""
    X, y = iris
    grid = {"solver": ["svd", "eigen"], "tol": [1e-4, 1e-2]}
    ours = GridSearchCV(LinearDiscriminantAnalysis(), grid, cv=5).fit(X, y)
    theirs = GridSearchCV(skda.LinearDiscriminantAnalysis(), grid, cv=5).fit(X, y)
    assert sklearn.base.is_classifier(LinearDiscriminantAnalysis())
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               theirs.cv_results_["mean_test_score"], atol=1e-12)
    np.testing.assert_allclose(cross_val_score(LinearDiscriminantAnalysis(), X, y, cv=5),
                               cross_val_score(skda.LinearDiscriminantAnalysis(), X, y, cv=5),
                               atol=1e-12)
