"""Tests for dlbook.nn.pyramid: pyramidal reduction (shapes, values, gradients, lengths, errors)
and the pyramidal recurrent stack."""
import numpy as np
import pytest

import dlbook
from dlbook.gradcheck import check_module
from dlbook.nn import LSTM
from dlbook.nn.pyramid import PyramidalReduction, PyramidalRNN, pyramid_lengths


def _loop_reference(x, mode, odd, lengths=None):
    # one pair at a time, written out: (T, N, D) -> (T', N, ·)
    T, N, D = x.shape
    T_out = (T + 1) // 2 if odd == "pad" else T // 2
    L = np.full(N, T) if lengths is None else np.asarray(lengths)
    width = 2 * D if mode == "concat" else D
    out = np.zeros((T_out, N, width))
    for t in range(T_out):
        for n in range(N):
            parts = [x[s, n] if s < L[n] else None for s in (2 * t, 2 * t + 1)]
            if mode == "concat":
                out[t, n] = np.concatenate([p if p is not None else np.zeros(D) for p in parts])
            else:
                valid = [p for p in parts if p is not None]
                out[t, n] = np.mean(valid, axis=0) if valid else 0.0
    return out


@pytest.mark.parametrize("mode", ["concat", "mean"])
@pytest.mark.parametrize("odd", ["pad", "drop"])
@pytest.mark.parametrize("T", [2, 5, 8])
def test_forward_matches_loop(mode, odd, T):
    rng = np.random.default_rng(T)
    x = rng.standard_normal((T, 3, 4))
    m = PyramidalReduction(mode, odd=odd)
    np.testing.assert_allclose(m(x), _loop_reference(x, mode, odd), rtol=1e-14)
    lengths = np.array([T, 1, max(1, T - 2)])
    np.testing.assert_allclose(m(x, lengths=lengths), _loop_reference(x, mode, odd, lengths),
                               rtol=1e-14)


@pytest.mark.parametrize("mode,width", [("concat", 8), ("mean", 4)])
def test_shapes(mode, width):
    x = np.zeros((7, 3, 4))
    assert PyramidalReduction(mode)(x).shape == (4, 3, width)
    assert PyramidalReduction(mode, odd="drop")(x).shape == (3, 3, width)
    assert PyramidalReduction(mode, batch_first=True)(np.zeros((3, 7, 4))).shape == (3, 4, width)
    assert PyramidalReduction(mode)(np.zeros((6, 4))).shape == (3, width)


def test_concat_puts_the_earlier_step_first():
    x = np.arange(4.0).reshape(4, 1, 1)
    np.testing.assert_array_equal(PyramidalReduction("concat")(x)[:, 0], [[0, 1], [2, 3]])


@pytest.mark.parametrize("mode", ["concat", "mean"])
@pytest.mark.parametrize("odd", ["pad", "drop"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_gradient(mode, odd, batch_first):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5, 2) if batch_first else (5, 3, 2))
    errors = check_module(PyramidalReduction(mode, odd=odd, batch_first=batch_first), x,
                          generator=2)
    assert errors["input"] < 1e-7


@pytest.mark.parametrize("mode", ["concat", "mean"])
def test_gradient_with_lengths_and_padding_gets_none(mode):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((7, 3, 2))
    lengths = np.array([7, 2, 5])
    m = PyramidalReduction(mode)
    out = m(x, lengths=lengths)
    g = rng.standard_normal(out.shape)
    dx = m.backward(g)
    eps = 1e-6
    num = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        with dlbook.no_grad():
            num[idx] = np.sum((m(xp, lengths=lengths) - m(xm, lengths=lengths)) * g) / (2 * eps)
    np.testing.assert_allclose(dx, num, atol=1e-8)
    for n, L in enumerate(lengths):
        assert np.all(dx[L:, n] == 0.0)


def test_padding_values_never_reach_the_output():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 2, 3))
    lengths = np.array([3, 6])
    y = x.copy()
    y[3:, 0] = 1e6
    for mode in ("concat", "mean"):
        m = PyramidalReduction(mode)
        np.testing.assert_array_equal(m(x, lengths=lengths), m(y, lengths=lengths))


def test_pyramid_lengths():
    np.testing.assert_array_equal(pyramid_lengths([1, 2, 3, 7], 7), [1, 1, 2, 4])
    np.testing.assert_array_equal(pyramid_lengths([1, 2, 3, 7], 7, odd="drop"), [1, 1, 2, 3])


def test_errors():
    with pytest.raises(ValueError, match="mode"):
        PyramidalReduction("max")
    with pytest.raises(ValueError, match="odd"):
        PyramidalReduction(odd="trim")
    with pytest.raises(TypeError, match="batch_first"):
        PyramidalReduction(batch_first=1)
    m = PyramidalReduction()
    with pytest.raises(ValueError, match=r"\(T, N, D\)"):
        m(np.zeros(5))
    with pytest.raises(ValueError, match=r"lengths must hold sequence lengths in \[1, 4\], "
                                         r"got values in \[0, 4\]"):
        m(np.zeros((4, 2, 1)), lengths=np.array([0, 4]))
    with pytest.raises(ValueError, match="shape"):
        m(np.zeros((4, 2, 1)), lengths=np.array([1, 2, 3]))
    with pytest.raises(TypeError, match="integers"):
        m(np.zeros((4, 2, 1)), lengths=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="T >= 2"):
        PyramidalReduction(odd="drop")(np.zeros((1, 2, 1)))
    with pytest.raises(ValueError, match="unbatched"):
        m(np.zeros((4, 1)), lengths=np.array([2]))
    with pytest.raises(RuntimeError):
        PyramidalReduction().backward(np.zeros((2, 1, 2)))


@pytest.mark.parametrize("reduction", ["concat", "mean"])
@pytest.mark.parametrize("cell", ["RNN", "GRU", "LSTM"])
def test_pyramidal_rnn_shapes(reduction, cell):
    m = PyramidalRNN(2, 3, num_layers=3, cell=cell, reduction=reduction, generator=6)
    x = np.random.default_rng(5).standard_normal((9, 2, 2))
    assert m(x).shape == (3, 2, 6)
    assert m.layer1.input_size == (12 if reduction == "concat" else 6)
    assert m.output_lengths(np.array([9, 2]), 9).tolist() == [3, 1]


@pytest.mark.parametrize("reduction,cell", [("concat", "RNN"), ("mean", "RNN"), ("concat", "GRU"),
                                            ("mean", "LSTM")])
def test_pyramidal_rnn_gradient(reduction, cell):
    m = PyramidalRNN(2, 2, num_layers=2 if cell != "RNN" else 3, cell=cell, reduction=reduction,
                     generator=6)
    x = np.random.default_rng(5).standard_normal((7, 2, 2))
    errors = check_module(m, x, generator=7)
    assert max(errors.values()) < 1e-5


def test_pyramidal_rnn_equals_manual_stack_and_ignores_padding():
    rng = np.random.default_rng(8)
    m = PyramidalRNN(2, 3, num_layers=2, cell="LSTM", generator=9)
    x = rng.standard_normal((8, 3, 2))
    lengths = np.array([8, 3, 6])
    red = PyramidalReduction("concat")
    h, _ = m.layer0(x, lengths=lengths)
    h = red(h, lengths=lengths)
    manual, _ = m.layer1(h, lengths=red.output_lengths(lengths, 8))
    out = m(x, lengths=lengths)
    np.testing.assert_allclose(out, manual, rtol=1e-13)
    np.testing.assert_array_equal(m.output_lengths(lengths, 8), [4, 2, 3])
    y = x.copy()
    y[3:, 1] = 50.0
    np.testing.assert_allclose(m(y, lengths=lengths), out, rtol=1e-13)
    assert isinstance(m.layer0, LSTM)


def test_pyramidal_rnn_errors():
    with pytest.raises(ValueError, match="cell"):
        PyramidalRNN(2, 3, cell="CNN")
    with pytest.raises(ValueError, match="reduction"):
        PyramidalRNN(2, 3, reduction="max")
    with pytest.raises(ValueError, match="input_size"):
        PyramidalRNN(2, 3)(np.zeros((4, 1, 3)))
