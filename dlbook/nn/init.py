r"""Weight initializers with ``torch.nn.init``'s names, fan computations and gains.

Each works in place on a :class:`~dlbook.nn.Parameter` (or a float ndarray) and returns it.
For a weight of shape (out, in, k1, k2, ...) the receptive field is :math:`r = k_1 k_2 \cdots`,
:math:`\text{fan\_in} = \text{in}\cdot r` and :math:`\text{fan\_out} = \text{out}\cdot r`.
"""
import math

import numpy as np

from .._validation import check_option
from ..random import as_generator
from .modules import Parameter

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "xavier_uniform_",
           "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "zeros_",
           "ones_"]


def _array(tensor):
    arr = tensor.data if isinstance(tensor, Parameter) else tensor
    if not isinstance(arr, np.ndarray) or arr.dtype != np.float64:
        raise TypeError(f"expected a Parameter or a float64 ndarray, got {type(tensor).__name__}")
    return arr


def _calculate_fan_in_and_fan_out(arr):
    if arr.ndim < 2:
        raise ValueError("fan in and fan out need a weight with at least 2 dimensions, "
                         f"got shape {arr.shape}")
    receptive = int(np.prod(arr.shape[2:])) if arr.ndim > 2 else 1
    return arr.shape[1] * receptive, arr.shape[0] * receptive


def calculate_gain(nonlinearity, param=None):
    r"""The gain PyTorch recommends for an activation: 1 for linear/sigmoid, 5/3 for tanh,
    :math:`\sqrt2` for ReLU, :math:`\sqrt{2/(1+a^2)}` for leaky ReLU with slope :math:`a`
    (default 0.01), 3/4 for SELU."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}")


def xavier_uniform_(tensor, gain=1.0, generator=None):
    r"""Glorot uniform: :math:`U(-a, a)`, :math:`a = \text{gain}\sqrt{6/(\text{fan\_in}+\text{fan\_out})}`."""
    arr = _array(tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(arr)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    rng = as_generator(generator)
    arr[...] = rng.uniform(-a, a, arr.shape)
    return tensor


def xavier_normal_(tensor, gain=1.0, generator=None):
    r"""Glorot normal: :math:`N(0, \sigma^2)`, :math:`\sigma = \text{gain}\sqrt{2/(\text{fan\_in}+\text{fan\_out})}`."""
    arr = _array(tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(arr)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    rng = as_generator(generator)
    arr[...] = rng.normal(0.0, std, arr.shape)
    return tensor


def _kaiming_std(arr, a, mode, nonlinearity):
    check_option(mode, "mode", ("fan_in", "fan_out"))
    fan_in, fan_out = _calculate_fan_in_and_fan_out(arr)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    r"""He uniform: :math:`U(-b, b)`, :math:`b = \text{gain}\sqrt{3/\text{fan}}`.

    PyTorch's defaults (``a=0``, ``nonlinearity='leaky_relu'``) give gain :math:`\sqrt2`."""
    arr = _array(tensor)
    bound = math.sqrt(3.0) * _kaiming_std(arr, a, mode, nonlinearity)
    rng = as_generator(generator)
    arr[...] = rng.uniform(-bound, bound, arr.shape)
    return tensor


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    r"""He normal: :math:`N(0, \sigma^2)`, :math:`\sigma = \text{gain}/\sqrt{\text{fan}}`."""
    arr = _array(tensor)
    std = _kaiming_std(arr, a, mode, nonlinearity)
    rng = as_generator(generator)
    arr[...] = rng.normal(0.0, std, arr.shape)
    return tensor


def zeros_(tensor):
    """Fill with 0."""
    _array(tensor)[...] = 0.0
    return tensor


def ones_(tensor):
    """Fill with 1."""
    _array(tensor)[...] = 1.0
    return tensor


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with draws from :math:`U(a, b)`."""
    arr = _array(tensor)
    arr[...] = as_generator(generator).uniform(a, b, arr.shape)
    return tensor


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    r"""Fill with draws from :math:`N(\text{mean}, \text{std}^2)`."""
    arr = _array(tensor)
    arr[...] = as_generator(generator).normal(mean, std, arr.shape)
    return tensor


def constant_(tensor, val):
    """Fill with ``val``."""
    _array(tensor)[...] = float(val)
    return tensor


def orthogonal_(tensor, gain=1.0, generator=None):
    r"""A (semi-)orthogonal matrix times ``gain`` (Saxe et al., 2014), as ``torch.nn.init``.

    The weight is viewed as (rows, cols) = (shape[0], product of the rest); a Gaussian matrix
    of the taller orientation is factored :math:`QR`, the signs of :math:`R`'s diagonal are moved
    into :math:`Q` (so the result is uniformly distributed over orthogonal matrices), and
    :math:`Q` (transposed back if needed) fills the weight: its rows or columns are orthonormal.
    """
    arr = _array(tensor)
    if arr.ndim < 2:
        raise ValueError(f"orthogonal_ needs at least 2 dimensions, got shape {arr.shape}")
    rows = arr.shape[0]
    cols = arr.size // rows
    flat = as_generator(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    arr[...] = gain * q.reshape(arr.shape)
    return tensor
