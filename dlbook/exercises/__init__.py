"""Self-check helpers for the exercises: ``check_*(your_function)`` prints a verdict or raises.

Each checker compares the reader's function with dlbook's implementation on random inputs
(float64, fixed seed) and raises :class:`ExerciseCheckError` saying what differs.
"""
import numpy as np

__all__ = ["ExerciseCheckError", "check_against"]


class ExerciseCheckError(AssertionError):
    """The reader's function disagrees with the reference."""


def check_against(candidate, reference, cases, *, name, rtol=1e-7, atol=1e-10):
    """Call ``candidate(*args)`` and ``reference(*args)`` for each ``args`` in ``cases``.

    Raises :class:`ExerciseCheckError` on the first mismatch (shape or value) and returns a
    one-line verdict string otherwise.
    """
    for i, args in enumerate(cases):
        want = reference(*args)
        got = candidate(*args)
        want_t = want if isinstance(want, tuple) else (want,)
        got_t = got if isinstance(got, tuple) else (got,)
        if len(got_t) != len(want_t):
            raise ExerciseCheckError(f"{name}: case {i} returned {len(got_t)} values, "
                                     f"expected {len(want_t)}")
        for k, (g, w) in enumerate(zip(got_t, want_t)):
            g, w = np.asarray(g, dtype=float), np.asarray(w, dtype=float)
            if g.shape != w.shape:
                raise ExerciseCheckError(f"{name}: case {i}, output {k} has shape {g.shape}, "
                                         f"expected {w.shape}")
            if not np.allclose(g, w, rtol=rtol, atol=atol):
                err = float(np.max(np.abs(g - w)))
                raise ExerciseCheckError(f"{name}: case {i}, output {k} differs from the "
                                         f"reference by up to {err:.3g}")
    return f"{name}: all {len(cases)} cases match"
