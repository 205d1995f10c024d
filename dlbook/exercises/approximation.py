r"""Self-checks for the exercises of the universal-approximation chapter.

``check_staircase_network(fn)`` grades a function that builds the one-hidden-layer sigmoid
network of :math:`n + 1` units equal to the chapter's :math:`2n`-unit bump network;
``check_sawtooth_network(fn)`` grades a deep ReLU network computing the :math:`k`-fold
composition of the tent map. Each prints nothing, returns a one-line verdict and raises
:class:`~dlbook.exercises.ExerciseCheckError` saying what differs.
"""
import numbers

import numpy as np

from .. import nn
from .._validation import check_scalar
from ..functional import sigmoid
from . import ExerciseCheckError, check_against

__all__ = ["bump_network_output", "tent_power", "check_staircase_network",
           "check_sawtooth_network"]


def bump_network_output(x, f, a, b, n, rho):
    r"""Output of the chapter's bump network at the points ``x``, computed directly.

    With :math:`h = (b-a)/(n-1)`, centers :math:`c_k = a + (k-1)h` and edges
    :math:`s_k = c_k - h/2`, :math:`s_{n+1} = b + h/2`, steepness :math:`w = \rho / h`:

    .. math:: F(x) = \sum_{k=1}^{n} f(c_k)\,[\sigma(w(x - s_k)) - \sigma(w(x - s_{k+1}))].

    Parameters
    ----------
    x : ndarray, shape (N, 1)
    f : callable mapping an ndarray of centers to their values
    a, b : float, with a < b
    n : int, at least 2 (the number of bumps)
    rho : float, positive (steepness relative to the bump width)

    Returns
    -------
    ndarray, shape (N, 1)
    """
    n = check_scalar(n, "n", numbers.Integral, min_val=2)
    if not a < b:
        raise ValueError(f"need a < b, got a={a}, b={b}")
    rho = check_scalar(rho, "rho", min_val=0, include_boundaries="neither")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 1:
        raise ValueError(f"x must have shape (N, 1), got {x.shape}")
    h = (b - a) / (n - 1)
    centres = a + h * np.arange(n)
    edges = np.r_[centres - h / 2, centres[-1] + h / 2]
    heights = np.asarray(f(centres), dtype=np.float64)
    steps = sigmoid((rho / h) * (x - edges))                    # (N, n + 1)
    return (steps[:, :-1] - steps[:, 1:]) @ heights[:, None]


def tent_power(x, k):
    r"""The tent map :math:`T(x) = 1 - |2x - 1|` composed ``k`` times, elementwise on [0, 1]."""
    y = np.asarray(x, dtype=np.float64)
    for _ in range(k):
        y = 1.0 - np.abs(2.0 * y - 1.0)
    return y


def _layers(model, name):
    if not isinstance(model, nn.Sequential):
        raise ExerciseCheckError(f"{name}: expected a dlbook.nn.Sequential, "
                                 f"got {type(model).__name__}")
    return list(model)


def check_staircase_network(candidate):
    r"""Check ``candidate(f, a, b, n, rho)`` against the bump network, with ``n + 1`` units.

    The candidate must return ``nn.Sequential(nn.Linear(1, n + 1), nn.Sigmoid(),
    nn.Linear(n + 1, 1))`` whose output equals :func:`bump_network_output` on [a, b].
    """
    name = "staircase network"
    x = np.linspace(-1.5, 2.5, 401)[:, None]
    functions = [np.cos, lambda t: t ** 2 - t, lambda t: np.exp(-t)]
    cases = [(functions[0], -1.5, 2.5, 2, 4.0), (functions[1], -1.0, 2.0, 5, 10.0),
             (functions[2], 0.0, 1.0, 12, 30.0), (functions[0], -1.5, 2.5, 30, 2.0)]
    for f, a, b, n, rho in cases:
        layers = _layers(candidate(f, a, b, n, rho), name)
        kinds = [type(m).__name__ for m in layers]
        if kinds != ["Linear", "Sigmoid", "Linear"]:
            raise ExerciseCheckError(f"{name}: expected layers Linear, Sigmoid, Linear, got "
                                     f"{', '.join(kinds)}")
        if (layers[0].in_features, layers[0].out_features) != (1, n + 1):
            raise ExerciseCheckError(f"{name}: for n = {n} the hidden layer must be "
                                     f"Linear(1, {n + 1}), got Linear({layers[0].in_features}, "
                                     f"{layers[0].out_features})")

    def run_candidate(f, a, b, n, rho):
        return candidate(f, a, b, n, rho)(x)

    def run_reference(f, a, b, n, rho):
        return bump_network_output(x, f, a, b, n, rho)

    return check_against(run_candidate, run_reference, cases, name=name, rtol=1e-9, atol=1e-9)


def check_sawtooth_network(candidate):
    r"""Check ``candidate(k)``: a ReLU network computing the tent map composed ``k`` times.

    The network must be an ``nn.Sequential`` of ``Linear`` and ``ReLU`` layers with at most
    two units in every hidden layer, and must agree with :func:`tent_power` on [0, 1].
    """
    name = "sawtooth network"
    x = np.linspace(0.0, 1.0, 1025)[:, None]
    cases = [(k,) for k in range(1, 7)]
    for (k,) in cases:
        layers = _layers(candidate(k), name)
        for m in layers:
            if not isinstance(m, (nn.Linear, nn.ReLU)):
                raise ExerciseCheckError(f"{name}: only Linear and ReLU layers are allowed, "
                                         f"got {type(m).__name__}")
        linears = [m for m in layers if isinstance(m, nn.Linear)]
        widest = max(m.out_features for m in linears[:-1]) if len(linears) > 1 else 0
        if widest > 2:
            raise ExerciseCheckError(f"{name}: k = {k} uses a hidden layer of {widest} units; "
                                     "two per layer are enough")
    return check_against(lambda k: candidate(k)(x), lambda k: tent_power(x, k), cases,
                         name=name, rtol=1e-9, atol=1e-9)
