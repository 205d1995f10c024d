"""The self-checks of the MLP chapter accept correct answers and reject typical mistakes."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.mlp import check_count_parameters, check_mlp_forward


def mlp_forward_rows(x, weights, biases):
    a = x
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = a @ w.T + b
        a = z if l == len(weights) - 1 else np.tanh(z)
    return a


def test_mlp_forward_accepts_a_correct_answer():
    verdict = check_mlp_forward(mlp_forward_rows)
    assert "all 5 cases match" in verdict


def test_mlp_forward_accepts_an_einsum_answer():
    def by_sum(x, weights, biases):
        a = np.atleast_2d(x)
        for l, (w, b) in enumerate(zip(weights, biases)):
            z = np.einsum("ij,nj->ni", w, a) + b
            a = z if l == len(weights) - 1 else np.tanh(z)
        return a if np.ndim(x) == 2 else a[0]
    check_mlp_forward(by_sum)


@pytest.mark.parametrize("mistake", ["no_bias", "tanh_on_output", "untransposed", "relu"])
def test_mlp_forward_rejects_mistakes(mistake):
    def wrong(x, weights, biases):
        a = x
        for l, (w, b) in enumerate(zip(weights, biases)):
            if mistake == "untransposed" and w.shape[0] == w.shape[1]:
                z = a @ w + b
            else:
                z = a @ w.T + (0.0 if mistake == "no_bias" else b)
            last = l == len(weights) - 1
            if mistake == "tanh_on_output":
                a = np.tanh(z)
            elif mistake == "relu":
                a = z if last else np.maximum(z, 0)
            else:
                a = z if last else np.tanh(z)
        return a
    with pytest.raises(ExerciseCheckError):
        check_mlp_forward(wrong)


def test_count_parameters_accepts_the_closed_form():
    def closed_form(sizes):
        return sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    assert "all 7 cases match" in check_count_parameters(closed_form)


def test_count_parameters_rejects_forgotten_biases():
    def weights_only(sizes):
        return sum(n_out * n_in for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    with pytest.raises(ExerciseCheckError):
        check_count_parameters(weights_only)


def test_checking_does_not_touch_the_global_generator(restore_default_generator):
    import dlbook
    dlbook.manual_seed(3)
    before = dlbook.default_generator().bit_generator.state
    check_count_parameters(lambda s: sum(b * (a + 1) for a, b in zip(s[:-1], s[1:])))
    assert dlbook.default_generator().bit_generator.state == before
