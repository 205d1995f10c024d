"""dlbook.exercises.gated: the LSTM and GRU cell checkers accept right and reject wrong cells."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.gated import check_gru_cell, check_lstm_cell


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, order="ifgo"):
    a = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    blocks = dict(zip(order, np.split(a, 4, axis=1)))
    i, f, g, o = sigmoid(blocks["i"]), sigmoid(blocks["f"]), np.tanh(blocks["g"]), sigmoid(blocks["o"])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh, reset_after=True, swap=False):
    H = h.shape[1]
    gi, gh = x @ weight_ih.T + bias_ih, h @ weight_hh.T + bias_hh
    r = sigmoid(gi[:, :H] + gh[:, :H])
    z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    if reset_after != swap:
        n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    else:
        n = np.tanh(gi[:, 2 * H:] + (r * h) @ weight_hh[2 * H:].T + bias_hh[2 * H:])
    return (1 - z) * n + z * h


def test_lstm_checker_accepts_a_correct_cell():
    assert "all" in check_lstm_cell(lstm_cell)


def test_lstm_checker_rejects_a_wrong_gate_order():
    with pytest.raises(ExerciseCheckError):
        check_lstm_cell(lambda *a: lstm_cell(*a, order="figo"))


def test_lstm_checker_names_swapped_outputs():
    with pytest.raises(ExerciseCheckError, match="swapped"):
        check_lstm_cell(lambda *a: lstm_cell(*a)[::-1])


def test_lstm_checker_rejects_a_single_output():
    with pytest.raises(ExerciseCheckError, match="pair"):
        check_lstm_cell(lambda *a: lstm_cell(*a)[0])


def test_gru_checker_accepts_both_variants():
    verdict = check_gru_cell(gru_cell)
    assert "reset_after=True" in verdict and "reset_after=False" in verdict


def test_gru_checker_names_the_swapped_variant():
    with pytest.raises(ExerciseCheckError, match="other variant"):
        check_gru_cell(lambda *a, **k: gru_cell(*a, **k, swap=True))


def test_gru_checker_rejects_swapped_update_convention():
    def flipped(x, h, wi, wh, bi, bh, reset_after=True):
        H = h.shape[1]
        new = gru_cell(x, h, wi, wh, bi, bh, reset_after)
        z = sigmoid(x @ wi[H:2 * H].T + bi[H:2 * H] + h @ wh[H:2 * H].T + bh[H:2 * H])
        n = (new - z * h) / (1 - z)
        return z * n + (1 - z) * h
    with pytest.raises(ExerciseCheckError):
        check_gru_cell(flipped)
