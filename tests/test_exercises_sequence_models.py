"""Tests for dlbook.exercises.sequence_models: the checkers accept right answers and reject
wrong ones."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.sequence_models import check_bidirectional, check_pyramid_reduction


def _bidirectional(fwd, bwd, x, lengths):
    T, N, _ = x.shape
    L = np.full(N, T) if lengths is None else np.asarray(lengths)
    valid = (np.arange(T)[:, None] < L[None, :])[:, :, None]
    out_f, _ = fwd(x * valid, lengths=L)
    rev = np.zeros_like(x)
    for n in range(N):
        rev[:L[n], n] = x[:L[n], n][::-1]
    out_b, _ = bwd(rev, lengths=L)
    back = np.zeros_like(out_b)
    for n in range(N):
        back[:L[n], n] = out_b[:L[n], n][::-1]
    return np.concatenate([out_f, back], axis=2)


def _reverse_whole_array(fwd, bwd, x, lengths):
    out_f, _ = fwd(x, lengths=lengths)
    out_b, _ = bwd(x[::-1], lengths=lengths)
    return np.concatenate([out_f, out_b[::-1]], axis=2)


def _reduction(x, mode):
    T, N, D = x.shape
    if T % 2:
        x = np.concatenate([x, np.zeros((1, N, D))])
    pairs = x.reshape(-1, 2, N, D)
    if mode == "concat":
        return np.concatenate([pairs[:, 0], pairs[:, 1]], axis=2)
    out = pairs.mean(axis=1)
    if T % 2:
        out[-1] = x[T - 1]
    return out


def test_bidirectional_accepts_a_correct_answer():
    assert "all" in check_bidirectional(_bidirectional)


def test_bidirectional_rejects_reversing_the_padded_array():
    with pytest.raises(ExerciseCheckError, match="backward half"):
        check_bidirectional(_reverse_whole_array)


def test_bidirectional_rejects_a_wrong_shape():
    with pytest.raises(ExerciseCheckError, match="shape"):
        check_bidirectional(lambda f, b, x, L: f(x, lengths=L)[0])


def test_reduction_accepts_a_correct_answer():
    assert "all" in check_pyramid_reduction(_reduction)


def test_reduction_rejects_a_wrong_order():
    def swapped(x, mode):
        out = _reduction(x, mode)
        D = x.shape[2]
        return np.concatenate([out[:, :, D:], out[:, :, :D]], axis=2) if mode == "concat" else out
    with pytest.raises(ExerciseCheckError, match="pyramid reduction"):
        check_pyramid_reduction(swapped)


def test_reduction_rejects_averaging_with_a_zero_partner():
    def half_last(x, mode):
        T, N, D = x.shape
        if T % 2:
            x = np.concatenate([x, np.zeros((1, N, D))])
        pairs = x.reshape(-1, 2, N, D)
        return (np.concatenate([pairs[:, 0], pairs[:, 1]], axis=2) if mode == "concat"
                else pairs.mean(axis=1))
    with pytest.raises(ExerciseCheckError):
        check_pyramid_reduction(half_last)
