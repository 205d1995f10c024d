"""dlbook.sequences: the adding problem and the copy task."""
import numpy as np
import pytest

from dlbook.sequences import adding_baseline_mse, adding_problem, copy_task


def test_adding_shapes_and_dtypes():
    x, y = adding_problem(7, 10, generator=0)
    assert x.shape == (7, 10, 2) and y.shape == (7,)
    assert x.dtype == np.float64 and y.dtype == np.float64


def test_adding_one_marker_in_each_half():
    T = 11
    x, y = adding_problem(500, T, generator=1)
    markers = x[:, :, 1]
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :T // 2].sum(axis=1) == 1)
    assert np.all(markers[:, T // 2:].sum(axis=1) == 1)
    assert set(np.unique(markers)) == {0.0, 1.0}


def test_adding_target_is_the_sum_of_the_marked_numbers():
    x, y = adding_problem(300, 9, generator=2)
    expected = [sum(x[n, t, 0] for t in range(9) if x[n, t, 1] == 1.0) for n in range(300)]
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-15)
    assert np.all((x[:, :, 0] >= 0) & (x[:, :, 0] < 1))


def test_adding_baseline_is_the_variance_of_the_target():
    _, y = adding_problem(200_000, 6, generator=3)
    assert abs(np.mean((y - 1.0) ** 2) - adding_baseline_mse()) < 3e-3
    assert adding_baseline_mse() == pytest.approx(1 / 6)


def test_adding_marker_positions_cover_both_halves():
    x, _ = adding_problem(4000, 8, generator=4)
    counts = x[:, :, 1].sum(axis=0)
    assert np.all(counts > 0)                      # every step is sometimes marked
    np.testing.assert_allclose(counts[:4].sum(), 4000)


def test_adding_is_reproducible():
    a = adding_problem(5, 6, generator=9)
    b = adding_problem(5, 6, generator=np.random.default_rng(9))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("kwargs, error", [
    (dict(n_samples=0, length=5), ValueError),
    (dict(n_samples=3, length=1), ValueError),
    (dict(n_samples=3.0, length=5), TypeError),
    (dict(n_samples=3, length=True), TypeError),
])
def test_adding_validation(kwargs, error):
    with pytest.raises(error):
        adding_problem(**kwargs)


def test_copy_shapes_and_cue():
    x, y = copy_task(6, 5, n_symbols=4, generator=0)
    assert x.shape == (6, 6, 5) and y.shape == (6,) and y.dtype == np.int64
    np.testing.assert_array_equal(x[:, 0, 4], 1.0)
    np.testing.assert_array_equal(x[:, 1:, 4], 0.0)
    np.testing.assert_array_equal(x[:, 0, :4].argmax(axis=1), y)
    np.testing.assert_array_equal(x[:, 1:], 0.0)          # blanks


def test_copy_with_distractors_shows_a_symbol_at_every_step():
    x, y = copy_task(50, 7, n_symbols=3, n_copy=2, distractors=True, generator=1)
    assert x.shape == (50, 9, 4) and y.shape == (50, 2)
    np.testing.assert_array_equal(x[:, :, :3].sum(axis=2), 1.0)
    np.testing.assert_array_equal(x[:, :2, :3].argmax(axis=2), y)
    np.testing.assert_array_equal(x[:, :, 3], np.r_[1.0, 1.0, np.zeros(7)][None].repeat(50, 0))


def test_copy_symbols_are_uniform():
    _, y = copy_task(20000, 1, n_symbols=5, generator=2)
    freq = np.bincount(y, minlength=5) / 20000
    assert np.all(np.abs(freq - 0.2) < 0.02)


@pytest.mark.parametrize("kwargs, error", [
    (dict(n_samples=3, delay=0), ValueError),
    (dict(n_samples=3, delay=2, n_symbols=1), ValueError),
    (dict(n_samples=3, delay=2, n_copy=0), ValueError),
    (dict(n_samples=3, delay=2, distractors=1), TypeError),
    (dict(n_samples=-1, delay=2), ValueError),
])
def test_copy_validation(kwargs, error):
    with pytest.raises(error):
        copy_task(**kwargs)


def test_last_step_model_gradients():
    from dlbook import nn
    from dlbook.gradcheck import check_module
    from dlbook.sequences import LastStepModel
    for kind in ("RNN", "LSTM", "GRU"):
        model = LastStepModel(getattr(nn, kind)(3, 4, batch_first=True, generator=0), 2,
                              generator=1)
        x = np.random.default_rng(2).standard_normal((5, 6, 3))
        assert model(x).shape == (5, 2)
        model.backward(np.zeros((5, 2)))
        errors = check_module(model, x, generator=3)
        assert max(errors.values()) < 1e-6


def test_last_step_model_reads_only_the_last_state():
    from dlbook import nn
    from dlbook.sequences import LastStepModel
    rnn = nn.GRU(2, 3, batch_first=True, generator=0)
    model = LastStepModel(rnn, 1, generator=0)
    x = np.random.default_rng(0).standard_normal((4, 5, 2))
    out, h_n = rnn(x)
    rnn.backward(np.zeros_like(out))
    expected = out[:, -1] @ model.head.weight.data.T + model.head.bias.data
    np.testing.assert_allclose(model(x), expected, rtol=1e-12)


def test_last_step_model_validation():
    from dlbook import nn
    from dlbook.sequences import LastStepModel
    with pytest.raises(ValueError):
        LastStepModel(nn.LSTM(2, 3), 1)
    with pytest.raises(ValueError):
        LastStepModel(nn.LSTM(2, 3, batch_first=True, bidirectional=True), 1)
    with pytest.raises(TypeError):
        LastStepModel(nn.Linear(2, 3), 1)
