"""Tests for dlbook.exercises.convolution: the checkers accept right answers, reject wrong ones."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.convolution import (
    _receptive_field_reference, check_conv_matrix, check_output_padding, check_output_size,
    check_receptive_field)


def _output_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _receptive_field(kernels, strides, dilations):
    field, jump = 1, 1
    for k, s, d in zip(kernels, strides, dilations):
        field += d * (k - 1) * jump
        jump *= s
    return field


def _conv_matrix_loop(kernel, input_size, stride):
    kh, kw = kernel.shape
    h, w = input_size
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    matrix = np.zeros((oh * ow, h * w))
    for i in range(oh):
        for j in range(ow):
            for p in range(kh):
                for q in range(kw):
                    matrix[i * ow + j, (i * stride + p) * w + j * stride + q] = kernel[p, q]
    return matrix


def test_output_size_accepts_the_formula():
    assert "match" in check_output_size(_output_size)


def test_output_size_rejects_the_formula_without_dilation_or_floor():
    with pytest.raises(ExerciseCheckError, match="dilation=2"):
        check_output_size(lambda size, k, s, p, d: (size + 2 * p - k) // s + 1)
    with pytest.raises(ExerciseCheckError, match="expected an int"):
        check_output_size(lambda size, k, s, p, d: (size + 2 * p - d * (k - 1) - 1) / s + 1)


def test_receptive_field_accepts_the_recursion():
    assert "match" in check_receptive_field(_receptive_field)


def test_receptive_field_rejects_ignoring_strides():
    with pytest.raises(ExerciseCheckError, match="strides"):
        check_receptive_field(lambda ks, ss, ds: 1 + sum(d * (k - 1) for k, d in zip(ks, ds)))


def test_receptive_field_reference_known_values():
    assert _receptive_field_reference([3, 3, 3], [1, 1, 1], [1, 1, 1]) == 7
    assert _receptive_field_reference([3, 3, 3], [1, 1, 1], [1, 2, 4]) == 15
    assert _receptive_field_reference([11], [4], [1]) == 11


def test_conv_matrix_accepts_a_loop_and_rejects_a_flipped_kernel():
    assert "match" in check_conv_matrix(_conv_matrix_loop)
    with pytest.raises(ExerciseCheckError, match="differs"):
        check_conv_matrix(lambda k, size, s: _conv_matrix_loop(k[::-1, ::-1], size, s))


def test_output_padding():
    assert "match" in check_output_padding(
        lambda size, k, s, p, d: (size + 2 * p - d * (k - 1) - 1) % s)
    with pytest.raises(ExerciseCheckError, match="output_padding="):
        check_output_padding(lambda size, k, s, p, d: 0)
