r"""Bayesian decision theory: Bayes rules, likelihood-ratio tests, ROC curves and MAP estimates.

A decision problem has :math:`M` hypotheses :math:`\mathcal H_0, \dots, \mathcal H_{M-1}` with
prior probabilities :math:`\pi_i`, an observation :math:`z`, and :math:`A` actions (usually
:math:`A = M`: "decide :math:`\mathcal H_j`"). A cost matrix ``cost`` of shape (M, A) holds
:math:`C_{ij}`, the cost of action :math:`j` when :math:`\mathcal H_i` is true. The *Bayes rule*
takes, for every observation, the action with the smallest conditional cost

.. math:: C(A_j \mid z) = \sum_i C_{ij}\, p(\mathcal H_i \mid z),

and so minimizes the Bayes risk, the expected cost. With the 0–1 cost it is the MAP rule.

Conventions follow scikit-learn where it has the same function: :func:`roc_curve` returns
``(fpr, tpr, thresholds)`` exactly as :func:`sklearn.metrics.roc_curve` (thresholds decreasing,
the first one ``inf``; a score counts as positive when ``score >= threshold``), and :func:`auc` and
:func:`roc_auc_score` match :func:`sklearn.metrics.auc` and :func:`sklearn.metrics.roc_auc_score`.
In detection-theory words the false-positive rate is the false-alarm probability
:math:`P_{FA}` and the true-positive rate the detection probability :math:`P_D`.
Everything is vectorized over the batch axis; there are no Python loops over samples or
thresholds.
"""
import numpy as np
from scipy.special import ndtr, ndtri

from ._validation import (as_float_array, check_array, check_array_range, check_consistent_length,
                          check_finite, check_index_array, check_positive_int, check_scalar)
# The empirical ROC curve, its area and the AUC score are metrics, implemented once in
# dlbook.metrics (shaped like sklearn.metrics); they are importable from here too because
# decision theory is where the book derives them.
from .metrics import auc, roc_auc_score, roc_curve
# Likewise the lasso's solver lives with the other linear solvers in dlbook.linear_model; this
# module re-exports it because the book derives it as a MAP estimate under a Laplace prior.
from .linear_model import lasso_proximal_gradient, soft_threshold

__all__ = ["zero_one_cost", "conditional_risk", "bayes_decision", "bayes_risk",
           "empirical_risk", "lrt_threshold", "likelihood_ratio_test", "q_function",
           "q_function_inv", "gaussian_roc", "gaussian_auc", "roc_curve", "auc",
           "roc_auc_score", "soft_threshold", "lasso_proximal_gradient"]


# --------------------------------------------------------------------------- validation
def _check_cost(cost, n_hypotheses=None):
    cost = check_array(cost, name="cost", ndim=2, layout="(M, A)", ensure_min_samples=0,
                       ensure_min_features=0)
    if cost.shape[0] == 0 or cost.shape[1] == 0:
        raise ValueError(f"cost must have at least one hypothesis and one action, got shape "
                         f"{cost.shape}")
    if n_hypotheses is not None and cost.shape[0] != n_hypotheses:
        raise ValueError(f"cost must have one row per hypothesis, shape ({n_hypotheses}, A), "
                         f"got shape {cost.shape}")
    return cost


def _check_probabilities(p, name, layout):
    """Non-negative finite entries, last axis = hypotheses; rows need not sum to one."""
    p = check_array(p, name=name, ndim=2, layout=layout, ensure_min_samples=0,
                    ensure_min_features=0)
    return check_array_range(p, name, min_val=0)


# --------------------------------------------------------------------------- Bayes rules
def zero_one_cost(n_classes):
    r"""The 0–1 cost matrix :math:`C_{ij} = 1 - \delta_{ij}`, shape (M, M).

    Every error costs 1 and every correct decision 0, so the Bayes risk is the probability of
    error and the Bayes rule is the MAP rule.
    """
    n_classes = check_positive_int(n_classes, "n_classes")
    return 1.0 - np.eye(n_classes)


def conditional_risk(posteriors, cost):
    r"""Conditional cost of every action for every observation.

    .. math:: R_{nj} = C(A_j \mid z_n) = \sum_{i} p(\mathcal H_i \mid z_n)\, C_{ij},
              \qquad R = P\,C .

    Parameters
    ----------
    posteriors : ndarray, shape (N, M)
        Row n holds :math:`p(\mathcal H_i \mid z_n)`. Unnormalized rows
        :math:`p(z_n \mid \mathcal H_i)\,\pi_i` are accepted too: they scale row n of the result
        by :math:`p(z_n) > 0` and leave every decision unchanged.
    cost : ndarray, shape (M, A)
        :math:`C_{ij}`, the cost of action j when hypothesis i is true.

    Returns
    -------
    ndarray, shape (N, A)
    """
    posteriors = _check_probabilities(posteriors, "posteriors", "(N, M)")
    cost = _check_cost(cost, posteriors.shape[1])
    return posteriors @ cost


def bayes_decision(posteriors, cost=None):
    r"""The Bayes decision rule: for each row, the action of least conditional cost.

    .. math:: \hat a_n = \arg\min_j \sum_i C_{ij}\, p(\mathcal H_i \mid z_n)

    With ``cost=None`` (the 0–1 cost) this is the MAP rule
    :math:`\arg\max_i p(\mathcal H_i \mid z_n)`. Ties go to the action with the smaller index.

    Parameters
    ----------
    posteriors : ndarray, shape (N, M)
        Posterior probabilities, or the unnormalized products
        :math:`p(z_n \mid \mathcal H_i)\,\pi_i` (the decision is the same).
    cost : ndarray, shape (M, A), optional
        Cost matrix; default :func:`zero_one_cost` ``(M)``.

    Returns
    -------
    ndarray of int64, shape (N,)
        The chosen action for each observation, in ``[0, A)``.
    """
    posteriors = _check_probabilities(posteriors, "posteriors", "(N, M)")
    if cost is None:
        cost = zero_one_cost(max(posteriors.shape[1], 1))
    return np.argmin(conditional_risk(posteriors, cost), axis=1).astype(np.int64)


def bayes_risk(decisions, cost, joint):
    r"""Bayes risk (expected cost) of a decision rule on a finite observation space.

    .. math:: \mathcal R(r) = \sum_k \sum_i p(z_k, \mathcal H_i) \sum_j r(A_j \mid z_k)\, C_{ij}

    Parameters
    ----------
    decisions : ndarray, shape (K,) of int, or shape (K, A)
        A deterministic rule (the action taken for each of the K observation values) or a
        randomized rule whose row k holds the probabilities :math:`r(A_j \mid z_k)`.
    cost : ndarray, shape (M, A)
    joint : ndarray, shape (K, M)
        The joint probabilities :math:`p(z_k, \mathcal H_i)`; they must sum to 1.

    Returns
    -------
    float
    """
    joint = _check_probabilities(joint, "joint", "(K, M)")
    if not np.isclose(joint.sum(), 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"joint must sum to 1, got {joint.sum():.6g}")
    cost = _check_cost(cost, joint.shape[1])
    n_obs, n_actions = joint.shape[0], cost.shape[1]
    d = np.asarray(decisions)
    if d.ndim == 1:
        d = check_index_array(d, "decisions", n_actions, what="actions")
        if d.shape != (n_obs,):
            raise ValueError(f"decisions must have shape ({n_obs},), got {d.shape}")
        rule = np.eye(n_actions)[d]
    else:
        rule = _check_probabilities(decisions, "decisions", "(K,) or (K, A)")
        if rule.shape != (n_obs, n_actions):
            raise ValueError(f"decisions must have shape ({n_obs}, {n_actions}), got {rule.shape}")
        if not np.allclose(rule.sum(axis=1), 1.0, rtol=0, atol=1e-9):
            raise ValueError("each row of a randomized rule must sum to 1")
    return float(np.sum(joint * (rule @ cost.T)))


def empirical_risk(y_true, y_pred, cost):
    r"""Average cost of decisions ``y_pred`` on examples whose true hypotheses are ``y_true``.

    .. math:: \hat{\mathcal R} = \frac1N \sum_n C_{y_n, \hat a_n}

    A Monte-Carlo estimate of the Bayes risk when the examples are drawn from the model.

    Parameters
    ----------
    y_true : ndarray of int, shape (N,)
        True hypotheses in ``[0, M)``.
    y_pred : ndarray of int, shape (N,)
        Actions taken, in ``[0, A)``.
    cost : ndarray, shape (M, A)

    Returns
    -------
    float
    """
    cost = _check_cost(cost)
    t = check_index_array(y_true, "y_true", cost.shape[0], ndim=1, layout="(N,)")
    p = check_index_array(y_pred, "y_pred", cost.shape[1], ndim=1, layout="(N,)")
    check_consistent_length(t, p, names=("y_true", "y_pred"))
    if t.size == 0:
        raise ValueError("y_true and y_pred must hold at least one example, got shape (0,)")
    return float(np.mean(cost[t, p]))


# --------------------------------------------------------------------------- binary tests
def lrt_threshold(priors, cost=None):
    r"""Threshold :math:`\eta` of the Bayes likelihood-ratio test for two hypotheses.

    Deciding :math:`\mathcal H_1` when :math:`\Lambda(z) = p(z\mid\mathcal H_1)/p(z\mid\mathcal H_0)
    > \eta` with

    .. math:: \eta = \frac{\pi_0\,(C_{01} - C_{00})}{\pi_1\,(C_{10} - C_{11})}

    is the Bayes rule for the 2×2 cost matrix ``cost`` (default 0–1, giving
    :math:`\eta = \pi_0/\pi_1`).

    Parameters
    ----------
    priors : ndarray, shape (2,)
        :math:`(\pi_0, \pi_1)`, non-negative, summing to 1.
    cost : ndarray, shape (2, 2), optional
        Each error must cost more than the correct decision: :math:`C_{01} > C_{00}` and
        :math:`C_{10} > C_{11}`.

    Returns
    -------
    float
        :math:`\eta \in [0, \infty]`.
    """
    priors = as_float_array(priors, "priors")
    if priors.shape != (2,):
        raise ValueError(f"priors must have shape (2,), got {priors.shape}")
    check_finite(priors, "priors")
    if priors.min() < 0 or not np.isclose(priors.sum(), 1.0, rtol=0, atol=1e-12):
        raise ValueError(f"priors must be non-negative and sum to 1, got {priors.tolist()}")
    cost = zero_one_cost(2) if cost is None else _check_cost(cost, 2)
    if cost.shape != (2, 2):
        raise ValueError(f"cost must have shape (2, 2), got {cost.shape}")
    false_alarm, miss = cost[0, 1] - cost[0, 0], cost[1, 0] - cost[1, 1]
    if false_alarm <= 0 or miss <= 0:
        raise ValueError("each error must cost more than the correct decision "
                         "(C01 > C00 and C10 > C11)")
    num, den = priors[0] * false_alarm, priors[1] * miss
    return float(np.inf) if den == 0 else float(num / den)


def likelihood_ratio_test(log_lr, threshold=1.0):
    r"""Decide :math:`\mathcal H_1` (1) where :math:`\log\Lambda(z) > \log\eta`, else 0.

    Working with the log-likelihood ratio :math:`\log p(z\mid\mathcal H_1) - \log
    p(z\mid\mathcal H_0)` avoids the underflow of products of many small densities. Ties
    (:math:`\Lambda = \eta`) go to :math:`\mathcal H_0`, as in :func:`bayes_decision`.

    Parameters
    ----------
    log_lr : ndarray, any shape
        Log-likelihood ratios; ``-inf`` and ``inf`` are allowed, NaN is not.
    threshold : float
        :math:`\eta \ge 0` (on the ratio, not its logarithm), e.g. from :func:`lrt_threshold`.

    Returns
    -------
    ndarray of int64, same shape as ``log_lr``
    """
    log_lr = as_float_array(log_lr, "log_lr")
    if np.any(np.isnan(log_lr)):
        raise ValueError("log_lr contains NaN")
    threshold = check_scalar(threshold, "threshold", min_val=0)
    with np.errstate(divide="ignore"):
        log_eta = np.log(threshold)
    return (log_lr > log_eta).astype(np.int64)


def q_function(x):
    r"""Gaussian tail probability :math:`Q(x) = P(\mathcal N(0, 1) > x) = 1 - \Phi(x)`.

    Parameters
    ----------
    x : ndarray or float, any shape

    Returns
    -------
    ndarray (float for scalar input), same shape
    """
    x = as_float_array(x, "x")
    if np.any(np.isnan(x)):
        raise ValueError("x contains NaN")
    out = ndtr(-x)
    return float(out) if out.ndim == 0 else out


def q_function_inv(p):
    r"""Inverse of :func:`q_function`: the :math:`x` with :math:`Q(x) = p`, for :math:`p \in [0, 1]`.

    Parameters
    ----------
    p : ndarray or float, any shape

    Returns
    -------
    ndarray (float for scalar input), same shape; :math:`Q^{-1}(0) = \infty`,
    :math:`Q^{-1}(1) = -\infty`.
    """
    p = as_float_array(p, "p")
    check_array_range(p, "p", 0, 1, what="probabilities")
    out = -ndtri(p)
    return float(out) if out.ndim == 0 else out


def gaussian_roc(d_prime, thresholds):
    r"""Analytic ROC of the test :math:`z > \gamma` for :math:`\mathcal N(0,1)` vs :math:`\mathcal N(d',1)`.

    .. math:: P_{FA}(\gamma) = Q(\gamma), \qquad P_D(\gamma) = Q(\gamma - d')
              = Q\big(Q^{-1}(P_{FA}) - d'\big)

    Any two Gaussians with a common variance :math:`\sigma^2` reduce to this case with
    :math:`d' = |\mu_1 - \mu_0|/\sigma`.

    Parameters
    ----------
    d_prime : float
        The detectability index :math:`d'`.
    thresholds : ndarray, any shape
        Thresholds :math:`\gamma` on the standardized statistic; ``±inf`` allowed.

    Returns
    -------
    false_alarm, detection : ndarray, same shape as ``thresholds``
    """
    d_prime = check_scalar(d_prime, "d_prime", min_val=-np.inf, max_val=np.inf,
                           include_boundaries="neither")
    thresholds = as_float_array(thresholds, "thresholds")
    if np.any(np.isnan(thresholds)):
        raise ValueError("thresholds contains NaN")
    return ndtr(-thresholds), ndtr(d_prime - thresholds)


def gaussian_auc(d_prime):
    r"""Area under :func:`gaussian_roc`: :math:`\mathrm{AUC} = \Phi(d'/\sqrt2)`.

    It is :math:`P(z_1 > z_0)` for independent :math:`z_1 \sim \mathcal N(d', 1)` and
    :math:`z_0 \sim \mathcal N(0, 1)`, because :math:`z_1 - z_0 \sim \mathcal N(d', 2)`.
    """
    d_prime = check_scalar(d_prime, "d_prime", min_val=-np.inf, max_val=np.inf,
                           include_boundaries="neither")
    return float(ndtr(d_prime / np.sqrt(2.0)))
