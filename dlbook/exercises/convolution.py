r"""Self-checks for the exercises of the two chapters on convolution.

* ``check_output_size(fn)`` — ``fn(size, kernel_size, stride, padding, dilation)`` returns the
  output length of a convolution along one axis; compared with the length ``conv1d`` produces.
* ``check_receptive_field(fn)`` — ``fn(kernel_sizes, strides, dilations)`` returns the
  receptive field (in input pixels, along one axis) of one unit of the last layer of a stack of
  convolutions; compared with the width of the input gradient of that unit.
* ``check_conv_matrix(fn)`` — ``fn(kernel, input_size, stride)`` returns the matrix of a
  single-channel, unpadded ``conv2d``; compared with :func:`dlbook.convmatrix.conv2d_matrix`.
* ``check_output_padding(fn)`` — ``fn(size, kernel_size, stride, padding, dilation)`` returns
  the ``output_padding`` that makes ``conv_transpose2d`` map a convolution's output back to an
  input of length ``size``; checked by running ``conv_transpose2d``.

Each prints nothing and returns a one-line verdict, or raises
:class:`~dlbook.exercises.ExerciseCheckError` naming the first case that differs.
"""
import itertools

import numpy as np

from .. import functional as F
from ..convmatrix import conv2d_matrix
from . import ExerciseCheckError, check_against

__all__ = ["check_output_size", "check_receptive_field", "check_conv_matrix",
           "check_output_padding"]


def _geometry_cases():
    """(size, kernel, stride, padding, dilation) with a non-empty output, a fixed grid."""
    cases = []
    for size, k, s, p, d in itertools.product((1, 4, 7, 10), (1, 2, 3, 5), (1, 2, 3),
                                              (0, 1, 2), (1, 2, 3)):
        if size + 2 * p >= d * (k - 1) + 1:
            cases.append((size, k, s, p, d))
    return cases


def _output_size_reference(size, kernel_size, stride, padding, dilation):
    out = F.conv1d(np.zeros((1, 1, size)), np.zeros((1, 1, kernel_size)), stride=stride,
                   padding=padding, dilation=dilation)
    return out.shape[-1]


def _as_int(value, name, case):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ExerciseCheckError(f"{name}: case {case} returned {value!r} of type "
                                 f"{type(value).__name__}, expected an int")
    return int(value)


def check_output_size(fn):
    """Compare ``fn(size, kernel_size, stride, padding, dilation)`` with the output length of
    :func:`dlbook.functional.conv1d` on a grid of several hundred geometries (every one with a
    non-empty output). ``fn`` must return an int."""
    cases = _geometry_cases()
    for case in cases:
        got = _as_int(fn(*case), "output size", case)
        want = _output_size_reference(*case)
        if got != want:
            size, k, s, p, d = case
            raise ExerciseCheckError(
                f"output size: for size={size}, kernel_size={k}, stride={s}, padding={p}, "
                f"dilation={d} conv1d gives {want}, your function {got}")
    return f"output size: all {len(cases)} geometries match conv1d"


def _receptive_field_reference(kernel_sizes, strides, dilations):
    """Width of the input gradient of the last layer's first unit, through all-ones kernels
    (positive weights, so nothing cancels), on an input just long enough for the stack."""
    needed = 1
    for k, s, d in zip(reversed(kernel_sizes), reversed(strides), reversed(dilations)):
        needed = (needed - 1) * s + d * (k - 1) + 1
    x = np.zeros((1, 1, needed))
    inputs = []
    for k, s, d in zip(kernel_sizes, strides, dilations):
        inputs.append(x)
        x = F.conv1d(x, np.ones((1, 1, k)), stride=s, dilation=d)
    grad = np.zeros_like(x)
    grad[0, 0, 0] = 1.0
    for x_in, k, s, d in zip(reversed(inputs), reversed(kernel_sizes), reversed(strides),
                             reversed(dilations)):
        grad = F.conv1d_backward(grad, x_in, np.ones((1, 1, k)), stride=s, dilation=d)[0]
    support = np.flatnonzero(grad[0, 0])
    return int(support[-1] - support[0] + 1)


def _receptive_field_cases():
    rng = np.random.default_rng(599)
    cases = [([3], [1], [1]), ([3, 3], [1, 1], [1, 1]), ([3, 3, 3], [1, 1, 1], [1, 1, 1]),
             ([7, 3, 3], [2, 2, 1], [1, 1, 1]), ([3, 3, 3], [1, 1, 1], [1, 2, 4]),
             ([1, 1], [2, 2], [1, 1]), ([2, 2, 2, 2], [2, 2, 2, 2], [1, 1, 1, 1])]
    for _ in range(25):
        depth = int(rng.integers(1, 6))
        cases.append(([int(v) for v in rng.integers(1, 6, depth)],
                      [int(v) for v in rng.integers(1, 4, depth)],
                      [int(v) for v in rng.integers(1, 4, depth)]))
    return cases


def check_receptive_field(fn):
    """Compare ``fn(kernel_sizes, strides, dilations)`` (three lists, first layer first) with
    the measured receptive field of one unit of the last layer: the number of input positions
    between the first and the last one its input gradient reaches. ``fn`` must return an int."""
    cases = _receptive_field_cases()
    for case in cases:
        got = _as_int(fn(*[list(v) for v in case]), "receptive field", case)
        want = _receptive_field_reference(*case)
        if got != want:
            raise ExerciseCheckError(
                f"receptive field: for kernel_sizes={case[0]}, strides={case[1]}, "
                f"dilations={case[2]} the gradient reaches {want} input positions, your "
                f"function says {got}")
    return f"receptive field: all {len(cases)} stacks match"


def _conv_matrix_reference(kernel, input_size, stride):
    return conv2d_matrix(kernel, input_size, stride=stride)


def check_conv_matrix(fn):
    """Compare ``fn(kernel, input_size, stride)`` — ``kernel`` of shape (kH, kW),
    ``input_size`` a pair (H, W), ``stride`` an int; no padding — with the matrix
    :math:`C` of shape (OH·OW, H·W) for which ``conv2d(x, kernel[None, None], stride=stride)``
    equals ``C @ x.reshape(-1)``."""
    rng = np.random.default_rng(599)
    cases = [(rng.standard_normal((3, 3)), (4, 4), 1), (rng.standard_normal((2, 2)), (3, 5), 1),
             (rng.standard_normal((3, 3)), (7, 7), 2), (rng.standard_normal((1, 4)), (4, 6), 2),
             (rng.standard_normal((3, 2)), (6, 5), 3), (rng.standard_normal((1, 1)), (3, 3), 1)]
    return check_against(fn, _conv_matrix_reference, cases, name="convolution matrix",
                         rtol=1e-12, atol=1e-12)


def _output_padding_reference(size, kernel_size, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) % stride


def check_output_padding(fn):
    """Compare ``fn(size, kernel_size, stride, padding, dilation)`` with the ``output_padding``
    for which ``conv_transpose2d`` of the convolution's output has length ``size`` again, on a
    grid of geometries (each also run through :func:`dlbook.functional.conv_transpose2d`)."""
    cases = _geometry_cases()
    for case in cases:
        size, k, s, p, d = case
        got = _as_int(fn(*case), "output padding", case)
        want = _output_padding_reference(*case)
        out_len = _output_size_reference(*case)
        back = F.conv_transpose2d(np.zeros((1, 1, 1, out_len)), np.zeros((1, 1, 1, k)),
                                  stride=(1, s), padding=(0, p), output_padding=(0, want),
                                  dilation=(1, d))
        if back.shape[-1] != size:     # the reference itself, run through conv_transpose2d
            raise RuntimeError(f"output padding reference is wrong for {case}")
        if got != want:
            raise ExerciseCheckError(
                f"output padding: for size={size}, kernel_size={k}, stride={s}, padding={p}, "
                f"dilation={d} the convolution gives {out_len} outputs and conv_transpose2d "
                f"needs output_padding={want} to return {size}, your function says {got}")
    return f"output padding: all {len(cases)} geometries match"
