"""Single-layer convolution costs agree with the weights and with the work conv2d does."""
import numpy as np
import pytest

from dlbook import functional as F
from dlbook.convcost import conv2d_macs, conv2d_output_size, conv2d_params


@pytest.mark.parametrize("c, o, k, groups, size, stride, padding, dilation", [
    (3, 8, 3, 1, (9, 7), 1, 0, 1),
    (4, 6, (3, 2), 2, (8, 8), 2, 1, 1),
    (6, 6, 3, 6, (7, 9), 1, 1, 2),       # depthwise, dilated
    (5, 10, 1, 1, (4, 4), 1, 0, 1),      # pointwise
    (8, 16, 5, 4, (12, 10), 3, 2, 1),
])
def test_counts_match_conv2d(c, o, k, groups, size, stride, padding, dilation):
    rng = np.random.default_rng(0)
    kernel = (k, k) if isinstance(k, int) else k
    weight = rng.normal(size=(o, c // groups) + kernel)
    x = rng.normal(size=(1, c) + size)
    y = F.conv2d(x, weight, np.zeros(o), stride=stride, padding=padding, dilation=dilation,
                 groups=groups)
    out = conv2d_output_size(size, k, stride, padding, dilation)
    assert y.shape[2:] == out
    assert conv2d_params(c, o, k, groups=groups) == weight.size + o
    assert conv2d_params(c, o, k, groups=groups, bias=False) == weight.size
    # with all-ones input and weight and no padding, each output is its dot-product length
    ones = F.conv2d(np.ones((1, c) + size), np.ones_like(weight), stride=stride,
                    dilation=dilation, groups=groups)
    valid = conv2d_output_size(size, k, stride, 0, dilation)
    assert ones.sum() == conv2d_macs(c, o, k, valid, groups=groups)


def test_depthwise_separable_ratio():
    m, n, k, f = 32, 64, 3, 14
    standard = conv2d_macs(m, n, k, f)
    separable = conv2d_macs(m, m, k, f, groups=m) + conv2d_macs(m, n, 1, f)
    assert separable / standard == pytest.approx(1 / n + 1 / k ** 2, rel=1e-15)


def test_validation_messages():
    with pytest.raises(ValueError, match="divisible by groups"):
        conv2d_params(6, 4, 3, groups=4)
    with pytest.raises(ValueError, match="must be a positive int"):
        conv2d_macs(0, 4, 3, 5)
    with pytest.raises(TypeError, match="pair of ints"):
        conv2d_params(3, 4, (3, 3, 3))
    with pytest.raises(TypeError, match="positive int"):
        conv2d_params(3.0, 4, 3)
    with pytest.raises(ValueError, match="does not fit"):
        conv2d_output_size(4, 5)
    with pytest.raises(ValueError, match="at least 0"):
        conv2d_output_size(4, 3, padding=-1)
