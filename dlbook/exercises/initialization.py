r"""Self-checks for the exercises of the chapter on initialization.

``check_fan_in_and_fan_out(fn)`` compares the reader's fan computation with
:mod:`dlbook.nn.init`'s; ``check_orthogonal(fn)`` tests the properties an orthogonal
initializer must have (a random initializer cannot be compared draw by draw). Each returns a
one-line verdict or raises :class:`~dlbook.exercises.ExerciseCheckError` saying what is wrong.
"""
import numpy as np

from . import ExerciseCheckError, check_against
from ..nn import init

__all__ = ["check_fan_in_and_fan_out", "check_orthogonal"]


def _fans(shape):
    """``(fan_in, fan_out)`` of a weight of the given shape, as :mod:`dlbook.nn.init` computes them."""
    return init._calculate_fan_in_and_fan_out(np.empty(shape))


def check_fan_in_and_fan_out(fn):
    """Compare ``fn(shape) -> (fan_in, fan_out)`` with dlbook's (and PyTorch's) rule.

    ``shape`` is a tuple ``(out, in)`` for a fully connected weight or ``(out, in, k1, k2, ...)``
    for a convolution; the receptive field :math:`k_1 k_2 \\cdots` multiplies both fans.
    """
    cases = [((10, 64),), ((64, 10),), ((1, 1),), ((20, 1, 5, 5),), ((16, 3, 3, 3),),
             ((8, 4, 7),), ((6, 2, 3, 3, 3),)]
    return check_against(fn, _fans, cases, name="fan_in_and_fan_out", rtol=0, atol=0)


def check_orthogonal(fn):
    r"""Test ``fn(array, gain=1.0, *, generator)``, an in-place orthogonal initializer.

    As ``torch.nn.init.orthogonal_``: the array is viewed as a matrix of shape
    ``(shape[0], prod(shape[1:]))``; its rows are orthonormal if there are no more rows than
    columns (:math:`W W^\top = \text{gain}^2 I`), otherwise its columns are
    (:math:`W^\top W = \text{gain}^2 I`). ``fn`` must fill the array it is given, return it, draw
    its randomness from ``generator`` (the same seed gives the same matrix, another seed another
    one) and produce both signs on the diagonal (no systematic bias from the QR factorization).
    """
    shapes = [(5, 5), (3, 7), (7, 3), (4, 2, 3, 3), (1, 6), (6, 1)]
    for i, shape in enumerate(shapes):
        for gain in (1.0, 2.5):
            arr = np.zeros(shape)
            out = fn(arr, gain, generator=np.random.default_rng(10 + i))
            if out is not arr:
                raise ExerciseCheckError(f"orthogonal: shape {shape}: return the array you were "
                                         "given (fill it in place)")
            if not np.all(np.isfinite(arr)) or not np.any(arr):
                raise ExerciseCheckError(f"orthogonal: shape {shape}: the array was not filled")
            mat = arr.reshape(shape[0], -1)
            rows, cols = mat.shape
            gram = mat @ mat.T if rows <= cols else mat.T @ mat
            if not np.allclose(gram, gain ** 2 * np.eye(min(rows, cols)), rtol=0, atol=1e-10):
                which = "rows" if rows <= cols else "columns"
                raise ExerciseCheckError(f"orthogonal: shape {shape}, gain {gain}: the {which} of "
                                         f"the {rows}x{cols} matrix are not orthogonal with "
                                         f"length {gain}")
    a = fn(np.zeros((6, 6)), 1.0, generator=np.random.default_rng(1))
    b = fn(np.zeros((6, 6)), 1.0, generator=np.random.default_rng(1))
    c = fn(np.zeros((6, 6)), 1.0, generator=np.random.default_rng(2))
    if not np.allclose(a, b, rtol=0, atol=1e-12):
        raise ExerciseCheckError("orthogonal: the same generator seed gave different matrices; "
                                 "draw all randomness from `generator`")
    if np.allclose(a, c, rtol=0, atol=1e-6):
        raise ExerciseCheckError("orthogonal: different generator seeds gave the same matrix")
    diag = np.array([np.diag(fn(np.zeros((4, 4)), 1.0, generator=np.random.default_rng(s)))
                     for s in range(200)])
    positive = float(np.mean(diag > 0))
    if not 0.35 < positive < 0.65:
        raise ExerciseCheckError(f"orthogonal: {100 * positive:.0f}% of the diagonal entries are "
                                 "positive over 200 draws; expected about half (fix the signs "
                                 "with those of diag(R) from the QR factorization)")
    return f"orthogonal: all {len(shapes)} shapes, gains, seeding and signs check out"
