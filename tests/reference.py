"""Independent references for the tests: central differences written here (not dlbook's), a
strict floating-point context, and small NumPy <-> PyTorch converters (torch imported lazily, so
importing this module never requires PyTorch)."""
import warnings
from contextlib import contextmanager

import numpy as np

GRAD_RTOL, GRAD_ATOL = 1e-6, 1e-8        # finite differences vs analytic gradients
PARITY_RTOL, PARITY_ATOL = 1e-10, 1e-12  # dlbook vs PyTorch in float64


def central_difference(f, x, eps=1e-6):
    """Gradient of the scalar ``f(x)`` by central differences on copies of ``x`` (any shape)."""
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        grad[i] = (float(f(xp)) - float(f(xm))) / (2.0 * eps)
    return grad


def assert_grad_close(analytic, numeric):
    np.testing.assert_allclose(np.asarray(analytic), numeric, rtol=GRAD_RTOL, atol=GRAD_ATOL)


def assert_parity(actual, expected, rtol=PARITY_RTOL, atol=PARITY_ATOL):
    """Compare a dlbook result with a torch tensor / array / float."""
    if hasattr(expected, "detach"):
        expected = expected.detach().cpu().numpy()
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64), rtol=rtol, atol=atol)


def away_from_zero(x, margin=1e-3):
    """Move entries within ``margin`` of 0 out of the way of ReLU-type kinks."""
    x = np.array(x, dtype=np.float64)
    near = np.abs(x) < margin
    x[near] = np.where(x[near] >= 0, 1.0, -1.0) * 10 * margin
    return x


def random_shape(rng, min_dims=1, max_dims=3, max_side=4):
    ndim = rng.integers(min_dims, max_dims + 1)
    return tuple(int(s) for s in rng.integers(1, max_side + 1, ndim))


@contextmanager
def strict_numerics():
    """Every warning is an error and NumPy raises on overflow / invalid / divide-by-zero."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


def tt(a, requires_grad=False):
    """A float64 torch tensor copied from ``a``."""
    import torch
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64,
                        requires_grad=requires_grad)


def tlong(a):
    import torch
    return torch.tensor(np.asarray(a), dtype=torch.long)
