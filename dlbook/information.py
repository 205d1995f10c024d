r"""Information measures of discrete distributions: surprisal, entropy, cross-entropy, KL.

A discrete distribution over :math:`V` values is a vector :math:`p \in [0, 1]^V` with
:math:`\sum_i p_i = 1`. Every function here takes distributions along the **last** axis, so an
array of shape (V,) is one distribution and an array of shape (N, V) is a batch of N of them,
one per row (any number of leading axes is allowed); the result has the leading shape, (N,) for
a batch and a 0-d float for a single distribution. Two arguments ``p`` and ``q`` are broadcast
against each other along the leading axes, so one target can be compared with N models.

* :func:`surprisal`: :math:`I(p) = -\log p`, elementwise, with :math:`I(0) = \infty`;
* :func:`entropy`: :math:`H(p) = -\sum_i p_i \log p_i`;
* :func:`cross_entropy`: :math:`H(p, q) = -\sum_i p_i \log q_i`;
* :func:`kl_divergence`: :math:`\mathrm{KL}(p\,\|\,q) = \sum_i p_i \log(p_i/q_i)`;
* :func:`binary_entropy`: :math:`h(p) = -p\log p - (1-p)\log(1-p)`, elementwise;
* :func:`empirical_distribution`: the relative frequencies of integer samples.

Terms with :math:`p_i = 0` contribute nothing, whatever :math:`q_i` is (the limit
:math:`p \log p \to 0`); a term with :math:`p_i > 0` and :math:`q_i = 0` makes the cross-entropy
and the divergence :math:`+\infty`. The identity :math:`H(p, q) = H(p) + \mathrm{KL}(p\,\|\,q)`
holds for every pair, and :math:`\mathrm{KL}(p\,\|\,q) \ge 0` (Gibbs' inequality).

``base`` selects the unit: 2 gives bits (the default throughout this module, as in the lecture
notes), ``numpy.e`` gives nats, the unit of the training losses
(:func:`dlbook.functional.cross_entropy` is :func:`cross_entropy` of the one-hot target and
the softmax of the logits, with ``base=numpy.e``).

SciPy's ``scipy.stats.entropy(p, base=b, axis=-1)`` computes :func:`entropy` and, given a second
argument, ``entropy(p, q)`` computes :func:`kl_divergence`; PyTorch's
``kl_div(log q, p, reduction='none').sum(-1)`` and ``cross_entropy(logits, p)`` with probability
targets are the nats versions of :func:`kl_divergence` and :func:`cross_entropy`.
"""
import numpy as np

from ._validation import (as_float_array, check_array_range, check_index_array,
                          check_positive_int, check_scalar, sum_tolerance)

__all__ = ["surprisal", "entropy", "cross_entropy", "kl_divergence", "binary_entropy",
           "empirical_distribution"]

#: Largest allowed deviation of a float64 distribution's sum from one. Inputs stored in a lower
#: precision (float32, float16) get the wider, dtype-aware
#: :func:`dlbook._validation.sum_tolerance` of their dtype, since a correctly normalized float32
#: vector can sum to 1 only within about 1e-7.
SUM_TOLERANCE = 1e-8


# --------------------------------------------------------------------------- validation
def _log_base(base):
    """``log(base)``, the divisor that turns natural logarithms into logarithms to ``base``."""
    value = check_scalar(base, "base", min_val=0, max_val=np.inf, include_boundaries="neither")
    if value == 1:
        raise ValueError(f"base must be a positive real number other than 1, got {base!r}")
    return float(np.log(value))


def _as_distribution(p, name):
    """``p`` as a float64 array of distributions along its last axis, or raise ``ValueError``."""
    stored = p.dtype if isinstance(p, np.ndarray) else np.dtype(np.float64)
    p = as_float_array(p, name)
    if p.ndim == 0:
        raise ValueError(f"{name} must have shape (V,) or (N, V), one distribution per row, "
                         f"got a scalar of shape ()")
    if p.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one value along its last axis, "
                         f"got shape {p.shape}")
    check_array_range(p, name, 0, 1, what="probabilities")
    sums = p.sum(axis=-1)
    tolerance = max(SUM_TOLERANCE, sum_tolerance(stored, p.shape[-1]))
    bad = np.abs(sums - 1.0) > tolerance
    if np.any(bad):
        where = "" if p.ndim == 1 else f" (row {int(np.flatnonzero(bad.ravel())[0])})"
        first = float(sums.ravel()[np.flatnonzero(bad.ravel())[0]])
        raise ValueError(f"{name} must sum to 1 along its last axis (within {tolerance:g}), "
                         f"got a sum of {first:.10g}{where}")
    return p


def _pair(p, q):
    """Validate two distributions and broadcast them against each other."""
    p = _as_distribution(p, "p")
    q = _as_distribution(q, "q")
    if p.shape[-1] != q.shape[-1]:
        raise ValueError(f"p and q must be distributions over the same V values, got shapes "
                         f"{p.shape} and {q.shape}")
    try:
        shape = np.broadcast_shapes(p.shape, q.shape)
    except ValueError:
        raise ValueError(f"p and q must have broadcastable shapes, got {p.shape} and "
                         f"{q.shape}") from None
    return np.broadcast_to(p, shape), np.broadcast_to(q, shape)


def _result(x):
    """A 0-d result as a NumPy float, anything else as an array."""
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


# --------------------------------------------------------------------------- measures
def surprisal(p, base=2):
    r"""Information content :math:`I(p) = \log_b(1/p) = -\log_b p` of an event of probability p.

    Elementwise; ``surprisal(0)`` is :math:`+\infty` (an impossible event would be infinitely
    surprising) and ``surprisal(1)`` is 0.

    Parameters
    ----------
    p : float or ndarray, any shape, values in [0, 1]
    base : float, default 2
        Logarithm base: 2 for bits, ``numpy.e`` for nats.

    Returns
    -------
    float or ndarray, same shape as ``p``
    """
    log_b = _log_base(base)
    p = as_float_array(p, "p")
    check_array_range(p, "p", 0, 1, what="probabilities")
    with np.errstate(divide="ignore"):
        return _result(-np.log(p) / log_b)


def entropy(p, base=2):
    r"""Shannon entropy :math:`H(p) = -\sum_{i=1}^V p_i \log_b p_i` of each distribution.

    The sum runs over the last axis; terms with :math:`p_i = 0` are zero (:math:`0\log 0 = 0`),
    so :math:`0 \le H(p) \le \log_b V`.

    Parameters
    ----------
    p : ndarray, shape (V,) or (N, V)
        Distributions along the last axis: entries in [0, 1], each row summing to 1.
    base : float, default 2
        Logarithm base: 2 for bits, ``numpy.e`` for nats.

    Returns
    -------
    float or ndarray, shape () or (N,)

    Raises
    ------
    ValueError
        If an entry lies outside [0, 1] or a row does not sum to 1 within ``SUM_TOLERANCE``.
    """
    log_b = _log_base(base)
    p = _as_distribution(p, "p")
    positive = p > 0
    terms = np.where(positive, p * np.log(np.where(positive, p, 1.0)), 0.0)
    # + 0.0 turns the -0.0 of a certain outcome into 0.0
    return _result(-terms.sum(axis=-1) / log_b + 0.0)


def cross_entropy(p, q, base=2):
    r"""Cross-entropy :math:`H(p, q) = -\sum_{i=1}^V p_i \log_b q_i` of ``q`` relative to ``p``.

    The expected surprisal of outcomes drawn from ``p`` measured with the probabilities ``q``.
    Terms with :math:`p_i = 0` are zero; a term with :math:`p_i > 0`, :math:`q_i = 0` makes the
    result :math:`+\infty`. Equal to ``entropy(p) + kl_divergence(p, q)``.

    Not to be confused with the training loss :func:`dlbook.functional.cross_entropy`, which takes
    logits and integer class labels: that loss is this function applied to the one-hot target
    and ``softmax(logits)`` with ``base=numpy.e``, averaged over the batch.

    Parameters
    ----------
    p : ndarray, shape (V,) or (N, V)
        The reference distributions (e.g. the targets).
    q : ndarray, shape (V,) or (N, V)
        The model distributions; broadcast against ``p`` along the leading axes.
    base : float, default 2
        Logarithm base: 2 for bits, ``numpy.e`` for nats.

    Returns
    -------
    float or ndarray, shape () or (N,)
    """
    log_b = _log_base(base)
    p, q = _pair(p, q)
    positive = p > 0
    with np.errstate(divide="ignore"):
        terms = np.where(positive, -p * np.log(np.where(positive, q, 1.0)), 0.0)
    return _result(terms.sum(axis=-1) / log_b + 0.0)


def kl_divergence(p, q, base=2):
    r"""Kullback–Leibler divergence :math:`\mathrm{KL}(p\,\|\,q) = \sum_i p_i \log_b(p_i/q_i)`.

    Non-negative, zero exactly when ``p == q``, and not symmetric in its arguments. Terms with
    :math:`p_i = 0` are zero; a term with :math:`p_i > 0`, :math:`q_i = 0` makes the result
    :math:`+\infty`. Evaluated term by term as :math:`p_i(\log p_i - \log q_i)`, so
    ``kl_divergence(p, p)`` is exactly 0, while for ``q`` very close to but not equal to ``p``
    the result may be a rounding error below zero (of the order of 1e-16).

    Parameters
    ----------
    p : ndarray, shape (V,) or (N, V)
    q : ndarray, shape (V,) or (N, V)
        Broadcast against ``p`` along the leading axes.
    base : float, default 2
        Logarithm base: 2 for bits, ``numpy.e`` for nats.

    Returns
    -------
    float or ndarray, shape () or (N,)
    """
    log_b = _log_base(base)
    p, q = _pair(p, q)
    positive = p > 0
    with np.errstate(divide="ignore"):
        # log p - log q rather than log(p / q): the ratio overflows for a subnormal q
        log_ratio = np.log(np.where(positive, p, 1.0)) - np.log(np.where(positive, q, 1.0))
        terms = np.where(positive, p * log_ratio, 0.0)
    return _result(terms.sum(axis=-1) / log_b + 0.0)


def binary_entropy(p, base=2):
    r"""Entropy :math:`h(p) = -p\log_b p - (1-p)\log_b(1-p)` of a Bernoulli(p) variable.

    Elementwise: each entry of ``p`` is the probability of one of the two outcomes (not a
    distribution along an axis). ``binary_entropy(p)`` equals ``entropy([p, 1 - p])``.

    Parameters
    ----------
    p : float or ndarray, any shape, values in [0, 1]
    base : float, default 2

    Returns
    -------
    float or ndarray, same shape as ``p``
    """
    log_b = _log_base(base)
    p = as_float_array(p, "p")
    check_array_range(p, "p", 0, 1, what="probabilities")
    both = np.stack([p, 1.0 - p], axis=-1)
    positive = both > 0
    terms = np.where(positive, both * np.log(np.where(positive, both, 1.0)), 0.0)
    return _result(-terms.sum(axis=-1) / log_b + 0.0)


def empirical_distribution(samples, n_values):
    r"""Relative frequencies :math:`\hat p_v = \frac1M \#\{m : x_m = v\}` of the values 0 … V-1.

    Parameters
    ----------
    samples : ndarray of int, shape (M,) or (N, M)
        M observations, each an integer in ``[0, n_values)``; with two axes, each of the N rows
        is a separate sample and gets its own distribution.
    n_values : int
        The number V of possible values.

    Returns
    -------
    ndarray, shape (V,) or (N, V)
        Each row sums to one.
    """
    n_values = check_positive_int(n_values, "n_values")
    x = check_index_array(samples, "samples", n_values, ndim=(1, 2), layout="(M,) or (N, M)",
                          what="values")
    if x.shape[-1] == 0:
        raise ValueError(f"samples must contain at least one observation per row, "
                         f"got shape {x.shape}")
    rows = x.reshape(-1, x.shape[-1])
    offsets = np.arange(rows.shape[0])[:, None] * n_values
    counts = np.bincount((rows + offsets).ravel(), minlength=rows.shape[0] * n_values)
    freq = counts.reshape(rows.shape[0], n_values) / rows.shape[1]
    return freq[0] if x.ndim == 1 else freq
