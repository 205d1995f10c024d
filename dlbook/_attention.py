r"""The functional pieces of a Transformer: attention, layer normalization and GELU.

Re-exported by :mod:`dlbook.functional` under ``torch.nn.functional``'s names. Each operation is
a :class:`~dlbook.autograd.Function` (``forward(ctx, ...)`` and ``backward(ctx, grad_output)``
side by side), PyTorch's function, and a stateless ``*_backward`` function that recomputes the
forward to show the derivative.

Scaled dot-product attention (Vaswani et al., 2017), for one query row :math:`q_i` against the
S keys :math:`k_j` and values :math:`v_j`:

.. math::
    s_{ij} = \frac{q_i \cdot k_j}{\sqrt{E}} + m_{ij}, \qquad
    p_{ij} = \frac{e^{s_{ij}}}{\sum_{j'} e^{s_{ij'}}}, \qquad
    o_i = \sum_j p_{ij} v_j ,

with an additive mask :math:`m_{ij}` (0 where position j takes part, :math:`-\infty` where it
does not). Shapes use L for the number of queries (target length), S for the number of keys
(source length), E for the query/key size and Ev for the value size; any leading (batch, head)
dimensions are carried along.

Why :math:`1/\sqrt E`: if the entries of :math:`q_i` and :math:`k_j` are independent with mean 0
and variance 1, the dot product is a sum of E terms of variance 1, so its variance is E; dividing
by :math:`\sqrt E` brings the scores back to variance 1 and keeps the softmax out of its
saturated, vanishing-gradient regime.
"""
import math
import numbers

import numpy as np

from ._validation import as_float_array, check_option, check_probability, check_scalar
from .autograd import Function
from .random import as_generator

__all__ = [
    "scaled_dot_product_attention", "scaled_dot_product_attention_backward",
    "layer_norm", "layer_norm_backward", "gelu", "gelu_backward",
    "ScaledDotProductAttentionFunction", "LayerNormFunction", "GELUFunction",
]


# --------------------------------------------------------------------------- shared pieces
def _sum_to_shape(grad, shape):
    """Undo broadcasting: sum ``grad`` over the axes that broadcasting added or stretched."""
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _safe_softmax(scores):
    r"""Softmax over the last axis; a row whose scores are all :math:`-\infty` gives zeros.

    A fully masked row has no position to attend to. Its softmax would be 0/0 = NaN; as
    ``torch.nn.functional.scaled_dot_product_attention`` does (checked against PyTorch 2.13),
    it is set to zero instead, so the row's output is 0 and no gradient flows through it.
    """
    row_max = np.max(scores, axis=-1, keepdims=True)
    row_max[row_max == -np.inf] = 0.0
    e = scores - row_max                        # one buffer for the shift, exp and division
    np.exp(e, out=e)
    total = np.sum(e, axis=-1, keepdims=True)
    total[total == 0.0] = 1.0
    e /= total
    return e


def _softmax_backward(grad_weights, weights):
    r""":math:`p \odot (g - \langle g, p\rangle)` row by row; zero on fully masked rows."""
    d = grad_weights * weights
    inner = np.sum(d, axis=-1, keepdims=True)
    np.subtract(grad_weights, inner, out=d)
    d *= weights
    return d


def _causal_mask(L, S):
    """Boolean (L, S) mask, True on and below the diagonal: query i sees keys 0..i."""
    return np.tril(np.ones((L, S), dtype=bool))


def _attention_forward(ctx, q, k, v, mask, dropout_p, is_causal, scale, generator):
    """The attention core shared by the function and ``MultiheadAttention``.

    ``mask`` is None, boolean (True = takes part) or float (added to the scores), already
    checked to broadcast to the scores' shape. Returns ``(output, attn)`` where ``attn`` holds
    the attention weights after dropout.
    """
    scores = (q @ np.swapaxes(k, -1, -2)) * scale                       # (..., L, S)
    if is_causal:
        scores = np.where(_causal_mask(*scores.shape[-2:]), scores, -np.inf)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf) if mask.dtype == bool else scores + mask
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        if dropout_p == 1.0:
            keep = np.zeros_like(weights)
        else:
            keep = (as_generator(generator).random(weights.shape) >= dropout_p) / (1.0 - dropout_p)
        attn = weights * keep
    else:
        keep, attn = None, weights
    ctx.save_for_backward(q, k, v, weights, keep)
    ctx.scale = scale
    return attn @ v, attn


def _attention_backward(ctx, grad_output, grad_attn=None):
    """Gradients ``(dq, dk, dv)`` of the core; ``grad_attn`` is an optional extra gradient with
    respect to the returned attention weights (after dropout)."""
    q, k, v, weights, keep = ctx.saved_tensors
    attn = weights if keep is None else weights * keep
    dv = np.swapaxes(attn, -1, -2) @ grad_output
    dattn = grad_output @ np.swapaxes(v, -1, -2)
    if grad_attn is not None:
        dattn = dattn + grad_attn
    dweights = dattn if keep is None else dattn * keep
    dscores = _softmax_backward(dweights, weights)
    dscores *= ctx.scale
    dq = dscores @ k
    dk = np.swapaxes(dscores, -1, -2) @ q
    return _sum_to_shape(dq, q.shape), _sum_to_shape(dk, k.shape), _sum_to_shape(dv, v.shape)


# --------------------------------------------------------------------------- attention
def _check_attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa):
    q = as_float_array(query, "query")
    k = as_float_array(key, "key")
    v = as_float_array(value, "value")
    for name, a, layout in (("query", q, "(..., L, E)"), ("key", k, "(..., S, E)"),
                            ("value", v, "(..., S, Ev)")):
        if a.ndim < 2:
            raise ValueError(f"scaled_dot_product_attention: {name} must have shape {layout}, "
                             f"got shape {a.shape}")
    if k.shape[-1] != q.shape[-1]:
        raise ValueError(f"scaled_dot_product_attention: key must have the query's size "
                         f"E = {q.shape[-1]} in its last dimension, got query {q.shape} and "
                         f"key {k.shape}")
    if v.shape[-2] != k.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: value must have as many positions "
                         f"S = {k.shape[-2]} as key, got key {k.shape} and value {v.shape}")
    if enable_gqa:
        if min(q.ndim, k.ndim, v.ndim) < 3:
            raise ValueError("scaled_dot_product_attention: enable_gqa=True needs a head "
                             "dimension, shapes (..., H, L, E); got query "
                             f"{q.shape}, key {k.shape}, value {v.shape}")
        if k.shape[-3] != v.shape[-3] or q.shape[-3] % k.shape[-3]:
            raise ValueError("scaled_dot_product_attention: with enable_gqa=True key and value "
                             "must have the same number of heads, dividing the query's; got "
                             f"{q.shape[-3]} query, {k.shape[-3]} key and {v.shape[-3]} value "
                             "heads")
        group = q.shape[-3] // k.shape[-3]
        k_lead = k.shape[:-3] + (q.shape[-3],)         # after repeating each key/value head
        v_lead = v.shape[:-3] + (q.shape[-3],)
    else:
        group, k_lead, v_lead = 1, k.shape[:-2], v.shape[:-2]
    try:
        batch = np.broadcast_shapes(q.shape[:-2], k_lead, v_lead)
    except ValueError:
        raise ValueError("scaled_dot_product_attention: the leading (batch, head) dimensions "
                         f"of query {q.shape}, key {k.shape} and value {v.shape} do not "
                         "broadcast") from None
    scores_shape = batch + (q.shape[-2], k.shape[-2])
    if attn_mask is not None:
        if is_causal:
            raise ValueError("scaled_dot_product_attention: pass either attn_mask or "
                             "is_causal=True, not both (as PyTorch)")
        mask = np.asarray(attn_mask)
        if mask.dtype != bool:
            mask = as_float_array(attn_mask, "attn_mask")
        try:
            fits = np.broadcast_shapes(mask.shape, scores_shape) == scores_shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError("scaled_dot_product_attention: attn_mask must broadcast to the "
                             f"scores' shape (..., L, S) = {scores_shape}, got shape "
                             f"{mask.shape}")
    else:
        mask = None
    dropout_p = check_probability(dropout_p, "dropout_p")
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    else:
        check_scalar(scale, "scale")
    return q, k, v, mask, dropout_p, float(scale), group


def _fold_heads(grad, group):
    """Sum each run of ``group`` consecutive heads (axis -3): the adjoint of ``np.repeat``."""
    return grad.reshape(grad.shape[:-3] + (-1, group) + grad.shape[-2:]).sum(axis=-3)


class ScaledDotProductAttentionFunction(Function):
    r"""Attention :math:`\mathrm{softmax}(QK^\top \cdot \text{scale} + M)\,V`.

    The forward saves Q, K, V, the attention weights P and the dropout mask; the backward is

    .. math::
        dV = P^\top G, \quad dP = G V^\top, \quad
        dS = P \odot \big(dP - \mathrm{rowsum}(dP \odot P)\big), \quad
        dQ = \text{scale}\; dS\, K, \quad dK = \text{scale}\; dS^\top Q,

    (with the dropout mask applied to P and dP when dropout is on). ``backward`` returns
    ``(dq, dk, dv)``; the mask and the hyper-parameters are constants and get no gradient.
    Broadcast leading dimensions are summed back to each input's shape, and with
    ``enable_gqa`` the gradient of a shared key/value head is the sum over its query group.
    """

    @staticmethod
    def forward(ctx, query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                scale=None, enable_gqa=False, generator=None):
        q, k, v, mask, dropout_p, scale, group = _check_attention(
            query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)
        if group > 1:
            k, v = np.repeat(k, group, axis=-3), np.repeat(v, group, axis=-3)
        ctx.group = group
        output, _ = _attention_forward(ctx, q, k, v, mask, dropout_p, bool(is_causal), scale,
                                       generator)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        dq, dk, dv = _attention_backward(ctx, grad_output)
        if ctx.group > 1:             # a shared key/value head collects its group's gradients
            dk, dv = _fold_heads(dk, ctx.group), _fold_heads(dv, ctx.group)
        return dq, dk, dv


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False, *,
                                 generator=None):
    r"""Scaled dot-product attention, as ``torch.nn.functional.scaled_dot_product_attention``.

    .. math::
        \mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\Big(\frac{QK^\top}{\sqrt E} + M\Big) V

    Parameters
    ----------
    query : ndarray, shape (..., L, E)
    key : ndarray, shape (..., S, E)
    value : ndarray, shape (..., S, Ev)
        The leading dimensions (batch, heads, ...) broadcast against each other.
    attn_mask : ndarray, optional, broadcastable to (..., L, S)
        Boolean: True where a query may attend to a key (takes part), False where it may not.
        Float: added to the scores (use ``-inf`` to block a position, or any bias).
        **Note** ``torch.nn.MultiheadAttention``'s boolean masks use the opposite convention
        (True = ignore), as in PyTorch.
    dropout_p : float, default 0.0
        Dropout probability on the attention weights (inverted dropout; applied whenever
        positive, as in PyTorch — pass 0.0 at evaluation).
    is_causal : bool, default False
        Apply the lower-triangular mask ``tril(ones(L, S))``: query i attends to keys 0..i
        (aligned at the top-left corner, as PyTorch, also when L != S). Cannot be combined
        with ``attn_mask``.
    scale : float, optional
        Multiplies :math:`QK^\top`; default :math:`1/\sqrt E`.
    enable_gqa : bool, default False
        Grouped-query attention: query has H heads in dimension -3, key and value have
        :math:`H_{kv}` heads dividing H; each key/value head serves
        :math:`H/H_{kv}` consecutive query heads (PyTorch's ``repeat_interleave``).
    generator : numpy.random.Generator, int or None
        Source of the dropout mask; None uses :func:`dlbook.random.default_generator`.

    Returns
    -------
    ndarray, shape (..., L, Ev)

    Notes
    -----
    A query row whose every key is masked (all False, or all ``-inf``) has no softmax; its
    attention weights, its output and its gradients are **zero**, which is what PyTorch 2.13
    returns here (``torch.nn.MultiheadAttention`` with ``need_weights=True`` returns NaN for
    such rows instead; :class:`dlbook.nn.MultiheadAttention` returns zeros in both modes).
    """
    return ScaledDotProductAttentionFunction.apply(query, key, value, attn_mask, dropout_p,
                                                   is_causal, scale, enable_gqa,
                                                   generator)[0]


def scaled_dot_product_attention_backward(grad_output, query, key, value, attn_mask=None,
                                          dropout_p=0.0, is_causal=False, scale=None,
                                          enable_gqa=False, *, generator=None):
    r"""Gradients ``(dq, dk, dv)`` of :func:`scaled_dot_product_attention` for ``grad_output``
    of shape (..., L, Ev). With dropout, pass the same seeded ``generator`` as to the forward
    so that the same mask is drawn."""
    return ScaledDotProductAttentionFunction.vjp(grad_output, query, key, value, attn_mask,
                                                 dropout_p, is_causal, scale, enable_gqa,
                                                 generator)


# --------------------------------------------------------------------------- layer norm
def _normalized_shape(normalized_shape):
    """``normalized_shape`` (an int or a sequence of ints) as a tuple of positive ints."""
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) \
        else normalized_shape
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError("normalized_shape must be an int or a tuple of ints, got "
                        f"{type(normalized_shape).__name__}") from None
    if not shape or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool)
                            for n in shape):
        raise TypeError(f"normalized_shape must be an int or a non-empty tuple of ints, got "
                        f"{normalized_shape!r}")
    if min(shape) < 1:
        raise ValueError(f"normalized_shape must hold positive sizes, got {normalized_shape!r}")
    return tuple(int(n) for n in shape)


class LayerNormFunction(Function):
    r"""Layer normalization over the trailing ``normalized_shape`` dimensions.

    With :math:`\hat x = (x-\mu)\,r`, :math:`r = 1/\sqrt{\sigma^2+\epsilon}` (μ and the biased
    σ² taken over the D normalized entries of each sample) and :math:`y = \gamma\hat x + \beta`,
    the backward is

    .. math::
        \frac{\partial C}{\partial x} = r\Big(g_{\hat x} - \overline{g_{\hat x}}
            - \hat x\,\overline{g_{\hat x}\,\hat x}\Big),\quad g_{\hat x} = \gamma \odot g,

    (bars: means over the D entries), ``dweight`` :math:`=\sum g\,\hat x` and ``dbias``
    :math:`=\sum g`, both **summed** over every leading (batch, position) dimension. Returns
    ``(dinput, dweight, dbias)``, None for an absent weight or bias.
    """

    @staticmethod
    def forward(ctx, input, normalized_shape, weight=None, bias=None, eps=1e-5):
        x = as_float_array(input, "input")
        shape = _normalized_shape(normalized_shape)
        k = len(shape)
        if x.ndim < k or x.shape[x.ndim - k:] != shape:
            raise ValueError(f"layer_norm expected input of shape (*, {', '.join(map(str, shape))})"
                             f" ending in normalized_shape {shape}, got shape {x.shape}")
        params = []
        for name, p in (("weight", weight), ("bias", bias)):
            if p is not None:
                p = as_float_array(p, name)
                if p.shape != shape:
                    raise ValueError(f"layer_norm: {name} must have shape normalized_shape = "
                                     f"{shape}, got {p.shape}")
            params.append(p)
        weight, bias = params
        check_scalar(eps, "eps", min_val=0)
        axes = tuple(range(x.ndim - k, x.ndim))
        centred = x - x.mean(axis=axes, keepdims=True)
        y = centred * centred                         # scratch here, the output below
        rstd = 1.0 / np.sqrt(np.mean(y, axis=axes, keepdims=True) + eps)
        xhat = centred
        xhat *= rstd                                  # in place: centred is not needed again
        ctx.save_for_backward(xhat, rstd, weight)
        ctx.axes, ctx.has_bias = axes, bias is not None
        if weight is None:
            return xhat if bias is None else np.add(xhat, bias, out=y)
        np.multiply(xhat, weight, out=y)
        if bias is not None:
            y += bias
        return y

    @staticmethod
    def backward(ctx, grad_output):
        xhat, rstd, weight = ctx.saved_tensors
        axes = ctx.axes
        lead = tuple(range(xhat.ndim - len(axes)))
        product = grad_output * xhat                  # one scratch buffer, reused below
        dweight = None if weight is None else np.sum(product, axis=lead)
        dbias = np.sum(grad_output, axis=lead) if ctx.has_bias else None
        gxhat = grad_output if weight is None else grad_output * weight
        # dinput = rstd (gxhat - mean(gxhat) - xhat mean(gxhat xhat))
        np.multiply(gxhat, xhat, out=product)
        np.multiply(xhat, np.mean(product, axis=axes, keepdims=True), out=product)
        dinput = gxhat - gxhat.mean(axis=axes, keepdims=True)
        dinput -= product
        dinput *= rstd
        return dinput, dweight, dbias


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    r"""Layer normalization (Ba et al., 2016), as ``torch.nn.functional.layer_norm``.

    Each sample is normalized over its trailing ``normalized_shape`` entries (not over the
    batch, unlike batch normalization), then scaled and shifted elementwise:

    .. math:: y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta,

    with μ and the biased variance σ² (divided by D) per sample and position.

    Parameters
    ----------
    input : ndarray, shape (*, *normalized_shape)
    normalized_shape : int or tuple of ints
        The trailing shape normalized over, e.g. D for input (N, T, D).
    weight, bias : ndarray, shape normalized_shape, optional
        γ and β.
    eps : float, default 1e-5

    Returns
    -------
    ndarray, the shape of ``input``
    """
    return LayerNormFunction.apply(input, normalized_shape, weight, bias, eps)[0]


def layer_norm_backward(grad_output, input, normalized_shape, weight=None, bias=None,
                        eps=1e-5):
    r"""Gradients ``(dinput, dweight, dbias)`` of :func:`layer_norm` (parameter gradients
    summed over the leading dimensions; None where there is no weight or bias)."""
    return LayerNormFunction.vjp(grad_output, input, normalized_shape, weight, bias, eps)


# --------------------------------------------------------------------------- GELU
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_TANH_COEFF = 0.044715


def _erf(x):
    r"""The error function, elementwise, to about 1e-15 (NumPy has none; SciPy stays optional
    on this path).

    For :math:`z = |x| < 6` the everywhere-convergent series of positive terms

    .. math:: \mathrm{erf}(z) = \frac{2}{\sqrt\pi} e^{-z^2} \sum_{n\ge0}
              \frac{2^n z^{2n+1}}{1\cdot3\cdots(2n+1)}

    is summed until its terms no longer change the sum (the loop runs over series terms, each
    step vectorized over all entries); no cancellation occurs because every term is positive.
    For :math:`z \ge 6`, :math:`1-\mathrm{erf}(z) < 2\cdot10^{-17}` and erf is ±1 in float64.
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.minimum(np.abs(x), 6.0)
    z2 = z * z
    term = z.copy()
    total = z.copy()
    n = 0
    while np.any(term > 1e-17 * total):
        term = term * (2.0 * z2) / (2 * n + 3)
        total = total + term
        n += 1
    value = (2.0 / math.sqrt(math.pi)) * np.exp(-z2) * total
    value = np.where(np.abs(x) >= 6.0, 1.0, value)
    return np.copysign(value, x)


def _check_approximate(approximate):
    return check_option(approximate, "approximate", ("none", "tanh"))


class GELUFunction(Function):
    r"""GELU :math:`x\,\Phi(x)`; backward :math:`\Phi(x) + x\,\varphi(x)` (exact) or the
    derivative of the tanh form (``approximate='tanh'``), which is evaluated as
    :math:`x\,\sigma(2u)` since :math:`\tfrac12(1 + \tanh u) = \sigma(2u)`."""

    @staticmethod
    def forward(ctx, input, approximate="none"):
        x = as_float_array(input, "input")
        ctx.approximate = _check_approximate(approximate)
        if approximate == "tanh":
            # (1 + tanh u) / 2 = sigmoid(2u): y = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3);
            # one exp instead of a tanh, which costs NumPy about twice as much
            s = x * x
            s *= x
            s *= -2.0 * _SQRT_2_OVER_PI * _TANH_COEFF
            s -= (2.0 * _SQRT_2_OVER_PI) * x                  # s = -2u
            with np.errstate(over="ignore"):                    # exp(-2u) = inf gives s = 0
                np.exp(s, out=s)
            s += 1.0
            np.reciprocal(s, out=s)                             # s = sigmoid(2u)
            ctx.save_for_backward(x, s)
            return x * s
        ctx.save_for_backward(x, None)
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))

    @staticmethod
    def backward(ctx, grad_output):
        x, s = ctx.saved_tensors
        if ctx.approximate == "tanh":
            # d/dx x sigmoid(2u) = s + 2 x s (1 - s) u',  u' = sqrt(2/pi) (1 + 3 0.044715 x^2)
            du = x * x
            du *= 3.0 * _TANH_COEFF
            du += 1.0
            du *= 2.0 * _SQRT_2_OVER_PI
            ds = 1.0 - s
            ds *= s
            ds *= x
            ds *= du
            ds += s
            ds *= grad_output
            return ds
        cdf = 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        return grad_output * (cdf + x * pdf)


def gelu(input, approximate="none"):
    r"""Gaussian error linear unit (Hendrycks & Gimpel, 2016), as ``torch.nn.functional.gelu``.

    .. math:: \mathrm{GELU}(x) = x\,\Phi(x) = \tfrac{x}{2}\big(1 + \mathrm{erf}(x/\sqrt2)\big)

    ``approximate='tanh'`` uses
    :math:`\tfrac{x}{2}\big(1 + \tanh(\sqrt{2/\pi}\,(x + 0.044715\,x^3))\big)`.

    Parameters
    ----------
    input : ndarray, any shape
    approximate : {'none', 'tanh'}, default 'none'
    """
    return GELUFunction.apply(input, approximate)[0]


def gelu_backward(grad_output, input, approximate="none"):
    r"""Gradient of :func:`gelu`: :math:`g\,(\Phi(x) + x\varphi(x))` (or of its tanh form)."""
    return GELUFunction.vjp(grad_output, input, approximate)
