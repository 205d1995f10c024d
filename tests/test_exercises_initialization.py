"""Tests for dlbook.exercises.initialization: the checkers accept right answers and reject wrong ones."""
import math

import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.initialization import _fans, check_fan_in_and_fan_out, check_orthogonal


def _good_fans(shape):
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _good_orthogonal(arr, gain=1.0, *, generator):
    rows = arr.shape[0]
    cols = arr.size // rows
    a = generator.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    arr[...] = (gain * q).reshape(arr.shape)
    return arr


def test_reference_fans():
    assert _fans((10, 64)) == (64, 10)
    assert _fans((20, 1, 5, 5)) == (25, 500)
    assert _fans((16, 3, 3, 3)) == (27, 144)


def test_reference_fans_match_torch():
    torch = pytest.importorskip("torch")
    for shape in [(10, 64), (20, 1, 5, 5), (8, 4, 7), (6, 2, 3, 3, 3)]:
        assert _fans(shape) == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_check_fans_accepts_and_rejects():
    assert "match" in check_fan_in_and_fan_out(_good_fans)
    with pytest.raises(ExerciseCheckError):                      # in and out swapped
        check_fan_in_and_fan_out(lambda s: _good_fans(s)[::-1])
    with pytest.raises(ExerciseCheckError):                      # forgets the receptive field
        check_fan_in_and_fan_out(lambda s: (s[1], s[0]))


def test_check_orthogonal_accepts_a_correct_initialiser():
    assert "check out" in check_orthogonal(_good_orthogonal)


def test_check_orthogonal_rejects_wrong_ones():
    def no_sign_fix(arr, gain=1.0, *, generator):
        rows, cols = arr.shape[0], arr.size // arr.shape[0]
        q, _ = np.linalg.qr(generator.standard_normal((max(rows, cols), min(rows, cols))))
        arr[...] = (gain * (q.T if rows < cols else q)).reshape(arr.shape)
        return arr

    def gaussian(arr, gain=1.0, *, generator):
        arr[...] = generator.normal(0, gain / math.sqrt(arr.shape[0]), arr.shape)
        return arr

    def ignores_gain(arr, gain=1.0, *, generator):
        return _good_orthogonal(arr, 1.0, generator=generator)

    def global_rng(arr, gain=1.0, *, generator):
        return _good_orthogonal(arr, gain, generator=np.random.default_rng())

    def returns_copy(arr, gain=1.0, *, generator):
        return _good_orthogonal(arr.copy(), gain, generator=generator)

    for bad in (no_sign_fix, gaussian, ignores_gain, global_rng, returns_copy):
        with pytest.raises(ExerciseCheckError):
            check_orthogonal(bad)
