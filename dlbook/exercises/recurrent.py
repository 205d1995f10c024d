r"""Self-checks for the exercises of the chapters on recurrent networks.

``check_bptt(fn)`` grades a reader's backpropagation through time for an Elman RNN against
:class:`dlbook.nn.RNN`; ``check_ridge_readout(fn)`` grades the ridge-regression readout of an
echo state network against :func:`dlbook.reservoir.ridge_readout`. Each calls the reader's
function on fixed inputs and returns a one-line verdict, or raises
:class:`~dlbook.exercises.ExerciseCheckError` saying what differs.
"""
import numpy as np

from . import ExerciseCheckError, check_against

__all__ = ["check_bptt", "check_ridge_readout"]


def _bptt_reference(x, h0, weight_ih, weight_hh, bias, grad_output):
    """BPTT of :math:`h_t = \\tanh(W_{ih} x_t + W_{hh} h_{t-1} + b)` through dlbook's RNN."""
    from ..nn import RNN

    T, N, D = x.shape
    H = weight_hh.shape[0]
    rnn = RNN(D, H, generator=0)
    rnn.weight_ih_l0.data[...] = weight_ih
    rnn.weight_hh_l0.data[...] = weight_hh
    rnn.bias_ih_l0.data[...] = bias
    rnn.bias_hh_l0.data[...] = 0.0
    rnn.zero_grad()
    rnn(x, h0[None])
    dx, dh0 = rnn.backward(grad_output)
    return (dx, dh0[0], rnn.weight_ih_l0.grad.copy(), rnn.weight_hh_l0.grad.copy(),
            rnn.bias_ih_l0.grad.copy())


def _bptt_cases():
    rng = np.random.default_rng(7)
    cases = []
    for T, N, D, H in [(1, 1, 1, 1), (4, 2, 3, 5), (9, 3, 2, 4)]:
        cases.append((rng.standard_normal((T, N, D)), rng.standard_normal((N, H)) * 0.5,
                      rng.standard_normal((H, D)) * 0.7, rng.standard_normal((H, H)) * 0.5,
                      rng.standard_normal(H) * 0.3, rng.standard_normal((T, N, H))))
    return cases


def check_bptt(fn):
    r"""Compare ``fn(x, h0, weight_ih, weight_hh, bias, grad_output)`` with BPTT.

    The forward pass is :math:`h_t = \tanh(W_{ih} x_t + W_{hh} h_{t-1} + b)` for
    :math:`t = 1, \dots, T`, row by row over the batch, with ``x`` of shape (T, N, D), ``h0``
    (N, H), ``weight_ih`` (H, D), ``weight_hh`` (H, H), ``bias`` (H,). ``grad_output`` (T, N, H)
    is :math:`\partial C/\partial h_t` from the loss directly (not through later steps). ``fn``
    must return ``(dx, dh0, dweight_ih, dweight_hh, dbias)``, shaped like the inputs, the weight
    gradients summed over time and batch.
    """
    cases = _bptt_cases()
    for i, args in enumerate(cases):
        before = [a.copy() for a in args]
        out = fn(*args)
        if not isinstance(out, (tuple, list)) or len(out) != 5:
            raise ExerciseCheckError("bptt: expected a tuple (dx, dh0, dweight_ih, dweight_hh, "
                                     f"dbias), got {type(out).__name__}"
                                     + (f" of length {len(out)}" if hasattr(out, "__len__")
                                        else ""))
        if any(not np.array_equal(a, b) for a, b in zip(args, before)):
            raise ExerciseCheckError(f"bptt: case {i} modified its input arrays")
    names = ("dx", "dh0", "dweight_ih", "dweight_hh", "dbias")
    for i, args in enumerate(cases):
        got, want = fn(*args), _bptt_reference(*args)
        for name, g, w in zip(names, got, want):
            g = np.asarray(g, dtype=float)
            if g.shape != w.shape:
                raise ExerciseCheckError(f"bptt: case {i}: {name} has shape {g.shape}, expected "
                                         f"{w.shape}")
            if not np.allclose(g, w, rtol=1e-7, atol=1e-10):
                hint = ""
                if name == "dweight_hh":
                    hint = (" (is it the sum over t of delta_t h_{t-1}^T, with h_0 for the first "
                            "step?)")
                elif name in ("dx", "dh0"):
                    hint = " (does the gradient from later steps reach every earlier one?)"
                raise ExerciseCheckError(f"bptt: case {i}: {name} differs from the reference by "
                                         f"up to {np.max(np.abs(g - w)):.3g}{hint}")
    return f"bptt: all {len(cases)} cases match dlbook.nn.RNN's backward"


def _ridge_reference(states, targets, ridge):
    from ..reservoir import ridge_readout

    return ridge_readout(states, targets, ridge)


def check_ridge_readout(fn):
    r"""Compare ``fn(states, targets, ridge)`` with the ridge readout of an echo state network.

    ``states`` (M, F) and ``targets`` (M, K) are rows of features and targets; ``fn`` must return
    ``(coef, intercept)`` of shapes (K, F) and (K,) minimizing
    :math:`\sum_m \lVert y_m - W s_m - c\rVert^2 + \text{ridge}\,\lVert W\rVert_F^2`, the
    intercept :math:`c` not penalized.
    """
    rng = np.random.default_rng(11)
    cases = []
    for M, F, K, ridge in [(50, 4, 1, 1e-3), (200, 30, 2, 1.0), (20, 40, 3, 0.5)]:
        S = rng.standard_normal((M, F)) + rng.standard_normal(F)
        Y = S @ rng.standard_normal((F, K)) + 0.1 * rng.standard_normal((M, K)) + 2.0
        cases.append((S, Y, ridge))
    for i, (S, Y, ridge) in enumerate(cases):
        out = fn(S.copy(), Y.copy(), ridge)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise ExerciseCheckError("ridge_readout: expected a pair (coef, intercept), got "
                                     f"{type(out).__name__}")
        coef, intercept = np.asarray(out[0], float), np.asarray(out[1], float)
        K, F = Y.shape[1], S.shape[1]
        if coef.shape != (K, F) or intercept.shape != (K,):
            raise ExerciseCheckError(f"ridge_readout: case {i}: shapes {coef.shape} and "
                                     f"{intercept.shape}, expected {(K, F)} and {(K,)} "
                                     "(coef is (K, F), as scikit-learn's Ridge.coef_)")
    return check_against(lambda S, Y, r: tuple(fn(S, Y, r)), _ridge_reference, cases,
                         name="ridge_readout", rtol=1e-6, atol=1e-9)
