"""Tests for dlbook.exercises.recurrent: the checkers accept right answers and reject wrong ones."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.recurrent import _bptt_cases, _bptt_reference, check_bptt


def _loop_bptt(x, h0, weight_ih, weight_hh, bias, grad_output):
    """A second, step-by-step BPTT written for the tests, one sequence at a time."""
    T, N, _ = x.shape
    dx, dh0 = np.zeros_like(x), np.zeros_like(h0)
    dW_ih, dW_hh, db = np.zeros_like(weight_ih), np.zeros_like(weight_hh), np.zeros_like(bias)
    for n in range(N):
        hs = [h0[n]]
        for t in range(T):
            hs.append(np.tanh(weight_ih @ x[t, n] + weight_hh @ hs[-1] + bias))
        g = np.zeros_like(h0[n])
        for t in range(T, 0, -1):
            delta = (1 - hs[t] ** 2) * (grad_output[t - 1, n] + g)
            dW_hh += np.outer(delta, hs[t - 1])
            dW_ih += np.outer(delta, x[t - 1, n])
            db += delta
            dx[t - 1, n] = weight_ih.T @ delta
            g = weight_hh.T @ delta
        dh0[n] = g
    return dx, dh0, dW_ih, dW_hh, db


def test_reference_matches_a_loop_over_samples_and_steps():
    for args in _bptt_cases():
        for got, want in zip(_bptt_reference(*args), _loop_bptt(*args)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_reference_matches_finite_differences():
    x, h0, W_ih, W_hh, b, g = _bptt_cases()[1]

    def cost(W):
        h, total = h0, 0.0
        for t in range(x.shape[0]):
            h = np.tanh(x[t] @ W_ih.T + h @ W.T + b)
            total += np.sum(h * g[t])
        return total

    numeric = np.zeros_like(W_hh)
    for idx in np.ndindex(*W_hh.shape):
        e = np.zeros_like(W_hh)
        e[idx] = 1e-6
        numeric[idx] = (cost(W_hh + e) - cost(W_hh - e)) / 2e-6
    np.testing.assert_allclose(_bptt_reference(x, h0, W_ih, W_hh, b, g)[3], numeric,
                               rtol=1e-6, atol=1e-8)


def test_check_bptt_accepts_a_correct_answer():
    assert "match" in check_bptt(_loop_bptt)


def test_check_bptt_rejects_a_gradient_without_the_future():
    def no_future(x, h0, weight_ih, weight_hh, bias, grad_output):
        out = list(_loop_bptt(x, h0, weight_ih, weight_hh, bias, grad_output))
        hs = [h0]
        for t in range(x.shape[0]):
            hs.append(np.tanh(x[t] @ weight_ih.T + hs[-1] @ weight_hh.T + bias))
        deltas = (1 - np.stack(hs[1:]) ** 2) * grad_output       # direct part only
        out[3] = np.einsum("tnh,tnk->hk", deltas, np.stack(hs[:-1]))
        return tuple(out)

    with pytest.raises(ExerciseCheckError, match="dweight_hh"):
        check_bptt(no_future)


def test_check_bptt_rejects_wrong_shapes_and_wrong_types():
    def transposed(*args):
        out = list(_loop_bptt(*args))
        out[2] = out[2].T
        return tuple(out)

    with pytest.raises(ExerciseCheckError, match="shape"):
        check_bptt(transposed)
    with pytest.raises(ExerciseCheckError, match="tuple"):
        check_bptt(lambda *args: _loop_bptt(*args)[:4])


def test_check_bptt_rejects_a_function_that_modifies_its_inputs():
    def in_place(x, h0, *rest):
        out = _loop_bptt(x, h0, *rest)
        h0 *= 0
        return out

    with pytest.raises(ExerciseCheckError, match="modified"):
        check_bptt(in_place)


# ----------------------------------------------------------------------------- ridge readout
from dlbook.exercises.recurrent import check_ridge_readout  # noqa: E402


def _ridge_normal_equations(states, targets, ridge):
    """The readout from the normal equations of the augmented problem [S, 1] (no centring)."""
    M, F = states.shape
    A = np.hstack([states, np.ones((M, 1))])
    P = ridge * np.eye(F + 1)
    P[F, F] = 0.0                                              # the intercept is not penalised
    sol = np.linalg.solve(A.T @ A + P, A.T @ targets)
    return sol[:F].T, sol[F]


def test_check_ridge_readout_accepts_a_correct_answer():
    assert "match" in check_ridge_readout(_ridge_normal_equations)


def test_check_ridge_readout_rejects_a_penalised_intercept():
    def penalised(states, targets, ridge):
        A = np.hstack([states, np.ones((states.shape[0], 1))])
        sol = np.linalg.solve(A.T @ A + ridge * np.eye(A.shape[1]), A.T @ targets)
        return sol[:-1].T, sol[-1]

    with pytest.raises(ExerciseCheckError, match="ridge_readout"):
        check_ridge_readout(penalised)


def test_check_ridge_readout_rejects_transposed_coefficients():
    with pytest.raises(ExerciseCheckError, match=r"\(K, F\)"):
        check_ridge_readout(lambda S, Y, r: (_ridge_normal_equations(S, Y, r)[0].T,
                                             _ridge_normal_equations(S, Y, r)[1]))
    with pytest.raises(ExerciseCheckError, match="pair"):
        check_ridge_readout(lambda S, Y, r: _ridge_normal_equations(S, Y, r)[0])
