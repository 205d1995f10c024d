"""Tests for dlbook.exercises.search: the checkers accept right answers and reject wrong ones."""
import math

import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.search import _trials_needed, check_log_uniform, check_trials_needed


# --------------------------------------------------------------------------- log-uniform
def _exp_form(low, high, size, generator):
    return np.exp(generator.uniform(np.log(low), np.log(high), size))


def _power_of_ten_form(low, high, size, generator):
    return 10.0 ** generator.uniform(np.log10(low), np.log10(high), size)


def _ratio_form(low, high, size, generator):
    return low * (high / low) ** generator.uniform(size=size)


@pytest.mark.parametrize("fn", [_exp_form, _power_of_ten_form, _ratio_form])
def test_log_uniform_checker_accepts_equivalent_forms(fn):
    assert "all 5 cases match" in check_log_uniform(fn)


def _linear_uniform(low, high, size, generator):
    return generator.uniform(low, high, size)


def _wrong_shape(low, high, size, generator):
    return _exp_form(low, high, size, generator).ravel()


def _out_of_range(low, high, size, generator):
    return 10 * _exp_form(low, high, size, generator)


@pytest.mark.parametrize("fn", [_linear_uniform, _wrong_shape, _out_of_range])
def test_log_uniform_checker_rejects_wrong_samplers(fn):
    with pytest.raises(ExerciseCheckError):
        check_log_uniform(fn)


# --------------------------------------------------------------------------- trials needed
@pytest.mark.parametrize("q, p, n", [(0.05, 0.95, 59), (0.01, 0.99, 459), (0.1, 0.9, 22),
                                     (0.5, 0.75, 2), (0.5, 0.5, 1), (0.2, 0.5, 4)])
def test_reference_trials_needed(q, p, n):
    assert _trials_needed(q, p) == n
    assert 1 - (1 - q) ** n >= p and (n == 1 or 1 - (1 - q) ** (n - 1) < p)


def test_trials_needed_checker():
    def right(q, p):
        n = 1
        while 1 - (1 - q) ** n < p:
            n += 1
        return n

    assert "all 8 cases match" in check_trials_needed(right)
    with pytest.raises(ExerciseCheckError):       # a float is not a number of trials
        check_trials_needed(lambda q, p: math.log(1 - p) / math.log(1 - q))
    with pytest.raises(ExerciseCheckError):       # rounding down misses the target
        check_trials_needed(lambda q, p: int(math.log(1 - p) / math.log(1 - q)))
