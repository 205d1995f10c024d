"""The checkers of dlbook.exercises.activations accept correct answers and reject wrong ones."""
import numpy as np
import pytest

from dlbook import functional as F
from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.activations import (check_log_softmax, check_softmax,
                                          check_softmax_jacobian)


def stable_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def stable_log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def naive_softmax(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)


def naive_log_softmax(x):
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return np.log(naive_softmax(x))


def explicit_jacobian(z):
    s = stable_softmax(z)
    return np.diag(s) - np.outer(s, s)


def test_correct_answers_pass():
    assert "all 6 cases match" in check_softmax(stable_softmax)
    assert "all 6 cases match" in check_log_softmax(stable_log_softmax)
    assert "all 6 cases match" in check_softmax_jacobian(explicit_jacobian)
    assert "match" in check_softmax(lambda x: F.softmax(x))


def test_naive_formulas_fail_on_large_logits():
    with pytest.raises(ExerciseCheckError, match="softmax: case 3"):
        check_softmax(naive_softmax)
    with pytest.raises(ExerciseCheckError, match="log_softmax: case 3"):
        check_log_softmax(naive_log_softmax)


@pytest.mark.parametrize("wrong", [
    lambda x: stable_softmax(x.T).T,                 # normalised over the wrong axis
    lambda x: stable_softmax(x)[:, :-1],             # wrong shape
])
def test_wrong_softmax_fails(wrong):
    with pytest.raises(ExerciseCheckError):
        check_softmax(wrong)


@pytest.mark.parametrize("wrong", [
    lambda z: np.diag(stable_softmax(z)),                                   # diagonal only
    lambda z: np.diag(stable_softmax(z)) + np.outer(stable_softmax(z), stable_softmax(z)),
    lambda z: stable_softmax(z),                                            # not a matrix
])
def test_wrong_jacobian_fails(wrong):
    with pytest.raises(ExerciseCheckError):
        check_softmax_jacobian(wrong)
