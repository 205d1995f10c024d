r"""A decoder-only Transformer language model, and its training and scoring over token streams.

The model reads a window of ids :math:`x_1 \dots x_T` and returns, at every position t, the
logits of the next token :math:`x_{t+1}`; a causal mask keeps position t from seeing the
positions after it, so one forward pass makes T predictions, each from its own history:

.. math::
    H^{(0)} = \sqrt{d}\, E[x] + PE, \qquad
    H^{(l)} = \mathrm{Block}_l\big(H^{(l-1)}\big), \qquad
    \text{logits} = \mathrm{LayerNorm}\big(H^{(L)}\big)\, W^\top + b ,

with E the (V, d) token table, PE the sinusoidal (or a learned) position code and each block a
:class:`dlbook.nn.TransformerEncoderLayer` under the causal mask. With ``tie_weights`` the
output matrix W *is* the token table E (one Parameter, gradients from both uses add up).

Scoring follows :mod:`dlbook.lm.neural`: a split is a stream ``</s> w w </s> w ...`` whose
positions 1, 2, ... are the predictions every model of the book is scored on.
:func:`stream_log_probs` covers a stream longer than the model's context with overlapping
windows, and scores each prediction exactly once, in the first window that contains it, so
that it sees at least ``context - stride + 1`` tokens of history (fewer only at the start of
the stream, where there are fewer).

* :class:`TransformerLM` — the model (forward ``(N, T)`` ids -> ``(N, T, V)`` logits; backward);
* :func:`training_windows` — non-overlapping ``(inputs, targets)`` windows of a stream;
* :func:`window_starts` — where the scoring windows start;
* :func:`stream_log_probs` — the natural-log probability of every prediction of a stream.
"""
import math
import numbers

import numpy as np

from .._validation import (check_index_array, check_option, check_positive_int,
                           check_probability, check_scalar)
from ..autograd import no_grad
from ..functional import log_softmax
from ..nn.modules import Linear, Module
from ..nn.sparse import Embedding
from ..nn.transformer import (LayerNorm, PositionalEmbedding, SinusoidalPositionalEncoding,
                              TransformerEncoderLayer, generate_square_subsequent_mask)
from ..random import as_generator

__all__ = ["TransformerLM", "training_windows", "window_starts", "stream_log_probs"]


def _check_ids(ids, name, vocab_size=None, ndim=None):
    layout = {1: "(L,)", 2: "(N, T)"}.get(ndim)
    return check_index_array(ids, name, vocab_size, ndim=ndim, layout=layout, what="token ids")


class TransformerLM(Module):
    r"""Decoder-only Transformer language model (GPT-style, pre-norm by default).

    Parameters
    ----------
    vocab_size : int
        V, the number of token types (e.g. ``len(TokenIndex)``).
    d_model : int, default 64
        d, the width of every position's vector.
    nhead : int, default 4
        Attention heads per layer; must divide ``d_model``.
    num_layers : int, default 2
        Number of Transformer blocks.
    dim_feedforward : int, default 256
        Hidden width of each block's position-wise feed-forward network.
    dropout : float, default 0.1
        Dropout in every block (attention weights, both residual branches, the feed-forward
        hidden layer) and on the input embeddings, in training mode only.
    max_len : int, default 256
        The longest window the model accepts (the position table's rows).
    norm_first : bool, default True
        Pre-norm blocks (``x + f(LayerNorm(x))``), as GPT-2; with False the blocks are the
        original post-norm ``LayerNorm(x + f(x))``. A final LayerNorm is applied in both cases.
    positional : {'sinusoidal', 'learned'}, default 'sinusoidal'
        :class:`~dlbook.nn.SinusoidalPositionalEncoding` or
        :class:`~dlbook.nn.PositionalEmbedding` (initialized with standard deviation 0.02).
    tie_weights : bool, default True
        Use the token table as the output matrix (one Parameter).
    activation : {'relu', 'gelu'}, default 'relu'
    generator : numpy.random.Generator, int or None
        Initialization and dropout masks.

    Attributes
    ----------
    embedding : Embedding(V, d), initialized from :math:`\mathcal N(0, 1/d)` and multiplied by
        :math:`\sqrt d` in the forward pass, so the input vectors have unit-variance entries
        while the tied output logits start with unit variance too.
    pos : SinusoidalPositionalEncoding or PositionalEmbedding
    layers : list of TransformerEncoderLayer, registered as ``layer0``, ``layer1``, ...
    norm : LayerNorm(d)
    head : Linear(d, V); ``head.weight is embedding.weight`` when ``tie_weights``.
    """

    def __init__(self, vocab_size, d_model=64, nhead=4, num_layers=2, dim_feedforward=256,
                 dropout=0.1, *, max_len=256, norm_first=True, positional="sinusoidal",
                 tie_weights=True, activation="relu", generator=None):
        super().__init__()
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.d_model = check_positive_int(d_model, "d_model")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.max_len = check_positive_int(max_len, "max_len")
        dropout = check_probability(dropout, "dropout")
        check_option(positional, "positional", ("sinusoidal", "learned"))
        rng = as_generator(generator)
        drop_rng = None if generator is None else rng
        self.embedding = Embedding(self.vocab_size, self.d_model, generator=rng)
        self.embedding.weight.data *= 1.0 / math.sqrt(self.d_model)
        if positional == "sinusoidal":
            self.pos = SinusoidalPositionalEncoding(self.d_model, self.max_len, dropout,
                                                    batch_first=True, generator=drop_rng)
        else:
            self.pos = PositionalEmbedding(self.max_len, self.d_model, batch_first=True,
                                           generator=rng)
            self.pos.weight.data *= 0.02
        self.positional = positional
        self.layers = []
        for i in range(self.num_layers):
            layer = TransformerEncoderLayer(self.d_model, nhead, dim_feedforward, dropout,
                                            activation=activation, batch_first=True,
                                            norm_first=norm_first, generator=rng)
            if generator is None:           # dropout from the package generator, as the layer
                layer.self_attn.generator = None
            setattr(self, f"layer{i}", layer)
            self.layers.append(layer)
        self.norm = LayerNorm(self.d_model)
        self.head = Linear(self.d_model, self.vocab_size, generator=rng)
        self.tie_weights = bool(tie_weights)
        if self.tie_weights:
            self.head.weight = self.embedding.weight
        self.head.bias.data[...] = 0.0

    def forward(self, input):
        """Next-token logits at every position.

        Parameters
        ----------
        input : ndarray of int, shape (N, T), ``T <= max_len``

        Returns
        -------
        ndarray, shape (N, T, V)
            ``logits[n, t]`` depends on ``input[n, :t + 1]`` only.
        """
        ids = _check_ids(input, "input", self.vocab_size, ndim=2)
        T = ids.shape[1]
        if not 1 <= T <= self.max_len:
            raise ValueError(f"TransformerLM: window length must be in [1, {self.max_len}] "
                             f"(max_len), got {T}")
        mask = generate_square_subsequent_mask(T)
        x = self.pos(self.embedding(ids) * math.sqrt(self.d_model))
        for layer in self.layers:
            x = layer(x, src_mask=mask, is_causal=True)
        return self.head(self.norm(x))

    def backward(self, grad_output):
        """Backpropagate d loss / d logits (N, T, V); accumulates every parameter's gradient
        and returns None (integer ids have no gradient)."""
        grad = self.norm.backward(self.head.backward(grad_output))
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        self.embedding.backward(self.pos.backward(grad) * math.sqrt(self.d_model))
        return None

    def extra_repr(self):
        return (f"vocab_size={self.vocab_size}, d_model={self.d_model}, "
                f"num_layers={self.num_layers}, max_len={self.max_len}, "
                f"positional={self.positional!r}, tie_weights={self.tie_weights}")


def training_windows(stream, context, *, offset=0):
    """Cut a stream into non-overlapping windows for teacher-forced training.

    Window i reads ``stream[a : a + context]`` and predicts ``stream[a + 1 : a + context + 1]``
    with ``a = offset + i * context``; the tail that does not fill a window is dropped. A
    different ``offset`` in each epoch (e.g. drawn from ``range(context)``) lets every token be
    seen at different positions of the window.

    Returns
    -------
    inputs, targets : ndarray of int64, shape (W, context)
    """
    stream = _check_ids(stream, "stream", ndim=1)
    context = check_positive_int(context, "context")
    offset = check_scalar(offset, "offset", numbers.Integral, min_val=0)
    W = (len(stream) - 1 - offset) // context
    if W < 1:
        raise ValueError(f"a stream of {len(stream)} ids has no window of {context} + 1 ids "
                         f"after offset {offset}")
    rows = stream[offset:offset + W * context + 1]
    inputs = rows[:-1].reshape(W, context)
    targets = rows[1:].reshape(W, context)
    return inputs.astype(np.int64), targets.astype(np.int64)


def window_starts(n_inputs, context, stride):
    """Start positions of the scoring windows over ``n_inputs`` input positions.

    Windows of ``context`` positions start at 0, ``stride``, ``2 stride``, ... and a last one
    ends exactly at the last input (``n_inputs - context``), so together they cover every
    position; with ``n_inputs <= context`` there is one window, starting at 0.
    """
    n_inputs = check_positive_int(n_inputs, "n_inputs")
    context = check_positive_int(context, "context")
    stride = check_positive_int(stride, "stride")
    if stride > context:
        raise ValueError(f"stride must not exceed context ({context}), or some predictions "
                         f"would fall between windows; got {stride}")
    last = max(n_inputs - context, 0)
    return np.unique(np.append(np.arange(0, last, stride), last)).astype(np.int64)


def stream_log_probs(model, stream, context, stride=None, *, batch_size=64):
    """The natural-log probability the model gives each prediction of a stream.

    Prediction p (for p = 1, ..., len(stream) - 1) is the token ``stream[p]``. It is scored in
    the first window of :func:`window_starts` that contains it, i.e. the window starting at the
    smallest a with ``a + context >= p``, from the history ``stream[a:p]``. Each prediction is
    scored exactly once; its history holds ``p - a`` tokens, at least
    ``min(p, context - stride + 1)``.

    Parameters
    ----------
    model : Module
        Maps ids (N, T) to next-token logits (N, T, V) with a causal mask (position t may use
        inputs 0..t only), e.g. :class:`TransformerLM`. Run in evaluation mode, under
        :func:`dlbook.no_grad`; its previous mode is restored.
    stream : ndarray of int, shape (L,)
        E.g. :func:`dlbook.lm.neural.token_stream` of a split.
    context : int
        Window length T.
    stride : int, optional
        Distance between window starts, ``1 <= stride <= context``; default ``context // 2``
        (at least 1). ``stride=1`` gives every prediction (after the first ``context``) the full
        window as history, at ``context`` times the cost of ``stride=context``.
    batch_size : int, default 64
        Windows per forward call.

    Returns
    -------
    log_probs : ndarray, shape (L - 1,)
        :math:`\\log P(\\text{stream}[p] \\mid \\text{history})` for p = 1, ..., L - 1.
    history : ndarray of int64, shape (L - 1,)
        The number of tokens each prediction saw.
    """
    stream = _check_ids(stream, "stream", ndim=1)
    if len(stream) < 2:
        raise ValueError(f"a stream needs at least 2 ids (one prediction), got {len(stream)}")
    context = check_positive_int(context, "context")
    stride = max(context // 2, 1) if stride is None else stride
    batch_size = check_positive_int(batch_size, "batch_size")
    n_inputs = len(stream) - 1
    context = min(context, n_inputs)
    stride = min(stride, context)
    starts = window_starts(n_inputs, context, stride)
    targets = np.arange(1, len(stream))
    window = np.searchsorted(starts, targets - context, side="left")   # first a >= p - T
    offset = targets - 1 - starts[window]                               # output row in it
    grid = starts[:, None] + np.arange(context)[None, :]
    inputs = stream[grid]                                               # (W, T)
    log_probs = np.empty(n_inputs)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for lo in range(0, len(starts), batch_size):
                hi = min(lo + batch_size, len(starts))
                chosen = (window >= lo) & (window < hi)
                if not chosen.any():
                    continue
                logp = log_softmax(model(inputs[lo:hi]), dim=-1)        # (b, T, V)
                rows, cols = window[chosen] - lo, offset[chosen]
                log_probs[chosen] = logp[rows, cols, stream[targets[chosen]]]
    finally:
        model.train(was_training)
    return log_probs, (offset + 1).astype(np.int64)
