r"""Self-checks for the backpropagation chapter.

The exercise asks for the delta recursion of a fully connected sigmoid network, written with the
book's column-vector equations but applied to a row-major minibatch::

    A^0 = X,   Z^l = A^{l-1} (W^l)^T + b^l,   A^l = sigmoid(Z^l),   l = 1..L

with the cost :math:`C = \frac1N \sum_n \tfrac12 \lVert a^L_n - y_n \rVert^2` (the notes' squared
error with its factor ½, **averaged** over the N rows of the minibatch).
"""
import numpy as np

from .. import nn
from . import check_against

__all__ = ["reference_backprop", "check_backprop"]


def reference_backprop(X, Y, weights, biases):
    r"""Gradients of the cost above, computed with :class:`dlbook.nn.Sequential`.

    Parameters
    ----------
    X : ndarray, shape (N, N_0)
    Y : ndarray, shape (N, N_L)
    weights : list of L ndarrays, ``weights[l-1]`` of shape (N_l, N_{l-1})
    biases : list of L ndarrays, ``biases[l-1]`` of shape (N_l,)

    Returns
    -------
    tuple ``(dW1, db1, dW2, db2, ..., dWL, dbL)`` with the shapes of the parameters.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if len(weights) != len(biases) or not weights:
        raise ValueError(f"need one bias per weight matrix and at least one layer, got "
                         f"{len(weights)} weights and {len(biases)} biases")
    layers = []
    for W, b in zip(weights, biases):
        W = np.asarray(W, dtype=np.float64)
        # a private generator, so checking never disturbs the reader's global random state
        lin = nn.Linear(W.shape[1], W.shape[0], generator=np.random.default_rng(0))
        lin.weight.data = W.copy()
        lin.bias.data = np.asarray(b, dtype=np.float64).copy()
        layers += [lin, nn.Sigmoid()]
    model = nn.Sequential(*layers)
    loss_fn = nn.MSELoss(reduction="sum")        # sum of squares, no ½, no 1/N ...
    loss_fn(model(X), Y)
    model.zero_grad()
    model.backward(loss_fn.backward(1.0 / (2 * X.shape[0])))   # ... so scale by 1/(2N)
    grads = []
    for lin in model[0::2]:
        grads += [lin.weight.grad, lin.bias.grad]
    return tuple(grads)


def _cases():
    rng = np.random.default_rng(2024)
    cases = []
    for sizes, n in [((3, 2, 2), 1), ((4, 5, 3, 2), 6), ((2, 3, 3, 3, 1), 5), ((5, 4, 4, 3), 9)]:
        X = rng.normal(size=(n, sizes[0]))
        Y = rng.uniform(size=(n, sizes[-1]))
        weights = [rng.normal(size=(o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
        biases = [rng.normal(size=o) for o in sizes[1:]]
        cases.append((X, Y, weights, biases))
    return cases


def check_backprop(fn):
    """Compare ``fn(X, Y, weights, biases)`` with :func:`reference_backprop`.

    Tries networks with 2, 3 and 4 layers and minibatches of 1 to 9 rows. Returns a one-line
    verdict, or raises :class:`dlbook.exercises.ExerciseCheckError` naming the first output
    (0 = dW1, 1 = db1, 2 = dW2, ...) that differs.
    """
    def copy_args(X, Y, weights, biases):
        return X.copy(), Y.copy(), [W.copy() for W in weights], [b.copy() for b in biases]

    cases = _cases()
    return check_against(lambda *a: fn(*copy_args(*a)), reference_backprop, cases,
                         name="backprop")
