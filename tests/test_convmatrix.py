"""Tests for dlbook.convmatrix: the explicit convolution matrix against conv2d and its transpose."""
import numpy as np
import pytest

import dlbook.functional as F
from dlbook.convmatrix import conv2d_matrix, conv2d_matrix_entries

GEOMETRIES = [  # (C, O, H, W, kH, kW, stride, padding, dilation)
    (1, 1, 4, 4, 3, 3, 1, 0, 1),
    (2, 3, 7, 6, 3, 3, 2, 1, 1),
    (2, 2, 9, 8, 2, 3, (3, 2), (2, 1), 2),
    (3, 1, 5, 5, 1, 1, 1, 0, 1),
    (1, 2, 6, 7, 4, 2, 2, 3, (1, 2)),
]


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_matrix_times_input_is_conv2d(geometry):
    c, o, h, w, kh, kw, s, p, d = geometry
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((o, c, kh, kw))
    x = rng.standard_normal((c, h, w))
    matrix = conv2d_matrix(weight, (h, w), stride=s, padding=p, dilation=d)
    y = F.conv2d(x[None], weight, stride=s, padding=p, dilation=d)[0]
    assert matrix.shape == (y.size, x.size)
    np.testing.assert_allclose(matrix @ x.reshape(-1), y.reshape(-1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_transpose_is_conv_transpose2d(geometry):
    c, o, h, w, kh, kw, s, p, d = geometry
    rng = np.random.default_rng(1)
    weight = rng.standard_normal((o, c, kh, kw))
    matrix = conv2d_matrix(weight, (h, w), stride=s, padding=p, dilation=d)
    y_shape = F.conv2d(np.zeros((1, c, h, w)), weight, stride=s, padding=p, dilation=d).shape
    g = rng.standard_normal(y_shape)
    dinput = F.conv2d_backward(g, np.zeros((1, c, h, w)), weight, stride=s, padding=p,
                               dilation=d)[0]
    np.testing.assert_allclose(matrix.T @ g.reshape(-1), dinput.reshape(-1), rtol=1e-12,
                               atol=1e-12)


def test_single_channel_kernel_and_entries():
    kernel = np.arange(1.0, 10.0).reshape(3, 3)
    matrix = conv2d_matrix(kernel, 4)
    rows, cols, p, q, out = conv2d_matrix_entries(3, 4)
    assert out == (2, 2) and matrix.shape == (4, 16) and rows.size == 36
    assert len(set(zip(rows.tolist(), cols.tolist()))) == rows.size
    np.testing.assert_array_equal(matrix[rows, cols], kernel[p, q])
    # first row: the kernel's rows at columns 0-2, 4-6, 8-10
    np.testing.assert_array_equal(matrix[0], [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0])
    # each row of the 2x2 output shifts by one pixel (right) or one image row (4 columns)
    np.testing.assert_array_equal(matrix[1, 1:], matrix[0, :-1])
    np.testing.assert_array_equal(matrix[2, 4:], matrix[0, :-4])
    np.testing.assert_array_equal(matrix[3, 5:], matrix[0, :-5])


def test_padding_drops_taps():
    rows, cols, p, q, out = conv2d_matrix_entries(3, (3, 3), padding=1)
    assert out == (3, 3)
    assert rows.size == 49  # 81 taps, less 5 on each edge row and column, corners counted once
    matrix = conv2d_matrix(np.ones((3, 3)), 3, padding=1)
    np.testing.assert_array_equal(matrix.sum(axis=1).reshape(3, 3),
                                  [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


def test_errors():
    with pytest.raises(ValueError, match="weight must have shape"):
        conv2d_matrix(np.ones(3), 4)
    with pytest.raises(ValueError, match="smaller than the dilated kernel"):
        conv2d_matrix(np.ones((3, 3)), 2)
    with pytest.raises(ValueError, match="stride must be positive"):
        conv2d_matrix_entries(3, 4, stride=0)
    with pytest.raises(TypeError, match="padding"):
        conv2d_matrix_entries(3, 4, padding=1.5)
