"""Slow, obviously-correct loop versions of convolution and pooling: a second oracle for
tests/test_conv.py, written from the definitions (one output element, or one scattered input
element, at a time) and sharing no code with dlbook._conv.

Geometry arguments are plain: ``stride``, ``dilation`` as (sH, sW); ``padding`` as
((top, bottom), (left, right)) for convolutions and (pH, pW) for pooling.
"""
import math

import numpy as np


def conv_output_size(size, kernel, stride, pad_total, dilation):
    """floor((size + pad_total - dilation*(kernel-1) - 1) / stride) + 1."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def conv2d(x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * xpad[n, g*Cg + c, i*sH + p*dH, ...]."""
    n_batch, channels, height, width = x.shape
    out_channels, cg, kh, kw = w.shape
    og = out_channels // groups
    (top, bottom), (left, right) = padding
    oh = conv_output_size(height, kh, stride[0], top + bottom, dilation[0])
    ow = conv_output_size(width, kw, stride[1], left + right, dilation[1])
    y = np.zeros((n_batch, out_channels, oh, ow))
    for n in range(n_batch):
        for o in range(out_channels):
            group = o // og
            for i in range(oh):
                for j in range(ow):
                    total = 0.0 if b is None else b[o]
                    for c in range(cg):
                        for p in range(kh):
                            for q in range(kw):
                                h = i * stride[0] + p * dilation[0] - top
                                v = j * stride[1] + q * dilation[1] - left
                                if 0 <= h < height and 0 <= v < width:
                                    total += w[o, c, p, q] * x[n, group * cg + c, h, v]
                    y[n, o, i, j] = total
    return y


def conv_transpose2d(x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                     dilation=(1, 1), groups=1):
    """Scatter form: every input pixel x[n, c, h, v] adds x * w[c, o, p, q] at output position
    (h*sH + p*dH - pH, v*sW + q*dW - pW) of output channel group*Og + o."""
    n_batch, in_channels, height, width = x.shape
    _, og, kh, kw = w.shape
    ig = in_channels // groups
    oh = (height - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + output_padding[0] + 1
    ow = (width - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + output_padding[1] + 1
    y = np.zeros((n_batch, og * groups, oh, ow))
    for n in range(n_batch):
        for c in range(in_channels):
            group = c // ig
            for h in range(height):
                for v in range(width):
                    for o in range(og):
                        for p in range(kh):
                            for q in range(kw):
                                i = h * stride[0] + p * dilation[0] - padding[0]
                                j = v * stride[1] + q * dilation[1] - padding[1]
                                if 0 <= i < oh and 0 <= j < ow:
                                    y[n, group * og + o, i, j] += x[n, c, h, v] * w[c, o, p, q]
    if b is not None:
        y += np.asarray(b)[None, :, None, None]
    return y


def pool_output_size(size, kernel, stride, pad, dilation, ceil_mode):
    """PyTorch's pooling size: floor (or ceil) of (size + 2 pad - d(k-1) - 1)/s, plus one; in
    ceil mode a last window that would start in the right padding is dropped."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (math.ceil(span / stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def max_pool2d(x, kernel, stride, padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    """Values and flat indices h*W + v of the first maximum of each window (row-major scan,
    a later equal value never replaces an earlier one); padding never wins."""
    n_batch, channels, height, width = x.shape
    oh = pool_output_size(height, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = pool_output_size(width, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    y = np.zeros((n_batch, channels, oh, ow))
    idx = np.zeros((n_batch, channels, oh, ow), dtype=np.int64)
    for n in range(n_batch):
        for c in range(channels):
            for i in range(oh):
                for j in range(ow):
                    best, where = None, None
                    for p in range(kernel[0]):
                        for q in range(kernel[1]):
                            h = i * stride[0] + p * dilation[0] - padding[0]
                            v = j * stride[1] + q * dilation[1] - padding[1]
                            if 0 <= h < height and 0 <= v < width:
                                if best is None or x[n, c, h, v] > best:
                                    best, where = x[n, c, h, v], h * width + v
                    y[n, c, i, j], idx[n, c, i, j] = best, where
    return y, idx


def max_pool2d_backward(grad, idx, input_shape):
    """Route each window's gradient to its maximum; windows that share a maximum add."""
    dx = np.zeros(input_shape)
    n_batch, channels, height, width = input_shape
    for n in range(n_batch):
        for c in range(channels):
            for i in range(grad.shape[2]):
                for j in range(grad.shape[3]):
                    h, v = divmod(int(idx[n, c, i, j]), width)
                    dx[n, c, h, v] += grad[n, c, i, j]
    return dx


def avg_pool2d(x, kernel, stride, padding=(0, 0), ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Window sums of the real inputs divided by PyTorch's divisor: the override; or the
    window clipped to the padded input; or the count of real inputs."""
    n_batch, channels, height, width = x.shape
    oh = pool_output_size(height, kernel[0], stride[0], padding[0], 1, ceil_mode)
    ow = pool_output_size(width, kernel[1], stride[1], padding[1], 1, ceil_mode)
    y = np.zeros((n_batch, channels, oh, ow))
    for n in range(n_batch):
        for c in range(channels):
            for i in range(oh):
                for j in range(ow):
                    h0, v0 = i * stride[0] - padding[0], j * stride[1] - padding[1]
                    h1 = min(h0 + kernel[0], height + padding[0])
                    v1 = min(v0 + kernel[1], width + padding[1])
                    total, real = 0.0, 0
                    for h in range(max(h0, 0), min(h1, height)):
                        for v in range(max(v0, 0), min(v1, width)):
                            total += x[n, c, h, v]
                            real += 1
                    if divisor_override is not None:
                        divisor = divisor_override
                    elif count_include_pad:
                        divisor = (h1 - h0) * (v1 - v0)
                    else:
                        divisor = real
                    y[n, c, i, j] = total / divisor
    return y


def lp_pool2d(x, norm_type, kernel, stride, ceil_mode=False):
    """PyTorch's definition: (kH*kW * avg_pool2d(x**p)) ** (1/p)."""
    mean = avg_pool2d(x ** norm_type, kernel, stride, (0, 0), ceil_mode)
    return (mean * kernel[0] * kernel[1]) ** (1.0 / norm_type)


def adaptive_avg_pool2d(x, output_size):
    """Bin i covers rows floor(i*H/OH) .. ceil((i+1)*H/OH) - 1 (likewise columns)."""
    n_batch, channels, height, width = x.shape
    oh, ow = output_size
    y = np.zeros((n_batch, channels, oh, ow))
    for i in range(oh):
        h0, h1 = (i * height) // oh, math.ceil((i + 1) * height / oh)
        for j in range(ow):
            v0, v1 = (j * width) // ow, math.ceil((j + 1) * width / ow)
            y[:, :, i, j] = x[:, :, h0:h1, v0:v1].mean(axis=(2, 3))
    return y


def unfold(x, kernel, dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    """Column l = i*OW + j holds block (i, j); row c*kH*kW + p*kW + q its entry (c, p, q)."""
    n_batch, channels, height, width = x.shape
    oh = conv_output_size(height, kernel[0], stride[0], 2 * padding[0], dilation[0])
    ow = conv_output_size(width, kernel[1], stride[1], 2 * padding[1], dilation[1])
    cols = np.zeros((n_batch, channels * kernel[0] * kernel[1], oh * ow))
    for c in range(channels):
        for p in range(kernel[0]):
            for q in range(kernel[1]):
                row = (c * kernel[0] + p) * kernel[1] + q
                for i in range(oh):
                    for j in range(ow):
                        h = i * stride[0] + p * dilation[0] - padding[0]
                        v = j * stride[1] + q * dilation[1] - padding[1]
                        if 0 <= h < height and 0 <= v < width:
                            cols[:, row, i * ow + j] = x[:, c, h, v]
    return cols


def fold(cols, output_size, kernel, dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    """Add every column entry back to the pixel :func:`unfold` read it from."""
    n_batch = cols.shape[0]
    channels = cols.shape[1] // (kernel[0] * kernel[1])
    height, width = output_size
    ow = conv_output_size(width, kernel[1], stride[1], 2 * padding[1], dilation[1])
    x = np.zeros((n_batch, channels, height, width))
    for c in range(channels):
        for p in range(kernel[0]):
            for q in range(kernel[1]):
                row = (c * kernel[0] + p) * kernel[1] + q
                for block in range(cols.shape[2]):
                    i, j = divmod(block, ow)
                    h = i * stride[0] + p * dilation[0] - padding[0]
                    v = j * stride[1] + q * dilation[1] - padding[1]
                    if 0 <= h < height and 0 <= v < width:
                        x[:, c, h, v] += cols[:, row, block]
    return x
