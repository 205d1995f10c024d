r"""Convolution layers with PyTorch's names, parameter layouts, initialization and padding modes.

``Conv1d``, ``Conv2d`` and ``ConvTranspose2d`` hold a ``weight`` and an optional ``bias`` and run
the convolution Functions of :mod:`dlbook._conv` (im2col and one matrix product per group) with
the module's saved context, exactly as :class:`~dlbook.nn.Linear` runs ``LinearFunction``.

Initialization (PyTorch's ``reset_parameters``)
-----------------------------------------------
The weight is drawn by ``kaiming_uniform_(weight, a=sqrt(5))``. With gain
:math:`\sqrt{2/(1+a^2)} = \sqrt{1/3}` the He-uniform bound
:math:`\text{gain}\sqrt{3/\text{fan\_in}}` simplifies to :math:`1/\sqrt{\text{fan\_in}}`,
so weight and bias are both :math:`U(-1/\sqrt{\text{fan\_in}},\ 1/\sqrt{\text{fan\_in}})` where
:math:`\text{fan\_in} = \text{weight.shape[1]} \cdot k_H k_W` — that is
:math:`(C_{in}/G)\,k_H k_W` for a convolution and :math:`(C_{out}/G)\,k_H k_W` for a transposed
convolution, whose weight is stored (in, out/groups, kH, kW). The weight is drawn first, then
the bias, from the ``generator``.

Padding modes
-------------
``padding_mode='zeros'`` (the default) pads inside the convolution. ``'reflect'``,
``'replicate'`` and ``'circular'`` first extend the input by copying existing pixels (mirror
without repeating the edge, repeat the edge, wrap around) and then convolve without padding.
Such a padding is a linear map that *selects* input pixels: along each spatial axis,
:math:`x^{\text{pad}} = S x` with a 0/1 matrix :math:`S` of shape (padded size, size), one 1 per
row. Its backward is the transpose, :math:`\partial C/\partial x = S^\top g`: the gradient of
every copied pixel is added back to the pixel it was copied from.
"""
import math

import numpy as np

from .._conv import Conv1dFunction, Conv2dFunction, ConvTranspose2dFunction, _int_tuple
from .._validation import as_float_array, check_option, check_positive_int
from ..random import as_generator
from . import init
from .modules import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]

_PADDING_MODES = {"zeros": None, "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _check_channels(name, in_channels, out_channels, groups):
    """Positive channel counts, both divisible by ``groups``."""
    in_channels = check_positive_int(in_channels, "in_channels")
    out_channels = check_positive_int(out_channels, "out_channels")
    groups = check_positive_int(groups, "groups")
    for what, value in (("in_channels", in_channels), ("out_channels", out_channels)):
        if value % groups:
            raise ValueError(f"{name}: {what} must be divisible by groups, got "
                             f"{what}={value}, groups={groups}")
    return in_channels, out_channels, groups


def _reset_parameters(weight, bias, generator):
    r"""PyTorch's default: weight by ``kaiming_uniform_(a=sqrt(5))``, bias
    :math:`U(\pm 1/\sqrt{\text{fan\_in}})` with fan_in from the weight's layout."""
    rng = as_generator(generator)
    init.kaiming_uniform_(weight, a=math.sqrt(5), generator=rng)
    if bias is not None:
        fan_in = weight.data.shape[1] * int(np.prod(weight.data.shape[2:]))
        bound = 1.0 / math.sqrt(fan_in)
        init.uniform_(bias, -bound, bound, generator=rng)


def _copy_sources(size, before, after, mode):
    r"""For a copying padding along one axis: the index of the input pixel that each of the
    ``before + size + after`` padded positions copies (``mode`` is NumPy's name: 'reflect',
    'edge' or 'wrap'). Row :math:`i` of the selection matrix :math:`S` has its 1 in column
    ``sources[i]``."""
    return np.pad(np.arange(size), (before, after), mode=mode)


def _add_back(grad, sources, size, axis):
    r""":math:`S^\top g` along ``axis``: the gradient at every padded position is added to the
    input pixel it was copied from (one ``bincount`` over all rows at once)."""
    g = np.moveaxis(grad, axis, -1)
    rows = g.reshape(-1, g.shape[-1])
    index = (np.arange(rows.shape[0])[:, None] * size + sources).ravel()
    summed = np.bincount(index, weights=rows.ravel(), minlength=rows.shape[0] * size)
    return np.moveaxis(summed.reshape(g.shape[:-1] + (size,)), -1, axis)


class _ConvNd(Module):
    """What Conv1d and Conv2d share: argument checks, parameters, padding modes, the input check,
    forward and backward. Subclasses set ``_n`` (spatial dimensions), ``_function`` and
    ``_layout``."""

    _n = 2
    _function = Conv2dFunction
    _layout = "H, W"

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", *, generator=None):
        super().__init__()
        name, n = type(self).__name__, self._n
        self.in_channels, self.out_channels, self.groups = _check_channels(
            name, in_channels, out_channels, groups)
        self.kernel_size = _int_tuple(kernel_size, n, "kernel_size", name, 1)
        self.stride = _int_tuple(stride, n, "stride", name, 1)
        self.dilation = _int_tuple(dilation, n, "dilation", name, 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be an int, a tuple of {n} ints, 'valid' "
                                 f"or 'same', got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions, got stride={stride}")
            self.padding = padding
        else:
            self.padding = _int_tuple(padding, n, "padding", name, 0)
        check_option(padding_mode, "padding_mode", tuple(_PADDING_MODES))
        self.padding_mode = padding_mode
        self.weight = Parameter(np.empty((self.out_channels, self.in_channels // self.groups)
                                         + self.kernel_size))
        self.bias = Parameter(np.empty(self.out_channels)) if bias else None
        _reset_parameters(self.weight, self.bias, generator)

    def _pads(self):
        """(before, after) per spatial axis, as PyTorch pads for this layer ('same': the odd
        extra pixel of an even dilated kernel goes after)."""
        if self.padding == "valid":
            return ((0, 0),) * self._n
        if self.padding == "same":
            totals = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)
        return tuple((p, p) for p in self.padding)

    def _check_input(self, input):
        x = as_float_array(input, "input")
        n = self._n
        if x.ndim not in (n + 1, n + 2) or x.shape[-n - 1] != self.in_channels:
            c = self.in_channels
            raise ValueError(f"{type(self).__name__}({c}, {self.out_channels}) expected input of "
                             f"shape (N, {c}, {self._layout}) or ({c}, {self._layout}), got "
                             f"shape {x.shape}")
        return x

    def _copy_pad(self, x):
        """Pad the last ``_n`` axes of ``x`` by copying pixels (``padding_mode``); saves the
        source indices per axis in the context for the backward."""
        mode = _PADDING_MODES[self.padding_mode]
        saved = []
        for axis, (before, after) in zip(range(-self._n, 0), self._pads()):
            size = x.shape[axis]
            if mode == "reflect" and max(before, after) >= size:
                raise ValueError(f"{type(self).__name__}: padding_mode='reflect' needs padding "
                                 f"smaller than the input size, got padding ({before}, {after}) "
                                 f"for size {size} (input shape {x.shape})")
            sources = _copy_sources(size, before, after, mode)
            x = np.take(x, sources, axis=axis)
            saved.append((axis, sources, size))
        self.ctx.copied_from = saved
        return x

    def forward(self, input):
        x = self._check_input(input)
        bias = None if self.bias is None else self.bias.data
        if self.padding_mode == "zeros":
            padding = self.padding
        else:
            x, padding = self._copy_pad(x), 0
        return self._function.forward(self.ctx, x, self.weight.data, bias, self.stride, padding,
                                      self.dilation, self.groups)

    def backward(self, grad_output):
        dinput, dweight, dbias = self._function.backward(self.ctx, grad_output)
        self.weight.accumulate(dweight)
        if self.bias is not None:
            self.bias.accumulate(dbias)
        if self.padding_mode != "zeros":               # S^T g along each padded axis
            for axis, sources, size in self.ctx.copied_from:
                dinput = _add_back(dinput, sources, size, axis)
        return dinput

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self._n:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._n:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv2d(_ConvNd):
    r"""2-D convolution (cross-correlation) layer, as ``torch.nn.Conv2d``.

    .. math::
        y_{n,o,i,j} = b_o + \sum_{c=1}^{C_{in}/G} \sum_{p,q}
        w_{o,c,p,q}\; x^{\text{pad}}_{n,\ g(o)\,C_{in}/G + c,\ i s_H + p d_H,\ j s_W + q d_W}

    per sample, where :math:`g(o)` is the group of output channel :math:`o`; the weight and bias
    gradients are **summed** over the batch and all output positions. Output size per spatial
    axis :math:`\lfloor (H + 2P - d(k-1) - 1)/s \rfloor + 1`.

    Parameters
    ----------
    in_channels, out_channels : int
        Both divisible by ``groups``.
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
    padding : int, (int, int), 'valid' or 'same', default 0
        'same' needs stride 1; an odd extra row/column (even dilated kernel) goes bottom/right.
    dilation : int or (int, int), default 1
    groups : int, default 1
        ``groups = in_channels`` is a depthwise convolution.
    bias : bool, default True
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, default 'zeros'
        See the module docstring; all four are implemented.
    generator : numpy.random.Generator, int or None, keyword only
        Draws the initial weight and bias (PyTorch's rule, see the module docstring).

    Attributes
    ----------
    weight : Parameter, shape (out_channels, in_channels/groups, kH, kW)
    bias : Parameter, shape (out_channels,) or None

    ``forward(input)`` takes (N, C_in, H, W) or (C_in, H, W) and returns (N, C_out, OH, OW)
    (or (C_out, OH, OW)); ``backward(grad_output)`` returns d C / d input and adds into
    ``weight.grad`` and ``bias.grad``.
    """


class Conv1d(_ConvNd):
    r"""1-D convolution (cross-correlation) layer, as ``torch.nn.Conv1d``.

    .. math::
        y_{n,o,i} = b_o + \sum_{c=1}^{C_{in}/G} \sum_{p} w_{o,c,p}\;
        x^{\text{pad}}_{n,\ g(o)\,C_{in}/G + c,\ i s + p d}

    Weight and bias gradients are summed over the batch and the positions.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
    stride : int, default 1
    padding : int, 'valid' or 'same', default 0
    dilation : int, default 1
    groups : int, default 1
    bias : bool, default True
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, default 'zeros'
    generator : numpy.random.Generator, int or None, keyword only

    Attributes
    ----------
    weight : Parameter, shape (out_channels, in_channels/groups, kL)
    bias : Parameter, shape (out_channels,) or None

    ``forward(input)`` maps (N, C_in, L) or (C_in, L) to (N, C_out, L_out) (or (C_out, L_out)).
    """

    _n = 1
    _function = Conv1dFunction
    _layout = "L"


class ConvTranspose2d(Module):
    r"""Transposed 2-D convolution, as ``torch.nn.ConvTranspose2d``: the adjoint (input gradient)
    of a :class:`Conv2d` with the same weight, stride, padding, dilation and groups.

    Each input pixel adds a copy of the kernel, scaled by its value, into the output; overlaps
    add. The output size per spatial axis is
    :math:`(H-1)s - 2P + d(k-1) + \text{output\_padding} + 1`. Weight and bias gradients are
    summed over the batch and the positions.

    Parameters
    ----------
    in_channels, out_channels : int
        Both divisible by ``groups``.
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
    padding : int or (int, int), default 0
        Crops the output (the padding of the convolution this is the adjoint of).
    output_padding : int or (int, int), default 0
        Extra rows/columns at the bottom/right; smaller than stride or dilation.
    groups : int, default 1
    bias : bool, default True
    dilation : int or (int, int), default 1
    padding_mode : 'zeros'
        The only mode PyTorch supports for transposed convolutions; others raise ValueError.
    generator : numpy.random.Generator, int or None, keyword only

    Attributes
    ----------
    weight : Parameter, shape (in_channels, out_channels/groups, kH, kW)
        PyTorch's layout: in_channels first.
    bias : Parameter, shape (out_channels,) or None

    ``forward(input, output_size=None)`` takes (N, C_in, H, W) or (C_in, H, W); ``output_size``
    (the last two entries of a shape) picks ``output_padding`` so the output has that size, as
    in PyTorch.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros", *,
                 generator=None):
        super().__init__()
        name = "ConvTranspose2d"
        self.in_channels, self.out_channels, self.groups = _check_channels(
            name, in_channels, out_channels, groups)
        self.kernel_size = _int_tuple(kernel_size, 2, "kernel_size", name, 1)
        self.stride = _int_tuple(stride, 2, "stride", name, 1)
        self.padding = _int_tuple(padding, 2, "padding", name, 0)
        self.output_padding = _int_tuple(output_padding, 2, "output_padding", name, 0)
        self.dilation = _int_tuple(dilation, 2, "dilation", name, 1)
        for op, s, d in zip(self.output_padding, self.stride, self.dilation):
            if not (op < s or op < d):
                raise ValueError(f"{name}: output_padding must be smaller than either stride "
                                 f"or dilation, got output_padding={self.output_padding}, "
                                 f"stride={self.stride}, dilation={self.dilation}")
        if padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported (as in PyTorch), "
                             f"got {padding_mode!r}")
        self.padding_mode = padding_mode
        self.weight = Parameter(np.empty((self.in_channels, self.out_channels // self.groups)
                                         + self.kernel_size))
        self.bias = Parameter(np.empty(self.out_channels)) if bias else None
        _reset_parameters(self.weight, self.bias, generator)

    def _output_padding(self, x, output_size):
        """``output_padding`` that makes the output ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        size = tuple(output_size)
        if len(size) == 4:
            size = size[2:]
        if len(size) != 2 or not all(isinstance(s, (int, np.integer)) for s in size):
            raise ValueError("ConvTranspose2d: output_size must be 2 ints (H, W) or a full "
                             f"shape (N, C, H, W), got {output_size!r}")
        padding = []
        for h, want, s, p, d, k in zip(x.shape[-2:], size, self.stride, self.padding,
                                       self.dilation, self.kernel_size):
            smallest = (h - 1) * s - 2 * p + d * (k - 1) + 1
            if not smallest <= want <= smallest + s - 1:
                raise ValueError(f"ConvTranspose2d: requested an output size of {tuple(size)}, "
                                 f"but valid sizes range from {smallest} to {smallest + s - 1} "
                                 f"per axis for an input of shape {x.shape}")
            padding.append(int(want - smallest))
        return tuple(padding)

    def forward(self, input, output_size=None):
        x = as_float_array(input, "input")
        if x.ndim not in (3, 4) or x.shape[-3] != self.in_channels:
            c = self.in_channels
            raise ValueError(f"ConvTranspose2d({c}, {self.out_channels}) expected input of "
                             f"shape (N, {c}, H, W) or ({c}, H, W), got shape {x.shape}")
        output_padding = self._output_padding(x, output_size)
        bias = None if self.bias is None else self.bias.data
        return ConvTranspose2dFunction.forward(self.ctx, x, self.weight.data, bias, self.stride,
                                               self.padding, output_padding, self.groups,
                                               self.dilation)

    def backward(self, grad_output):
        dinput, dweight, dbias = ConvTranspose2dFunction.backward(self.ctx, grad_output)
        self.weight.accumulate(dweight)
        if self.bias is not None:
            self.bias.accumulate(dbias)
        return dinput

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text
