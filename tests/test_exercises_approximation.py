"""Tests for dlbook.exercises.approximation: references and checkers accept right answers and
reject wrong ones with a clear message."""
import numpy as np
import pytest

from dlbook import nn
from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.approximation import (bump_network_output, check_sawtooth_network,
                                            check_staircase_network, tent_power)
from dlbook.functional import sigmoid


# --------------------------------------------------------------------------- reference answers
def staircase(f, a, b, n, rho):
    h = (b - a) / (n - 1)
    centres = a + h * np.arange(n)
    edges = np.r_[centres - h / 2, centres[-1] + h / 2]
    heights = f(centres)
    coef = np.r_[heights, 0.0] - np.r_[0.0, heights]          # h_1, h_2 - h_1, ..., -h_n
    hidden, out = nn.Linear(1, n + 1), nn.Linear(n + 1, 1)
    hidden.weight.data[:] = rho / h
    hidden.bias.data[:] = -(rho / h) * edges
    out.weight.data[0] = coef
    out.bias.data[:] = 0.0
    return nn.Sequential(hidden, nn.Sigmoid(), out)


def sawtooth(k):
    layers = []
    for i in range(k):
        lin = nn.Linear(1 if i == 0 else 2, 2)
        lin.weight.data[:] = 1.0 if i == 0 else np.array([[2.0, -4.0], [2.0, -4.0]])
        lin.bias.data[:] = [0.0, -0.5]
        layers += [lin, nn.ReLU()]
    last = nn.Linear(2, 1)
    last.weight.data[:] = [[2.0, -4.0]]
    last.bias.data[:] = 0.0
    return nn.Sequential(*layers, last)


# --------------------------------------------------------------------------- references
def test_bump_network_output_matches_explicit_sum():
    x = np.linspace(-1, 1, 7)[:, None]
    n, rho, a, b = 3, 5.0, -1.0, 1.0
    h = 1.0
    want = sum(np.cos(c) * (sigmoid(rho / h * (x - c + h / 2)) - sigmoid(rho / h * (x - c - h / 2)))
               for c in (-1.0, 0.0, 1.0))
    np.testing.assert_allclose(bump_network_output(x, np.cos, a, b, n, rho), want, rtol=1e-12)


def test_bump_network_output_converges_to_f_when_steep_and_fine():
    x = np.linspace(0, 1, 501)[:, None]
    coarse = np.abs(bump_network_output(x, np.sin, 0.0, 1.0, 5, 20.0) - np.sin(x)).max()
    fine = np.abs(bump_network_output(x, np.sin, 0.0, 1.0, 200, 20.0) - np.sin(x)).max()
    assert fine < coarse / 10 and fine < 0.01


@pytest.mark.parametrize("args, error, match", [
    ((np.zeros((3, 1)), np.sin, 0.0, 1.0, 1, 2.0), ValueError, "n must be an int >= 2, got 1"),
    ((np.zeros((3, 1)), np.sin, 0.0, 1.0, 2.5, 2.0), TypeError,
     "n must be an int >= 2, got float 2.5"),
    ((np.zeros((3, 1)), np.sin, 1.0, 0.0, 3, 2.0), ValueError, "need a < b"),
    ((np.zeros((3, 1)), np.sin, 0.0, 1.0, 3, 0.0), ValueError,
     "rho must be a positive real number, got 0.0"),
    ((np.zeros(3), np.sin, 0.0, 1.0, 3, 1.0), ValueError, r"shape \(N, 1\)"),
])
def test_bump_network_output_errors(args, error, match):
    with pytest.raises(error, match=match):
        bump_network_output(*args)


def test_tent_power_values():
    x = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(tent_power(x, 1), [0.0, 0.5, 1.0, 0.5, 0.0])
    np.testing.assert_allclose(tent_power(x, 2), [0.0, 1.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(tent_power(x, 0), x)


# --------------------------------------------------------------------------- checkers
def test_check_staircase_network_accepts_the_right_answer():
    assert check_staircase_network(staircase) == "staircase network: all 4 cases match"


def test_check_staircase_network_rejects_the_2n_unit_network():
    def bumps(f, a, b, n, rho):
        net = nn.Sequential(nn.Linear(1, 2 * n), nn.Sigmoid(), nn.Linear(2 * n, 1))
        return net

    with pytest.raises(ExerciseCheckError, match=r"must be Linear\(1, 3\)"):
        check_staircase_network(bumps)


def test_check_staircase_network_rejects_wrong_weights_and_layers():
    def off_by_sign(f, a, b, n, rho):
        net = staircase(f, a, b, n, rho)
        net[2].weight.data *= -1
        return net

    with pytest.raises(ExerciseCheckError, match="differs from the reference"):
        check_staircase_network(off_by_sign)
    with pytest.raises(ExerciseCheckError, match="Linear, Sigmoid, Linear"):
        check_staircase_network(lambda f, a, b, n, rho: nn.Sequential(
            nn.Linear(1, n + 1), nn.Tanh(), nn.Linear(n + 1, 1)))
    with pytest.raises(ExerciseCheckError, match="expected a dlbook.nn.Sequential"):
        check_staircase_network(lambda *args: None)


def test_check_sawtooth_network_accepts_the_right_answer():
    assert check_sawtooth_network(sawtooth) == "sawtooth network: all 6 cases match"


def test_check_sawtooth_network_rejects_wide_or_wrong_networks():
    def wide(k):
        return nn.Sequential(nn.Linear(1, 3), nn.ReLU(), nn.Linear(3, 1))

    with pytest.raises(ExerciseCheckError, match="hidden layer of 3 units"):
        check_sawtooth_network(wide)

    def one_too_many(k):
        return sawtooth(k + 1)

    with pytest.raises(ExerciseCheckError, match="differs from the reference"):
        check_sawtooth_network(one_too_many)

    with pytest.raises(ExerciseCheckError, match="only Linear and ReLU"):
        check_sawtooth_network(lambda k: nn.Sequential(nn.Linear(1, 2), nn.Sigmoid(),
                                                       nn.Linear(2, 1)))
