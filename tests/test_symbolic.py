"""dlbook.symbolic: each assertion passes on a true identity and fails, naming the label, on a
false one."""
import pytest
import sympy as sp

from dlbook.symbolic import (SymbolicCheckError, assert_equal, assert_maximum,
                             assert_nonnegative, assert_zero)

x, y = sp.symbols("x y", real=True)
z = sp.Symbol("z")


def test_assert_zero():
    assert assert_zero(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1, "eq-pythagoras") is True
    assert assert_zero(sp.sinh(x) - (sp.exp(x) - sp.exp(-x)) / 2, "eq-sinh") is True
    assert assert_zero(sp.Matrix([[x - x, 0], [sp.log(sp.exp(x)) - x, 0]]), "eq-mat") is True
    with pytest.raises(SymbolicCheckError, match=r"\[eq-wrong\].*expected 0"):
        assert_zero(x ** 2 - x, "eq-wrong")
    with pytest.raises(SymbolicCheckError, match=r"\[eq-wrong-matrix\]"):
        assert_zero(sp.Matrix([0, x]), "eq-wrong-matrix")


def test_assert_equal_scalars():
    sigma = 1 / (1 + sp.exp(-x))
    assert assert_equal(sp.diff(sigma, x), sigma * (1 - sigma), "eq-sigmoid-derivative")
    assert assert_equal(sp.diff(sp.tanh(x), x), 1 - sp.tanh(x) ** 2, "eq-tanh-derivative")
    assert assert_equal((x + y) ** 2, x ** 2 + 2 * x * y + y ** 2, "eq-binomial")
    with pytest.raises(SymbolicCheckError, match=r"\[eq-bad-binomial\].*differ"):
        assert_equal((x + y) ** 2, x ** 2 + y ** 2, "eq-bad-binomial")
    with pytest.raises(SymbolicCheckError, match=r"\[eq-bad-sigmoid\]"):
        assert_equal(sp.diff(sigma, x), sigma * (1 + sigma), "eq-bad-sigmoid")


def test_assert_equal_matrices():
    a = sp.Matrix([[x, y], [0, 1]])
    assert assert_equal((a * a).T, a.T * a.T, "eq-transpose")
    with pytest.raises(SymbolicCheckError, match=r"\[eq-ab\]"):
        assert_equal(a * a.T, a.T * a, "eq-ab")
    with pytest.raises(SymbolicCheckError, match=r"\[eq-shape\].*shapes differ"):
        assert_equal(sp.Matrix([x, y]), sp.Matrix([[x, y]]), "eq-shape")
    with pytest.raises(SymbolicCheckError, match=r"\[eq-scalar-vs-matrix\]"):
        assert_equal(sp.Matrix([x]), x, "eq-scalar-vs-matrix")


def test_assert_maximum_true():
    stationary = assert_maximum(-(x - 1) ** 2 + 3, x, 1, 3, "eq-parabola")
    assert sp.Integer(1) in stationary
    # the entropy of a Bernoulli variable is maximal at p = 1/2, value log 2
    p = sp.Symbol("p", positive=True)
    h = -p * sp.log(p) - (1 - p) * sp.log(1 - p)
    assert_maximum(h, p, sp.Rational(1, 2), sp.log(2), "eq-bernoulli-entropy",
                   domain=sp.Interval.open(0, 1))


@pytest.mark.parametrize("expr,at,value,pattern", [
    (-(x - 1) ** 2 + 3, 2, 3, "not a stationary point"),      # wrong point
    (-(x - 1) ** 2 + 3, 1, 4, "maximum is 3, not 4"),         # wrong value
    ((x - 1) ** 2 + 3, 1, 3, "not negative"),                 # a minimum
    (x ** 3, 0, 0, "not negative"),                           # an inflection point
])
def test_assert_maximum_rejects(expr, at, value, pattern):
    with pytest.raises(SymbolicCheckError, match=r"\[eq-max\].*" + pattern):
        assert_maximum(expr, x, at, value, "eq-max")


def test_assert_nonnegative():
    assert assert_nonnegative(x ** 2 + y ** 2, "eq-squares") is True
    assert assert_nonnegative(sp.exp(x), "eq-exp") is True
    with pytest.raises(SymbolicCheckError, match=r"\[eq-sign\].*>= 0"):
        assert_nonnegative(x - 1, "eq-sign")
    with pytest.raises(SymbolicCheckError, match=r"\[eq-unknown\]"):
        assert_nonnegative(z, "eq-unknown")


def test_error_is_an_assertion_error():
    assert issubclass(SymbolicCheckError, AssertionError)
