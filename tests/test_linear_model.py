"""dlbook.linear_model: the linear solvers in one place. Their numerical tests (parity with
scikit-learn's Ridge and Lasso, the SVD route, convergence) are in test_model_selection.py and
test_decision.py, beside the chapters' modules that re-export them; here: that the re-exports are
the same functions, and that the module is reachable as the book's library promises."""
import numpy as np
import pytest

import dlbook
from dlbook import decision, linear_model, model_selection


def test_the_chapters_modules_re_export_the_same_functions():
    assert model_selection.ridge_fit is linear_model.ridge_fit
    assert decision.lasso_proximal_gradient is linear_model.lasso_proximal_gradient
    assert decision.soft_threshold is linear_model.soft_threshold
    assert dlbook.linear_model is linear_model
    assert set(linear_model.__all__) == {"ridge_fit", "soft_threshold", "lasso_proximal_gradient"}


def test_ridge_and_lasso_agree_at_zero_penalty_on_a_well_posed_problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(40)
    w_ridge, _ = linear_model.ridge_fit(X, y, 0.0, fit_intercept=False)
    w_lasso = linear_model.lasso_proximal_gradient(X, y, 0.0, tol=1e-14)
    np.testing.assert_allclose(w_lasso, w_ridge, rtol=1e-9)
    np.testing.assert_allclose(w_ridge, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-12)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: linear_model.ridge_fit(np.ones((3, 2)), np.ones(3), -1.0), ValueError,
     r"lam must be a real number in \[0, inf\), got -1.0"),
    (lambda: linear_model.lasso_proximal_gradient(np.ones((3, 2)), np.ones(3), "0.1"), TypeError,
     "alpha must be"),
    (lambda: linear_model.soft_threshold(np.ones(2), -1.0), ValueError, "threshold must be"),
])
def test_bad_arguments_are_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
