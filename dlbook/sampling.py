r"""Drawing tokens from a language model's logits: temperature, top-k and nucleus (top-p).

Given logits :math:`z \in \mathbb{R}^V` over a vocabulary of V tokens, sampling with temperature
T draws token i with probability

.. math:: p_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}} ,

so T < 1 sharpens the distribution towards the most likely token (T → 0 is greedy argmax
decoding) and T > 1 flattens it. Two filters then keep only plausible tokens and renormalize:

* **top-k** keeps the k largest logits (Fan et al., 2018);
* **top-p** (nucleus sampling, Holtzman et al., 2020) keeps the smallest set of most likely
  tokens whose total probability reaches p.

They are applied in that order, as in Hugging Face ``transformers``: temperature, then top-k,
then top-p on the distribution that top-k left. Every function works on a batch: logits of
shape (..., V) give one token per leading index, all drawn at once.
"""

import numpy as np

from ._validation import as_float_array, check_positive_int, check_scalar
from .random import as_generator

__all__ = ["filter_logits", "sampling_distribution", "sample_logits"]


def _check_logits(logits):
    z = as_float_array(logits, "logits")
    if z.ndim < 1 or z.shape[-1] == 0:
        raise ValueError(f"logits must have shape (..., V) with V >= 1 tokens, got shape "
                         f"{z.shape}")
    if np.isnan(z).any() or (z == np.inf).any():
        raise ValueError("logits must not contain NaN or +inf (-inf is allowed and marks a "
                         "token that can never be drawn)")
    if z.size and (z == -np.inf).all(axis=-1).any():
        raise ValueError("logits: every row needs at least one finite logit, got a row that "
                         "is all -inf")
    return z


def _check_filters(top_k, top_p):
    """``top_k``, a positive int, and ``top_p``, a real number in (0, 1]; either may be None."""
    if top_k is not None:
        check_positive_int(top_k, "top_k")
    if top_p is not None:
        check_scalar(top_p, "top_p", min_val=0, max_val=1, include_boundaries="right")


def _softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def filter_logits(logits, top_k=None, top_p=None):
    r"""Set to :math:`-\infty` every logit that top-k or top-p filtering removes.

    Parameters
    ----------
    logits : ndarray, shape (..., V)
        ``-inf`` entries are allowed (tokens already ruled out).
    top_k : int, optional
        Keep the ``top_k`` largest logits of each row. Logits tied with the k-th largest are
        all kept (no token is preferred for its index), so a row may keep more than k; a
        ``top_k`` of V or more keeps everything.
    top_p : float in (0, 1], optional
        Keep, in order of decreasing probability, the tokens up to and including the first one
        at which the cumulative probability reaches ``top_p`` (always at least the most
        likely token). Computed on the distribution left by top-k.

    Returns
    -------
    ndarray, shape (..., V), a new array
    """
    z = _check_logits(logits).copy()
    _check_filters(top_k, top_p)
    V = z.shape[-1]
    if top_k is not None and top_k < V:
        kth = -np.partition(-z, top_k - 1, axis=-1)[..., top_k - 1:top_k]   # k-th largest
        z[z < kth] = -np.inf
    if top_p is not None and top_p < 1.0:
        p = _softmax(z)
        order = np.argsort(-p, axis=-1, kind="stable")
        sorted_p = np.take_along_axis(p, order, axis=-1)
        mass_before = np.cumsum(sorted_p, axis=-1) - sorted_p   # probability of likelier tokens
        keep_sorted = mass_before < top_p
        keep_sorted[..., 0] = True
        keep = np.empty_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=-1)
        z[~keep] = -np.inf
    return z


def sampling_distribution(logits, temperature=1.0, top_k=None, top_p=None):
    r"""The probabilities :func:`sample_logits` draws from: ``softmax(filter(logits / T))``.

    Parameters
    ----------
    logits : ndarray, shape (..., V)
    temperature : float >= 0, default 1.0
        0 gives the one-hot distribution on the argmax (the first one on ties).
    top_k, top_p
        As in :func:`filter_logits`.

    Returns
    -------
    ndarray, shape (..., V); each row sums to one.
    """
    z = _check_logits(logits)
    temperature = check_scalar(temperature, "temperature", min_val=0, max_val=np.inf,
                               include_boundaries="left")
    _check_filters(top_k, top_p)
    if temperature == 0.0:
        onehot = np.zeros_like(z)
        np.put_along_axis(onehot, np.argmax(z, axis=-1)[..., None], 1.0, axis=-1)
        return onehot
    with np.errstate(over="ignore"):       # a tiny T sends unlikely tokens to -inf, harmlessly
        scaled = (z - np.max(z, axis=-1, keepdims=True)) / temperature
    return _softmax(filter_logits(scaled, top_k, top_p))


def sample_logits(logits, temperature=1.0, top_k=None, top_p=None, *, generator=None):
    r"""Draw one token index per row of ``logits``, with temperature, top-k and top-p.

    Parameters
    ----------
    logits : ndarray, shape (..., V)
        Unnormalized log-probabilities, e.g. a language model's last-position output
        (N, V). ``-inf`` marks a token that must not be drawn.
    temperature : float >= 0, default 1.0
        Divides the logits. ``temperature=0`` is greedy decoding: the argmax (the first index
        on ties), with no random draw.
    top_k : int, optional
        Sample only among the ``top_k`` most likely tokens (see :func:`filter_logits`).
    top_p : float in (0, 1], optional
        Nucleus sampling: only among the most likely tokens covering probability ``top_p``.
    generator : numpy.random.Generator, int or None
        Source of randomness; an int seed makes the draw reproducible, None uses
        :func:`dlbook.random.default_generator`.

    Returns
    -------
    ndarray of int64, shape (...)
        The drawn token indices (a NumPy int64 scalar for 1-d ``logits``).

    Notes
    -----
    One uniform number u per row picks the first token whose cumulative probability reaches
    u (inverse-CDF sampling), so a batch costs one vectorized draw and a token of probability
    zero is never returned.
    """
    probs = sampling_distribution(logits, temperature, top_k, top_p)
    if temperature == 0.0:
        return np.argmax(probs, axis=-1).astype(np.int64)
    rng = as_generator(generator)
    cdf = np.cumsum(probs, axis=-1)
    u = (1.0 - rng.random(probs.shape[:-1]))[..., None] * cdf[..., -1:]   # in (0, total]
    return np.sum(cdf < u, axis=-1).astype(np.int64)
