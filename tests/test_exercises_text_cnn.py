"""Tests for dlbook.exercises.text_cnn: the checker accepts right answers, rejects wrong ones."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.text_cnn import _cases, _k_max_loop, check_k_max_pooling


def _masked(scores, n_valid, k, fill=-np.inf, keep_order=True, stable=True):
    t = np.arange(scores.shape[2])
    masked = np.where(t[None, None, :] < n_valid[:, None, None], scores, fill)
    order = np.argsort(-masked, axis=2, kind="stable" if stable else "quicksort")[..., :k]
    if not stable:
        order = np.argsort(-masked[..., ::-1], axis=2, kind="stable")[..., :k]
        order = scores.shape[2] - 1 - order
    if keep_order:
        order = np.sort(order, axis=2)
    return np.take_along_axis(scores, order, axis=2)


def test_accepts_the_masked_k_max():
    assert "all" in check_k_max_pooling(_masked)


def test_accepts_the_loop_itself():
    assert "match" in check_k_max_pooling(_k_max_loop)


@pytest.mark.parametrize("wrong, message", [
    (lambda s, n, k: _masked(s, n, k, fill=np.inf), "padding has won"),
    (lambda s, n, k: _masked(s, n, k, fill=0.0), "padding has won|differs"),
    (lambda s, n, k: _masked(s, n, k, keep_order=False), "wrong order"),
    (lambda s, n, k: _masked(s, n, k, stable=False), None),
    (lambda s, n, k: _masked(s, n, k)[..., :1], "shape"),
])
def test_wrong_answers_and_tie_breaking(wrong, message):
    if message is None:                 # another choice among tied windows: the same values
        assert "all" in check_k_max_pooling(wrong)
        return
    with pytest.raises(ExerciseCheckError, match=message):
        check_k_max_pooling(wrong)


def test_padding_would_win_without_a_mask():
    for scores, n_valid, k, garbage in _cases()[1:]:
        padding = np.arange(scores.shape[2])[None, None, :] >= n_valid[:, None, None]
        padding = np.broadcast_to(padding, scores.shape)
        assert padding.any() and scores[padding].min() > scores[~padding].max()
