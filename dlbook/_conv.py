r"""Convolution and pooling in NCHW layout (re-exported by :mod:`dlbook.functional`).

Every operation is a :class:`~dlbook.autograd.Function` with ``forward(ctx, ...)`` and
``backward(ctx, grad_output)`` side by side, plus PyTorch's function (``conv2d``,
``max_pool2d`` ...) and a stateless ``*_backward`` helper. Shapes use the book's symbols:
N batch, C channels, H×W spatial size, L length (or number of sliding blocks).

Two array manipulations carry everything:

* **im2col** — :func:`_im2col` is a strided *view* of the (padded) input holding, for every
  output position, the kH×kW patch it reads; a convolution is then one matrix product of the
  weight with that patch matrix per group (over the whole batch at once), a pooling a
  reduction over the patch axes.
* **col2im** — :func:`_col2im` is its adjoint: every patch entry is added back to the input
  position it was read from (overlapping windows add). It is the only place with a loop, over
  the kH·kW kernel offsets, each step one vectorized slice-add.

The input-gradient of ``conv2d`` and the forward of ``conv_transpose2d`` are the same function
(:func:`_conv_input_grad`), and so are the forward of ``conv2d`` and the input-gradient of
``conv_transpose2d`` (:func:`_conv_forward`): a transposed convolution *is* the adjoint of a
convolution.

Gradients with respect to weights and biases are **summed** over the batch and over all output
positions, as in PyTorch.
"""
import math
import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validation import as_float_array, check_bool, check_positive_int, check_scalar
from .autograd import Function

__all__ = [
    "conv1d", "conv1d_backward", "conv2d", "conv2d_backward",
    "conv_transpose2d", "conv_transpose2d_backward",
    "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward",
    "lp_pool2d", "lp_pool2d_backward", "adaptive_avg_pool2d", "adaptive_avg_pool2d_backward",
    "unfold", "unfold_backward", "fold", "fold_backward",
    "Conv1dFunction", "Conv2dFunction", "ConvTranspose2dFunction", "MaxPool2dFunction",
    "AvgPool2dFunction", "LPPool2dFunction", "AdaptiveAvgPool2dFunction", "UnfoldFunction",
    "FoldFunction",
]


# --------------------------------------------------------------------------- argument checks
def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _int_tuple(value, n, name, op, minimum):
    """``value`` (an int, or a tuple/list of 1 or ``n`` ints) as a tuple of ``n`` ints, each at
    least ``minimum``; ``TypeError``/``ValueError`` naming ``op`` and ``name`` otherwise."""
    if _is_int(value):
        values = (int(value),) * n
    elif isinstance(value, (tuple, list)) and len(value) in (1, n) and all(map(_is_int, value)):
        values = tuple(int(v) for v in value) * (n // len(value))
    else:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if min(values) < minimum:
        bound = "positive" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{op}: {name} must be {bound}, got {value!r}")
    return values


_LAYOUTS = {1: ("(N, C, L)", "(C, L)"), 2: ("(N, C, H, W)", "(C, H, W)")}


def _spatial_input(input, op, n, name="input"):
    """``input`` as a float64 array with a batch axis, and whether it came without one."""
    x = as_float_array(input, name)
    batched, unbatched = _LAYOUTS[n]
    if x.ndim not in (n + 1, n + 2):
        raise ValueError(f"{op}: {name} must have shape {batched} or {unbatched} (unbatched), "
                         f"got shape {x.shape}")
    if x.ndim == n + 1:
        return x[None], True
    return x, False


def _check_bias(bias, channels, op):
    if bias is None:
        return None
    bias = as_float_array(bias, "bias")
    if bias.shape != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},), got shape {bias.shape}")
    return bias


# --------------------------------------------------------------------------- im2col / col2im
def _pad(x, pads, value=0.0):
    """``x`` (N, C, H, W) with ``pads = ((top, bottom), (left, right))`` rows/columns of
    ``value`` added; ``x`` itself when there is nothing to add."""
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return x
    n, c, h, w = x.shape
    out = np.full((n, c, h + top + bottom, w + left + right), value)
    out[:, :, top:top + h, left:left + w] = x
    return out


def _crop(xp, pads, size):
    """The inverse of :func:`_pad`: the ``size`` = (H, W) block after the leading pads."""
    (top, _), (left, _) = pads
    return xp[:, :, top:top + size[0], left:left + size[1]]


def _im2col(xp, kernel, stride, dilation, out_size):
    r"""Read-only view ``v`` of shape (N, C, kH, kW, OH, OW) with
    :math:`v[n, c, p, q, i, j] = x_p[n, c,\ i s_H + p d_H,\ j s_W + q d_W]`.

    No data is copied: this is a strided window over the padded input ``xp``.
    """
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_size
    windows = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    windows = windows[:, :, :sh * (oh - 1) + 1:sh, :sw * (ow - 1) + 1:sw, ::dh, ::dw]
    return windows.transpose(0, 1, 4, 5, 2, 3)


def _col2im(cols, padded_size, stride, dilation):
    r"""Adjoint of :func:`_im2col`: ``cols`` (N, C, kH, kW, OH, OW) -> (N, C, Hp, Wp).

    Each patch entry is added to the position it was read from, so where windows overlap the
    contributions add up. One vectorized slice-add per kernel offset (kH·kW of them).
    """
    n, c, kh, kw, oh, ow = cols.shape
    (sh, sw), (dh, dw) = stride, dilation
    out = np.zeros((n, c) + tuple(padded_size))
    for p in range(kh):
        for q in range(kw):
            rows = slice(p * dh, p * dh + sh * (oh - 1) + 1, sh)
            columns = slice(q * dw, q * dw + sw * (ow - 1) + 1, sw)
            out[:, :, rows, columns] += cols[:, :, p, q]
    return out


def _padded_size(size, pads):
    return tuple(s + lo + hi for s, (lo, hi) in zip(size, pads))


# --------------------------------------------------------------------------- convolution cores
def _grouped(a, groups):
    """(N, C, H, W) -> contiguous (groups, C/groups, N·H·W): channels first, so that the batch
    and the positions form one long matrix axis and each group is a single matmul."""
    c = a.shape[1]
    return np.ascontiguousarray(a.transpose(1, 0, 2, 3)).reshape(groups, c // groups, -1)


def _conv_forward(xp, weight, stride, dilation, groups, out_size):
    r"""Cross-correlation of the padded input ``xp`` (N, C, Hp, Wp) with ``weight``
    (O, C/groups, kH, kW): returns the output (N, O, OH, OW) and the patch matrix ``cols``
    (groups, C/groups·kH·kW, N·OH·OW) that the weight gradient needs.

    The channels split into a group axis, so each group is one matrix product
    :math:`W_g\,\mathrm{cols}_g` over the whole batch.
    """
    n = xp.shape[0]
    o, cg, kh, kw = weight.shape
    patches = _im2col(xp, (kh, kw), stride, dilation, out_size)      # (N, C, kH, kW, OH, OW)
    cols = np.ascontiguousarray(patches.transpose(1, 2, 3, 0, 4, 5)).reshape(
        groups, cg * kh * kw, -1)
    out = np.matmul(weight.reshape(groups, o // groups, -1), cols)    # (g, O/g, N·OH·OW)
    out = out.reshape((o, n) + tuple(out_size)).transpose(1, 0, 2, 3)
    return np.ascontiguousarray(out), cols


def _conv_input_grad(grad, weight, batch, out_size, padded_size, stride, dilation, groups):
    r"""Adjoint of :func:`_conv_forward` in its input. ``grad`` is the output gradient in the
    :func:`_grouped` layout (groups, O/groups, N·OH·OW); returns (N, C, Hp, Wp) with
    C = groups·weight.shape[1]: patch gradients :math:`W_g^\top g_g`, then col2im.
    This is also the whole forward pass of :func:`conv_transpose2d`."""
    o, cg, kh, kw = weight.shape
    w = weight.reshape(groups, o // groups, -1).transpose(0, 2, 1)      # (g, C/g·kH·kW, O/g)
    dcols = np.matmul(w, grad).reshape((groups * cg, kh, kw, batch) + tuple(out_size))
    return _col2im(dcols.transpose(3, 0, 1, 2, 4, 5), padded_size, stride, dilation)


def _conv_weight_grad(grad, cols, weight_shape):
    r"""Weight gradient :math:`g_g\,\mathrm{cols}_g^\top` per group — one matmul that sums over
    the batch and the output positions; ``grad`` in the :func:`_grouped` layout, ``cols`` from
    :func:`_conv_forward`."""
    return np.matmul(grad, cols.transpose(0, 2, 1)).reshape(weight_shape)


def _conv_padding(padding, kernel, stride, dilation, n, op):
    """Padding as ``n`` pairs ``(before, after)``; ``'same'`` puts an odd extra row/column of
    an even effective kernel after (bottom/right), as PyTorch does."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' needs stride 1, got stride "
                                 f"{stride if n > 1 else stride[0]}")
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise ValueError(f"{op}: padding must be an int, a tuple of {n} ints, 'valid' or "
                         f"'same', got {padding!r}")
    return tuple((p, p) for p in _int_tuple(padding, n, "padding", op, 0))


def _conv_output_size(size, kernel, stride, pads, dilation, op):
    """Output size ``floor((size + pads - d(k-1) - 1)/s) + 1`` per spatial axis; ValueError
    when the padded input is smaller than the dilated kernel."""
    padded = _padded_size(size, pads)
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < e for p, e in zip(padded, effective)):
        raise ValueError(f"{op}: the padded input size {padded} is smaller than the dilated "
                         f"kernel size {effective} (dilation*(kernel_size-1)+1), so the output "
                         f"would be empty; input size {tuple(size)}")
    return tuple((p - e) // s + 1 for p, e, s in zip(padded, effective, stride))


def _check_conv(op, n, input, weight, bias, stride, padding, dilation, groups):
    """Validate a convolution's arguments in ``n`` spatial dimensions; returns the batched
    input, the unbatched flag, weight, bias and the geometry (stride, pads, dilation, out)."""
    x, unbatched = _spatial_input(input, op, n)
    weight = as_float_array(weight, "weight")
    kernel_layout = "kL" if n == 1 else "kH, kW"
    if weight.ndim != n + 2 or 0 in weight.shape:
        raise ValueError(f"{op}: weight must have shape (out_channels, in_channels/groups, "
                         f"{kernel_layout}) with no empty dimension, got shape {weight.shape}")
    groups = check_positive_int(groups, "groups")
    stride = _int_tuple(stride, n, "stride", op, 1)
    dilation = _int_tuple(dilation, n, "dilation", op, 1)
    channels, out_channels = x.shape[1], weight.shape[0]
    if channels % groups:
        raise ValueError(f"{op}: in_channels must be divisible by groups, got {channels} "
                         f"channels and groups={groups}")
    if out_channels % groups:
        raise ValueError(f"{op}: out_channels (weight.shape[0]) must be divisible by groups, "
                         f"got {out_channels} and groups={groups}")
    if weight.shape[1] * groups != channels:
        raise ValueError(f"{op}: weight of shape {weight.shape} with groups={groups} expects "
                         f"input with {weight.shape[1] * groups} channels, got input of shape "
                         f"{np.shape(input)} ({channels} channels)")
    bias = _check_bias(bias, out_channels, op)
    kernel = weight.shape[2:]
    pads = _conv_padding(padding, kernel, stride, dilation, n, op)
    out_size = _conv_output_size(x.shape[2:], kernel, stride, pads, dilation, op)
    return x, unbatched, weight, bias, (stride, pads, dilation, groups, out_size)


def _conv2d_forward(ctx, x, weight, bias, geometry):
    """The shared body of conv1d and conv2d on 4-D arrays (batch axis present)."""
    stride, pads, dilation, groups, out_size = geometry
    out, cols = _conv_forward(_pad(x, pads), weight, stride, dilation, groups, out_size)
    if bias is not None:
        out += bias.reshape(-1, 1, 1)
    ctx.save_for_backward(cols, weight)
    ctx.geometry = geometry
    ctx.input_size = x.shape[2:]
    ctx.has_bias = bias is not None
    return out


def _conv2d_backward(ctx, grad):
    cols, weight = ctx.saved_tensors
    stride, pads, dilation, groups, out_size = ctx.geometry
    grad_g = _grouped(grad, groups)
    padded = _padded_size(ctx.input_size, pads)
    dinput = _conv_input_grad(grad_g, weight, grad.shape[0], out_size, padded, stride,
                              dilation, groups)
    dweight = _conv_weight_grad(grad_g, cols, weight.shape)
    dbias = grad_g.sum(axis=2).reshape(-1) if ctx.has_bias else None
    return _crop(dinput, pads, ctx.input_size), dweight, dbias


# --------------------------------------------------------------------------- conv2d
class Conv2dFunction(Function):
    r"""2-D cross-correlation (PyTorch's ``conv2d``) by im2col and one matmul per group.

    Forward saves the patch matrix (for ``dweight``) and the weight (for ``dinput``).
    ``backward(ctx, grad_output)`` returns ``(dinput, dweight, dbias)`` — the gradients of the
    three array inputs; ``dbias`` is None without a bias. ``dweight`` and ``dbias`` are summed
    over the batch and the output positions; ``dinput`` is :func:`conv_transpose2d` of
    ``grad_output`` (the same code).
    """

    @staticmethod
    def forward(ctx, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        x, unbatched, weight, bias, geometry = _check_conv(
            "conv2d", 2, input, weight, bias, stride, padding, dilation, groups)
        ctx.unbatched = unbatched
        out = _conv2d_forward(ctx, x, weight, bias, geometry)
        return out[0] if unbatched else out

    @staticmethod
    def backward(ctx, grad_output):
        grad = grad_output[None] if ctx.unbatched else grad_output
        dinput, dweight, dbias = _conv2d_backward(ctx, grad)
        return (dinput[0] if ctx.unbatched else dinput), dweight, dbias


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""2-D convolution (cross-correlation, as in PyTorch) over an NCHW batch.

    .. math::
        y_{n,o,i,j} = b_o + \sum_{c=1}^{C/G} \sum_{p,q}
        w_{o,c,p,q}\; x^{\text{pad}}_{n,\ g(o)\,C/G + c,\ i s_H + p d_H,\ j s_W + q d_W}

    where :math:`g(o) = \lfloor o G / O \rfloor` is the group of output channel :math:`o`.
    The output size per spatial axis is
    :math:`\lfloor (H + 2P - d(k-1) - 1)/s \rfloor + 1`.

    Parameters
    ----------
    input : ndarray, shape (N, C, H, W) or (C, H, W)
    weight : ndarray, shape (O, C/groups, kH, kW)
    bias : ndarray, shape (O,), optional
    stride : int or (int, int), default 1
    padding : int, (int, int), 'valid' or 'same', default 0
        Zeros added on both sides. ``'same'`` (stride 1 only) keeps H×W; when the dilated
        kernel :math:`d(k-1)+1` is even, the extra row/column goes at the bottom/right.
    dilation : int or (int, int), default 1
        Spacing between kernel taps.
    groups : int, default 1
        Channels split into ``groups`` independent convolutions; ``groups = C`` (with O a
        multiple of C) is a depthwise convolution.

    Returns
    -------
    ndarray, shape (N, O, OH, OW) (or (O, OH, OW) for unbatched input)
    """
    return Conv2dFunction.apply(input, weight, bias, stride, padding, dilation, groups)[0]


def conv2d_backward(grad_output, input, weight, bias=None, stride=1, padding=0, dilation=1,
                    groups=1):
    r"""Gradients of :func:`conv2d`: ``(dinput, dweight, dbias)``.

    ``dinput = conv_transpose2d(grad_output, weight, ...)``;
    :math:`\partial C/\partial w_{o,c,p,q} = \sum_{n,i,j} g_{n,o,i,j}\,x^{\text{pad}}_{n,\cdot,
    i s_H + p d_H, j s_W + q d_W}` and :math:`\partial C/\partial b_o = \sum_{n,i,j} g_{n,o,i,j}`
    (sums over the batch); ``dbias`` is None without a bias.
    """
    return Conv2dFunction.vjp(grad_output, input, weight, bias, stride, padding, dilation,
                              groups)


# --------------------------------------------------------------------------- conv1d
class Conv1dFunction(Function):
    r"""1-D cross-correlation: a :class:`Conv2dFunction` on inputs of height 1.

    ``backward(ctx, grad_output)`` returns ``(dinput, dweight, dbias)`` as for conv2d.
    """

    @staticmethod
    def forward(ctx, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        x, unbatched, weight, bias, geometry = _check_conv(
            "conv1d", 1, input, weight, bias, stride, padding, dilation, groups)
        (s,), (pad,), (d,), groups, (length,) = geometry
        geometry2d = ((1, s), ((0, 0), pad), (1, d), groups, (1, length))
        ctx.unbatched = unbatched
        out = _conv2d_forward(ctx, x[:, :, None, :], weight[:, :, None, :], bias, geometry2d)
        out = out[:, :, 0, :]
        return out[0] if unbatched else out

    @staticmethod
    def backward(ctx, grad_output):
        grad = grad_output[None] if ctx.unbatched else grad_output
        dinput, dweight, dbias = _conv2d_backward(ctx, grad[:, :, None, :])
        dinput = dinput[:, :, 0, :]
        return (dinput[0] if ctx.unbatched else dinput), dweight[:, :, 0, :], dbias


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""1-D convolution (cross-correlation) over an NCL batch, as ``torch.nn.functional.conv1d``.

    .. math::
        y_{n,o,i} = b_o + \sum_{c=1}^{C/G} \sum_{p} w_{o,c,p}\, x^{\text{pad}}_{n,\ g(o)\,C/G + c,\
        i s + p d}

    Parameters
    ----------
    input : ndarray, shape (N, C, L) or (C, L)
    weight : ndarray, shape (O, C/groups, kL)
    bias : ndarray, shape (O,), optional
    stride : int, default 1
    padding : int, 'valid' or 'same', default 0
        ``'same'`` (stride 1 only) puts the extra zero of an even dilated kernel on the right.
    dilation : int, default 1
    groups : int, default 1

    Returns
    -------
    ndarray, shape (N, O, L_out) with :math:`L_{out} = \lfloor (L + 2P - d(k-1) - 1)/s
    \rfloor + 1` (or (O, L_out) for unbatched input)
    """
    return Conv1dFunction.apply(input, weight, bias, stride, padding, dilation, groups)[0]


def conv1d_backward(grad_output, input, weight, bias=None, stride=1, padding=0, dilation=1,
                    groups=1):
    r"""Gradients of :func:`conv1d`: ``(dinput, dweight, dbias)``, weight and bias gradients
    summed over the batch and positions; ``dbias`` is None without a bias."""
    return Conv1dFunction.vjp(grad_output, input, weight, bias, stride, padding, dilation,
                              groups)


# --------------------------------------------------------------------------- conv_transpose2d
def _check_conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                          dilation):
    op = "conv_transpose2d"
    x, unbatched = _spatial_input(input, op, 2)
    weight = as_float_array(weight, "weight")
    if weight.ndim != 4 or 0 in weight.shape:
        raise ValueError(f"{op}: weight must have shape (in_channels, out_channels/groups, kH, "
                         f"kW) with no empty dimension, got shape {weight.shape}")
    groups = check_positive_int(groups, "groups")
    stride = _int_tuple(stride, 2, "stride", op, 1)
    dilation = _int_tuple(dilation, 2, "dilation", op, 1)
    padding = _int_tuple(padding, 2, "padding", op, 0)
    output_padding = _int_tuple(output_padding, 2, "output_padding", op, 0)
    channels = x.shape[1]
    if weight.shape[0] != channels:
        raise ValueError(f"{op}: weight of shape {weight.shape} (in_channels, "
                         f"out_channels/groups, kH, kW) expects input with {weight.shape[0]} "
                         f"channels, got input of shape {np.shape(input)} ({channels} channels)")
    if channels % groups:
        raise ValueError(f"{op}: in_channels must be divisible by groups, got {channels} "
                         f"channels and groups={groups}")
    for op_, s, d in zip(output_padding, stride, dilation):
        if not (op_ < s or op_ < d):
            raise ValueError(f"{op}: output_padding must be smaller than either stride or "
                             f"dilation, got output_padding={output_padding}, stride={stride}, "
                             f"dilation={dilation}")
    bias = _check_bias(bias, weight.shape[1] * groups, op)
    kernel = weight.shape[2:]
    # the convolution whose adjoint this is reads a padded input of this size:
    padded = tuple((h - 1) * s + d * (k - 1) + 1 + o for h, s, d, k, o in
                   zip(x.shape[2:], stride, dilation, kernel, output_padding))
    out_size = tuple(p - 2 * q for p, q in zip(padded, padding))
    if min(out_size) < 1:
        raise ValueError(f"{op}: the output size (H-1)*stride - 2*padding + "
                         f"dilation*(kernel_size-1) + output_padding + 1 = {out_size} is empty "
                         f"for input size {x.shape[2:]}, padding={padding}")
    pads = tuple((q, q) for q in padding)
    return x, unbatched, weight, bias, (stride, pads, dilation, groups, padded)


class ConvTranspose2dFunction(Function):
    r"""Transposed convolution: the adjoint of :class:`Conv2dFunction` in its input.

    The forward runs the conv2d input-gradient code on ``input``; the backward runs the conv2d
    forward code on the padded ``grad_output``. Forward saves the input (channels first, the
    layout the weight gradient's matmul reads) and the weight.
    ``backward(ctx, grad_output)`` returns ``(dinput, dweight, dbias)``, weight and bias
    gradients summed over the batch and positions; ``dbias`` is None without a bias.
    """

    @staticmethod
    def forward(ctx, input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                dilation=1):
        x, unbatched, weight, bias, geometry = _check_conv_transpose(
            input, weight, bias, stride, padding, output_padding, groups, dilation)
        stride, pads, dilation, groups, padded = geometry
        out_size = tuple(p - lo - hi for p, (lo, hi) in zip(padded, pads))
        x_g = _grouped(x, groups)
        out = _crop(_conv_input_grad(x_g, weight, x.shape[0], x.shape[2:], padded, stride,
                                     dilation, groups), pads, out_size)
        out = out + bias.reshape(-1, 1, 1) if bias is not None else np.ascontiguousarray(out)
        ctx.save_for_backward(x_g, weight)
        ctx.geometry = geometry
        ctx.input_size = x.shape[2:]
        ctx.unbatched = unbatched
        ctx.has_bias = bias is not None
        return out[0] if unbatched else out

    @staticmethod
    def backward(ctx, grad_output):
        x_g, weight = ctx.saved_tensors
        stride, pads, dilation, groups, _ = ctx.geometry
        grad = grad_output[None] if ctx.unbatched else grad_output
        dinput, cols = _conv_forward(_pad(grad, pads), weight, stride, dilation, groups,
                                     ctx.input_size)
        dweight = _conv_weight_grad(x_g, cols, weight.shape)
        dbias = grad.sum(axis=(0, 2, 3)) if ctx.has_bias else None
        return (dinput[0] if ctx.unbatched else dinput), dweight, dbias


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    r"""Transposed 2-D convolution ("deconvolution"), as ``torch.nn.functional.conv_transpose2d``.

    It is the adjoint of :func:`conv2d` with the same ``weight``, stride, padding, dilation and
    groups: :math:`\langle \mathrm{conv2d}(x, w), y\rangle =
    \langle x, \mathrm{conv\_transpose2d}(y, w)\rangle`. Each input pixel scatters a copy of the
    kernel, scaled by its value, into the output; overlaps add.

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
    weight : ndarray, shape (C_in, C_out/groups, kH, kW)
        PyTorch's layout: in_channels first (the conv2d weight it is the adjoint of).
    bias : ndarray, shape (C_out,), optional
    stride, padding, dilation : int or (int, int)
        Those of the convolution this is the adjoint of; ``padding`` crops the output.
    output_padding : int or (int, int), default 0
        Extra rows/columns at the bottom/right, to pick one of the input sizes a strided
        conv2d maps to the same output size; smaller than stride or dilation.
    groups : int, default 1

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) with
    :math:`H_{out} = (H-1)s - 2P + d(k-1) + \text{output\_padding} + 1`
    """
    return ConvTranspose2dFunction.apply(input, weight, bias, stride, padding, output_padding,
                                         groups, dilation)[0]


def conv_transpose2d_backward(grad_output, input, weight, bias=None, stride=1, padding=0,
                              output_padding=0, groups=1, dilation=1):
    r"""Gradients of :func:`conv_transpose2d`: ``(dinput, dweight, dbias)``.

    ``dinput = conv2d(grad_output, weight, ...)`` with the same hyper-parameters; weight and
    bias gradients are summed over the batch and positions; ``dbias`` is None without a bias.
    """
    return ConvTranspose2dFunction.vjp(grad_output, input, weight, bias, stride, padding,
                                       output_padding, groups, dilation)


# --------------------------------------------------------------------------- pooling geometry
def _pool_geometry(op, size, kernel_size, stride, padding, dilation, ceil_mode):
    """Kernel, stride, dilation, pads ((before, after) per axis; ``after`` includes the extra
    rows a ceil_mode window reaches past the padding) and the output size, as PyTorch computes
    them; ValueError for too much padding or an empty output."""
    kernel = _int_tuple(kernel_size, 2, "kernel_size", op, 1)
    stride = kernel if stride is None else _int_tuple(stride, 2, "stride", op, 1)
    padding = _int_tuple(padding, 2, "padding", op, 0)
    dilation = _int_tuple(dilation, 2, "dilation", op, 1)
    check_bool(ceil_mode, "ceil_mode")
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p > e // 2 for p, e in zip(padding, effective)):
        raise ValueError(f"{op}: padding must be at most half of the effective kernel size "
                         f"dilation*(kernel_size-1)+1 = {effective}, got padding={padding}")
    out_size, pads = [], []
    for n, e, s, p in zip(size, effective, stride, padding):
        o = (n + 2 * p - e + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= n + p:   # the last window must start inside the input
            o -= 1                                # or its left padding
        out_size.append(o)
        pads.append((p, max(p, (o - 1) * s + e - n - p)))
    if min(out_size) < 1:
        raise ValueError(f"{op}: the output size {tuple(out_size)} is empty for input size "
                         f"{tuple(size)}, kernel_size={kernel}, stride={stride}, "
                         f"padding={padding}, dilation={dilation}")
    return kernel, stride, dilation, tuple(pads), tuple(out_size)


# --------------------------------------------------------------------------- max_pool2d
class MaxPool2dFunction(Function):
    r"""Max pooling; the gradient of each window goes to its (first) maximum.

    Forward saves the flat index ``h·W + w`` of every window's maximum and the input shape.
    The output is ``output`` or, with ``return_indices=True``, ``(output, indices)``.
    ``backward(ctx, grad_output)`` takes the gradient of the pooled values and returns
    ``dinput``.
    """

    @staticmethod
    def forward(ctx, input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                return_indices=False):
        op = "max_pool2d"
        x, unbatched = _spatial_input(input, op, 2)
        n, c, h, w = x.shape
        kernel, stride, dilation, pads, out_size = _pool_geometry(
            op, (h, w), kernel_size, stride, padding, dilation, ceil_mode)
        (kh, kw), (oh, ow) = kernel, out_size
        patches = _im2col(_pad(x, pads, -np.inf), kernel, stride, dilation, out_size)
        flat = np.ascontiguousarray(patches.transpose(0, 1, 4, 5, 2, 3)).reshape(
            n, c, oh, ow, kh * kw)
        argmax = flat.argmax(axis=-1)                      # first maximum, PyTorch's tie rule
        output = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
        nan = np.isnan(output)
        if nan.any():     # a NaN propagates; PyTorch's index is that of the window's last NaN
            last_nan = kh * kw - 1 - np.isnan(flat[..., ::-1]).argmax(axis=-1)
            argmax = np.where(nan, last_nan, argmax)
        top = np.arange(oh) * stride[0] - pads[0][0]       # window origins in the input
        left = np.arange(ow) * stride[1] - pads[1][0]
        # flat index h·W + w of tap k of window (i, j): origin[i, j] + tap[k]
        origin = top[:, None] * w + left
        tap = (np.arange(kh)[:, None] * (dilation[0] * w) + np.arange(kw) * dilation[1]).ravel()
        ctx.outside = None
        empty = output == -np.inf
        if empty.any():   # a window of -inf inputs points at its first in-bounds position
            first_row = -(np.minimum(top, 0) // dilation[0])
            first_col = -(np.minimum(left, 0) // dilation[1])
            argmax = np.where(empty, first_row[:, None] * kw + first_col, argmax)
            # With dilation a window can miss the input entirely: its output is -inf and, as
            # in PyTorch, its index points past the input; it sends no gradient back.
            outside = ((top[:, None] + argmax // kw * dilation[0] >= h)
                       | (left + argmax % kw * dilation[1] >= w))
            if outside.any():
                ctx.outside = outside
        indices = origin + tap[argmax]
        saved = indices if ctx.outside is None else np.where(ctx.outside, 0, indices)
        ctx.save_for_backward(saved)
        ctx.input_shape = x.shape
        ctx.unbatched = unbatched
        if unbatched:
            output, indices = output[0], indices[0]
        return (output, indices) if return_indices else output

    @staticmethod
    def backward(ctx, grad_output):
        indices, = ctx.saved_tensors
        n, c, h, w = ctx.input_shape
        plane = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
        grad = np.reshape(grad_output, indices.shape)
        if ctx.outside is not None:
            grad = np.where(ctx.outside, 0.0, grad)
        dinput = np.bincount((indices + plane).ravel(), weights=grad.ravel(),
                             minlength=n * c * h * w).reshape(n, c, h, w)
        return dinput[0] if ctx.unbatched else dinput


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    r"""2-D max pooling, as ``torch.nn.functional.max_pool2d``.

    :math:`y_{n,c,i,j} = \max_{p,q}\ x^{\text{pad}}_{n,c,\ i s_H + p d_H,\ j s_W + q d_W}` with
    :math:`-\infty` padding, so padding never wins.

    Parameters
    ----------
    input : ndarray, shape (N, C, H, W) or (C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), default ``kernel_size``
    padding : int or (int, int), default 0
        At most half of the effective kernel size.
    dilation : int or (int, int), default 1
    ceil_mode : bool, default False
        Round the output size up, so a last partial window is kept (if it starts inside the
        input or its left padding).
    return_indices : bool, default False
        Also return the flat index ``h·W + w`` into each input plane of every maximum (the
        first one in row-major window order on ties, as PyTorch; a NaN in a window is its
        maximum, and the index is that of its last NaN, also as PyTorch).

    Returns
    -------
    output : ndarray, shape (N, C, OH, OW) (or (C, OH, OW))
        With :math:`OH = \lfloor (H + 2P - d(k-1) - 1)/s \rfloor + 1` (ceil with ceil_mode).
    indices : ndarray of int64, same shape, only with ``return_indices=True``
    """
    return MaxPool2dFunction.apply(input, kernel_size, stride, padding, dilation, ceil_mode,
                                   return_indices)[0]


def max_pool2d_backward(grad_output, input, kernel_size, stride=None, padding=0, dilation=1,
                        ceil_mode=False):
    r"""Gradient of :func:`max_pool2d`: each window's ``grad_output`` is routed to the position
    of its maximum (first maximum on ties); overlapping windows add. Returns ``dinput``."""
    return MaxPool2dFunction.vjp(grad_output, input, kernel_size, stride, padding, dilation,
                                 ceil_mode)


# --------------------------------------------------------------------------- avg_pool2d
def _avg_divisor(size, kernel, stride, pads, out_size, count_include_pad, divisor_override):
    """PyTorch's divisor of every window, shape (OH, OW) (or a scalar): the window clipped to
    the padded input (count_include_pad) or to the input itself."""
    if divisor_override is not None:
        return float(divisor_override)
    extents = []
    for n, k, s, (p, _), o in zip(size, kernel, stride, pads, out_size):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if count_include_pad:
            extents.append(end - start)
        else:
            extents.append(np.minimum(end, n) - np.maximum(start, 0))
    return (extents[0][:, None] * extents[1][None, :]).astype(np.float64)


def _avg_pool_forward(ctx, x, op, kernel_size, stride, padding, ceil_mode, count_include_pad,
                      divisor_override):
    """Average pooling of a batched input; saves the geometry and the divisor in ``ctx``."""
    n, c, h, w = x.shape
    kernel, stride, _, pads, out_size = _pool_geometry(op, (h, w), kernel_size, stride, padding,
                                                       1, ceil_mode)
    patches = _im2col(_pad(x, pads), kernel, stride, (1, 1), out_size)
    divisor = _avg_divisor((h, w), kernel, stride, pads, out_size, count_include_pad,
                           divisor_override)
    output = patches.sum(axis=(2, 3)) / divisor
    ctx.pool = (kernel, stride, pads, (h, w), divisor)
    return output


def _avg_pool_backward(ctx, grad):
    """Adjoint of :func:`_avg_pool_forward`: every input in a window receives g / divisor."""
    kernel, stride, pads, size, divisor = ctx.pool
    share = grad / divisor
    cols = np.broadcast_to(share[:, :, None, None], share.shape[:2] + kernel + share.shape[2:])
    return _crop(_col2im(cols, _padded_size(size, pads), stride, (1, 1)), pads, size)


class AvgPool2dFunction(Function):
    r"""Average pooling with PyTorch's divisor rules; the gradient of a window is shared
    equally (``grad / divisor``) by the inputs it covers. Forward saves only the geometry and
    the divisors. ``backward(ctx, grad_output)`` returns ``dinput``.
    """

    @staticmethod
    def forward(ctx, input, kernel_size, stride=None, padding=0, ceil_mode=False,
                count_include_pad=True, divisor_override=None):
        op = "avg_pool2d"
        x, unbatched = _spatial_input(input, op, 2)
        if divisor_override is not None:
            check_scalar(divisor_override, "divisor_override", numbers.Integral)
            if divisor_override == 0:
                raise ValueError(f"{op}: divisor_override must be non-zero, got 0")
        output = _avg_pool_forward(ctx, x, op, kernel_size, stride, padding, ceil_mode,
                                   bool(count_include_pad), divisor_override)
        ctx.unbatched = unbatched
        return output[0] if unbatched else output

    @staticmethod
    def backward(ctx, grad_output):
        grad = grad_output[None] if ctx.unbatched else grad_output
        dinput = _avg_pool_backward(ctx, grad)
        return dinput[0] if ctx.unbatched else dinput


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    r"""2-D average pooling, as ``torch.nn.functional.avg_pool2d``.

    :math:`y_{n,c,i,j} = \frac{1}{D_{ij}} \sum_{p,q} x^{\text{pad}}_{n,c,\ i s_H + p,\ j s_W + q}`
    with zero padding. The divisor :math:`D_{ij}` is PyTorch's: ``divisor_override`` if given;
    else the window's area clipped to the padded input (``count_include_pad=True``: padding
    counts, but with ceil_mode the part of a last window beyond the padding does not); else
    the number of real (non-padding) inputs in the window.

    Parameters
    ----------
    input : ndarray, shape (N, C, H, W) or (C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), default ``kernel_size``
    padding : int or (int, int), default 0
        At most half of the kernel size.
    ceil_mode : bool, default False
    count_include_pad : bool, default True
    divisor_override : int, optional

    Returns
    -------
    ndarray, shape (N, C, OH, OW) (or (C, OH, OW)), sizes as for :func:`max_pool2d`
    """
    return AvgPool2dFunction.apply(input, kernel_size, stride, padding, ceil_mode,
                                   count_include_pad, divisor_override)[0]


def avg_pool2d_backward(grad_output, input, kernel_size, stride=None, padding=0,
                        ceil_mode=False, count_include_pad=True, divisor_override=None):
    r"""Gradient of :func:`avg_pool2d`: :math:`g_{ij}/D_{ij}` added to every input of window
    :math:`(i, j)`; overlapping windows add. Returns ``dinput``."""
    return AvgPool2dFunction.vjp(grad_output, input, kernel_size, stride, padding, ceil_mode,
                                 count_include_pad, divisor_override)


# --------------------------------------------------------------------------- lp_pool2d
class LPPool2dFunction(Function):
    r"""Power-average pooling :math:`(k_H k_W\,\mathrm{avg}(x^p))^{1/p}`, computed as PyTorch.

    With :math:`u = \mathrm{avg}(x^p)` and :math:`y = (k_H k_W u)^{1/p}`, the chain rule gives
    :math:`\partial C/\partial x = \mathrm{avg}^\top(g\, y / u)\; x^{p-1}` (0 where
    :math:`u = 0`, as PyTorch). Forward saves the input, ``u`` and ``y``.
    ``backward(ctx, grad_output)`` returns ``dinput``.
    """

    @staticmethod
    def forward(ctx, input, norm_type, kernel_size, stride=None, ceil_mode=False):
        op = "lp_pool2d"
        x, unbatched = _spatial_input(input, op, 2)
        p = check_scalar(norm_type, "norm_type", min_val=0, max_val=math.inf,
                         include_boundaries="neither")             # positive and finite
        with np.errstate(invalid="ignore"):    # a negative base to a fractional power is NaN,
            powered = x ** p                   # as in PyTorch
        mean = _avg_pool_forward(ctx, powered, op, kernel_size, stride, 0, ceil_mode, True, None)
        area = ctx.pool[0][0] * ctx.pool[0][1]
        with np.errstate(invalid="ignore"):
            output = (mean * area) ** (1.0 / p)
        ctx.save_for_backward(x, mean, output)
        ctx.norm_type = p
        ctx.unbatched = unbatched
        return output[0] if unbatched else output

    @staticmethod
    def backward(ctx, grad_output):
        x, mean, output = ctx.saved_tensors
        grad = grad_output[None] if ctx.unbatched else grad_output
        ratio = np.divide(grad * output, mean, out=np.zeros_like(mean), where=mean != 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            dinput = _avg_pool_backward(ctx, ratio) * x ** (ctx.norm_type - 1.0)
        return dinput[0] if ctx.unbatched else dinput


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    r"""Power-average pooling, as ``torch.nn.functional.lp_pool2d``.

    .. math:: y_{n,c,i,j} = \Big(\sum_{p,q} x_{n,c,\ i s_H + p,\ j s_W + q}^{\,P}\Big)^{1/P}

    computed as PyTorch does, :math:`(k_H k_W \cdot \mathrm{avg\_pool2d}(x^P))^{1/P}`; so with
    ``ceil_mode`` a clipped last window is rescaled to the full kernel area. ``norm_type=2``
    is L2 pooling, :math:`P \to \infty` would be max pooling, ``norm_type=1`` sum pooling.

    Parameters
    ----------
    input : ndarray, shape (N, C, H, W) or (C, H, W)
        Non-negative, unless ``norm_type`` is an integer (a negative window sum to a
        fractional power gives NaN, as in PyTorch).
    norm_type : float, positive
    kernel_size : int or (int, int)
    stride : int or (int, int), default ``kernel_size``
    ceil_mode : bool, default False

    Returns
    -------
    ndarray, shape (N, C, OH, OW) (or (C, OH, OW))
    """
    return LPPool2dFunction.apply(input, norm_type, kernel_size, stride, ceil_mode)[0]


def lp_pool2d_backward(grad_output, input, norm_type, kernel_size, stride=None, ceil_mode=False):
    r"""Gradient of :func:`lp_pool2d`: :math:`(y/S)\,x^{P-1}\,g` for each input of a window with
    sum of powers :math:`S` (0 where :math:`S = 0`); overlapping windows add. Returns
    ``dinput``."""
    return LPPool2dFunction.vjp(grad_output, input, norm_type, kernel_size, stride, ceil_mode)


# --------------------------------------------------------------------------- adaptive_avg_pool2d
def _adaptive_matrix(size, out):
    r"""Averaging matrix (out, size): row :math:`i` is :math:`1/(e_i - s_i)` on
    :math:`[s_i, e_i)` with :math:`s_i = \lfloor i\,\text{size}/\text{out} \rfloor`,
    :math:`e_i = \lceil (i+1)\,\text{size}/\text{out} \rceil` (PyTorch's bins), else 0."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    positions = np.arange(size)
    inside = (positions >= start[:, None]) & (positions < end[:, None])
    return inside / (end - start)[:, None]


class AdaptiveAvgPool2dFunction(Function):
    r"""Adaptive average pooling as two averaging matrices:
    :math:`Y = A_H\, X\, A_W^\top` per plane, so :math:`\partial C/\partial X = A_H^\top G A_W`.
    Forward saves :math:`A_H` and :math:`A_W`. ``backward(ctx, grad_output)`` returns
    ``dinput``.
    """

    @staticmethod
    def forward(ctx, input, output_size):
        op = "adaptive_avg_pool2d"
        x, unbatched = _spatial_input(input, op, 2)
        if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
            sizes = tuple(x.shape[2 + k] if s is None else s for k, s in enumerate(output_size))
        else:
            sizes = output_size
        oh, ow = _int_tuple(sizes, 2, "output_size", op, 1)
        if 0 in x.shape[2:]:
            raise ValueError(f"{op}: input must have non-empty H and W, got shape {x.shape}")
        rows, cols = _adaptive_matrix(x.shape[2], oh), _adaptive_matrix(x.shape[3], ow)
        output = rows @ x @ cols.T
        ctx.save_for_backward(rows, cols)
        ctx.unbatched = unbatched
        return output[0] if unbatched else output

    @staticmethod
    def backward(ctx, grad_output):
        rows, cols = ctx.saved_tensors
        return rows.T @ grad_output @ cols


def adaptive_avg_pool2d(input, output_size):
    r"""Average pooling to a fixed output size, as ``torch.nn.functional.adaptive_avg_pool2d``.

    Output row :math:`i` averages input rows :math:`[\lfloor iH/OH \rfloor,
    \lceil (i+1)H/OH \rceil)` (likewise for columns), so bins may differ in size by one and
    overlap when H is not a multiple of OH.

    Parameters
    ----------
    input : ndarray, shape (N, C, H, W) or (C, H, W)
    output_size : int or (int or None, int or None)
        None keeps that input dimension.

    Returns
    -------
    ndarray, shape (N, C, OH, OW) (or (C, OH, OW))
    """
    return AdaptiveAvgPool2dFunction.apply(input, output_size)[0]


def adaptive_avg_pool2d_backward(grad_output, input, output_size):
    r"""Gradient of :func:`adaptive_avg_pool2d`: each bin's gradient, divided by its area,
    spread over the bin. Returns ``dinput``."""
    return AdaptiveAvgPool2dFunction.vjp(grad_output, input, output_size)


# --------------------------------------------------------------------------- unfold / fold
def _block_geometry(op, size, kernel_size, dilation, padding, stride):
    kernel = _int_tuple(kernel_size, 2, "kernel_size", op, 1)
    dilation = _int_tuple(dilation, 2, "dilation", op, 1)
    padding = _int_tuple(padding, 2, "padding", op, 0)
    stride = _int_tuple(stride, 2, "stride", op, 1)
    pads = tuple((p, p) for p in padding)
    out_size = _conv_output_size(size, kernel, stride, pads, dilation, op)
    return kernel, dilation, pads, stride, out_size


class UnfoldFunction(Function):
    r"""im2col: every sliding block of the padded input as a column. The backward is
    :class:`FoldFunction`'s forward (col2im). Forward saves only the geometry.
    ``backward(ctx, grad_output)`` returns ``dinput``.
    """

    @staticmethod
    def forward(ctx, input, kernel_size, dilation=1, padding=0, stride=1):
        op = "unfold"
        x, unbatched = _spatial_input(input, op, 2)
        n, c = x.shape[:2]
        kernel, dilation, pads, stride, out_size = _block_geometry(
            op, x.shape[2:], kernel_size, dilation, padding, stride)
        patches = _im2col(_pad(x, pads), kernel, stride, dilation, out_size)
        output = np.ascontiguousarray(patches).reshape(n, c * kernel[0] * kernel[1],
                                                       out_size[0] * out_size[1])
        ctx.geometry = (kernel, dilation, pads, stride, out_size, x.shape)
        ctx.unbatched = unbatched
        return output[0] if unbatched else output

    @staticmethod
    def backward(ctx, grad_output):
        kernel, dilation, pads, stride, out_size, shape = ctx.geometry
        cols = np.reshape(grad_output, shape[:2] + kernel + out_size)
        dinput = _crop(_col2im(cols, _padded_size(shape[2:], pads), stride, dilation), pads,
                       shape[2:])
        return dinput[0] if ctx.unbatched else dinput


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    r"""Extract sliding blocks (im2col), as ``torch.nn.functional.unfold``.

    Column :math:`l = i\,OW + j` of the output holds the block at output position
    :math:`(i, j)`, flattened channel-major as :math:`c\,k_H k_W + p\,k_W + q`:

    .. math::
        y_{n,\ c k_H k_W + p k_W + q,\ l} = x^{\text{pad}}_{n,c,\ i s_H + p d_H,\ j s_W + q d_W}

    ``conv2d`` is ``weight.reshape(O, -1) @ unfold(input, ...)`` (for one group).

    Parameters
    ----------
    input : ndarray, shape (N, C, H, W) or (C, H, W)
    kernel_size, dilation, padding, stride : int or (int, int)

    Returns
    -------
    ndarray, shape (N, C·kH·kW, L) (or (C·kH·kW, L)), L = OH·OW blocks
    """
    return UnfoldFunction.apply(input, kernel_size, dilation, padding, stride)[0]


def unfold_backward(grad_output, input, kernel_size, dilation=1, padding=0, stride=1):
    r"""Gradient of :func:`unfold`: :func:`fold` of ``grad_output`` (overlaps add). Returns
    ``dinput``."""
    return UnfoldFunction.vjp(grad_output, input, kernel_size, dilation, padding, stride)


class FoldFunction(Function):
    r"""col2im, the adjoint of :class:`UnfoldFunction`: columns are added back into an image;
    the backward is unfold. Forward saves only the geometry. ``backward(ctx, grad_output)``
    returns ``dinput``.
    """

    @staticmethod
    def forward(ctx, input, output_size, kernel_size, dilation=1, padding=0, stride=1):
        op = "fold"
        x = as_float_array(input, "input")
        if x.ndim not in (2, 3):
            raise ValueError(f"{op}: input must have shape (N, C*kH*kW, L) or (C*kH*kW, L) "
                             f"(unbatched), got shape {x.shape}")
        unbatched = x.ndim == 2
        if unbatched:
            x = x[None]
        size = _int_tuple(output_size, 2, "output_size", op, 1)
        kernel, dilation, pads, stride, blocks = _block_geometry(
            op, size, kernel_size, dilation, padding, stride)
        area = kernel[0] * kernel[1]
        if x.shape[1] % area:
            raise ValueError(f"{op}: input.shape[1] must be divisible by kH*kW = {area} "
                             f"(kernel_size={kernel}), got shape {np.shape(input)}")
        if x.shape[2] != blocks[0] * blocks[1]:
            raise ValueError(f"{op}: output_size={size}, kernel_size={kernel}, "
                             f"dilation={dilation}, padding={tuple(p for p, _ in pads)}, "
                             f"stride={stride} give {blocks[0]}*{blocks[1]} = "
                             f"{blocks[0] * blocks[1]} sliding blocks, got input of shape "
                             f"{np.shape(input)} with {x.shape[2]} blocks")
        n, c = x.shape[0], x.shape[1] // area
        cols = x.reshape((n, c) + kernel + blocks)
        output = _crop(_col2im(cols, _padded_size(size, pads), stride, dilation), pads, size)
        ctx.geometry = (kernel, dilation, pads, stride, blocks)
        ctx.unbatched = unbatched
        return output[0] if unbatched else output

    @staticmethod
    def backward(ctx, grad_output):
        kernel, dilation, pads, stride, blocks = ctx.geometry
        grad = grad_output[None] if ctx.unbatched else grad_output
        n, c = grad.shape[:2]
        patches = _im2col(_pad(grad, pads), kernel, stride, dilation, blocks)
        dinput = np.ascontiguousarray(patches).reshape(n, c * kernel[0] * kernel[1],
                                                       blocks[0] * blocks[1])
        return dinput[0] if ctx.unbatched else dinput


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    r"""Combine sliding blocks into an image (col2im), as ``torch.nn.functional.fold``.

    The adjoint of :func:`unfold` with the same geometry: every entry is added to the pixel
    it would have been read from, so overlapping blocks sum (``fold(unfold(x))`` multiplies
    each pixel by the number of blocks covering it); padding is cropped.

    Parameters
    ----------
    input : ndarray, shape (N, C·kH·kW, L) or (C·kH·kW, L)
    output_size : int or (int, int)
        (H, W) of the image.
    kernel_size, dilation, padding, stride : int or (int, int)

    Returns
    -------
    ndarray, shape (N, C, H, W) (or (C, H, W))
    """
    return FoldFunction.apply(input, output_size, kernel_size, dilation, padding, stride)[0]


def fold_backward(grad_output, input, output_size, kernel_size, dilation=1, padding=0,
                  stride=1):
    r"""Gradient of :func:`fold`: :func:`unfold` of ``grad_output``. Returns ``dinput``."""
    return FoldFunction.vjp(grad_output, input, output_size, kernel_size, dilation, padding,
                            stride)
