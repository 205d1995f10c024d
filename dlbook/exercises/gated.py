r"""Self-checks for the exercises of the chapters on the LSTM and the GRU.

``check_lstm_cell(fn)`` compares the reader's one-step LSTM with :class:`dlbook.nn.LSTMCell`;
``check_gru_cell(fn)`` compares the reader's one-step GRU with :class:`dlbook.nn.GRUCell`
(``reset_after=True``, PyTorch's variant) and with the variant of Cho et al. (2014) that resets
the state before the hidden matmul (``reset_after=False``). Both use PyTorch's parameter layouts
and gate orders (i, f, g, o and r, z, n), return a one-line verdict, and raise
:class:`~dlbook.exercises.ExerciseCheckError` saying what differs.
"""
import numpy as np

from ..nn import GRUCell, LSTMCell
from . import ExerciseCheckError, check_against

__all__ = ["check_lstm_cell", "check_gru_cell"]

_SHAPES = [(1, 1, 1), (4, 3, 5), (7, 2, 3), (2, 6, 4)]       # (N, D, H)


def _cases(gates, rng, with_c):
    cases = []
    for N, D, H in _SHAPES:
        case = [rng.standard_normal((N, D)), rng.standard_normal((N, H))]
        if with_c:
            case.append(rng.standard_normal((N, H)))
        case += [rng.standard_normal((gates * H, D)), rng.standard_normal((gates * H, H)),
                 rng.standard_normal(gates * H), rng.standard_normal(gates * H)]
        cases.append(tuple(case))
    return cases


def _load(cell, weight_ih, weight_hh, bias_ih, bias_hh):
    cell.weight_ih.data[...] = weight_ih
    cell.weight_hh.data[...] = weight_hh
    cell.bias_ih.data[...] = bias_ih
    cell.bias_hh.data[...] = bias_hh
    return cell


def _lstm_reference(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """One LSTM step with dlbook's LSTMCell: returns (h', c')."""
    cell = _load(LSTMCell(x.shape[1], h.shape[1], generator=0), weight_ih, weight_hh, bias_ih,
                 bias_hh)
    h_new, c_new = cell(x, (h, c))
    cell.backward(np.zeros_like(h_new))
    return h_new, c_new


def check_lstm_cell(fn):
    """Compare ``fn(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh) -> (h', c')`` with LSTMCell.

    ``x`` has shape (N, D), ``h`` and ``c`` (N, H); ``weight_ih`` (4H, D), ``weight_hh``
    (4H, H) and the biases (4H,) hold the gates in PyTorch's order i, f, g, o.
    """
    rng = np.random.default_rng(1997)
    cases = _cases(4, rng, with_c=True)
    first = fn(*cases[1])
    if not isinstance(first, tuple) or len(first) != 2:
        raise ExerciseCheckError("LSTM cell: return the pair (h_new, c_new)")
    h_got, c_got = (np.asarray(a, dtype=float) for a in first)
    h_want, c_want = _lstm_reference(*cases[1])
    if np.allclose(h_got, c_want) and np.allclose(c_got, h_want):
        raise ExerciseCheckError("LSTM cell: h and c are swapped; return (h_new, c_new)")
    return check_against(fn, _lstm_reference, cases, name="LSTM cell", rtol=1e-9, atol=1e-12)


def _gru_reference(x, h, weight_ih, weight_hh, bias_ih, bias_hh, reset_after):
    """One GRU step, r applied after (PyTorch) or before (Cho et al.) the hidden matmul."""
    if reset_after:
        cell = _load(GRUCell(x.shape[1], h.shape[1], generator=0), weight_ih, weight_hh,
                     bias_ih, bias_hh)
        h_new = cell(x, h)
        cell.backward(np.zeros_like(h_new))
        return h_new
    H = h.shape[1]

    def sigmoid(a):
        return 0.5 * (1.0 + np.tanh(0.5 * a))

    gi = x @ weight_ih.T + bias_ih
    rz = sigmoid(gi[:, :2 * H] + h @ weight_hh[:2 * H].T + bias_hh[:2 * H])
    r, z = rz[:, :H], rz[:, H:]
    n = np.tanh(gi[:, 2 * H:] + (r * h) @ weight_hh[2 * H:].T + bias_hh[2 * H:])
    return (1.0 - z) * n + z * h


def check_gru_cell(fn):
    """Compare ``fn(x, h, weight_ih, weight_hh, bias_ih, bias_hh, reset_after=...) -> h'``.

    ``x`` has shape (N, D), ``h`` (N, H); ``weight_ih`` (3H, D), ``weight_hh`` (3H, H) and the
    biases (3H,) hold the gates in PyTorch's order r, z, n. With ``reset_after=True`` the reset
    gate multiplies :math:`W_{hn} h + b_{hn}` (PyTorch, cuDNN); with ``reset_after=False`` it
    multiplies :math:`h` inside the matmul, :math:`W_{hn}(r \\odot h) + b_{hn}` (Cho et al.).
    """
    rng = np.random.default_rng(2014)
    cases = _cases(3, rng, with_c=False)
    verdicts = []
    for reset_after in (True, False):
        variant = [case + (reset_after,) for case in cases]
        got = np.asarray(fn(*variant[1]), dtype=float)
        other = _gru_reference(*cases[1], not reset_after)
        want = _gru_reference(*variant[1])
        if got.shape == want.shape and np.allclose(got, other) and not np.allclose(got, want):
            raise ExerciseCheckError(f"GRU cell: with reset_after={reset_after} your function "
                                     f"computes the other variant (reset_after="
                                     f"{not reset_after})")
        verdicts.append(check_against(fn, _gru_reference, variant,
                                      name=f"GRU cell (reset_after={reset_after})", rtol=1e-9,
                                      atol=1e-12))
    return "; ".join(verdicts)
