r"""Self-checks for the exercises of the chapter on deep, bidirectional and pyramidal RNNs.

* ``check_bidirectional(fn)``: the reader builds a bidirectional layer's output from two
  unidirectional :class:`dlbook.nn.RNN` layers, reversing each sequence within its own length;
  compared with ``RNN(..., bidirectional=True)`` holding the same weights.
* ``check_pyramid_reduction(fn)``: the reader's merge of consecutive step pairs, compared with
  :class:`dlbook.nn.pyramid.PyramidalReduction`.

Each returns a one-line verdict or raises :class:`~dlbook.exercises.ExerciseCheckError`.
"""
import numpy as np

from .. import no_grad
from ..nn import RNN
from ..nn.pyramid import PyramidalReduction
from . import ExerciseCheckError, check_against

__all__ = ["check_bidirectional", "check_pyramid_reduction"]


def _split_bidirectional(bi):
    """Two unidirectional RNNs holding the forward and the reverse weights of ``bi``."""
    fwd = RNN(bi.input_size, bi.hidden_size, generator=0)
    bwd = RNN(bi.input_size, bi.hidden_size, generator=0)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(fwd, f"{name}_l0").data[...] = getattr(bi, f"{name}_l0").data
        getattr(bwd, f"{name}_l0").data[...] = getattr(bi, f"{name}_l0_reverse").data
    return fwd, bwd


def _bidirectional_cases():
    rng = np.random.default_rng(2024)
    cases = []
    for T, N, D, H, with_lengths in ((5, 3, 2, 4, False), (6, 4, 3, 2, True), (1, 2, 2, 3, True),
                                     (7, 1, 1, 5, True)):
        bi = RNN(D, H, bidirectional=True, generator=rng)
        fwd, bwd = _split_bidirectional(bi)
        x = rng.standard_normal((T, N, D))
        lengths = rng.integers(1, T + 1, N) if with_lengths else None
        if lengths is not None:
            lengths[0] = T
            for n, L in enumerate(lengths):
                x[L:, n] = rng.standard_normal((T - L, D)) * 10    # padding must be ignored
        with no_grad():
            want = bi(x, lengths=lengths)[0]
        cases.append((fwd, bwd, x, lengths, want))
    return cases


def check_bidirectional(fn):
    """Compare ``fn(forward_rnn, backward_rnn, x, lengths)`` with a bidirectional RNN.

    ``forward_rnn`` and ``backward_rnn`` are unidirectional :class:`dlbook.nn.RNN` layers;
    ``x`` is (T, N, D); ``lengths`` is None (every sequence has T steps) or N lengths. ``fn``
    must return the (T, N, 2H) output of the bidirectional layer with those two directions:
    the forward outputs, then the backward direction's (which reads each sequence from its own
    last step to its first), zeros past each sequence's end.
    """
    cases = _bidirectional_cases()
    for i, (fwd, bwd, x, lengths, want) in enumerate(cases):
        with no_grad():
            got = np.asarray(fn(fwd, bwd, x.copy(), lengths), dtype=float)
        if got.shape != want.shape:
            raise ExerciseCheckError(f"bidirectional: case {i} returned shape {got.shape}, "
                                     f"expected {want.shape} = (T, N, 2H)")
        H = want.shape[2] // 2
        for half, what in ((slice(0, H), "forward"), (slice(H, 2 * H), "backward")):
            if not np.allclose(got[:, :, half], want[:, :, half], rtol=1e-9, atol=1e-12):
                hint = (" (reverse each sequence within its own length, not the whole padded "
                        "array, and zero the steps past its end)"
                        if what == "backward" and lengths is not None else "")
                raise ExerciseCheckError(f"bidirectional: case {i}, the {what} half differs "
                                         f"from the reference{hint}")
    return f"bidirectional: all {len(cases)} cases match"


def _reduction_reference(x, mode):
    with no_grad():
        return PyramidalReduction(mode)(x)


def check_pyramid_reduction(fn):
    """Compare ``fn(x, mode)`` with :class:`~dlbook.nn.pyramid.PyramidalReduction`.

    ``x`` is (T, N, D), ``mode`` is ``'concat'`` or ``'mean'``; for odd T the last step has no
    partner: it is concatenated with zeros, or kept as it is by ``'mean'``.
    """
    rng = np.random.default_rng(7)
    cases = [(rng.standard_normal(shape), mode) for shape in ((4, 2, 3), (6, 1, 1), (5, 3, 2),
                                                               (1, 2, 2))
             for mode in ("concat", "mean")]
    return check_against(fn, _reduction_reference, cases, name="pyramid reduction", rtol=1e-12,
                         atol=1e-14)
