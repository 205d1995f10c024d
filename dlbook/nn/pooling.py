r"""Pooling layers with PyTorch's names and arguments, as modules around :mod:`dlbook._conv`.

A pooling layer has no parameters: each window of a channel is reduced to one number (its
maximum, its mean, its power mean), channel by channel. ``backward`` routes each window's
gradient back to the inputs the window read (overlapping windows add).
"""
import math
import numbers

import numpy as np

from .._conv import (AdaptiveAvgPool2dFunction, AvgPool2dFunction, LPPool2dFunction,
                     MaxPool2dFunction, _int_tuple)
from .._validation import check_bool, check_scalar
from ..autograd import check_grad_shape
from .modules import Module

__all__ = ["MaxPool2d", "AvgPool2d", "LPPool2d", "AdaptiveAvgPool2d"]


class MaxPool2d(Module):
    r"""2-D max pooling, as ``torch.nn.MaxPool2d``.

    :math:`y_{n,c,i,j} = \max_{p,q}\ x^{\text{pad}}_{n,c,\ i s_H + p d_H,\ j s_W + q d_W}` with
    :math:`-\infty` padding; the gradient of each window goes to its maximum (the first one in
    row-major order on ties).

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), default ``kernel_size``
    padding : int or (int, int), default 0
        At most half of the effective kernel size.
    dilation : int or (int, int), default 1
    return_indices : bool, default False
        ``forward`` returns ``(output, indices)``, the flat index ``h·W + w`` of each maximum
        within its input plane (what ``MaxUnpool2d`` would read). ``backward`` still takes
        only the gradient of ``output``.
    ceil_mode : bool, default False
        Round the output size up, keeping a last partial window.

    ``forward(input)``: (N, C, H, W) or (C, H, W) to (N, C, OH, OW) (or (C, OH, OW)) with
    :math:`OH = \lfloor (H + 2P - d(k-1) - 1)/s \rfloor + 1` (ceil with ``ceil_mode``).
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        op = "MaxPool2d"
        _int_tuple(kernel_size, 2, "kernel_size", op, 1)
        if stride is not None:
            _int_tuple(stride, 2, "stride", op, 1)
        _int_tuple(padding, 2, "padding", op, 0)
        _int_tuple(dilation, 2, "dilation", op, 1)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices = check_bool(return_indices, "return_indices")
        self.ceil_mode = check_bool(ceil_mode, "ceil_mode")

    def forward(self, input):
        result = MaxPool2dFunction.forward(self.ctx, input, self.kernel_size, self.stride,
                                           self.padding, self.dilation, self.ceil_mode,
                                           self.return_indices)
        self.ctx.pooled_shape = (result[0] if self.return_indices else result).shape
        return result

    def backward(self, grad_output):
        # with return_indices the output is a pair, so the gradient's shape is checked here
        grad_output = check_grad_shape(grad_output, np.empty(self.ctx.pooled_shape),
                                       "MaxPool2d.backward")
        return MaxPool2dFunction.backward(self.ctx, grad_output)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    r"""2-D average pooling, as ``torch.nn.AvgPool2d``.

    :math:`y_{n,c,i,j} = \frac{1}{D_{ij}} \sum_{p,q} x^{\text{pad}}_{n,c,\ i s_H + p,\ j s_W + q}`
    with zero padding and PyTorch's divisor :math:`D_{ij}` (see
    :func:`dlbook.functional.avg_pool2d`); each input of a window receives
    :math:`g_{ij}/D_{ij}` in the backward.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), default ``kernel_size``
    padding : int or (int, int), default 0
    ceil_mode : bool, default False
    count_include_pad : bool, default True
        Whether zero padding counts in the divisor.
    divisor_override : int, optional
        A fixed divisor for every window.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        op = "AvgPool2d"
        _int_tuple(kernel_size, 2, "kernel_size", op, 1)
        if stride is not None:
            _int_tuple(stride, 2, "stride", op, 1)
        _int_tuple(padding, 2, "padding", op, 0)
        if divisor_override is not None:
            check_scalar(divisor_override, "divisor_override", numbers.Integral)
        if divisor_override == 0:
            raise ValueError(f"{op}: divisor_override must be non-zero, got 0")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = check_bool(ceil_mode, "ceil_mode")
        self.count_include_pad = check_bool(count_include_pad, "count_include_pad")
        self.divisor_override = divisor_override

    def forward(self, input):
        return AvgPool2dFunction.forward(self.ctx, input, self.kernel_size, self.stride,
                                         self.padding, self.ceil_mode, self.count_include_pad,
                                         self.divisor_override)

    def backward(self, grad_output):
        return AvgPool2dFunction.backward(self.ctx, grad_output)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class LPPool2d(Module):
    r"""Power-average pooling, as ``torch.nn.LPPool2d``:
    :math:`y = \big(\sum_{\text{window}} x^{P}\big)^{1/P}` (``norm_type`` :math:`P`; 1 is sum
    pooling, 2 is L2 pooling, :math:`P\to\infty` tends to max pooling).

    Parameters
    ----------
    norm_type : float, positive
    kernel_size : int or (int, int)
    stride : int or (int, int), default ``kernel_size``
    ceil_mode : bool, default False
        A clipped last window is rescaled to the full kernel area, as PyTorch computes it.
    """

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        op = "LPPool2d"
        check_scalar(norm_type, "norm_type", min_val=0, max_val=math.inf,
                     include_boundaries="neither")                 # positive and finite
        _int_tuple(kernel_size, 2, "kernel_size", op, 1)
        if stride is not None:
            _int_tuple(stride, 2, "stride", op, 1)
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride                   # None means kernel_size, kept as given (PyTorch)
        self.ceil_mode = check_bool(ceil_mode, "ceil_mode")

    def forward(self, input):
        return LPPool2dFunction.forward(self.ctx, input, self.norm_type, self.kernel_size,
                                        self.stride, self.ceil_mode)

    def backward(self, grad_output):
        return LPPool2dFunction.backward(self.ctx, grad_output)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class AdaptiveAvgPool2d(Module):
    r"""Average pooling to a fixed output size, as ``torch.nn.AdaptiveAvgPool2d``.

    Output row :math:`i` averages input rows :math:`[\lfloor iH/OH \rfloor,
    \lceil (i+1)H/OH \rceil)`, likewise for columns; ``output_size=1`` is global average
    pooling.

    Parameters
    ----------
    output_size : int or (int or None, int or None)
        None keeps that input dimension.
    """

    def __init__(self, output_size):
        super().__init__()
        if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
            _int_tuple(tuple(1 if s is None else s for s in output_size), 2, "output_size",
                       "AdaptiveAvgPool2d", 1)
        else:
            _int_tuple(output_size, 2, "output_size", "AdaptiveAvgPool2d", 1)
        self.output_size = output_size

    def forward(self, input):
        return AdaptiveAvgPool2dFunction.forward(self.ctx, input, self.output_size)

    def backward(self, grad_output):
        return AdaptiveAvgPool2dFunction.backward(self.ctx, grad_output)

    def extra_repr(self):
        return f"output_size={self.output_size}"
