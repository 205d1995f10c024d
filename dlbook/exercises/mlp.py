"""Self-checks for the exercises of the chapter *The multilayer perceptron*.

Each ``check_*`` calls the reader's function and dlbook's reference on the same seeded random
cases and returns a one-line verdict, or raises :class:`~dlbook.exercises.ExerciseCheckError`
saying which case and which output differ.
"""
import numpy as np

from .. import functional as F
from .. import nn
from . import check_against

__all__ = ["check_mlp_forward", "check_count_parameters"]


def _reference_mlp_forward(x, weights, biases):
    """tanh on every hidden layer, no activation on the last: the book's regression MLP."""
    a = x
    last = len(weights) - 1
    for l, (weight, bias) in enumerate(zip(weights, biases)):
        z = F.linear(a, weight, bias)
        a = z if l == last else F.tanh(z)
    return a


def _reference_count_parameters(sizes):
    """Count the entries of every Linear(N_{l-1}, N_l) built from ``sizes`` = (N_0, ..., N_L)."""
    rng = np.random.default_rng(0)  # its own generator: checking never disturbs the reader's
    layers = [nn.Linear(n_in, n_out, generator=rng) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return sum(p.data.size for p in nn.Sequential(*layers).parameters())


def check_mlp_forward(fn, *, seed=0):
    """Check ``fn(x, weights, biases)``, the forward pass of a fully connected network.

    ``x`` has shape (N, N_0) or (N_0,) for one example; ``weights[l-1]`` has shape
    (N_l, N_{l-1}) (the book's :math:`W^l`, as ``Linear.weight``) and ``biases[l-1]`` shape
    (N_l,). Hidden layers use tanh; the output layer has no activation.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for sizes, batch in [((3, 4, 2), 5), ((2, 1), 7), ((5, 8, 8, 3), 11), ((4, 6, 1), None),
                         ((1, 16, 16, 16, 1), 9)]:
        weights = [rng.standard_normal((n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        biases = [rng.standard_normal(n_out) for n_out in sizes[1:]]
        shape = (sizes[0],) if batch is None else (batch, sizes[0])
        cases.append((rng.standard_normal(shape), weights, biases))
    return check_against(fn, _reference_mlp_forward, cases, name="mlp_forward")


def check_count_parameters(fn):
    """Check ``fn(sizes)`` -> number of weights and biases of the MLP with layer widths ``sizes``.

    ``sizes = (N_0, N_1, ..., N_L)`` lists the input width first and the output width last.
    """
    cases = [((2, 1),), ((3, 4, 2),), ((64, 32, 10),), ((784, 512, 10),),
             ((784, 128, 128, 128, 10),), ((1, 2, 2, 2, 2, 1),), ((10, 1, 10),)]
    return check_against(fn, _reference_count_parameters, cases, name="count_parameters",
                         rtol=0, atol=0)
