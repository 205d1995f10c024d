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


# --------------------------------------------------------------------------- optimizer parity
def rosenbrock_grad(x):
    """Gradient of the extended Rosenbrock function sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2,
    derived by hand in NumPy, so a torch run (autograd) shares nothing with it but the optimizer."""
    r = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] += -400 * x[:-1] * r - 2 * (1 - x[:-1])
    g[1:] += 200 * r
    return g


def tanh_mlp_pair(torch, rng):
    """A 3-8-8-2 tanh MLP in dlbook and an identical float64 copy in torch, with regression
    data X (32, 3), Y (32, 2) for it."""
    from dlbook import nn
    model = nn.Sequential(nn.Linear(3, 8, generator=rng), nn.Tanh(),
                          nn.Linear(8, 8, generator=rng), nn.Tanh(),
                          nn.Linear(8, 2, generator=rng))
    ref = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                              torch.nn.Tanh(), torch.nn.Linear(8, 2)).to(torch.float64)
    with torch.no_grad():
        for p, q in zip(model.parameters(), ref.parameters()):
            q.copy_(tt(p.data))
    X = rng.normal(size=(32, 3))
    Y = np.c_[np.sin(2 * X[:, 0]) * X[:, 1], np.cos(X[:, 2])]
    return model, ref, X, Y


def train_side_by_side(torch, model, ref, opt, opt_t, X, Y, steps, compare, rtol, atol):
    """Train the dlbook model (its own backward) and the torch copy (autograd) on the same
    cycling minibatches of 8; after every step assert equal losses and call ``compare()``.
    Returns the dlbook losses."""
    from dlbook import nn
    loss_fn = nn.MSELoss()
    losses = []
    for k in range(steps):
        idx = slice((8 * k) % 32, (8 * k) % 32 + 8)
        loss = loss_fn(model(X[idx]), Y[idx])
        opt.zero_grad()
        model.backward(loss_fn.backward())
        opt.step()
        opt_t.zero_grad()
        loss_t = torch.nn.functional.mse_loss(ref(tt(X[idx])), tt(Y[idx]))
        loss_t.backward()
        opt_t.step()
        assert abs(loss - loss_t.item()) <= atol + rtol * abs(loss_t.item())
        compare()
        losses.append(loss)
    return losses
