"""The backprop exercise checker accepts a correct delta recursion and rejects common slips."""
import numpy as np
import pytest

from dlbook import functional as F
from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.backprop import check_backprop, reference_backprop
from dlbook.gradcheck import check_gradient


def delta_recursion(X, Y, weights, biases, *, forget_slope=False, sum_batch=False):
    """Row-major delta recursion; the keyword flags inject the two classic mistakes."""
    acts, pre = [X], []
    for W, b in zip(weights, biases):
        pre.append(acts[-1] @ W.T + b)
        acts.append(F.sigmoid(pre[-1]))
    n = 1 if sum_batch else X.shape[0]
    slope = [np.ones_like(z) if forget_slope else F.sigmoid(z) * (1 - F.sigmoid(z)) for z in pre]
    delta = slope[-1] * (acts[-1] - Y) / n
    grads = []
    for l in range(len(weights) - 1, -1, -1):
        grads = [delta.T @ acts[l], delta.sum(axis=0)] + grads
        if l:
            delta = slope[l - 1] * (delta @ weights[l])
    return tuple(grads)


def test_checker_accepts_correct_recursion():
    assert check_backprop(delta_recursion).endswith("all 4 cases match")


@pytest.mark.parametrize("flag", ["forget_slope", "sum_batch"])
def test_checker_rejects_mistakes(flag):
    with pytest.raises(ExerciseCheckError):
        check_backprop(lambda *a: delta_recursion(*a, **{flag: True}))


def test_checker_rejects_wrong_number_of_outputs():
    with pytest.raises(ExerciseCheckError):
        check_backprop(lambda *a: delta_recursion(*a)[:-1])


def test_checker_does_not_let_candidate_mutate_inputs():
    def mutating(X, Y, weights, biases):
        grads = delta_recursion(X, Y, weights, biases)
        for W in weights:
            W[...] = 0.0
        return grads
    check_backprop(mutating)
    check_backprop(delta_recursion)


def test_reference_matches_finite_differences():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(4, 3)), rng.uniform(size=(4, 2))
    weights = [rng.normal(size=(5, 3)), rng.normal(size=(2, 5))]
    biases = [rng.normal(size=5), rng.normal(size=2)]

    def cost():
        a = X
        for W, b in zip(weights, biases):
            a = F.sigmoid(a @ W.T + b)
        return 0.5 * np.sum((a - Y) ** 2) / X.shape[0]

    grads = reference_backprop(X, Y, weights, biases)
    params = [p for pair in zip(weights, biases) for p in pair]
    for p, g in zip(params, grads):
        check_gradient(cost, p, g, tol=1e-7)


def test_reference_leaves_global_generator_alone(restore_default_generator):
    import dlbook
    dlbook.manual_seed(3)
    before = dlbook.default_generator().bit_generator.state
    reference_backprop(np.ones((1, 2)), np.ones((1, 1)), [np.ones((1, 2))], [np.ones(1)])
    assert dlbook.default_generator().bit_generator.state == before


def test_reference_rejects_mismatched_lists():
    with pytest.raises(ValueError):
        reference_backprop(np.ones((1, 2)), np.ones((1, 1)), [np.ones((1, 2))], [])
