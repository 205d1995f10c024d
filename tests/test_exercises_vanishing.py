"""Tests for dlbook.exercises.vanishing: the checkers accept right answers and reject wrong ones."""
import numpy as np
import pytest

from dlbook import nn
from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.vanishing import (_tanh_band_width, check_clip_grad_norm,
                                        check_tanh_band_width)


def _sigmoid_band_width(w):
    a = np.abs(np.asarray(w, dtype=float))
    s = np.maximum(a, 4.0)
    return np.where(a >= 4, 2 / s * np.log(s * (1 + np.sqrt(1 - 4 / s)) / 2 - 1), 0.0)


def test_reference_width_is_the_measured_band():
    # brute force: the set {a : |w tanh'(w a + b)| >= 1} on a fine grid, for several biases
    grid = np.linspace(-3.0, 3.0, 600_001)
    step = grid[1] - grid[0]
    for w, b in [(1.5, 0.0), (2.0, 0.7), (-5.0, 1.3), (30.0, -2.0)]:
        gain = np.abs(w * (1.0 - np.tanh(w * grid + b) ** 2))
        measured = np.count_nonzero(gain >= 1.0) * step
        assert measured == pytest.approx(float(_tanh_band_width(w)), abs=2 * step)


def test_reference_width_edges_and_small_weights():
    np.testing.assert_array_equal(_tanh_band_width([0.0, 0.3, -0.999, 1.0]), 0.0)
    w = np.array([1.2, 3.0, 17.0])
    edge = np.arctanh(np.sqrt(1 - 1 / w))          # |x| at the band's edge, x = w a + b
    np.testing.assert_allclose(w * (1 - np.tanh(edge) ** 2), 1.0, rtol=1e-12)


def test_tanh_width_is_twice_sigmoid_width_at_four_times_the_weight():
    # tanh(x) = 2 sigmoid(2x) - 1  =>  tanh'(x) = 4 sigmoid'(2x)
    w = np.linspace(1.0, 50.0, 200)
    np.testing.assert_allclose(_tanh_band_width(w), 2 * _sigmoid_band_width(4 * w), rtol=1e-12,
                               atol=1e-15)


def test_check_tanh_band_width_accepts_and_rejects():
    assert "match" in check_tanh_band_width(_tanh_band_width)
    with pytest.raises(ExerciseCheckError):
        check_tanh_band_width(_sigmoid_band_width)
    with pytest.raises(ExerciseCheckError):     # forgets |w|
        check_tanh_band_width(lambda w: 2 / np.maximum(w, 1) * np.arctanh(
            np.sqrt(np.clip(1 - 1 / np.maximum(w, 1), 0, 1))))


def _clip_with_dlbook(grads, max_norm):
    params = []
    for g in grads:
        p = nn.Parameter(np.zeros_like(g))
        p.grad = g.copy()
        params.append(p)
    nn.clip_grad_norm_(params, max_norm)
    return [p.grad for p in params]


def test_check_clip_grad_norm_accepts_and_rejects():
    assert "match" in check_clip_grad_norm(_clip_with_dlbook)

    def per_parameter(grads, max_norm):
        return [g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for g in grads]

    def always_rescale(grads, max_norm):       # the formula without "only when above"
        total = np.sqrt(sum(np.sum(g * g) for g in grads))
        return [g * max_norm / total for g in grads]

    def in_place(grads, max_norm):
        total = np.sqrt(sum(np.sum(g * g) for g in grads))
        for g in grads:
            g *= min(1.0, max_norm / (total + 1e-6))
        return grads

    for wrong in (per_parameter, always_rescale, in_place, lambda g, m: np.zeros(3)):
        with pytest.raises(ExerciseCheckError):
            check_clip_grad_norm(wrong)
