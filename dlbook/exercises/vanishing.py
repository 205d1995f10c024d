r"""Self-checks for the exercises of the chapter on vanishing and exploding gradients.

``check_tanh_band_width(fn)`` and ``check_clip_grad_norm(fn)`` call the reader's function on
fixed inputs, compare with a reference, print nothing and return a one-line verdict (or raise
:class:`~dlbook.exercises.ExerciseCheckError` saying what differs).
"""
import numpy as np

from . import ExerciseCheckError, check_against

__all__ = ["check_tanh_band_width", "check_clip_grad_norm"]


def _tanh_band_width(w):
    r"""Width of :math:`\{a : |w \tanh'(w a + b)| \ge 1\}`; 0 where :math:`|w| < 1`."""
    w = np.abs(np.asarray(w, dtype=np.float64))
    safe = np.maximum(w, 1.0)
    return np.where(w >= 1.0, 2.0 / safe * np.arctanh(np.sqrt(1.0 - 1.0 / safe)), 0.0)


def check_tanh_band_width(fn):
    """Compare ``fn(w)`` with the band width of a tanh neuron, elementwise over arrays of w.

    ``fn`` must accept an ndarray of weights of any shape (positive, negative, below and above
    1 in magnitude) and return an array of the same shape.
    """
    cases = [
        (np.array([1.7, 2.0, 4.0, 10.0, 100.0]),),
        (np.array([-1.7, -3.0, -50.0]),),
        (np.array([0.0, 0.5, -0.99, 1.0]),),
        (np.linspace(-20.0, 20.0, 41).reshape(1, 41),),
    ]
    return check_against(fn, _tanh_band_width, cases, name="tanh band width")


def _clip_reference(grads, max_norm):
    total = np.sqrt(sum(float(np.sum(g * g)) for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    return tuple(g * scale for g in grads)


def check_clip_grad_norm(fn):
    """Compare ``fn(grads, max_norm)`` with clipping by the joint norm.

    ``fn`` receives a list of gradient arrays and a positive float and must return a list (or
    tuple) of arrays of the same shapes, rescaled by
    :math:`\\min(1, \\text{max\\_norm}/(\\lVert g\\rVert + 10^{-6}))` as
    :func:`dlbook.nn.clip_grad_norm_` does. The input arrays must not be modified.
    """
    rng = np.random.default_rng(2024)
    cases = [
        ([rng.standard_normal((3, 4)), rng.standard_normal(3)], 1.0),       # clipped
        ([rng.standard_normal((5, 2)) * 100.0], 5.0),                       # clipped hard
        ([rng.standard_normal((2, 2)) * 1e-3, rng.standard_normal(2)], 50.0),  # untouched
    ]
    for i, (grads, max_norm) in enumerate(cases):
        before = [g.copy() for g in grads]
        out = fn(grads, max_norm)
        if not isinstance(out, (list, tuple)):
            raise ExerciseCheckError(f"clip_grad_norm: case {i} returned {type(out).__name__}, "
                                     "expected a list of arrays")
        if any(not np.array_equal(g, b) for g, b in zip(grads, before)):
            raise ExerciseCheckError(f"clip_grad_norm: case {i} modified its input arrays")
    return check_against(lambda g, m: tuple(fn(g, m)), _clip_reference, cases,
                         name="clip_grad_norm")
