r"""Self-checks for the chapter on pooling and backpropagation through a CNN.

Two exercises, both on a single channel (2-D arrays, no batch axis):

* ``fn(x, weight, grad_output) -> (dinput, dweight)`` — the gradients of the valid
  cross-correlation :math:`y_{ij} = \sum_{p,q} w_{pq}\, x_{i+p,\,j+q}` (stride 1, no padding),
  given :math:`g = \partial C/\partial y`.
* ``fn(x, grad_output, kernel_size) -> dinput`` — the gradient of non-overlapping max pooling
  (stride = kernel size), each window's gradient routed to its **first** maximum in row-major
  order, as PyTorch does.
"""
import numpy as np

from .. import functional as F
from . import ExerciseCheckError, check_against

__all__ = ["reference_conv_backward", "check_conv_backward", "reference_max_pool_backward",
           "check_max_pool_backward"]


def _plane(a, name, ndim=2):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != ndim:
        raise ValueError(f"{name} must be a 2-D array (one channel, no batch axis), "
                         f"got shape {a.shape}")
    return a


def reference_conv_backward(x, weight, grad_output):
    r"""``(dinput, dweight)`` of the single-channel valid cross-correlation, from dlbook.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    weight : ndarray, shape (kH, kW)
    grad_output : ndarray, shape (H - kH + 1, W - kW + 1)

    Returns
    -------
    tuple of ndarrays with the shapes of ``x`` and ``weight``
    """
    x, weight = _plane(x, "x"), _plane(weight, "weight")
    grad_output = _plane(grad_output, "grad_output")
    expected = (x.shape[0] - weight.shape[0] + 1, x.shape[1] - weight.shape[1] + 1)
    if grad_output.shape != expected:
        raise ValueError(f"grad_output must have shape {expected}, got {grad_output.shape}")
    dinput, dweight, _ = F.conv2d_backward(grad_output[None, None], x[None, None],
                                           weight[None, None])
    return dinput[0, 0], dweight[0, 0]


def reference_max_pool_backward(x, grad_output, kernel_size):
    """Gradient of ``max_pool2d(x, kernel_size)`` (stride = kernel size) for one channel.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    grad_output : ndarray, shape (H // kernel_size, W // kernel_size)
    kernel_size : int

    Returns
    -------
    ndarray, shape (H, W)
    """
    x, grad_output = _plane(x, "x"), _plane(grad_output, "grad_output")
    return F.max_pool2d_backward(grad_output[None, None], x[None, None], kernel_size)[0, 0]


def _conv_cases():
    rng = np.random.default_rng(11)
    cases = []
    for (h, w), (kh, kw) in [((3, 3), (2, 2)), ((5, 6), (3, 3)), ((7, 5), (2, 4)),
                             ((4, 4), (1, 1)), ((6, 6), (6, 6))]:
        x = rng.normal(size=(h, w))
        weight = rng.normal(size=(kh, kw))
        grad = rng.normal(size=(h - kh + 1, w - kw + 1))
        cases.append((x, weight, grad))
    return cases


def _pool_cases():
    rng = np.random.default_rng(12)
    cases = []
    for (h, w), k in [((4, 4), 2), ((6, 9), 3), ((5, 7), 2), ((8, 8), 4)]:
        cases.append((rng.normal(size=(h, w)), rng.normal(size=(h // k, w // k)), k))
    ties = rng.integers(0, 3, size=(6, 6)).astype(np.float64)   # many ties in each window
    cases.append((ties, rng.normal(size=(3, 3)), 2))
    return cases


def check_conv_backward(fn):
    """Compare ``fn(x, weight, grad_output)`` with :func:`reference_conv_backward`.

    Tries square and rectangular inputs and kernels, a 1×1 kernel and a kernel as large as
    the input. Returns a one-line verdict or raises :class:`ExerciseCheckError` naming the
    output (0 = dinput, 1 = dweight) that differs.
    """
    return check_against(lambda x, w, g: fn(x.copy(), w.copy(), g.copy()),
                         reference_conv_backward, _conv_cases(), name="conv backward")


def check_max_pool_backward(fn):
    """Compare ``fn(x, grad_output, kernel_size)`` with :func:`reference_max_pool_backward`.

    The last case has many tied maxima; only routing to the first maximum (row-major) in
    each window passes it. Input sizes that are not multiples of the kernel leave the last
    rows/columns out of every window (their gradient is 0).
    """
    cases = _pool_cases()
    for i, (x, g, k) in enumerate(cases):
        got = np.asarray(fn(x.copy(), g.copy(), k), dtype=np.float64)
        if got.shape == x.shape and np.allclose(got, reference_max_pool_backward(x, g, k)):
            continue
        if i == len(cases) - 1 and got.shape == x.shape:
            raise ExerciseCheckError(
                "max pool backward: the case with tied maxima differs; send each window's "
                "gradient to its first maximum only (row-major order), not to every maximum")
        break
    return check_against(lambda x, g, k: fn(x.copy(), g.copy(), k),
                         reference_max_pool_backward, cases, name="max pool backward")
