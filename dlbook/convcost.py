r"""Parameter and multiply-accumulate counts of a single convolutional layer.

The formulas of the separable-convolutions chapter, for one ``conv2d`` layer with PyTorch's
arguments. A layer with C input channels, O output channels, G groups and a
:math:`k_H \times k_W` kernel has a weight of shape (O, C/G, kH, kW), so

.. math::

    \text{params} = O \cdot \frac{C}{G} \cdot k_H k_W \;(+\,O \text{ for the bias}), \qquad
    \text{MACs} = O \cdot \frac{C}{G} \cdot k_H k_W \cdot H_{out} W_{out},

per example: every output element is one dot product of length :math:`(C/G)\,k_H k_W`. This is
the convention of the MobileNet paper and of :func:`dlbook.summary.summary` (which counts whole
networks): bias additions are not counted, and taps that fall on padding zeros are (the
multiplier is there, whatever it multiplies). Standard (G = 1), grouped, depthwise (G = C) and
pointwise (1×1) convolutions are all this one formula.
"""
import numbers

from ._validation import check_positive_int

__all__ = ["conv2d_output_size", "conv2d_params", "conv2d_macs"]


def _pair(value, name, minimum):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (int(value), int(value))
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                       for v in value)):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(value) < minimum:
        bound = "positive" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{name} must be {bound}, got {tuple(value)}")
    return int(value[0]), int(value[1])


def _channels(in_channels, out_channels, groups):
    for name, value in [("in_channels", in_channels), ("out_channels", out_channels),
                        ("groups", groups)]:
        check_positive_int(value, name)
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"in_channels ({in_channels}) and out_channels ({out_channels}) must "
                         f"both be divisible by groups ({groups})")


def conv2d_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
    r"""Spatial output size of ``conv2d``: :math:`\lfloor (H + 2P - d(k-1) - 1)/s \rfloor + 1`.

    Parameters
    ----------
    input_size : int or (int, int)
        H×W of the input.
    kernel_size, stride, dilation : int or (int, int)
    padding : int or (int, int)
        Zeros on each side.

    Returns
    -------
    (int, int)
    """
    size = _pair(input_size, "input_size", 1)
    kernel = _pair(kernel_size, "kernel_size", 1)
    stride = _pair(stride, "stride", 1)
    padding = _pair(padding, "padding", 0)
    dilation = _pair(dilation, "dilation", 1)
    out = tuple((h + 2 * p - d * (k - 1) - 1) // s + 1
                for h, k, s, p, d in zip(size, kernel, stride, padding, dilation))
    if min(out) < 1:
        raise ValueError(f"the dilated kernel {kernel} (dilation {dilation}) does not fit in "
                         f"the padded input of size {size} with padding {padding}")
    return out


def conv2d_params(in_channels, out_channels, kernel_size, *, groups=1, bias=True):
    r"""Number of parameters of ``Conv2d(in_channels, out_channels, kernel_size, groups=...)``.

    :math:`O \cdot (C/G) \cdot k_H k_W`, plus :math:`O` with a bias.

    Parameters
    ----------
    in_channels, out_channels : int
        C and O, both divisible by ``groups``.
    kernel_size : int or (int, int)
    groups : int, default 1
        ``groups = in_channels`` is a depthwise convolution.
    bias : bool, default True

    Returns
    -------
    int
    """
    _channels(in_channels, out_channels, groups)
    kh, kw = _pair(kernel_size, "kernel_size", 1)
    return out_channels * (in_channels // groups) * kh * kw + (out_channels if bias else 0)


def conv2d_macs(in_channels, out_channels, kernel_size, output_size, *, groups=1):
    r"""Multiply-accumulates of one ``conv2d`` layer for one example.

    :math:`O \cdot (C/G) \cdot k_H k_W \cdot H_{out} W_{out}` (bias additions not counted).

    Parameters
    ----------
    in_channels, out_channels : int
        C and O, both divisible by ``groups``.
    kernel_size : int or (int, int)
    output_size : int or (int, int)
        H_out×W_out, e.g. from :func:`conv2d_output_size`.
    groups : int, default 1

    Returns
    -------
    int
    """
    _channels(in_channels, out_channels, groups)
    kh, kw = _pair(kernel_size, "kernel_size", 1)
    oh, ow = _pair(output_size, "output_size", 1)
    return out_channels * (in_channels // groups) * kh * kw * oh * ow
