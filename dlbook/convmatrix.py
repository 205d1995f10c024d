r"""A 2-D convolution written out as the matrix it is.

``conv2d`` is linear in its input, so for a fixed weight and geometry there is a matrix
:math:`C` with :math:`\mathrm{vec}(y) = C\,\mathrm{vec}(x)`, where ``vec`` flattens an
(C, H, W) array in C order (row-major, as ``ndarray.reshape(-1)``). This module builds
:math:`C` directly from the definition of the cross-correlation — one entry per (output
position, kernel tap) pair that lands inside the input — *without* calling ``conv2d``, so the
two can check each other. :math:`C^\top` is then the matrix of ``conv_transpose2d``.

Shapes use the book's symbols: C channels, O output channels, H×W input size,
OH×OW output size, kH×kW kernel size.
"""
import numpy as np

from ._conv import _conv_output_size, _int_tuple
from ._validation import as_float_array

__all__ = ["conv2d_matrix_entries", "conv2d_matrix"]


def conv2d_matrix_entries(kernel_size, input_size, *, stride=1, padding=0, dilation=1):
    r"""Where each kernel tap of a single-channel 2-D cross-correlation sits in its matrix.

    For output position :math:`(i, j)` and tap :math:`(p, q)` the input pixel read is
    :math:`(h, w) = (i s_H + p d_H - P_H,\ j s_W + q d_W - P_W)`; taps that fall on zero
    padding read nothing and are left out. Row index :math:`i\,OW + j`, column index
    :math:`h\,W + w`.

    Parameters
    ----------
    kernel_size : int or (int, int)
        (kH, kW).
    input_size : int or (int, int)
        (H, W).
    stride, padding, dilation : int or (int, int)
        As in :func:`dlbook.functional.conv2d` (zero padding on both sides).

    Returns
    -------
    rows, cols, taps_p, taps_q : ndarray of int, each shape (E,)
        Entry :math:`k` of the matrix is ``C[rows[k], cols[k]] = weight[taps_p[k],
        taps_q[k]]``. For a fixed tap no (row, col) pair repeats, and across taps a pair
        repeats only if two taps read the same pixel for the same output (impossible for
        positive dilation), so every (row, col) appears at most once.
    output_size : (int, int)
        (OH, OW); the matrix has shape (OH·OW, H·W).
    """
    op = "conv2d_matrix"
    kernel = _int_tuple(kernel_size, 2, "kernel_size", op, 1)
    size = _int_tuple(input_size, 2, "input_size", op, 1)
    stride = _int_tuple(stride, 2, "stride", op, 1)
    padding = _int_tuple(padding, 2, "padding", op, 0)
    dilation = _int_tuple(dilation, 2, "dilation", op, 1)
    pads = tuple((p, p) for p in padding)
    oh, ow = _conv_output_size(size, kernel, stride, pads, dilation, op)
    i, j, p, q = np.meshgrid(np.arange(oh), np.arange(ow), np.arange(kernel[0]),
                             np.arange(kernel[1]), indexing="ij")
    h = i * stride[0] + p * dilation[0] - padding[0]
    w = j * stride[1] + q * dilation[1] - padding[1]
    inside = (h >= 0) & (h < size[0]) & (w >= 0) & (w < size[1])
    rows = (i * ow + j)[inside]
    cols = (h * size[1] + w)[inside]
    return rows, cols, p[inside], q[inside], (oh, ow)


def conv2d_matrix(weight, input_size, *, stride=1, padding=0, dilation=1):
    r"""The matrix :math:`C` of ``conv2d(x, weight, stride=..., padding=..., dilation=...)``.

    .. math::
        \mathrm{vec}(y) = C\,\mathrm{vec}(x), \qquad
        C_{o\,OH\,OW + i\,OW + j,\ c\,HW + h\,W + w} = w_{o,c,p,q}
        \ \text{ where } (h, w) = (i s_H + p d_H - P_H,\ j s_W + q d_W - P_W),

    and 0 elsewhere. Each output channel is a block row, each input channel a block column;
    every block is the single-channel matrix of :func:`conv2d_matrix_entries` filled with
    that channel pair's kernel. Built from the definition, not by calling ``conv2d``.

    Parameters
    ----------
    weight : ndarray, shape (O, C, kH, kW) or (kH, kW)
        A 2-D weight is a single-channel kernel (O = C = 1). No groups.
    input_size : int or (int, int)
        (H, W).
    stride, padding, dilation : int or (int, int)

    Returns
    -------
    ndarray, shape (O·OH·OW, C·H·W)
        Dense; ``conv_transpose2d`` with the same weight and geometry multiplies by its
        transpose.
    """
    weight = as_float_array(weight, "weight")
    if weight.ndim == 2:
        weight = weight[None, None]
    if weight.ndim != 4 or 0 in weight.shape:
        raise ValueError("conv2d_matrix: weight must have shape (O, C, kH, kW) or (kH, kW), "
                         f"got shape {weight.shape}")
    o, c, kh, kw = weight.shape
    rows, cols, taps_p, taps_q, (oh, ow) = conv2d_matrix_entries(
        (kh, kw), input_size, stride=stride, padding=padding, dilation=dilation)
    h, w = _int_tuple(input_size, 2, "input_size", "conv2d_matrix", 1)
    matrix = np.zeros((o, oh * ow, c, h * w))
    matrix[:, rows, :, cols] = weight[:, :, taps_p, taps_q].transpose(2, 0, 1)
    return matrix.reshape(o * oh * ow, c * h * w)
