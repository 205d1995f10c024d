r"""Transformer building blocks with PyTorch's names: layer normalization, GELU, positional
encodings and the encoder layer (Vaswani et al., 2017).

Shapes use S (or T) for the sequence length, N for the batch and E (``d_model``) for the model
dimension. Sequence-first (S, N, E) is the default layout, (N, S, E) with ``batch_first=True``,
as in PyTorch.
"""
import math

import numpy as np

from .._attention import GELUFunction, LayerNormFunction, _check_approximate, _normalized_shape
from .._validation import as_float_array, check_positive_int, check_probability, check_scalar
from ..random import as_generator
from .attention import MultiheadAttention
from .modules import Dropout, Linear, Module, Parameter, ReLU

__all__ = ["LayerNorm", "GELU", "SinusoidalPositionalEncoding", "PositionalEmbedding",
           "TransformerEncoderLayer", "generate_square_subsequent_mask"]


class LayerNorm(Module):
    r"""Layer normalization over the trailing ``normalized_shape`` dimensions, as
    ``torch.nn.LayerNorm``:

    .. math:: y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta

    with the mean μ and biased variance σ² of each sample (and position) over those dimensions.
    Unlike batch normalization nothing is averaged over the batch, so training and evaluation
    behave the same and there are no running statistics.

    Parameters
    ----------
    normalized_shape : int or tuple of ints
        The trailing shape to normalize over, e.g. ``d_model``.
    eps : float, default 1e-5
    elementwise_affine : bool, default True
        Learn ``weight`` (γ, ones) and ``bias`` (β, zeros), both of shape ``normalized_shape``.
    bias : bool, default True
        With ``elementwise_affine``, whether to learn β.

    Input of shape (*, *normalized_shape); output of the same shape. Parameter gradients are
    summed over the leading dimensions.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True):
        super().__init__()
        self.normalized_shape = _normalized_shape(normalized_shape)
        check_scalar(eps, "eps", min_val=0)
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape))
        else:
            self.register_parameter("weight", None)
        if self.elementwise_affine and bias:
            self.bias = Parameter(np.zeros(self.normalized_shape))
        else:
            self.register_parameter("bias", None)

    def forward(self, input):
        weight = None if self.weight is None else self.weight.data
        bias = None if self.bias is None else self.bias.data
        return LayerNormFunction.forward(self.ctx, input, self.normalized_shape, weight, bias,
                                         self.eps)

    def backward(self, grad_output):
        dinput, dweight, dbias = LayerNormFunction.backward(self.ctx, grad_output)
        if self.weight is not None:
            self.weight.accumulate(dweight)
        if self.bias is not None:
            self.bias.accumulate(dbias)
        return dinput

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GELU(Module):
    """Elementwise :func:`dlbook._attention.gelu`, as ``torch.nn.GELU(approximate='none')``:
    exact (erf) by default, the tanh approximation with ``approximate='tanh'``."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = _check_approximate(approximate)

    def forward(self, input):
        return GELUFunction.forward(self.ctx, input, self.approximate)

    def backward(self, grad_output):
        return GELUFunction.backward(self.ctx, grad_output)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


def generate_square_subsequent_mask(sz):
    r"""The causal float mask of ``torch.nn.Transformer.generate_square_subsequent_mask``:
    shape (sz, sz), 0 on and below the diagonal, :math:`-\infty` above (position i may attend
    to positions 0..i). Use it as ``attn_mask``/``src_mask``, optionally with ``is_causal=True``.
    """
    sz = check_positive_int(sz, "sz")
    return np.triu(np.full((sz, sz), -np.inf), k=1)


# --------------------------------------------------------------------------- positions
class _AddPositions(Module):
    """Adds a (max_len, d_model) table's first T rows to a sequence, then applies dropout."""

    def _check(self, input):
        x = as_float_array(input, "input")
        layout = "(N, T, d_model)" if self.batch_first else "(T, N, d_model)"
        if x.ndim not in (2, 3) or x.shape[-1] != self.d_model:
            raise ValueError(f"{type(self).__name__} expected input of shape {layout} or "
                             f"(T, d_model) with d_model = {self.d_model}, got shape {x.shape}")
        time_axis = 1 if (x.ndim == 3 and self.batch_first) else 0
        T = x.shape[time_axis]
        if T > self.max_len:
            raise ValueError(f"{type(self).__name__}: sequence length {T} exceeds max_len "
                             f"{self.max_len}")
        return x, time_axis, T

    def _positions(self, table, x, time_axis, T):
        rows = table[:T]                                  # (T, d_model)
        return rows[:, None, :] if (x.ndim == 3 and time_axis == 0) else rows


class SinusoidalPositionalEncoding(_AddPositions):
    r"""Adds Vaswani et al.'s fixed sinusoidal position code to a sequence, then dropout:

    .. math::
        PE_{t, 2i} = \sin\!\big(t / 10000^{2i/d}\big), \qquad
        PE_{t, 2i+1} = \cos\!\big(t / 10000^{2i/d}\big),

    so each pair of dimensions is a rotation at its own frequency and
    :math:`PE_{t+k}` is a linear function of :math:`PE_t` for every fixed offset k.

    Parameters
    ----------
    d_model : int
        d, the model dimension (odd values are allowed: the last cosine column is dropped).
    max_len : int, default 5000
        Longest sequence the table covers.
    dropout : float, default 0.0
        Dropout applied to the sum (PyTorch's tutorials use 0.1).
    batch_first : bool, default False
        Input (N, T, d) instead of (T, N, d); unbatched (T, d) is accepted too.
    generator : numpy.random.Generator, int or None
        Source of the dropout masks.

    Attributes
    ----------
    pe : ndarray, shape (max_len, d_model)
        The table, a **non-persistent** buffer (``persistent=False``): it is a fixed function of
        ``d_model`` and ``max_len``, so it is not written to ``state_dict``.
    """

    def __init__(self, d_model, max_len=5000, dropout=0.0, *, batch_first=False,
                 generator=None):
        super().__init__()
        self.d_model = check_positive_int(d_model, "d_model")
        self.max_len = check_positive_int(max_len, "max_len")
        self.batch_first = bool(batch_first)
        position = np.arange(self.max_len)[:, None]
        frequency = np.exp(np.arange(0, self.d_model, 2) * (-math.log(10000.0) / self.d_model))
        pe = np.zeros((self.max_len, self.d_model))
        pe[:, 0::2] = np.sin(position * frequency)
        pe[:, 1::2] = np.cos(position * frequency[: self.d_model // 2])
        self.register_buffer("pe", pe, persistent=False)
        self.dropout = Dropout(check_probability(dropout, "dropout"), generator=generator)

    def forward(self, input):
        x, time_axis, T = self._check(input)
        return self.dropout(x + self._positions(self.pe, x, time_axis, T))

    def backward(self, grad_output):
        return self.dropout.backward(grad_output)

    def extra_repr(self):
        return f"d_model={self.d_model}, max_len={self.max_len}"


class PositionalEmbedding(_AddPositions):
    r"""A learned position table (as in BERT and GPT-2) added to a sequence:
    :math:`y_t = x_t + P_t`.

    Parameters
    ----------
    max_len : int
        Number of positions, the table's rows.
    d_model : int
    batch_first : bool, default False
        Input (N, T, d_model) instead of (T, N, d_model); unbatched (T, d_model) is accepted.
    generator : numpy.random.Generator, int or None
        Initialization.

    Attributes
    ----------
    weight : Parameter, shape (max_len, d_model)
        Drawn from N(0, 1), ``torch.nn.Embedding``'s initialization. Its gradient is the
        incoming gradient summed over the batch, in the first T rows.
    """

    def __init__(self, max_len, d_model, *, batch_first=False, generator=None):
        super().__init__()
        self.max_len = check_positive_int(max_len, "max_len")
        self.d_model = check_positive_int(d_model, "d_model")
        self.batch_first = bool(batch_first)
        self.weight = Parameter(as_generator(generator).standard_normal((self.max_len,
                                                                         self.d_model)))

    def forward(self, input):
        x, time_axis, T = self._check(input)
        self.ctx.ndim, self.ctx.time_axis, self.ctx.T = x.ndim, time_axis, T
        return x + self._positions(self.weight.data, x, time_axis, T)

    def backward(self, grad_output):
        ctx = self.ctx
        dweight = np.zeros_like(self.weight.data)
        batch_axis = (1 - ctx.time_axis,) if ctx.ndim == 3 else ()
        dweight[:ctx.T] = grad_output.sum(axis=batch_axis)
        self.weight.accumulate(dweight)
        return grad_output

    def extra_repr(self):
        return f"max_len={self.max_len}, d_model={self.d_model}"


# --------------------------------------------------------------------------- encoder layer
class TransformerEncoderLayer(Module):
    r"""One Transformer encoder layer, as ``torch.nn.TransformerEncoderLayer``: self-attention
    and a position-wise feed-forward network, each wrapped in a residual connection and a
    layer normalization.

    Post-norm (``norm_first=False``, the original Transformer and PyTorch's default)::

        x = norm1(x + dropout1(self_attn(x, x, x)))
        x = norm2(x + dropout2(linear2(dropout(activation(linear1(x))))))

    Pre-norm (``norm_first=True``), which trains more stably in deep stacks::

        x = x + dropout1(self_attn(norm1(x), ...))
        x = x + dropout2(linear2(dropout(activation(linear1(norm2(x))))))

    Parameters
    ----------
    d_model : int
        E, the model dimension.
    nhead : int
        Number of attention heads; must divide ``d_model``.
    dim_feedforward : int, default 2048
    dropout : float, default 0.1
    activation : {'relu', 'gelu'} or Module, default 'relu'
        'gelu' is the exact (erf) GELU, as PyTorch; any dlbook Module with a backward (e.g.
        ``GELU(approximate='tanh')``) may be passed instead.
    layer_norm_eps : float, default 1e-5
    batch_first : bool, default False
        Input (N, S, E) instead of (S, N, E); unbatched (S, E) is accepted too.
    norm_first : bool, default False
    bias : bool, default True
        Biases in the linear layers, the attention and the layer norms.
    generator : numpy.random.Generator, int or None
        Initialization, and the dropout masks when given.

    Attributes
    ----------
    self_attn : MultiheadAttention
    linear1 : Linear(d_model, dim_feedforward)
    dropout : Dropout
    linear2 : Linear(dim_feedforward, d_model)
    norm1, norm2 : LayerNorm(d_model)
    dropout1, dropout2 : Dropout

    The names and shapes are PyTorch's, so ``state_dict`` keys coincide with
    ``torch.nn.TransformerEncoderLayer``'s and weights copy across in either direction.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, *,
                 generator=None):
        super().__init__()
        d_model = check_positive_int(d_model, "d_model")
        dim_feedforward = check_positive_int(dim_feedforward, "dim_feedforward")
        dropout = check_probability(dropout, "dropout")
        rng = as_generator(generator)
        drop_rng = None if generator is None else rng
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, generator=rng)
        self.self_attn.generator = drop_rng              # dropout: the package generator if None
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, generator=rng)
        self.dropout = Dropout(dropout, generator=drop_rng)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, generator=rng)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout, generator=drop_rng)
        self.dropout2 = Dropout(dropout, generator=drop_rng)
        if isinstance(activation, Module):
            self.activation = activation
        elif activation == "relu":
            self.activation = ReLU()
        elif activation == "gelu":
            self.activation = GELU()
        else:
            raise ValueError(f"activation should be 'relu', 'gelu' or a dlbook Module, got "
                             f"{activation!r}")
        self.batch_first = bool(batch_first)
        self.d_model = d_model

    def _modules_to_call(self, *modules):
        """The modules a call runs: a dropout that is the identity (p = 0, or evaluation mode)
        is left out, which saves it copying its input. Kept in the layer's context, so that the
        backward visits exactly the modules that the forward called."""
        return tuple(m for m in modules
                     if not (isinstance(m, Dropout) and (m.p == 0.0 or not m.training)))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        self.ctx.sa_dropout = self._modules_to_call(self.dropout1)
        for m in self.ctx.sa_dropout:
            x = m(x)
        return x

    def _sa_block_backward(self, grad):
        for m in self.ctx.sa_dropout:
            grad = m.backward(grad)
        d_query, d_key, d_value = self.self_attn.backward(grad)
        dx = d_query + d_key                             # x was query, key and value
        dx += d_value
        return dx

    def _ff_block(self, x):
        y = x.reshape(-1, x.shape[-1])            # position-wise: one GEMM over all positions
        self.ctx.ff_modules = self._modules_to_call(self.linear1, self.activation,
                                                    self.dropout, self.linear2, self.dropout2)
        for m in self.ctx.ff_modules:
            y = m(y)
        return y.reshape(x.shape)

    def _ff_block_backward(self, grad):
        shape = grad.shape
        grad = grad.reshape(-1, shape[-1])
        for m in reversed(self.ctx.ff_modules):
            grad = m.backward(grad)
        return grad.reshape(shape)

    def _check(self, x, src_mask, src_key_padding_mask, is_causal):
        """Validate everything before the first sub-module runs, so that a bad call leaves no
        saved context behind in ``norm1`` (pre-norm calls it before the attention)."""
        layout = "(N, S, E)" if self.batch_first else "(S, N, E)"
        if x.ndim not in (2, 3) or x.shape[-1] != self.d_model:
            raise ValueError(f"TransformerEncoderLayer expected src of shape {layout} or (S, E) "
                             f"with E = d_model = {self.d_model}, got shape {x.shape}")
        batched = x.ndim == 3
        S_len = x.shape[1 if batched and self.batch_first else 0]
        N = (x.shape[0 if self.batch_first else 1]) if batched else 1
        if is_causal and src_mask is None:
            raise ValueError("TransformerEncoderLayer: is_causal=True is a hint that src_mask is "
                             "the causal mask and needs src_mask (PyTorch's rule); pass "
                             "generate_square_subsequent_mask(S)")
        self.self_attn._merged_mask(src_mask, src_key_padding_mask, N, S_len, S_len, batched)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        r"""Encode ``src``.

        Parameters
        ----------
        src : ndarray, shape (S, N, E), (N, S, E) with ``batch_first``, or (S, E)
        src_mask : ndarray, shape (S, S) or (N·nhead, S, S), optional
            Boolean True = not allowed to attend, or float added to the scores (see
            :class:`MultiheadAttention`).
        src_key_padding_mask : ndarray, shape (N, S), optional
            Boolean True marks padding.
        is_causal : bool, default False
            Hint that ``src_mask`` is the causal mask (see :class:`MultiheadAttention`).

        Returns
        -------
        ndarray, the shape of ``src``
        """
        x = as_float_array(src, "src")
        self._check(x, src_mask, src_key_padding_mask, is_causal)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def backward(self, grad_output):
        """Gradient with respect to ``src``; parameter gradients are accumulated."""
        if self.norm_first:
            grad = grad_output + self.norm2.backward(self._ff_block_backward(grad_output))
            return grad + self.norm1.backward(self._sa_block_backward(grad))
        grad = self.norm2.backward(grad_output)
        grad = grad + self._ff_block_backward(grad)
        grad = self.norm1.backward(grad)
        return grad + self._sa_block_backward(grad)
