r"""Recurrent (LSTM / GRU) word-level language models, trained by truncated BPTT.

The model reads a word id, updates a recurrent state and predicts the next word:

.. math::
    x_t = E[w_t], \qquad h_t = \mathrm{cell}(x_t, h_{t-1}), \qquad
    P(w_{t+1} \mid w_{\le t}) = \mathrm{softmax}(W h_t + b),

with :math:`E` a (V, D) embedding table, ``cell`` one step of :class:`dlbook.nn.LSTM` or
:class:`dlbook.nn.GRU`, and a (V, H) output layer. The state :math:`h_t` summarizes the whole
history, however long; there is no Markov cut-off.

The helpers here work on a *stream* of ids as produced by
:func:`dlbook.lm.neural.token_stream` (``</s> s_1 </s> s_2 </s> ...``, position 0 is context
only), so that every model of the language chapters is scored on the same predictions:

* :class:`RNNLanguageModel` — Embedding -> LSTM/GRU -> Linear, optional dropout and tied
  input/output embeddings;
* :func:`sum_nll` — the summed cross-entropy of logits and its gradient, without a one-hot matrix;
* :func:`train_epoch` — one pass of truncated backpropagation through time over a stream: the
  state is carried from one window to the next, its gradient is not (``detach``);
* :func:`token_nll` / :func:`stream_nll` — the negative log-likelihood of *every* prediction
  of a stream, read as one sequence in windows that carry the state (nothing is dropped);
* :func:`sentence_token_nll` — the same predictions with the state reset to zero at the start
  of every sentence;
* :func:`generate` — sentences drawn with :func:`dlbook.sampling.sample_logits`.
"""
import math

import numpy as np

from .. import nn
from .._validation import (check_bool, check_index_array, check_option, check_positive_int,
                           check_scalar)
from ..autograd import no_grad
from ..random import as_generator
from ..sampling import sample_logits
from .neural import TokenIndex, _check_sentences, stream_batches

__all__ = ["RNNLanguageModel", "sum_nll", "train_epoch", "token_nll", "stream_nll",
           "sentence_token_nll", "generate"]


class RNNLanguageModel(nn.Module):
    r"""Word-level recurrent language model: Embedding -> LSTM/GRU -> Linear, optional dropout.

    Parameters
    ----------
    vocab_size : int
        V, the number of token ids.
    embedding_dim : int
        D, the size of a word vector.
    hidden_size : int
        H, the size of the recurrent state.
    cell : {'LSTM', 'GRU'}, default 'LSTM'
    num_layers : int, default 1
    dropout : float in [0, 1), default 0
        Drop probability applied to the embeddings and to the recurrent layer's outputs
        (between stacked layers too), in training mode only (Zaremba et al., 2014).
    tie_weights : bool, default False
        Use the embedding table as the output layer's weight (Press & Wolf, 2017; Inan et al.,
        2017): one (V, D) matrix both reads and writes words. Needs ``embedding_dim ==
        hidden_size``. The shared parameter receives the sum of both gradients.
    init_range : float, optional
        Draw the embedding table from :math:`U(-r, r)` instead of the :math:`\mathcal N(0, 1)`
        of ``nn.Embedding``; a small ``r`` (e.g. 0.1) keeps the initial logits small when the
        table is also the output layer.
    generator : numpy.random.Generator, int or None, keyword only
        Initialization and dropout masks.

    Attributes
    ----------
    encoder : nn.Embedding, (V, D)
    rnn : nn.LSTM or nn.GRU
    decoder : nn.Linear, (H -> V); ``decoder.weight is encoder.weight`` when tied

    Calling ``model(input, state)`` with ``input`` of shape (T, N) (time first) returns the
    logits (T, N, V) and the final state, ``(h_n, c_n)`` for an LSTM and ``h_n`` for a GRU,
    each (num_layers, N, H). ``state=None`` starts from zeros. ``backward(grad_logits)``
    accumulates every parameter gradient and returns the gradient with respect to the initial
    state; truncated BPTT discards it, passing it on to the previous window backpropagates
    through both.
    """

    def __init__(self, vocab_size, embedding_dim, hidden_size, *, cell="LSTM", num_layers=1,
                 dropout=0.0, tie_weights=False, init_range=None, generator=None):
        super().__init__()
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.cell = check_option(cell, "cell", ("LSTM", "GRU"))
        self.dropout = check_scalar(dropout, "dropout", min_val=0, max_val=1,
                                    include_boundaries="left")   # 1 would erase every input
        tie_weights = check_bool(tie_weights, "tie_weights")
        if tie_weights and embedding_dim != hidden_size:
            raise ValueError(f"tie_weights needs embedding_dim == hidden_size, got "
                             f"{embedding_dim} and {hidden_size}")
        self.tie_weights = tie_weights
        rng = as_generator(generator)
        self.encoder = nn.Embedding(self.vocab_size, self.embedding_dim, generator=rng)
        if init_range is not None:
            init_range = check_scalar(init_range, "init_range", min_val=0,
                                      include_boundaries="neither")
            self.encoder.weight.data[...] = rng.uniform(-init_range, init_range,
                                                        self.encoder.weight.shape)
        self.drop_in = nn.Dropout(self.dropout, generator=rng)
        layer = nn.LSTM if cell == "LSTM" else nn.GRU
        self.rnn = layer(self.embedding_dim, self.hidden_size, self.num_layers,
                         dropout=self.dropout if self.num_layers > 1 else 0.0, generator=rng)
        self.drop_out = nn.Dropout(self.dropout, generator=rng)
        self.decoder = nn.Linear(self.hidden_size, self.vocab_size, generator=rng)
        if tie_weights:
            self.decoder.weight = self.encoder.weight

    def init_state(self, batch_size):
        """The zero state for ``batch_size`` parallel sequences."""
        N = check_positive_int(batch_size, "batch_size")
        h = np.zeros((self.num_layers, N, self.hidden_size))
        return (h, np.zeros_like(h)) if self.cell == "LSTM" else h

    def forward(self, input, state=None):
        ids = check_index_array(input, "input", self.vocab_size, ndim=2, layout="(T, N)",
                                what="ids")
        if state is None:
            state = self.init_state(ids.shape[1])
        x = self.drop_in(self.encoder(ids))                   # (T, N, D)
        out, new_state = self.rnn(x, state)                  # (T, N, H)
        return self.decoder(self.drop_out(out)), new_state   # (T, N, V)

    def backward(self, grad_logits, grad_state=None):
        """Backpropagate ``grad_logits`` (T, N, V) (and optionally the gradient of the final
        state); returns the gradient of the initial state, in the state's structure."""
        g = self.drop_out.backward(self.decoder.backward(grad_logits))
        if grad_state is None:
            dx, d_state = self.rnn.backward(g)
        elif self.cell == "LSTM":
            dx, d_state = self.rnn.backward(g, *grad_state)
        else:
            dx, d_state = self.rnn.backward(g, grad_state)
        self.encoder.backward(self.drop_in.backward(dx))
        return d_state

    def extra_repr(self):
        return (f"vocab_size={self.vocab_size}, cell={self.cell!r}, dropout={self.dropout}, "
                f"tie_weights={self.tie_weights}")


def sum_nll(logits, targets, *, return_grad=False):
    r"""Summed negative log-likelihood of the targets under ``softmax(logits)``, in nats.

    .. math::
        L = \sum_{m} \Big( \log \sum_{v} e^{z_{mv}} - z_{m, y_m} \Big), \qquad
        \frac{\partial L}{\partial z_{mv}} = \mathrm{softmax}(z_m)_v - [v = y_m] ,

    summed (not averaged) over the rows m. The same value as
    ``dlbook.functional.cross_entropy(z, y, reduction='sum')``, computed for class-index
    targets only and without the (rows, V) one-hot coefficient matrix, which matters when V is
    a vocabulary.

    Parameters
    ----------
    logits : ndarray, shape (..., V)
    targets : ndarray of int, shape (...)
    return_grad : bool, default False
        Also return :math:`\partial L / \partial z`, shape (..., V).

    Returns
    -------
    float, or (float, ndarray)
    """
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim < 1 or z.shape[-1] < 1:
        raise ValueError(f"logits must have shape (..., V), got {z.shape}")
    V = z.shape[-1]
    y = check_index_array(np.asarray(targets).reshape(-1), "targets", V, what="ids")
    if np.shape(targets) != z.shape[:-1]:
        raise ValueError(f"targets must have shape {z.shape[:-1]} (the logits without their last "
                         f"axis), got {np.shape(targets)}")
    z2 = z.reshape(-1, V)
    rows = np.arange(len(y))
    peak = z2.max(axis=1, keepdims=True)
    e = z2 - peak
    np.exp(e, out=e)
    total = e.sum(axis=1, keepdims=True)
    loss = float(np.sum(np.log(total[:, 0]) + peak[:, 0] - z2[rows, y]))
    if not return_grad:
        return loss
    e /= total
    e[rows, y] -= 1.0
    return loss, e.reshape(z.shape)


def _check_stream(stream, model):
    if not isinstance(model, RNNLanguageModel):
        raise TypeError(f"model must be an RNNLanguageModel, got {type(model).__name__}")
    stream = check_index_array(stream, "stream", model.vocab_size, ndim=1, layout="(L,)",
                               what="ids")
    if len(stream) < 2:
        raise ValueError("a stream needs at least 2 ids (a context and one prediction)")
    return stream


def _detach(state):
    """A copy of the state with no link to the graph that made it (``tensor.detach()``)."""
    return tuple(s.copy() for s in state) if isinstance(state, tuple) else state.copy()


def train_epoch(model, stream, optimizer, *, batch_size, bptt, clip=None, carry_state=True):
    """One epoch of truncated backpropagation through time over a stream.

    The stream is cut by :func:`dlbook.lm.neural.stream_batches` into ``batch_size`` parallel
    rows and windows of ``bptt`` steps. Each window starts from the final state of the
    previous one (``carry_state=True``) or from zeros; either way the backward pass stops at
    the window's first step: the gradient with respect to the initial state that
    ``model.backward`` returns is discarded. The loss of a window is its summed NLL divided by
    its number of predictions.

    Parameters
    ----------
    model : RNNLanguageModel
    stream : ndarray of int, shape (L,)
    optimizer : dlbook.optim.Optimizer over ``model.parameters()``
    batch_size, bptt : int
    clip : float, optional
        Rescale the gradient to this total norm before each step
        (:func:`dlbook.nn.utils.clip_grad_norm_`).
    carry_state : bool, default True

    Returns
    -------
    float
        The mean training NLL per prediction in nats (its exp is the training perplexity,
        measured while the weights change).
    """
    stream = _check_stream(stream, model)
    if clip is not None:
        clip = check_scalar(clip, "clip", min_val=0, include_boundaries="neither")
    model.train()
    params = model.parameters()
    state = model.init_state(batch_size)
    total, count = 0.0, 0
    for inputs, targets in _time_major_batches(stream, batch_size, bptt):
        if not carry_state:
            state = model.init_state(batch_size)
        logits, state = model(inputs, state)
        state = _detach(state)
        loss, grad = sum_nll(logits, targets, return_grad=True)
        model.zero_grad()
        model.backward(grad / targets.size)      # the returned state gradient is dropped here
        if clip is not None:
            nn.utils.clip_grad_norm_(params, clip)
        optimizer.step()
        total, count = total + loss, count + targets.size
    return total / count


def _time_major_batches(stream, batch_size, bptt):
    """:func:`dlbook.lm.neural.stream_batches` with time first: (T, batch_size) windows."""
    return [(np.ascontiguousarray(x.T), np.ascontiguousarray(y.T))
            for x, y in stream_batches(stream, batch_size, bptt)]


def token_nll(model, stream, *, window=256):
    r"""The NLL (nats) of every prediction of a stream, the state carried over the whole stream.

    The stream is read as one sequence (batch size 1) in windows of ``window`` steps, each
    starting from the previous window's final state, so the result is exactly that of one
    pass over the whole stream and no prediction is dropped. The model is put in ``eval()``
    mode (no dropout).

    Returns
    -------
    ndarray, shape (len(stream) - 1,)
        Entry i is :math:`-\log P(\text{stream}[i + 1] \mid \text{stream}[0..i])`.
    """
    stream = _check_stream(stream, model)
    window = check_positive_int(window, "window")
    model.eval()
    out, state = [], None
    with no_grad():
        for start in range(0, len(stream) - 1, window):
            stop = min(start + window, len(stream) - 1)
            logits, state = model(stream[start:stop, None], state)
            z = logits[:, 0]
            peak = z.max(axis=1)
            lse = np.log(np.exp(z - peak[:, None]).sum(axis=1)) + peak
            out.append(lse - z[np.arange(stop - start), stream[start + 1:stop + 1]])
    return np.concatenate(out)


def stream_nll(model, stream, *, window=256):
    """The summed NLL (nats) of all ``len(stream) - 1`` predictions; see :func:`token_nll`."""
    return float(np.sum(token_nll(model, stream, window=window)))


def sentence_token_nll(model, sentences, index):
    """The NLL of the same predictions as :func:`token_nll` on ``token_stream(sentences)``, but
    with the state reset to zero at the start of every sentence.

    Each sentence is read as ``</s> w_1 ... w_m`` from a zero state and predicts
    ``w_1 ... w_m </s>``; the sentences run as padded batches of 32.

    Returns
    -------
    ndarray, shape (sum(len(s) + 1),), in stream order.
    """
    if not isinstance(model, RNNLanguageModel):
        raise TypeError(f"model must be an RNNLanguageModel, got {type(model).__name__}")
    if not isinstance(index, TokenIndex):
        raise TypeError(f"index must be a TokenIndex, got {type(index).__name__}")
    sentences = _check_sentences(sentences)
    if not sentences:
        return np.zeros(0)
    rows = [index.encode(["</s>", *s, "</s>"]) for s in sentences]
    model.eval()
    out = []
    for first in range(0, len(rows), 32):        # 32 sentences at a time keep the logits small
        chunk = rows[first:first + 32]
        lengths = np.array([len(r) - 1 for r in chunk])
        T, N = int(lengths.max()), len(chunk)
        inputs = np.full((T, N), index.eos_id, dtype=np.int64)
        targets = np.full((T, N), index.eos_id, dtype=np.int64)
        for n, r in enumerate(chunk):
            inputs[:len(r) - 1, n], targets[:len(r) - 1, n] = r[:-1], r[1:]
        with no_grad():
            # the padding steps of a short sentence run on after its end; they are never read
            logits, _ = model(inputs)
        peak = logits.max(axis=2)
        lse = np.log(np.exp(logits - peak[..., None]).sum(axis=2)) + peak
        picked = np.take_along_axis(logits, targets[..., None], axis=2)[..., 0]
        nll = lse - picked                                               # (T, N)
        out.extend(nll[:lengths[n], n] for n in range(N))
    return np.concatenate(out)


def generate(model, index, num_sentences, *, max_words=30, temperature=1.0, top_k=None,
             top_p=None, generator=None):
    """Sentences drawn from the model, all in parallel, with :func:`dlbook.sampling.sample_logits`.

    Every sentence starts from the zero state reading ``</s>`` (the context of a first word,
    as in :func:`dlbook.lm.neural.token_stream`) and ends when ``</s>`` is drawn or after
    ``max_words`` words. ``<s>`` is never a prediction target, so it is never drawn.

    Returns
    -------
    list of tuple of str
        The words of each sentence, without the end marker (a sentence cut at ``max_words``
        ends with ``'...'``).
    """
    if not isinstance(model, RNNLanguageModel):
        raise TypeError(f"model must be an RNNLanguageModel, got {type(model).__name__}")
    if not isinstance(index, TokenIndex) or len(index) != model.vocab_size:
        raise ValueError("index must be the TokenIndex the model was trained with")
    N = check_positive_int(num_sentences, "num_sentences")
    max_words = check_positive_int(max_words, "max_words")
    rng = as_generator(generator)
    model.eval()
    words = np.full((N, max_words), -1, dtype=np.int64)
    done = np.zeros(N, dtype=bool)
    current = np.full((1, N), index.eos_id, dtype=np.int64)
    state = None
    with no_grad():
        for t in range(max_words):
            logits, state = model(current, state)
            z = logits[0].copy()
            z[:, index.bos_id] = -math.inf
            nxt = sample_logits(z, temperature, top_k, top_p, generator=rng)
            nxt = np.where(done, index.eos_id, nxt)
            words[:, t] = nxt
            done |= nxt == index.eos_id
            if done.all():
                break
            current = nxt[None, :]
    sentences = []
    for row in words:
        ids = row[row >= 0]
        ends = np.flatnonzero(ids == index.eos_id)
        if ends.size:
            sentences.append(index.decode(ids[:ends[0]]))
        else:
            sentences.append(index.decode(ids) + ("...",))
    return sentences
