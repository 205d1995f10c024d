r"""Self-check for the exercise of the chapter on convolutions for text.

* ``check_k_max_pooling(fn)`` — ``fn(scores, n_valid, k)`` takes window scores of shape
  (N, F, T), the number of valid windows of each sentence, shape (N,) (windows
  ``0 .. n_valid[n] - 1`` are valid, the rest lie in padding), and an int ``k``; it returns the
  ``k`` largest valid scores of each filter **in the order of their windows**, shape (N, F, k)
  (k-max pooling; ``k = 1`` is max-over-time pooling). Which of several equal scores is kept
  does not change the result. Checked
  against a plain loop on random scores whose padding holds values that would win if they were
  not masked (large numbers, ``+inf``).

It prints nothing and returns a one-line verdict, or raises
:class:`~dlbook.exercises.ExerciseCheckError` naming the first case that differs.
"""
import numpy as np

from . import ExerciseCheckError

__all__ = ["check_k_max_pooling"]


def _k_max_loop(scores, n_valid, k):
    """The obvious loop: the k best valid windows (largest score, then earliest), re-sorted by
    position."""
    N, F, _ = scores.shape
    out = np.empty((N, F, k))
    for n in range(N):
        for f in range(F):
            windows = range(int(n_valid[n]))
            best = sorted(windows, key=lambda t: (-scores[n, f, t], t))[:k]
            out[n, f] = [scores[n, f, t] for t in sorted(best)]
    return out


def _cases():
    """(scores, n_valid, k, garbage): padding filled with ``garbage``; every sentence has at
    least k valid windows; the last case has ties."""
    rng = np.random.default_rng(0)
    cases = []
    for N, F, T, k, garbage in ((1, 1, 1, 1, 0.0), (3, 2, 6, 1, 100.0), (5, 4, 9, 2, np.inf),
                                (4, 3, 7, 3, 1e3), (6, 5, 12, 4, 50.0)):
        scores = rng.normal(size=(N, F, T))
        n_valid = rng.integers(k, T + 1, size=N)
        n_valid[0] = T                                       # one sentence fills the batch
        padding = np.arange(T)[None, None, :] >= n_valid[:, None, None]
        scores[np.broadcast_to(padding, scores.shape)] = garbage
        cases.append((scores, n_valid, k, garbage))
    tied = np.zeros((2, 2, 6))
    tied[1, 1, [1, 3, 4]] = 1.0
    tied[:, :, 5] = 9.0                                      # padding
    cases.append((tied, np.array([5, 5]), 2, 9.0))
    return cases


def check_k_max_pooling(fn):
    """Compare ``fn(scores, n_valid, k)`` with a loop over the valid windows of each sentence."""
    cases = _cases()
    for i, (scores, n_valid, k, garbage) in enumerate(cases):
        want = _k_max_loop(scores, n_valid, k)
        got = np.asarray(fn(scores.copy(), n_valid.copy(), k), dtype=float)
        if got.shape != want.shape:
            raise ExerciseCheckError(f"k-max pooling: case {i} (k = {k}) returned shape "
                                     f"{got.shape}, expected {want.shape}")
        if np.any(got == garbage) and not np.any(want == garbage):
            raise ExerciseCheckError(f"k-max pooling: case {i} (k = {k}) returned the padding "
                                     f"value {garbage}: padding has won; mask the windows at "
                                     "and after n_valid")
        if not np.array_equal(got, want):
            if np.array_equal(np.sort(got, axis=2), np.sort(want, axis=2)):
                raise ExerciseCheckError(f"k-max pooling: case {i} (k = {k}) has the right "
                                         "values in the wrong order: keep the order of the "
                                         "windows")
            err = float(np.max(np.abs(got - want)))
            raise ExerciseCheckError(f"k-max pooling: case {i} (k = {k}) differs from the loop "
                                     f"by up to {err:.3g}")
    return f"k-max pooling: all {len(cases)} cases match"
