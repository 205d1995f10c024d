"""dlbook.exercises.check_against: the generic checker behind the chapter checkers."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError, check_against


def _cases(rng, n=4):
    return [(rng.normal(size=(3, 5)),) for _ in range(n)]


def reference_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_passes_for_an_equivalent_implementation(rng):
    def mine(x):                     # a different but equivalent formula
        return np.exp(x - np.log(np.exp(x).sum(axis=1, keepdims=True)))

    verdict = check_against(mine, reference_softmax, _cases(rng), name="softmax")
    assert "softmax" in verdict and "4" in verdict


def test_value_mismatch(rng):
    with pytest.raises(ExerciseCheckError, match=r"softmax: case 0, output 0 differs"):
        check_against(lambda x: np.exp(x) / np.exp(x).sum(), reference_softmax, _cases(rng),
                      name="softmax")


def test_only_a_later_case_differs(rng):
    cases = [(np.zeros((2, 2)),), (np.ones((2, 2)),), (np.full((2, 2), 2.0),)]
    with pytest.raises(ExerciseCheckError, match="case 2"):
        check_against(lambda x: np.minimum(x, 1.0), lambda x: x, cases, name="clip")


def test_shape_mismatch(rng):
    with pytest.raises(ExerciseCheckError, match=r"shape \(5, 3\), expected \(3, 5\)"):
        check_against(lambda x: reference_softmax(x).T, reference_softmax, _cases(rng), name="s")


def test_tuple_outputs():
    def ref(x):
        return x * 2, x.sum()

    cases = [(np.arange(3.0),)]
    assert "1 cases" in check_against(lambda x: (x + x, np.sum(x)), ref, cases, name="pair")
    with pytest.raises(ExerciseCheckError, match="returned 1 values, expected 2"):
        check_against(lambda x: x * 2, ref, cases, name="pair")
    with pytest.raises(ExerciseCheckError, match="output 1"):
        check_against(lambda x: (x * 2, x.sum() + 1), ref, cases, name="pair")


def test_tolerances():
    cases = [(np.array([1.0, 2.0]),)]
    slightly_off = lambda x: x * (1 + 1e-9)  # noqa: E731
    check_against(slightly_off, lambda x: x, cases, name="id")
    with pytest.raises(ExerciseCheckError, match="1e-06|1e-6|up to"):
        check_against(lambda x: x + 1e-6, lambda x: x, cases, name="id", rtol=1e-9, atol=1e-12)
