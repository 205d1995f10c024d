"""dlbook.decision: Bayes rules against brute-force enumeration, ROC/AUC parity with
scikit-learn (ties included), the analytic Gaussian ROC against scipy.stats.norm, the Lasso
solver against scikit-learn, and the error messages."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import decision as dec

metrics = pytest.importorskip("sklearn.metrics")
norm = pytest.importorskip("scipy.stats").norm


# --------------------------------------------------------------------------- helpers
def random_problem(rng, n_obs, n_hyp, n_act):
    """A joint p(z_k, H_i) over a finite observation space and a random cost matrix."""
    joint = rng.uniform(size=(n_obs, n_hyp)) ** 2
    return joint / joint.sum(), rng.uniform(0, 5, size=(n_hyp, n_act))


def brute_force_decision(posteriors, cost):
    """One observation and one action at a time: the definition, with no matrix algebra."""
    out = []
    for p in posteriors:
        risks = [sum(p[i] * cost[i, j] for i in range(len(p))) for j in range(cost.shape[1])]
        out.append(int(np.argmin(risks)))
    return np.array(out)


def labels_and_scores(rng, n, n_levels=None):
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]                                           # both classes always present
    rng.shuffle(y)
    if n_levels is None:
        s = rng.standard_normal(n) + y
    else:                                                    # heavy ties
        s = rng.integers(0, n_levels, n).astype(float) + 0.5 * y * rng.integers(0, 2, n)
    return y, s


# --------------------------------------------------------------------------- Bayes rules
@pytest.mark.parametrize("shape", [(1, 2, 2), (7, 3, 3), (50, 4, 5), (20, 2, 3)])
def test_bayes_decision_matches_brute_force(rng, shape):
    n, m, a = shape
    post = rng.dirichlet(np.ones(m), size=n)
    cost = rng.uniform(0, 3, size=(m, a))
    np.testing.assert_array_equal(dec.bayes_decision(post, cost), brute_force_decision(post, cost))


def test_zero_one_cost_gives_map(rng):
    post = rng.dirichlet(np.ones(5), size=100)
    np.testing.assert_array_equal(dec.bayes_decision(post), np.argmax(post, axis=1))
    np.testing.assert_array_equal(dec.bayes_decision(post, dec.zero_one_cost(5)),
                                  np.argmax(post, axis=1))
    np.testing.assert_allclose(dec.conditional_risk(post, dec.zero_one_cost(5)), 1 - post)


def test_unnormalised_posteriors_give_the_same_decisions(rng):
    post = rng.dirichlet(np.ones(4), size=200)
    evidence = rng.uniform(1e-3, 1e3, size=(200, 1))          # p(z_n) differs per row
    cost = rng.uniform(0, 2, size=(4, 5))
    np.testing.assert_array_equal(dec.bayes_decision(post * evidence, cost),
                                  dec.bayes_decision(post, cost))


def test_ties_go_to_the_smallest_index():
    post = np.array([[0.5, 0.5], [0.25, 0.75]])
    np.testing.assert_array_equal(dec.bayes_decision(post), [0, 1])


@pytest.mark.parametrize("sizes", [(3, 2, 2), (4, 3, 3), (5, 2, 3)])
def test_bayes_rule_minimises_the_risk_over_all_rules(rng, sizes):
    n_obs, n_hyp, n_act = sizes
    joint, cost = random_problem(rng, n_obs, n_hyp, n_act)
    bayes = dec.bayes_decision(joint, cost)          # rows of the joint are unnormalised posteriors
    best = min(dec.bayes_risk(np.array(rule), cost, joint)
               for rule in itertools.product(range(n_act), repeat=n_obs))
    assert dec.bayes_risk(bayes, cost, joint) == pytest.approx(best, abs=1e-14)
    for _ in range(200):                             # randomised rules cannot do better
        rule = rng.dirichlet(np.ones(n_act), size=n_obs)
        assert dec.bayes_risk(rule, cost, joint) >= best - 1e-14


def test_bayes_risk_of_a_randomised_rule_is_the_mixture(rng):
    joint, cost = random_problem(rng, 4, 2, 2)
    a, b = np.array([0, 1, 1, 0]), np.array([1, 1, 0, 0])
    mix = 0.3 * np.eye(2)[a] + 0.7 * np.eye(2)[b]
    expected = 0.3 * dec.bayes_risk(a, cost, joint) + 0.7 * dec.bayes_risk(b, cost, joint)
    assert dec.bayes_risk(mix, cost, joint) == pytest.approx(expected, rel=1e-12)


def test_empirical_risk_converges_to_bayes_risk(rng):
    joint, cost = random_problem(rng, 5, 3, 3)
    rule = dec.bayes_decision(joint, cost)
    k = rng.choice(joint.size, size=200_000, p=joint.ravel())
    obs, hyp = np.unravel_index(k, joint.shape)
    assert dec.empirical_risk(hyp, rule[obs], cost) == pytest.approx(
        dec.bayes_risk(rule, cost, joint), abs=0.02)


def test_lrt_equals_bayes_rule_for_two_hypotheses(rng):
    priors = np.array([0.7, 0.3])
    cost = np.array([[0.0, 1.0], [5.0, 0.5]])
    z = rng.standard_normal(1000) * 2
    lik = np.stack([norm.pdf(z, 0, 1), norm.pdf(z, 1.5, 1)], axis=1)
    log_lr = norm.logpdf(z, 1.5, 1) - norm.logpdf(z, 0, 1)
    eta = dec.lrt_threshold(priors, cost)
    assert eta == pytest.approx(0.7 * 1.0 / (0.3 * 4.5))
    np.testing.assert_array_equal(dec.likelihood_ratio_test(log_lr, eta),
                                  dec.bayes_decision(lik * priors, cost))


def test_lrt_threshold_defaults_and_edges():
    assert dec.lrt_threshold([0.5, 0.5]) == 1.0
    assert dec.lrt_threshold([0.8, 0.2]) == pytest.approx(4.0)
    assert dec.lrt_threshold([1.0, 0.0]) == np.inf
    np.testing.assert_array_equal(dec.likelihood_ratio_test([-np.inf, 0.0, np.inf], np.inf),
                                  [0, 0, 0])
    np.testing.assert_array_equal(dec.likelihood_ratio_test([-np.inf, 0.0, np.inf], 0.0),
                                  [0, 1, 1])
    np.testing.assert_array_equal(dec.likelihood_ratio_test(np.zeros((2, 3)), 1.0),
                                  np.zeros((2, 3)))


# --------------------------------------------------------------------------- Gaussian ROC
def test_q_function_matches_scipy(rng):
    x = rng.standard_normal(50) * 3
    np.testing.assert_allclose(dec.q_function(x), norm.sf(x), rtol=1e-12)
    p = rng.uniform(size=50)
    np.testing.assert_allclose(dec.q_function_inv(p), norm.isf(p), rtol=1e-12)
    np.testing.assert_allclose(dec.q_function(dec.q_function_inv(p)), p, rtol=1e-12)
    assert isinstance(dec.q_function(0.0), float) and dec.q_function(0.0) == 0.5


@pytest.mark.parametrize("d_prime", [0.0, 0.5, 1.0, 2.5, -1.0])
def test_gaussian_roc_matches_scipy(d_prime):
    gamma = np.linspace(-6, 6, 101)
    pfa, pd = dec.gaussian_roc(d_prime, gamma)
    np.testing.assert_allclose(pfa, norm.sf(gamma, loc=0, scale=1), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(pd, norm.sf(gamma, loc=d_prime, scale=1), rtol=1e-12, atol=1e-300)
    inner = (pfa > 1e-12) & (pfa < 1 - 1e-12)
    np.testing.assert_allclose(pd[inner], norm.sf(norm.isf(pfa[inner]) - d_prime), rtol=1e-9)


@pytest.mark.parametrize("d_prime", [0.0, 0.7, 1.5, 3.0])
def test_gaussian_auc_is_the_area_under_the_analytic_roc(d_prime):
    from scipy.integrate import quad
    area, _ = quad(lambda u: norm.sf(norm.isf(u) - d_prime), 0, 1, epsabs=1e-12)
    assert dec.gaussian_auc(d_prime) == pytest.approx(area, abs=1e-9)
    assert dec.gaussian_auc(d_prime) == pytest.approx(norm.cdf(d_prime / np.sqrt(2)), rel=1e-14)


def test_empirical_roc_approaches_the_analytic_one(rng):
    d_prime, n = 1.2, 200_000
    y = np.r_[np.zeros(n, int), np.ones(n, int)]
    z = rng.standard_normal(2 * n) + d_prime * y
    fpr, tpr, thr = dec.roc_curve(y, z)
    pfa, pd = dec.gaussian_roc(d_prime, thr)
    assert np.max(np.abs(fpr - pfa)) < 0.01 and np.max(np.abs(tpr - pd)) < 0.01
    assert dec.roc_auc_score(y, z) == pytest.approx(dec.gaussian_auc(d_prime), abs=0.003)


# --------------------------------------------------------------------------- ROC / AUC parity
@pytest.mark.parametrize("n_levels", [None, 2, 3, 10])
@pytest.mark.parametrize("drop", [False, True])
def test_roc_curve_matches_sklearn(rng, n_levels, drop):
    for n in (2, 3, 10, 101, 1000):
        y, s = labels_and_scores(rng, n, n_levels)
        ours = dec.roc_curve(y, s, drop_intermediate=drop)
        ref = metrics.roc_curve(y, s, drop_intermediate=drop)
        for a, b in zip(ours, ref):
            np.testing.assert_array_equal(a, b)


def test_roc_curve_accepts_bool_and_float_labels(rng):
    y, s = labels_and_scores(rng, 50, 4)
    for labels in (y.astype(bool), y.astype(float)):
        for a, b in zip(dec.roc_curve(labels, s), dec.roc_curve(y, s)):
            np.testing.assert_array_equal(a, b)


def test_roc_curve_default_drops_like_sklearn(rng):
    y, s = labels_and_scores(rng, 300)
    for a, b in zip(dec.roc_curve(y, s), metrics.roc_curve(y, s)):
        np.testing.assert_array_equal(a, b)


def test_roc_points_are_the_threshold_tests(rng):
    """Point k counts score >= thresholds[k], checked threshold by threshold."""
    y, s = labels_and_scores(rng, 200, 7)
    fpr, tpr, thr = dec.roc_curve(y, s, drop_intermediate=False)
    for f, t, g in zip(fpr, tpr, thr):
        assert f == np.mean(s[y == 0] >= g) and t == np.mean(s[y == 1] >= g)


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(-3, 3)), min_size=2, max_size=40))
@settings(max_examples=100, deadline=None)
def test_roc_auc_is_mann_whitney_property(pairs):
    y = np.array([p[0] for p in pairs])
    s = np.array([p[1] for p in pairs], dtype=float)
    if y.min() == y.max():
        with pytest.raises(ValueError, match="both positive"):
            dec.roc_curve(y, s)
        return
    pos, neg = s[y == 1], s[y == 0]
    diff = pos[:, None] - neg[None, :]
    mann_whitney = np.mean((diff > 0) + 0.5 * (diff == 0))
    assert dec.roc_auc_score(y, s) == pytest.approx(mann_whitney, abs=1e-12)
    assert dec.roc_auc_score(y, s) == pytest.approx(metrics.roc_auc_score(y, s), abs=1e-12)
    fpr, tpr, thr = dec.roc_curve(y, s)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1 and thr[0] == np.inf
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0) and np.all(np.diff(thr) < 0)


def test_auc_matches_sklearn(rng):
    x = np.sort(rng.uniform(size=30))
    y = rng.uniform(size=30)
    assert dec.auc(x, y) == pytest.approx(metrics.auc(x, y), rel=1e-12)
    assert dec.auc(x[::-1], y[::-1]) == pytest.approx(metrics.auc(x[::-1], y[::-1]), rel=1e-12)
    assert dec.auc([0, 1], [0, 1]) == 0.5


# --------------------------------------------------------------------------- Lasso / MAP
def test_soft_threshold():
    np.testing.assert_array_equal(dec.soft_threshold(np.array([-3.0, -0.5, 0.0, 0.2, 2.0]), 1.0),
                                  [-2.0, 0.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.1, 0.5, 5.0])
def test_lasso_matches_sklearn(rng, alpha):
    lm = pytest.importorskip("sklearn.linear_model")
    X = rng.standard_normal((80, 6))
    y = X @ np.array([1.5, 0, 0, -2.0, 0, 0.3]) + 0.5 * rng.standard_normal(80)
    ours = dec.lasso_proximal_gradient(X, y, alpha)
    if alpha == 0.0:
        ref = np.linalg.lstsq(X, y, rcond=None)[0]
    else:
        ref = lm.Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=1_000_000).fit(X, y).coef_
    np.testing.assert_allclose(ours, ref, atol=1e-8)
    if alpha == 5.0:
        np.testing.assert_array_equal(ours, 0.0)


def test_lasso_warns_without_convergence(rng):
    X = rng.standard_normal((20, 3))
    with pytest.warns(RuntimeWarning, match="did not converge"):
        dec.lasso_proximal_gradient(X, rng.standard_normal(20), 0.01, max_iter=2)


# --------------------------------------------------------------------------- errors
def test_errors():
    post = np.full((3, 2), 0.5)
    with pytest.raises(ValueError, match=r"shape \(2, A\)"):
        dec.bayes_decision(post, np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"posteriors must hold values >= 0, got values in "
                                         r"\[-0\.5, -0\.5\]"):
        dec.bayes_decision(-post)
    with pytest.raises(ValueError, match=r"\(N, M\)"):
        dec.bayes_decision(np.ones(3))
    with pytest.raises(TypeError):
        dec.bayes_decision("abc")
    with pytest.raises(ValueError, match="NaN"):
        dec.conditional_risk(np.array([[np.nan, 1.0]]), np.eye(2))
    with pytest.raises(ValueError, match="sum to 1"):
        dec.bayes_risk(np.array([0, 1]), np.eye(2), np.ones((2, 2)))
    with pytest.raises(TypeError, match="integer"):
        dec.bayes_risk(np.array([0.0, 1.0]), np.eye(2), np.full((2, 2), 0.25))
    with pytest.raises(ValueError, match="actions in"):
        dec.bayes_risk(np.array([0, 2]), np.eye(2), np.full((2, 2), 0.25))
    with pytest.raises(ValueError, match="sum to 1"):
        dec.bayes_risk(np.full((2, 2), 0.2), np.eye(2), np.full((2, 2), 0.25))
    with pytest.raises(ValueError, match="indices in"):
        dec.empirical_risk(np.array([0, 3]), np.array([0, 1]), np.eye(2))
    with pytest.raises(ValueError, match="sum to 1"):
        dec.lrt_threshold([0.5, 0.6])
    with pytest.raises(ValueError, match="more than the correct"):
        dec.lrt_threshold([0.5, 0.5], np.array([[1.0, 0.0], [1.0, 0.0]]))
    with pytest.raises(ValueError,
                       match=r"threshold must be a non-negative real number, got -1\.0"):
        dec.likelihood_ratio_test(np.zeros(3), -1.0)
    with pytest.raises(TypeError):
        dec.likelihood_ratio_test(np.zeros(3), "1")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        dec.q_function_inv(1.5)
    with pytest.raises(TypeError):
        dec.gaussian_roc("1", np.zeros(2))
    with pytest.raises(ValueError, match="needs binary y_true"):
        dec.roc_curve(np.array([0, 1, 2]), np.zeros(3))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        dec.roc_curve(np.array([0, 1, 1]), np.zeros(4))
    with pytest.raises(ValueError, match="both positive"):
        dec.roc_curve(np.array([1, 1, 1]), np.zeros(3))
    with pytest.raises(ValueError, match="NaN or infinity"):
        dec.roc_curve(np.array([0, 1]), np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match="neither increasing nor decreasing"):
        dec.auc([0, 1, 0.5], [0, 1, 1])
    with pytest.raises(ValueError, match="at least 2"):
        dec.auc([0.0], [1.0])
    with pytest.raises(ValueError, match=r"threshold must be a real number in \[0, inf\), got -1"):
        dec.soft_threshold(np.zeros(2), -1.0)
    with pytest.raises(ValueError, match=r"alpha must be a real number in \[0, inf\), got -0\.1"):
        dec.lasso_proximal_gradient(np.eye(2), np.zeros(2), -0.1)
    with pytest.raises(TypeError):
        dec.zero_one_cost(2.0)
