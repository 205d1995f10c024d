"""dlbook convolution and pooling: finite-difference gradients, PyTorch parity (float64), a loop
reference as a second oracle, hypothesis properties and error messages."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import conv_reference as R
import dlbook._conv as C
from dlbook.autograd import Context
from dlbook.gradcheck import check_gradient

RTOL, ATOL = 1e-10, 1e-12          # dlbook vs PyTorch / the loop reference, float64
PROPERTY = settings(max_examples=40, deadline=None)


def close(actual, expected, rtol=RTOL, atol=ATOL):
    if hasattr(expected, "detach"):
        expected = expected.detach().numpy()
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def fd_check(forward, backward, arrays, rng):
    """Finite-difference check of every gradient ``backward`` returns, for the scalar cost
    ``sum(forward(*arrays) * R)`` with a fixed random ``R``."""
    r = rng.normal(size=np.shape(forward(*arrays)))
    grads = backward(r, *arrays)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert len(grads) == len(arrays)
    for k, (a, g) in enumerate(zip(arrays, grads)):
        check_gradient(lambda: float(np.sum(forward(*arrays) * r)), a, g, name=f"argument {k}")


def torch_grads(torch, fn, arrays, grad):
    """Output of ``fn(*tensors)`` and the gradients of <output, grad> by torch autograd."""
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():   # torch notes that padding='same' with an even kernel
        warnings.simplefilter("ignore", UserWarning)         # makes a padded copy
        out = fn(*tensors)
    values = out[0] if isinstance(out, tuple) else out
    values.backward(torch.tensor(grad))
    return out, [t.grad for t in tensors]


# --------------------------------------------------------------------------- cases
def _pad_pairs(padding, kernel, dilation):
    """conv2d's ``padding`` argument as ((top, bottom), (left, right)) for the reference."""
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    p = (padding, padding) if isinstance(padding, int) else padding
    return ((p[0], p[0]), (p[1], p[1]))


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# input shape, weight shape, with bias, keyword arguments
CONV2D_CASES = [
    ((2, 3, 6, 5), (4, 3, 3, 3), True, {}),
    ((2, 3, 7, 6), (4, 3, 3, 2), True, dict(stride=2, padding=1)),
    ((1, 4, 7, 7), (6, 2, 3, 3), False, dict(groups=2, dilation=2, padding=2)),
    ((2, 4, 6, 6), (4, 1, 2, 2), True, dict(groups=4, padding="same")),        # depthwise
    ((2, 2, 7, 8), (3, 2, 2, 4), True, dict(padding="same", dilation=(2, 1))),  # even width
    ((2, 3, 9, 8), (2, 3, 2, 2), True, dict(stride=3)),                         # stride > kernel
    ((4, 6, 6), (4, 2, 3, 1), True, dict(stride=(1, 2), padding=(0, 1), groups=2)),  # unbatched
    ((2, 3, 5, 5), (2, 3, 5, 5), True, dict(padding="valid")),                  # kernel = input
    ((1, 6, 5, 6), (12, 1, 3, 3), False, dict(groups=6, stride=2, padding=(1, 0))),  # multiplier 2
]
CONV2D_IDS = [f"conv2d-{i}" for i in range(len(CONV2D_CASES))]

CONV1D_CASES = [
    ((2, 3, 9), (4, 3, 3), True, {}),
    ((2, 4, 10), (6, 2, 4), True, dict(padding="same", groups=2)),   # even kernel, 'same'
    ((2, 2, 11), (3, 2, 2), False, dict(stride=3, padding=1, dilation=2)),
    ((3, 8), (2, 3, 3), True, dict(padding="same", dilation=3)),
]

# input shape, weight shape (in, out/groups, kH, kW), with bias, keyword arguments
CONVT_CASES = [
    ((2, 3, 4, 5), (3, 2, 3, 3), True, {}),
    ((2, 4, 3, 4), (4, 3, 3, 2), True, dict(stride=2, padding=1, output_padding=1, groups=2)),
    ((1, 2, 4, 4), (2, 3, 2, 3), False,
     dict(stride=(2, 3), dilation=(2, 1), output_padding=(1, 2))),
    ((2, 2, 3, 3), (2, 2, 3, 3), True, dict(dilation=2, output_padding=1)),  # op < dilation
    ((3, 4, 4), (3, 2, 2, 2), True, dict(stride=3, padding=1)),  # unbatched, stride > kernel
    ((2, 4, 3, 3), (4, 1, 3, 3), True, dict(stride=2, groups=4, padding=2)),  # depthwise
]
CONVT_IDS = [f"convT-{i}" for i in range(len(CONVT_CASES))]

MAX_CASES = [
    ((2, 3, 6, 6), dict(kernel_size=2)),
    ((2, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 2, 9, 7), dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), dilation=(2, 1),
                        ceil_mode=True)),
    ((2, 5, 6), dict(kernel_size=2, stride=3)),          # unbatched, stride > kernel
    ((1, 2, 6, 7), dict(kernel_size=3, stride=1)),       # overlapping windows
    ((1, 2, 5, 5), dict(kernel_size=2, stride=2, ceil_mode=True)),
]
MAX_IDS = [f"max-{i}" for i in range(len(MAX_CASES))]

AVG_CASES = [
    ((2, 3, 6, 6), dict(kernel_size=2)),
    ((2, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((2, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((2, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                        count_include_pad=False)),
    ((1, 2, 8, 7), dict(kernel_size=(4, 2), stride=(3, 2), padding=(2, 1), ceil_mode=True)),
    ((2, 2, 6, 7), dict(kernel_size=3, stride=2, padding=1, divisor_override=4)),
    ((1, 2, 7, 7), dict(kernel_size=2, stride=2, ceil_mode=True, divisor_override=3)),
    ((2, 5, 6), dict(kernel_size=2, stride=3)),           # unbatched, stride > kernel
]
AVG_IDS = [f"avg-{i}" for i in range(len(AVG_CASES))]

LP_CASES = [
    (2, (2, 3, 6, 6), dict(kernel_size=2)),
    (3, (2, 2, 7, 8), dict(kernel_size=3, stride=2, ceil_mode=True)),
    (1.5, (1, 2, 6, 7), dict(kernel_size=(2, 3), stride=(1, 2))),
    (1, (1, 2, 5, 5), dict(kernel_size=2, stride=1)),
    (2, (2, 5, 6), dict(kernel_size=3, stride=2, ceil_mode=True)),  # unbatched
]
LP_IDS = [f"lp-{i}" for i in range(len(LP_CASES))]

ADAPTIVE_CASES = [
    ((2, 3, 7, 8), (3, 4)), ((2, 3, 7, 8), 5), ((2, 3, 7, 8), (None, 3)),
    ((2, 3, 5, 6), (7, 9)), ((3, 6, 6), (2, 3)), ((1, 2, 5, 5), 1),
]

UNFOLD_CASES = [
    ((2, 3, 6, 5), dict(kernel_size=2)),
    ((2, 2, 7, 8), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))),
    ((3, 5, 5), dict(kernel_size=3, stride=2, padding=1)),   # unbatched
    ((1, 2, 7, 6), dict(kernel_size=2, stride=3)),            # stride > kernel: gaps
]


def _conv2d_arrays(rng, x_shape, w_shape, bias):
    arrays = [rng.normal(size=x_shape), rng.normal(size=w_shape)]
    if bias:
        arrays.append(rng.normal(size=w_shape[0]))
    return arrays


def _convt_arrays(rng, x_shape, w_shape, bias, groups):
    arrays = [rng.normal(size=x_shape), rng.normal(size=w_shape)]
    if bias:
        arrays.append(rng.normal(size=w_shape[1] * groups))
    return arrays


def _fold_arrays(rng, shape, kw):
    """A random input for fold: the shape unfold gives for an image of ``shape``."""
    return rng.normal(size=C.unfold(np.zeros(shape), **kw).shape)


# --------------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("x_shape,w_shape,bias,kw", CONV2D_CASES, ids=CONV2D_IDS)
def test_conv2d_gradients(x_shape, w_shape, bias, kw, rng):
    arrays = _conv2d_arrays(rng, x_shape, w_shape, bias)
    fd_check(lambda *a: C.conv2d(*a, **kw),
             lambda g, *a: C.conv2d_backward(g, *a, **kw)[:len(a)], arrays, rng)


@pytest.mark.parametrize("x_shape,w_shape,bias,kw", CONV1D_CASES)
def test_conv1d_gradients(x_shape, w_shape, bias, kw, rng):
    arrays = _conv2d_arrays(rng, x_shape, w_shape, bias)
    fd_check(lambda *a: C.conv1d(*a, **kw),
             lambda g, *a: C.conv1d_backward(g, *a, **kw)[:len(a)], arrays, rng)


@pytest.mark.parametrize("x_shape,w_shape,bias,kw", CONVT_CASES, ids=CONVT_IDS)
def test_conv_transpose2d_gradients(x_shape, w_shape, bias, kw, rng):
    arrays = _convt_arrays(rng, x_shape, w_shape, bias, kw.get("groups", 1))
    fd_check(lambda *a: C.conv_transpose2d(*a, **kw),
             lambda g, *a: C.conv_transpose2d_backward(g, *a, **kw)[:len(a)], arrays, rng)


@pytest.mark.parametrize("shape,kw", MAX_CASES, ids=MAX_IDS)
def test_max_pool2d_gradient(shape, kw, rng):
    x = rng.permutation(np.arange(np.prod(shape), dtype=np.float64)).reshape(shape) * 0.1
    fd_check(lambda a: C.max_pool2d(a, **kw),
             lambda g, a: C.max_pool2d_backward(g, a, **kw), [x], rng)


@pytest.mark.parametrize("shape,kw", AVG_CASES, ids=AVG_IDS)
def test_avg_pool2d_gradient(shape, kw, rng):
    fd_check(lambda a: C.avg_pool2d(a, **kw),
             lambda g, a: C.avg_pool2d_backward(g, a, **kw), [rng.normal(size=shape)], rng)


@pytest.mark.parametrize("p,shape,kw", LP_CASES, ids=LP_IDS)
def test_lp_pool2d_gradient(p, shape, kw, rng):
    x = rng.uniform(0.2, 2.0, size=shape)
    fd_check(lambda a: C.lp_pool2d(a, p, **kw),
             lambda g, a: C.lp_pool2d_backward(g, a, p, **kw), [x], rng)


@pytest.mark.parametrize("shape,size", ADAPTIVE_CASES)
def test_adaptive_avg_pool2d_gradient(shape, size, rng):
    fd_check(lambda a: C.adaptive_avg_pool2d(a, size),
             lambda g, a: C.adaptive_avg_pool2d_backward(g, a, size),
             [rng.normal(size=shape)], rng)


@pytest.mark.parametrize("shape,kw", UNFOLD_CASES)
def test_unfold_and_fold_gradients(shape, kw, rng):
    fd_check(lambda a: C.unfold(a, **kw), lambda g, a: C.unfold_backward(g, a, **kw),
             [rng.normal(size=shape)], rng)
    size = shape[-2:]
    fd_check(lambda a: C.fold(a, size, **kw), lambda g, a: C.fold_backward(g, a, size, **kw),
             [_fold_arrays(rng, shape, kw)], rng)


# --------------------------------------------------------------------------- PyTorch parity
@pytest.mark.parametrize("x_shape,w_shape,bias,kw", CONV2D_CASES, ids=CONV2D_IDS)
def test_conv2d_matches_torch(x_shape, w_shape, bias, kw, rng, torch):
    arrays = _conv2d_arrays(rng, x_shape, w_shape, bias)
    y = C.conv2d(*arrays, **kw)
    g = rng.normal(size=y.shape)
    expected, grads = torch_grads(torch, lambda *t: torch.nn.functional.conv2d(*t, **kw),
                                  arrays, g)
    close(y, expected)
    for ours, theirs in zip(C.conv2d_backward(g, *arrays, **kw), grads):
        close(ours, theirs)


@pytest.mark.parametrize("x_shape,w_shape,bias,kw", CONV1D_CASES)
def test_conv1d_matches_torch(x_shape, w_shape, bias, kw, rng, torch):
    arrays = _conv2d_arrays(rng, x_shape, w_shape, bias)
    y = C.conv1d(*arrays, **kw)
    g = rng.normal(size=y.shape)
    expected, grads = torch_grads(torch, lambda *t: torch.nn.functional.conv1d(*t, **kw),
                                  arrays, g)
    close(y, expected)
    for ours, theirs in zip(C.conv1d_backward(g, *arrays, **kw), grads):
        close(ours, theirs)


@pytest.mark.parametrize("x_shape,w_shape,bias,kw", CONVT_CASES, ids=CONVT_IDS)
def test_conv_transpose2d_matches_torch(x_shape, w_shape, bias, kw, rng, torch):
    arrays = _convt_arrays(rng, x_shape, w_shape, bias, kw.get("groups", 1))
    y = C.conv_transpose2d(*arrays, **kw)
    g = rng.normal(size=y.shape)
    expected, grads = torch_grads(
        torch, lambda *t: torch.nn.functional.conv_transpose2d(*t, **kw), arrays, g)
    close(y, expected)
    for ours, theirs in zip(C.conv_transpose2d_backward(g, *arrays, **kw), grads):
        close(ours, theirs)


@pytest.mark.parametrize("shape,kw", MAX_CASES, ids=MAX_IDS)
def test_max_pool2d_matches_torch(shape, kw, rng, torch):
    x = rng.normal(size=shape)
    y, idx = C.max_pool2d(x, return_indices=True, **kw)
    g = rng.normal(size=y.shape)
    (expected, expected_idx), (dx,) = torch_grads(
        torch, lambda t: torch.nn.functional.max_pool2d(t, return_indices=True, **kw), [x], g)
    close(y, expected)
    np.testing.assert_array_equal(idx, expected_idx.numpy())
    close(C.max_pool2d_backward(g, x, **kw), dx)


@pytest.mark.parametrize("make", [
    lambda rng, shape: np.zeros(shape),                                    # every entry ties
    lambda rng, shape: rng.integers(-2, 3, size=shape).astype(float),      # many ties
    lambda rng, shape: np.where(rng.random(shape) < 0.7, -np.inf, rng.normal(size=shape)),
    lambda rng, shape: np.where(rng.random(shape) < 0.2, np.nan, rng.normal(size=shape)),
], ids=["zeros", "integers", "minus-inf", "nan"])
@pytest.mark.parametrize("kw", [
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1), padding=(1, 1), ceil_mode=True),
], ids=["overlap", "ceil", "dilated"])
def test_max_pool2d_ties_match_torch(make, kw, rng, torch):
    """On ties the first maximum (row-major window order) gets the index and the gradient; a
    window of -inf points at its first in-bounds position, a window with NaNs at its last NaN."""
    x = make(rng, (2, 3, 7, 8))
    y, idx = C.max_pool2d(x, return_indices=True, **kw)
    g = rng.normal(size=y.shape)
    (expected, expected_idx), (dx,) = torch_grads(
        torch, lambda t: torch.nn.functional.max_pool2d(t, return_indices=True, **kw), [x], g)
    np.testing.assert_array_equal(y, expected.detach().numpy())
    np.testing.assert_array_equal(idx, expected_idx.numpy())
    close(C.max_pool2d_backward(g, x, **kw), dx)


def test_max_pool2d_window_inside_the_padding(torch):
    """With dilation a window can miss the input entirely: output -inf and PyTorch's index
    (which points past the plane); no gradient flows back from it."""
    x = np.array([[[[3.0]], [[4.0]]]])
    kw = dict(kernel_size=(2, 1), stride=1, padding=(1, 0), dilation=(2, 1))
    y, idx = C.max_pool2d(x, return_indices=True, **kw)
    expected, expected_idx = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True,
                                                            **kw)
    np.testing.assert_array_equal(y, expected.numpy())
    np.testing.assert_array_equal(idx, expected_idx.numpy())
    np.testing.assert_array_equal(C.max_pool2d_backward(np.ones(y.shape), x, **kw), 0.0)


@pytest.mark.parametrize("shape,kw", AVG_CASES, ids=AVG_IDS)
def test_avg_pool2d_matches_torch(shape, kw, rng, torch):
    x = rng.normal(size=shape)
    y = C.avg_pool2d(x, **kw)
    g = rng.normal(size=y.shape)
    expected, (dx,) = torch_grads(torch, lambda t: torch.nn.functional.avg_pool2d(t, **kw),
                                  [x], g)
    close(y, expected)
    close(C.avg_pool2d_backward(g, x, **kw), dx)


@pytest.mark.parametrize("p,shape,kw", LP_CASES, ids=LP_IDS)
def test_lp_pool2d_matches_torch(p, shape, kw, rng, torch):
    x = rng.uniform(0.1, 2.0, size=shape)
    x.flat[::7] = 0.0                       # zeros inside windows
    x[..., :2, :2] = 0.0                    # and an all-zero window: PyTorch's gradient is 0
    y = C.lp_pool2d(x, p, **kw)
    g = rng.normal(size=y.shape)
    expected, (dx,) = torch_grads(torch, lambda t: torch.nn.functional.lp_pool2d(t, p, **kw),
                                  [x], g)
    close(y, expected)
    close(C.lp_pool2d_backward(g, x, p, **kw), dx)


@pytest.mark.parametrize("shape,size", ADAPTIVE_CASES)
def test_adaptive_avg_pool2d_matches_torch(shape, size, rng, torch):
    x = rng.normal(size=shape)
    y = C.adaptive_avg_pool2d(x, size)
    g = rng.normal(size=y.shape)
    expected, (dx,) = torch_grads(
        torch, lambda t: torch.nn.functional.adaptive_avg_pool2d(t, size), [x], g)
    close(y, expected)
    close(C.adaptive_avg_pool2d_backward(g, x, size), dx)


@pytest.mark.parametrize("shape,kw", UNFOLD_CASES)
def test_unfold_and_fold_match_torch(shape, kw, rng, torch):
    x = rng.normal(size=shape)
    y = C.unfold(x, **kw)
    g = rng.normal(size=y.shape)
    expected, (dx,) = torch_grads(torch, lambda t: torch.nn.functional.unfold(t, **kw), [x], g)
    close(y, expected)
    close(C.unfold_backward(g, x, **kw), dx)

    cols, size = _fold_arrays(rng, shape, kw), shape[-2:]
    z = C.fold(cols, size, **kw)
    g = rng.normal(size=z.shape)
    expected, (dcols,) = torch_grads(
        torch, lambda t: torch.nn.functional.fold(t, size, **kw), [cols], g)
    close(z, expected)
    close(C.fold_backward(g, cols, size, **kw), dcols)


# --------------------------------------------------------------------------- loop reference
@pytest.mark.parametrize("x_shape,w_shape,bias,kw", CONV2D_CASES, ids=CONV2D_IDS)
def test_conv2d_matches_loop_reference(x_shape, w_shape, bias, kw, rng):
    arrays = _conv2d_arrays(rng, x_shape, w_shape, bias)
    x = arrays[0] if len(x_shape) == 4 else arrays[0][None]
    dilation = _pair(kw.get("dilation", 1))
    expected = R.conv2d(x, arrays[1], arrays[2] if bias else None, _pair(kw.get("stride", 1)),
                        _pad_pairs(kw.get("padding", 0), w_shape[2:], dilation), dilation,
                        kw.get("groups", 1))
    y = C.conv2d(*arrays, **kw)
    close(y, expected if len(x_shape) == 4 else expected[0])


@pytest.mark.parametrize("x_shape,w_shape,bias,kw", CONVT_CASES, ids=CONVT_IDS)
def test_conv_transpose2d_matches_loop_reference(x_shape, w_shape, bias, kw, rng):
    groups = kw.get("groups", 1)
    arrays = _convt_arrays(rng, x_shape, w_shape, bias, groups)
    x = arrays[0] if len(x_shape) == 4 else arrays[0][None]
    expected = R.conv_transpose2d(
        x, arrays[1], arrays[2] if bias else None, _pair(kw.get("stride", 1)),
        _pair(kw.get("padding", 0)), _pair(kw.get("output_padding", 0)),
        _pair(kw.get("dilation", 1)), groups)
    y = C.conv_transpose2d(*arrays, **kw)
    close(y, expected if len(x_shape) == 4 else expected[0])


def _batched(x):
    return x if x.ndim == 4 else x[None]


@pytest.mark.parametrize("shape,kw", MAX_CASES, ids=MAX_IDS)
def test_max_pool2d_matches_loop_reference(shape, kw, rng):
    x = rng.integers(-3, 4, size=shape).astype(float)         # with ties
    y, idx = C.max_pool2d(x, return_indices=True, **kw)
    kernel = _pair(kw["kernel_size"])
    stride = _pair(kw.get("stride", kernel))
    expected, expected_idx = R.max_pool2d(_batched(x), kernel, stride,
                                          _pair(kw.get("padding", 0)),
                                          _pair(kw.get("dilation", 1)),
                                          kw.get("ceil_mode", False))
    np.testing.assert_array_equal(_batched(y), expected)
    np.testing.assert_array_equal(_batched(idx), expected_idx)
    g = rng.normal(size=y.shape)
    close(_batched(C.max_pool2d_backward(g, x, **kw)),
          R.max_pool2d_backward(_batched(g), expected_idx, _batched(x).shape))


@pytest.mark.parametrize("shape,kw", AVG_CASES, ids=AVG_IDS)
def test_avg_pool2d_matches_loop_reference(shape, kw, rng):
    x = rng.normal(size=shape)
    kernel = _pair(kw["kernel_size"])
    expected = R.avg_pool2d(_batched(x), kernel, _pair(kw.get("stride", kernel)),
                            _pair(kw.get("padding", 0)), kw.get("ceil_mode", False),
                            kw.get("count_include_pad", True), kw.get("divisor_override"))
    close(_batched(C.avg_pool2d(x, **kw)), expected)


@pytest.mark.parametrize("p,shape,kw", LP_CASES, ids=LP_IDS)
def test_lp_pool2d_matches_loop_reference(p, shape, kw, rng):
    x = rng.uniform(0.1, 2.0, size=shape)
    kernel = _pair(kw["kernel_size"])
    expected = R.lp_pool2d(_batched(x), p, kernel, _pair(kw.get("stride", kernel)),
                           kw.get("ceil_mode", False))
    close(_batched(C.lp_pool2d(x, p, **kw)), expected)


def test_lp_pool2d_is_a_p_norm_of_each_window(rng):
    """Without ceil_mode, norm_type=2 is the Euclidean norm of each window ("L2 pooling")."""
    x = rng.normal(size=(2, 3, 6, 4))
    windows = x.reshape(2, 3, 3, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 3, 3, 2, 4)
    close(C.lp_pool2d(np.abs(x), 2, 2), np.linalg.norm(windows, axis=-1))
    close(C.lp_pool2d(np.abs(x), 1, 2), np.abs(windows).sum(axis=-1))


@pytest.mark.parametrize("shape,size", ADAPTIVE_CASES)
def test_adaptive_avg_pool2d_matches_loop_reference(shape, size, rng):
    x = rng.normal(size=shape)
    y = C.adaptive_avg_pool2d(x, size)
    close(_batched(y), R.adaptive_avg_pool2d(_batched(x), y.shape[-2:]))


@pytest.mark.parametrize("shape,kw", UNFOLD_CASES)
def test_unfold_and_fold_match_loop_reference(shape, kw, rng):
    x = rng.normal(size=shape)
    geometry = dict(kernel=_pair(kw["kernel_size"]), dilation=_pair(kw.get("dilation", 1)),
                    padding=_pair(kw.get("padding", 0)), stride=_pair(kw.get("stride", 1)))
    y = C.unfold(x, **kw)
    close(y if y.ndim == 3 else y[None], R.unfold(_batched(x), **geometry))
    cols = _fold_arrays(rng, shape, kw)
    z = C.fold(cols, shape[-2:], **kw)
    close(_batched(z), R.fold(cols if cols.ndim == 3 else cols[None], shape[-2:], **geometry))


def test_unfold_times_weight_is_conv2d(rng):
    """conv2d (one group) is the weight matrix times the unfolded input."""
    x, w = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(5, 3, 3, 2))
    cols = C.unfold(x, (3, 2), dilation=(1, 2), padding=1, stride=2)
    y = C.conv2d(x, w, stride=2, padding=1, dilation=(1, 2))
    close((w.reshape(5, -1) @ cols).reshape(y.shape), y)


# --------------------------------------------------------------------------- one implementation
@pytest.mark.parametrize("x_shape,w_shape,bias,kw", CONVT_CASES, ids=CONVT_IDS)
def test_conv_transpose2d_is_the_input_gradient_of_conv2d(x_shape, w_shape, bias, kw, rng):
    """Both ways: conv2d's input gradient is conv_transpose2d of grad_output, and
    conv_transpose2d's input gradient is conv2d of grad_output (same code, so exactly)."""
    conv_kw = {k: v for k, v in kw.items() if k != "output_padding"}
    x_t = rng.normal(size=x_shape)                 # conv_transpose2d input = conv2d output
    w = rng.normal(size=w_shape)
    z = C.conv_transpose2d(x_t, w, **kw)          # conv_transpose2d output = conv2d input
    forward = C.conv2d(z, w, **conv_kw)
    # output_padding >= stride (allowed when < dilation) makes conv2d(z) one row/column larger
    # than x_t; those extra outputs get a zero gradient, and conv_transpose2d ignores them
    grad = np.zeros(forward.shape)
    grad[..., :x_t.shape[-2], :x_t.shape[-1]] = x_t
    dinput, _, _ = C.conv2d_backward(grad, z, w, **conv_kw)
    np.testing.assert_array_equal(dinput, z)
    dinput_t, _, _ = C.conv_transpose2d_backward(z, x_t, w, **kw)
    np.testing.assert_array_equal(dinput_t, forward[..., :x_t.shape[-2], :x_t.shape[-1]])


# --------------------------------------------------------------------------- properties
@st.composite
def conv_problems(draw):
    """A random conv2d problem with a non-empty output."""
    groups = draw(st.integers(1, 3))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    size = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 7))
                 for k, d, p in zip(kernel, dilation, padding))
    n = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, groups * cg) + size)
    w = rng.normal(size=(groups * og, cg) + kernel)
    return x, w, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


@PROPERTY
@given(conv_problems())
def test_conv2d_output_shape_is_the_size_formula(problem):
    x, w, kw = problem
    y = C.conv2d(x, w, **kw)
    expected = tuple((h + 2 * p - d * (k - 1) - 1) // s + 1 for h, p, d, k, s in
                     zip(x.shape[2:], kw["padding"], kw["dilation"], w.shape[2:], kw["stride"]))
    assert y.shape == (x.shape[0], w.shape[0]) + expected


@PROPERTY
@given(conv_problems(), st.integers(0, 2 ** 16))
def test_adjoint_identity_conv2d_conv_transpose2d(problem, seed):
    """<conv2d(x, w), y> = <x, conv_transpose2d(y, w)>, with the output_padding that gives
    back x's size."""
    x, w, kw = problem
    y = np.random.default_rng(seed).normal(size=C.conv2d(x, w, **kw).shape)
    output_padding = tuple((h + 2 * p - d * (k - 1) - 1) % s for h, p, d, k, s in
                           zip(x.shape[2:], kw["padding"], kw["dilation"], w.shape[2:],
                               kw["stride"]))
    back = C.conv_transpose2d(y, w, output_padding=output_padding, **kw)
    assert back.shape == x.shape
    lhs, rhs = np.vdot(C.conv2d(x, w, **kw), y), np.vdot(x, back)
    assert abs(lhs - rhs) <= 1e-10 * (1 + abs(lhs))


@PROPERTY
@given(st.integers(3, 7), st.integers(3, 7), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 2), st.integers(-6, 6), st.integers(-6, 6), st.integers(0, 2 ** 16))
def test_conv2d_is_translation_equivariant(h, w, kh, kw, dilation, dy, dx, seed):
    """On a circularly padded input, rolling the input rolls the stride-1 output."""
    rng = np.random.default_rng(seed)
    x, weight = rng.normal(size=(1, 2, h, w)), rng.normal(size=(3, 2, kh, kw))
    extra = (dilation * (kh - 1), dilation * (kw - 1))

    def circular(a):
        return np.pad(a, ((0, 0), (0, 0), (0, extra[0]), (0, extra[1])), mode="wrap")

    y = C.conv2d(circular(x), weight, dilation=dilation)
    assert y.shape[2:] == (h, w)
    shifted = C.conv2d(circular(np.roll(x, (dy, dx), axis=(2, 3))), weight, dilation=dilation)
    close(shifted, np.roll(y, (dy, dx), axis=(2, 3)))


@st.composite
def pool_problems(draw):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = tuple(draw(st.integers(0, (d * (k - 1) + 1) // 2))
                    for k, d in zip(kernel, dilation))
    size = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 9))
                 for k, d, p in zip(kernel, dilation, padding))
    return size, dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
                      ceil_mode=draw(st.booleans()))


@PROPERTY
@given(pool_problems())
def test_pool_output_shapes_are_the_size_formula(problem):
    size, kw = problem
    x = np.arange(2 * np.prod(size), dtype=float).reshape((1, 2) + size)
    expected = tuple(R.pool_output_size(n, k, s, p, d, kw["ceil_mode"]) for n, k, s, p, d in
                     zip(size, kw["kernel_size"], kw["stride"], kw["padding"], kw["dilation"]))
    y, idx = C.max_pool2d(x, return_indices=True, **kw)
    assert y.shape == idx.shape == (1, 2) + expected
    inside = y > -np.inf          # not a window that lies entirely in the padding
    assert np.all((0 <= idx[inside]) & (idx[inside] < np.prod(size)))
    picked = np.take_along_axis(x.reshape(1, 2, -1), np.where(inside, idx, 0).reshape(1, 2, -1),
                                axis=2).reshape(y.shape)
    np.testing.assert_array_equal(picked[inside], y[inside])     # indices point at maxima
    avg_kw = {k: v for k, v in kw.items() if k != "dilation"}
    if kw["dilation"] == (1, 1):
        assert C.avg_pool2d(x, **avg_kw).shape == y.shape


@PROPERTY
@given(pool_problems(), st.integers(0, 2 ** 16))
def test_adjoint_identity_unfold_fold(problem, seed):
    """<unfold(x), z> = <x, fold(z)>: fold is the adjoint of unfold."""
    size, kw = problem
    geometry = dict(kernel_size=kw["kernel_size"], dilation=kw["dilation"],
                    padding=kw["padding"], stride=kw["stride"])
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 3) + size)
    cols = C.unfold(x, **geometry)
    z = rng.normal(size=cols.shape)
    lhs, rhs = np.vdot(cols, z), np.vdot(x, C.fold(z, size, **geometry))
    assert abs(lhs - rhs) <= 1e-10 * (1 + abs(lhs))


# --------------------------------------------------------------------------- the Function protocol
def test_functions_are_exported():
    for name in C.__all__:
        assert hasattr(C, name)
    for op in ("Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "LPPool2d",
               "AdaptiveAvgPool2d", "Unfold", "Fold"):
        assert issubclass(getattr(C, f"{op}Function"), C.Function)


def test_a_module_can_keep_one_context_per_call(rng):
    """Two forward calls with their own contexts, backward in reverse order: each backward
    uses its own call's saved arrays, and a context can be used twice."""
    w = rng.normal(size=(3, 2, 3, 3))
    x1, x2 = rng.normal(size=(2, 2, 5, 5)), rng.normal(size=(1, 2, 6, 4))
    ctx1, ctx2 = Context(), Context()
    y1 = C.Conv2dFunction.forward(ctx1, x1, w, None, 1, 1)
    y2 = C.Conv2dFunction.forward(ctx2, x2, w, None, 1, 1)
    g1, g2 = rng.normal(size=y1.shape), rng.normal(size=y2.shape)
    dx2, dw2, _ = C.Conv2dFunction.backward(ctx2, g2)
    dx1, dw1, _ = C.Conv2dFunction.backward(ctx1, g1)
    close(dx1, C.conv2d_backward(g1, x1, w, None, 1, 1)[0])
    close(dw2, C.conv2d_backward(g2, x2, w, None, 1, 1)[1])
    close(C.Conv2dFunction.backward(ctx1, g1)[1], dw1)


def test_inputs_may_be_lists_or_integers():
    x = np.arange(16).reshape(1, 1, 4, 4)
    close(C.conv2d(x, [[[[1, 0], [0, -1]]]]), -5.0 * np.ones((1, 1, 3, 3)))
    close(C.max_pool2d(x.tolist(), 2), [[[[5, 7], [13, 15]]]])
    close(C.avg_pool2d(x, 4, divisor_override=1), [[[[120.0]]]])


@pytest.mark.parametrize("forward,backward,args", [
    (C.conv2d, C.conv2d_backward, (np.ones((3, 2, 2, 2)), np.ones(3))),
    (C.conv_transpose2d, C.conv_transpose2d_backward, (np.ones((2, 3, 2, 2)),)),
    (C.max_pool2d, C.max_pool2d_backward, (2,)),
    (C.avg_pool2d, C.avg_pool2d_backward, (2,)),
    (C.lp_pool2d, C.lp_pool2d_backward, (2, 2)),
    (C.adaptive_avg_pool2d, C.adaptive_avg_pool2d_backward, (3,)),
    (C.unfold, C.unfold_backward, (2,)),
], ids=["conv2d", "conv_transpose2d", "max", "avg", "lp", "adaptive", "unfold"])
def test_an_empty_batch_gives_empty_outputs(forward, backward, args):
    x = np.zeros((0, 2, 5, 5))
    y = forward(x, *args)
    assert y.shape[0] == 0
    grads = backward(np.zeros(y.shape), x, *args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert grads[0].shape == x.shape
    for g, a in zip(grads[1:], args):
        np.testing.assert_array_equal(g, np.zeros(np.shape(a)))


# --------------------------------------------------------------------------- error messages
X4 = np.zeros((2, 4, 6, 6))
W4 = np.zeros((6, 2, 3, 3))


@pytest.mark.parametrize("call,error,match", [
    (lambda: C.conv2d(np.zeros((6, 6)), W4), ValueError,
     r"input must have shape \(N, C, H, W\) or \(C, H, W\).*got shape \(6, 6\)"),
    (lambda: C.conv2d(X4, np.zeros((6, 2, 3))), ValueError,
     r"weight must have shape \(out_channels, in_channels/groups, kH, kW\).*\(6, 2, 3\)"),
    (lambda: C.conv2d(X4, W4), ValueError, r"expects input with 2 channels.*\(4 channels\)"),
    (lambda: C.conv2d(X4, np.zeros((6, 4, 3, 3)), groups=3), ValueError,
     r"in_channels must be divisible by groups, got 4 channels and groups=3"),
    (lambda: C.conv2d(X4, np.zeros((5, 2, 3, 3)), groups=2), ValueError,
     r"out_channels \(weight.shape\[0\]\) must be divisible by groups, got 5 and groups=2"),
    (lambda: C.conv2d(X4, W4, groups=2, padding="same", stride=2), ValueError,
     r"padding='same' needs stride 1, got stride \(2, 2\)"),
    (lambda: C.conv2d(X4, W4, groups=2, padding="full"), ValueError,
     r"padding must be an int, a tuple of 2 ints, 'valid' or 'same', got 'full'"),
    (lambda: C.conv2d(X4, np.zeros((6, 2, 9, 3)), groups=2, padding=1), ValueError,
     r"padded input size \(8, 8\) is smaller than the dilated kernel size \(9, 3\)"),
    (lambda: C.conv2d(X4, W4, groups=2, dilation=4), ValueError,
     r"padded input size \(6, 6\) is smaller than the dilated kernel size \(9, 9\)"),
    (lambda: C.conv2d(X4, W4, groups=2, padding=-1), ValueError,
     r"padding must be at least 0, got -1"),
    (lambda: C.conv2d(X4, W4, groups=2, stride=0), ValueError, r"stride must be positive, got 0"),
    (lambda: C.conv2d(X4, W4, groups=2, stride=1.5), TypeError,
     r"stride must be an int or a tuple of 2 ints, got 1.5"),
    (lambda: C.conv2d(X4, W4, groups=0), ValueError, r"groups must be a positive int, got 0"),
    (lambda: C.conv2d(X4, W4, np.zeros(5), groups=2), ValueError,
     r"bias must have shape \(6,\), got shape \(5,\)"),
    (lambda: C.conv2d(X4, "w"), TypeError, r"weight must be a numeric ndarray, got str"),
    (lambda: C.conv1d(np.zeros((2, 3, 4)), np.zeros((2, 3, 5))), ValueError,
     r"conv1d: the padded input size \(4,\) is smaller than the dilated kernel size \(5,\)"),
    (lambda: C.conv1d(X4, np.zeros((2, 4, 3))), ValueError,
     r"conv1d: input must have shape \(N, C, L\) or \(C, L\)"),
    (lambda: C.conv_transpose2d(X4, np.zeros((3, 2, 3, 3))), ValueError,
     r"expects input with 3 channels, got input of shape \(2, 4, 6, 6\) \(4 channels\)"),
    (lambda: C.conv_transpose2d(X4, np.zeros((4, 2, 3, 3)), groups=3), ValueError,
     r"in_channels must be divisible by groups, got 4 channels and groups=3"),
    (lambda: C.conv_transpose2d(X4, np.zeros((4, 2, 3, 3)), stride=2, output_padding=2),
     ValueError, r"output_padding must be smaller than either stride or dilation"),
    (lambda: C.conv_transpose2d(np.zeros((1, 4, 1, 1)), np.zeros((4, 2, 1, 1)), padding=1),
     ValueError, r"output size .* = \(-1, -1\) is empty"),
    (lambda: C.max_pool2d(X4, 3, padding=2), ValueError,
     r"padding must be at most half of the effective kernel size .* \(3, 3\), got "
     r"padding=\(2, 2\)"),
    (lambda: C.max_pool2d(X4, 7), ValueError, r"output size \(0, 0\) is empty for input size "
     r"\(6, 6\), kernel_size=\(7, 7\)"),
    (lambda: C.max_pool2d(X4, 2, ceil_mode="yes"), TypeError, r"ceil_mode must be a bool"),
    (lambda: C.max_pool2d(np.zeros(5), 2), ValueError, r"max_pool2d: input must have shape"),
    (lambda: C.avg_pool2d(X4, 2, divisor_override=0), ValueError,
     r"divisor_override must be non-zero, got 0"),
    (lambda: C.avg_pool2d(X4, (2, 2, 2)), TypeError,
     r"kernel_size must be an int or a tuple of 2 ints, got \(2, 2, 2\)"),
    (lambda: C.lp_pool2d(X4, 0, 2), ValueError, r"norm_type must be a real number in \(0, inf\), "
     r"got 0"),
    (lambda: C.lp_pool2d(X4, "2", 2), TypeError, r"norm_type must be a real number in \(0, inf\), "
     r"got str '2'"),
    (lambda: C.adaptive_avg_pool2d(X4, 0), ValueError, r"output_size must be positive, got 0"),
    (lambda: C.unfold(X4, 7), ValueError, r"unfold: the padded input size \(6, 6\) is smaller"),
    (lambda: C.fold(np.zeros((2, 10, 4)), (3, 3), 2), ValueError,
     r"input.shape\[1\] must be divisible by kH\*kW = 4"),
    (lambda: C.fold(np.zeros((2, 8, 5)), (3, 3), 2), ValueError,
     r"give 2\*2 = 4 sliding blocks, got input of shape \(2, 8, 5\) with 5 blocks"),
    (lambda: C.conv2d_backward(np.zeros((2, 6, 3, 3)), X4, W4, groups=2), ValueError,
     r"grad_output has shape \(2, 6, 3, 3\) but the output of the forward pass has shape "
     r"\(2, 6, 4, 4\)"),
    (lambda: C.max_pool2d_backward(np.zeros((2, 4, 2, 2)), X4, 2), ValueError,
     r"grad_output has shape \(2, 4, 2, 2\) but .* \(2, 4, 3, 3\)"),
])
def test_error_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()
