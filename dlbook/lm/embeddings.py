r"""Neural language models and word embeddings: the feedforward NNLM, skip-gram, PMI and SVD.

* :class:`FeedforwardLM` — Bengio et al.'s neural probabilistic language model as a
  :class:`dlbook.nn.Module`: look up the ``n - 1`` previous words in an :class:`~dlbook.nn.Embedding`,
  concatenate, a ``tanh`` hidden layer, logits over the vocabulary (optionally plus the direct
  connections from the embeddings to the logits);
* :func:`nll_sum` — the summed negative log-likelihood of targets under such a model, in nats
  (feed it to :func:`dlbook.lm.neural.perplexity`);
* skip-gram with negative sampling (Mikolov et al.): :func:`skipgram_pairs` (every
  (center, context) pair within a window, inside sentences), :func:`noise_distribution` (the
  unigram distribution raised to 0.75), :func:`sgns_loss` (the loss and its gradients with
  respect to the three kinds of vectors), :class:`SkipGramNS` (plain SGD with sparse updates,
  as word2vec trains);
* the count side of the same idea (Levy and Goldberg): :func:`cooccurrence_matrix`,
  :func:`pmi_matrix`, :func:`ppmi_matrix` (positive, optionally shifted by ``log k``) and
  :func:`svd_embeddings` (a truncated SVD of it);
* :func:`cosine_neighbours` — nearest neighbors of words by cosine similarity.

Everything is vectorized over the batch; ids are int arrays from :class:`dlbook.lm.neural.TokenIndex`.
"""

import numpy as np
import scipy.sparse as sps
from scipy.sparse.linalg import svds

from .. import functional as F
from .._validation import check_index_array, check_positive_int, check_scalar
from ..autograd import no_grad
from ..nn import Embedding, Linear, Module, Tanh
from ..random import as_generator

__all__ = ["FeedforwardLM", "nll_sum", "skipgram_pairs", "noise_distribution", "sgns_loss",
           "SkipGramNS", "cooccurrence_matrix", "pmi_matrix", "ppmi_matrix", "svd_embeddings",
           "cosine_neighbours"]


def _int_array(x, name, ndim=None, high=None):
    """Token ids as int64: an integer array in ``[0, high)`` with ``ndim`` dimensions."""
    return check_index_array(x, name, high, ndim=ndim, what="ids").astype(np.int64, copy=False)


class FeedforwardLM(Module):
    r"""The feedforward neural language model of Bengio et al. (2003).

    For a context of ``n - 1`` word ids :math:`w_{t-n+1}, \dots, w_{t-1}`,

    .. math::
        x = [C_{w_{t-n+1}}; \dots; C_{w_{t-1}}], \qquad
        h = \tanh(H x + d), \qquad
        z = U h + b \;(+\, W x),

    and :math:`P(w_t = i \mid \text{context}) = \mathrm{softmax}(z)_i`. The model returns the
    logits :math:`z`; train it with :class:`dlbook.nn.CrossEntropyLoss`.

    Parameters
    ----------
    vocab_size : int
        V, the number of words (rows of the embedding table and logits).
    context_size : int
        ``n - 1``, the number of previous words read.
    embedding_dim : int
        E, the size of a word vector.
    hidden_size : int
        The width of the ``tanh`` layer.
    direct : bool, default False
        Add the direct connections :math:`W x` from the embeddings to the logits.
    generator : numpy.random.Generator, int or None, keyword only
        Initialization: the embedding table from :math:`\mathcal N(0, \text{init\_scale}^2)`,
        the linear layers with PyTorch's default.
    init_scale : float, default 0.1, keyword only
        Standard deviation of the initial word vectors.

    Attributes
    ----------
    embedding : Embedding (V, E)
    hidden : Linear (context_size * E -> hidden_size)
    output : Linear (hidden_size -> V)
    direct : Linear (context_size * E -> V, no bias) or None

    Calling the model with an int array of shape (N, context_size) returns logits (N, V);
    ``backward(grad_logits)`` accumulates every parameter's gradient and returns None.
    """

    def __init__(self, vocab_size, context_size, embedding_dim, hidden_size, direct=False, *,
                 generator=None, init_scale=0.1):
        super().__init__()
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.context_size = check_positive_int(context_size, "context_size")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        init_scale = check_scalar(init_scale, "init_scale", min_val=0,
                                  include_boundaries="neither")
        rng = as_generator(generator)
        width = self.context_size * self.embedding_dim
        self.embedding = Embedding(self.vocab_size, self.embedding_dim, generator=rng)
        self.embedding.weight.data *= float(init_scale)
        self.hidden = Linear(width, self.hidden_size, generator=rng)
        self.activation = Tanh()
        self.output = Linear(self.hidden_size, self.vocab_size, generator=rng)
        self.direct = Linear(width, self.vocab_size, bias=False, generator=rng) if direct else None

    def forward(self, input):
        ids = _int_array(input, "input", ndim=2, high=self.vocab_size)
        if ids.shape[1] != self.context_size:
            raise ValueError(f"expected contexts of shape (N, {self.context_size}), got "
                             f"shape {ids.shape}")
        x = self.embedding(ids).reshape(len(ids), -1)            # (N, (n-1) E): concatenation
        logits = self.output(self.activation(self.hidden(x)))    # (N, V)
        if self.direct is not None:
            logits = logits + self.direct(x)
        return logits

    def backward(self, grad_output):
        dx = self.hidden.backward(self.activation.backward(self.output.backward(grad_output)))
        if self.direct is not None:
            dx = dx + self.direct.backward(grad_output)          # two paths into x add up
        self.embedding.backward(dx.reshape(len(dx), self.context_size, self.embedding_dim))
        return None

    def extra_repr(self):
        return (f"vocab_size={self.vocab_size}, context_size={self.context_size}, "
                f"embedding_dim={self.embedding_dim}, hidden_size={self.hidden_size}, "
                f"direct={self.direct is not None}")


def nll_sum(model, contexts, targets, *, batch_size=4096):
    r"""``-sum(log P(target | context))`` in nats, evaluated in batches under ``no_grad``.

    Parameters
    ----------
    model : Module
        Maps contexts (B, ...) to logits (B, V).
    contexts : ndarray of int, shape (N, ...)
    targets : ndarray of int, shape (N,)
    batch_size : int, default 4096

    Returns
    -------
    float
        The sum over the N predictions (not the mean).
    """
    targets = _int_array(targets, "targets", ndim=1)
    if len(contexts) != len(targets):
        raise ValueError(f"contexts and targets must have the same length, got {len(contexts)} "
                         f"and {len(targets)}")
    batch_size = check_positive_int(batch_size, "batch_size")
    total = 0.0
    with no_grad():
        for start in range(0, len(targets), batch_size):
            logp = F.log_softmax(model(contexts[start:start + batch_size]), dim=-1)
            rows = np.arange(len(logp))
            total -= float(logp[rows, targets[start:start + batch_size]].sum())
    return total


def skipgram_pairs(sentences, window):
    r"""Every (center, context) pair of ids at distance ``1 .. window`` inside a sentence.

    A word at position :math:`t` is paired with the words at :math:`t \pm 1, \dots, t \pm
    \text{window}` of the same sentence, in both directions, so a pair at distance d appears
    once as (a, b) and once as (b, a).

    Parameters
    ----------
    sentences : sequence of 1-D int arrays
        The id sequences (e.g. ``[index.encode(s) for s in corpus.train]``).
    window : int

    Returns
    -------
    centers, contexts : ndarray of int64, shape (P,)
        Ordered by distance, then by position.
    """
    window = check_positive_int(window, "window")
    if isinstance(sentences, np.ndarray) and sentences.ndim == 1 and sentences.dtype != object:
        sentences = [sentences]
    sentences = [_int_array(s, "each sentence", ndim=1) for s in sentences]
    if not sentences:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    stream = np.concatenate(sentences)
    owner = np.repeat(np.arange(len(sentences)), [len(s) for s in sentences])
    centers, contexts = [], []
    for d in range(1, window + 1):
        same = owner[:-d] == owner[d:] if len(stream) > d else np.zeros(0, bool)
        left, right = stream[:-d][same], stream[d:][same]
        centers += [left, right]
        contexts += [right, left]
    return np.concatenate(centers), np.concatenate(contexts)


def noise_distribution(counts, power=0.75):
    r"""The negative-sampling distribution :math:`P_n(w) \propto c(w)^{\text{power}}`.

    Parameters
    ----------
    counts : array_like, shape (V,)
        Non-negative word counts.
    power : float, default 0.75
        word2vec's exponent: 1 is the unigram distribution, 0 the uniform one.

    Returns
    -------
    ndarray, shape (V,)
        Probabilities summing to one (words with count 0 get probability 0 for power > 0).
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or (counts < 0).any() or not counts.sum() > 0:
        raise ValueError("counts must be a non-empty 1-D array of non-negative numbers with a "
                         "positive sum")
    power = check_scalar(power, "power", min_val=0)
    weights = np.where(counts > 0, counts, 0.0) ** power if power > 0 else np.ones_like(counts)
    return weights / weights.sum()


def sgns_loss(center, context, negatives):
    r"""Skip-gram negative-sampling loss of a batch, and its gradients.

    For one pair with center vector :math:`v`, true context vector :math:`u_o` and K noise
    context vectors :math:`u_1, \dots, u_K`,

    .. math::
        \ell = -\log\sigma(u_o^\top v) - \sum_{k=1}^K \log\sigma(-u_k^\top v),

    with gradients :math:`\partial\ell/\partial v = (\sigma(u_o^\top v) - 1)\,u_o +
    \sum_k \sigma(u_k^\top v)\,u_k`, :math:`\partial\ell/\partial u_o = (\sigma(u_o^\top v) - 1)\,v`
    and :math:`\partial\ell/\partial u_k = \sigma(u_k^\top v)\,v`. The loss is **summed** over
    the batch.

    Parameters
    ----------
    center : ndarray, shape (B, D)
    context : ndarray, shape (B, D)
    negatives : ndarray, shape (B, K, D)

    Returns
    -------
    loss : float
    grads : tuple (dcenter (B, D), dcontext (B, D), dnegatives (B, K, D))
    """
    center = np.asarray(center, dtype=np.float64)
    context = np.asarray(context, dtype=np.float64)
    negatives = np.asarray(negatives, dtype=np.float64)
    if center.ndim != 2 or context.shape != center.shape:
        raise ValueError(f"center and context must have the same shape (B, D), got "
                         f"{center.shape} and {context.shape}")
    if negatives.ndim != 3 or negatives.shape[0] != center.shape[0] \
            or negatives.shape[2] != center.shape[1]:
        raise ValueError(f"negatives must have shape (B, K, D) = ({center.shape[0]}, K, "
                         f"{center.shape[1]}), got {negatives.shape}")
    pos = (context * center).sum(axis=1)                         # u_o . v, shape (B,)
    neg = (negatives @ center[:, :, None])[:, :, 0]              # u_k . v, shape (B, K)
    # -log sigma(x) = softplus(-x), computed without overflow
    loss = float(np.logaddexp(0.0, -pos).sum() + np.logaddexp(0.0, neg).sum())
    g_pos = F.sigmoid(pos) - 1.0                                 # d loss / d (u_o . v)
    g_neg = F.sigmoid(neg)                                       # d loss / d (u_k . v)
    dcenter = g_pos[:, None] * context + (g_neg[:, None, :] @ negatives)[:, 0, :]
    dcontext = g_pos[:, None] * center
    dnegatives = g_neg[:, :, None] * center[:, None, :]
    return loss, (dcenter, dcontext, dnegatives)


def _scatter_rows(ids, rows, n_rows):
    """``out[i] = sum of rows[j] with ids[j] == i``, shape (n_rows, D): ``np.add.at`` as a
    sparse one-hot product, which is much faster."""
    onehot = sps.csr_matrix((np.ones(len(ids)), (ids, np.arange(len(ids)))),
                            shape=(n_rows, len(ids)))
    return onehot @ rows


class SkipGramNS:
    r"""Skip-gram word vectors trained with negative sampling, by SGD with sparse updates.

    Each (center, context) pair is a positive example; for each, ``negative`` noise words are
    drawn from :func:`noise_distribution`. The loss :func:`sgns_loss` is minimized by plain SGD
    on minibatches, with the learning rate decayed linearly to ``1e-4 * lr`` as in word2vec;
    only the rows that occur in a batch change. The gradients of a batch are **summed**, so an
    id that occurs m times in a batch moves m times as far as it would for one pair: with a
    small vocabulary (every id in every batch) a large ``batch_size`` needs a smaller ``lr``.

    Parameters
    ----------
    vocab_size : int
    embedding_dim : int
    negative : int, default 5
        K, noise words per positive pair.
    power : float, default 0.75
        Exponent of the noise distribution.
    generator : numpy.random.Generator, int or None, keyword only

    Attributes
    ----------
    in_vectors_ : ndarray (V, D)
        The center ("input") vectors :math:`v_w`, the usual word embeddings; word2vec's
        initialization :math:`U(-0.5/D, 0.5/D)`.
    out_vectors_ : ndarray (V, D)
        The context ("output") vectors :math:`u_c`, initialized to zero.
    noise_ : ndarray (V,)
        The noise distribution used.
    loss_history_ : list of float
        Mean loss per pair, one entry per epoch.
    """

    def __init__(self, vocab_size, embedding_dim, *, negative=5, power=0.75, generator=None):
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.negative = check_positive_int(negative, "negative")
        self.power = power
        self._rng = as_generator(generator)
        D = self.embedding_dim
        self.in_vectors_ = self._rng.uniform(-0.5 / D, 0.5 / D, (self.vocab_size, D))
        self.out_vectors_ = np.zeros((self.vocab_size, D))
        self.loss_history_ = []

    def fit(self, centers, contexts, counts, *, epochs=5, lr=0.025, batch_size=256):
        """Train on the pairs; ``counts`` (V,) gives the noise distribution. Returns self."""
        V = self.vocab_size
        centers = _int_array(centers, "centers", ndim=1, high=V)
        contexts = _int_array(contexts, "contexts", ndim=1, high=V)
        if len(centers) != len(contexts) or not len(centers):
            raise ValueError(f"centers and contexts must be non-empty and of equal length, got "
                             f"{len(centers)} and {len(contexts)}")
        counts = np.asarray(counts)
        if counts.shape != (V,):
            raise ValueError(f"counts must have shape ({V},), got {counts.shape}")
        epochs = check_positive_int(epochs, "epochs")
        batch_size = check_positive_int(batch_size, "batch_size")
        lr = check_scalar(lr, "lr", min_val=0, include_boundaries="neither")
        self.noise_ = noise_distribution(counts, self.power)
        cdf = np.cumsum(self.noise_)
        cdf[-1] = 1.0
        P, K = len(centers), self.negative
        n_steps, step = epochs * -(-P // batch_size), 0
        for _ in range(epochs):
            order = self._rng.permutation(P)
            total = 0.0
            for start in range(0, P, batch_size):
                rate = lr * max(1e-4, 1.0 - step / n_steps)
                step += 1
                batch = order[start:start + batch_size]
                c, o = centers[batch], contexts[batch]
                noise = np.searchsorted(cdf, self._rng.random((len(batch), K)), side="right")
                loss, (dc, do, dn) = sgns_loss(self.in_vectors_[c], self.out_vectors_[o],
                                               self.out_vectors_[noise])
                total += loss
                self.in_vectors_ -= rate * _scatter_rows(c, dc, V)
                self.out_vectors_ -= rate * _scatter_rows(np.concatenate([o, noise.ravel()]),
                                                          np.concatenate([do, dn.reshape(-1, do.shape[1])]), V)
            self.loss_history_.append(total / P)
        return self


def cooccurrence_matrix(centers, contexts, vocab_size):
    """Dense (V, V) counts: entry (w, c) is how often the pair (w, c) occurs."""
    V = check_positive_int(vocab_size, "vocab_size")
    centers = _int_array(centers, "centers", ndim=1, high=V)
    contexts = _int_array(contexts, "contexts", ndim=1, high=V)
    if len(centers) != len(contexts):
        raise ValueError(f"centers and contexts must have equal length, got {len(centers)} and "
                         f"{len(contexts)}")
    return np.bincount(centers * V + contexts, minlength=V * V).reshape(V, V).astype(np.float64)


def pmi_matrix(counts, *, context_power=1.0):
    r"""Pointwise mutual information :math:`\log \frac{\#(w,c)\,|D|}{\#(w)\,\#(c)}` of a count matrix.

    Parameters
    ----------
    counts : ndarray, shape (V, V)
        Pair counts (rows: words, columns: contexts).
    context_power : float, default 1.0
        Use the context distribution :math:`P(c) \propto \#(c)^{\text{power}}` (0.75 matches
        the noise distribution of negative sampling).

    Returns
    -------
    ndarray, shape (V, V)
        PMI, ``-inf`` where a count is zero (and ``nan`` for rows or columns that are all zero).
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or (counts < 0).any():
        raise ValueError(f"counts must be a 2-D array of non-negative numbers, got shape "
                         f"{counts.shape}")
    total = counts.sum()
    p_w = counts.sum(axis=1) / total
    p_c = noise_distribution(counts.sum(axis=0), context_power)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(counts / total) - np.log(p_w)[:, None] - np.log(p_c)[None, :]


def ppmi_matrix(counts, *, shift=1.0, context_power=1.0):
    r"""Shifted positive PMI :math:`\max(\mathrm{PMI}(w, c) - \log k, 0)`, with ``k = shift``."""
    shift = check_scalar(shift, "shift", min_val=0, include_boundaries="neither")
    pmi = pmi_matrix(counts, context_power=context_power) - np.log(shift)
    return np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0.0)


def svd_embeddings(matrix, dim, *, eigenvalue_weight=0.5):
    r"""Word vectors :math:`U_d \Sigma_d^{p}` from a truncated SVD :math:`M \approx U_d \Sigma_d V_d^\top`.

    ``eigenvalue_weight`` p = 0.5 splits the singular values evenly between words and contexts
    (Levy and Goldberg's symmetric choice); p = 1 gives the rows of the rank-d approximation's
    left factor :math:`U_d\Sigma_d`. Computed with ARPACK (``scipy.sparse.linalg.svds``) on
    the matrix as a sparse matrix, ``dim < min(matrix.shape)``. The sign of each singular vector is fixed so that its
    largest entry is positive, which makes the result deterministic.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {matrix.shape}")
    dim = check_positive_int(dim, "dim")
    if dim >= min(matrix.shape):
        raise ValueError(f"dim must be smaller than {min(matrix.shape)}, got {dim}")
    # ARPACK on the sparse matrix (PPMI matrices are mostly zeros), from a fixed start vector
    u, s, _ = svds(sps.csr_matrix(matrix), k=dim, v0=np.full(min(matrix.shape),
                                                              min(matrix.shape) ** -0.5))
    order = np.argsort(-s)
    u, s = u[:, order], s[order]
    signs = np.sign(u[np.argmax(np.abs(u), axis=0), np.arange(dim)])
    return u * signs * s ** float(eigenvalue_weight)


def cosine_neighbours(vectors, queries, k=5):
    """The ``k`` rows of ``vectors`` most cosine-similar to each query row (itself excluded).

    Parameters
    ----------
    vectors : ndarray, shape (V, D)
    queries : array_like of int, shape (Q,)
        Row indices.
    k : int, default 5

    Returns
    -------
    ids : ndarray of int64, shape (Q, k)
        Best first (ties by lower id).
    similarities : ndarray, shape (Q, k)
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must have shape (V, D), got {vectors.shape}")
    queries = _int_array(np.atleast_1d(queries), "queries", ndim=1, high=len(vectors))
    k = check_positive_int(k, "k")
    if k >= len(vectors):
        raise ValueError(f"k must be smaller than the number of vectors {len(vectors)}, got {k}")
    norms = np.linalg.norm(vectors, axis=1)
    unit = vectors / np.where(norms > 0, norms, 1.0)[:, None]
    sims = unit[queries] @ unit.T                                  # (Q, V)
    sims[np.arange(len(queries)), queries] = -np.inf
    ids = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return ids, np.take_along_axis(sims, ids, axis=1)
