"""The recurrent language model: gradients, truncation, scoring of every prediction, sampling."""
import numpy as np
import pytest

import dlbook
from dlbook import functional as F
from dlbook.lm.neural import TokenIndex, token_stream
from dlbook.lm.recurrent import (RNNLanguageModel, generate, sentence_token_nll, stream_nll,
                                 sum_nll, token_nll, train_epoch)
from dlbook.optim import Adam

SENTENCES = [("a", "b", "c"), ("b",), ("c", "a", "a", "b"), ("b", "c")]


def small_model(cell="LSTM", **kwargs):
    return RNNLanguageModel(6, 4, 4, cell=cell, generator=0, **kwargs)


def test_sum_nll_matches_cross_entropy_and_its_gradient():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((3, 5, 7)) * 3
    y = rng.integers(0, 7, (3, 5))
    loss, grad = sum_nll(z, y, return_grad=True)
    assert np.isclose(loss, F.cross_entropy(z.reshape(-1, 7), y.reshape(-1), reduction="sum"))
    ref = F.cross_entropy_backward(1.0, z.reshape(-1, 7), y.reshape(-1), reduction="sum")
    np.testing.assert_allclose(grad.reshape(-1, 7), ref, rtol=1e-12, atol=1e-14)
    assert sum_nll(z, y) == loss
    with pytest.raises(ValueError, match="targets must have shape"):
        sum_nll(z, y[:, :2])
    with pytest.raises(ValueError, match="ids in"):
        sum_nll(z, y + 7)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
@pytest.mark.parametrize("tie", [False, True])
def test_model_gradients_by_finite_differences(cell, tie):
    model = small_model(cell, tie_weights=tie)
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 6, (5, 2)), rng.integers(0, 6, (5, 2))
    state = model.init_state(2)
    state = tuple(s + 0.3 for s in state) if cell == "LSTM" else state + 0.3

    def loss():
        with dlbook.no_grad():
            return sum_nll(model(x, state)[0], y)

    logits, _ = model(x, state)
    _, g = sum_nll(logits, y, return_grad=True)
    model.zero_grad()
    model.backward(g)
    if tie:
        assert model.decoder.weight is model.encoder.weight
        assert len(model.parameters()) == len(list(model.named_parameters()))
    for name, p in model.named_parameters():
        flat = p.data.reshape(-1)
        for i in rng.choice(flat.size, size=min(6, flat.size), replace=False):
            old = flat[i]
            flat[i] = old + 1e-6
            up = loss()
            flat[i] = old - 1e-6
            down = loss()
            flat[i] = old
            assert np.isclose(p.grad.reshape(-1)[i], (up - down) / 2e-6, rtol=1e-5, atol=1e-8), name


def test_state_gradient_links_two_windows_into_one():
    """Passing the returned state gradient back to the previous window = BPTT over both."""
    model = small_model()
    rng = np.random.default_rng(2)
    x, y = rng.integers(0, 6, (8, 3)), rng.integers(0, 6, (8, 3))
    logits, _ = model(x)
    _, g = sum_nll(logits, y, return_grad=True)
    model.zero_grad()
    model.backward(g)
    full = {n: p.grad.copy() for n, p in model.named_parameters()}

    first, state = model(x[:5])
    second, _ = model(x[5:], state)
    np.testing.assert_allclose(np.concatenate([first, second]), logits, rtol=1e-12)
    _, g1 = sum_nll(first, y[:5], return_grad=True)
    _, g2 = sum_nll(second, y[5:], return_grad=True)
    model.zero_grad()
    d_state = model.backward(g2)                     # the later window first
    model.backward(g1, d_state)                      # ... and its state gradient passed on
    for n, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, full[n], rtol=1e-10, atol=1e-12)

    model.zero_grad()                                # truncated: the state gradient dropped
    _, state = model(x[:5])
    model(x[5:], state)
    model.backward(g2)
    model.clear_saved()
    assert not np.allclose(model.rnn.weight_hh_l0.grad, full["rnn.weight_hh_l0"])


def test_token_nll_scores_every_prediction_as_one_sequence():
    index = TokenIndex(list("abc"))
    stream = token_stream(SENTENCES, index)
    model = RNNLanguageModel(len(index), 4, 5, generator=3)
    nll = token_nll(model, stream, window=3)            # windows that do not divide the stream
    assert nll.shape == (len(stream) - 1,) == (sum(len(s) + 1 for s in SENTENCES),)
    with dlbook.no_grad():
        logits, _ = model(stream[:-1, None])
    whole = -F.log_softmax(logits[:, 0], dim=-1)[np.arange(len(stream) - 1), stream[1:]]
    np.testing.assert_allclose(nll, whole, rtol=1e-12)
    assert np.isclose(stream_nll(model, stream, window=100), nll.sum())


def test_sentence_token_nll_resets_the_state():
    index = TokenIndex(list("abc"))
    model = RNNLanguageModel(len(index), 4, 5, cell="GRU", generator=4)
    many = SENTENCES * 9                                 # more than one batch of 32 sentences
    reset = sentence_token_nll(model, many, index)
    one_by_one = np.concatenate([token_nll(model, token_stream([s], index)) for s in many])
    np.testing.assert_allclose(reset, one_by_one, rtol=1e-12)
    carried = token_nll(model, token_stream(many, index))
    assert np.allclose(reset[:4], carried[:4]) and not np.allclose(reset, carried)


def test_training_lowers_the_loss_and_generation_is_seeded():
    index = TokenIndex(list("abc"))
    stream = token_stream(SENTENCES * 10, index)
    model = RNNLanguageModel(len(index), 8, 8, dropout=0.1, tie_weights=True, init_range=0.1,
                             generator=5)
    opt = Adam(model.parameters(), lr=0.05)
    before = stream_nll(model, stream)
    for _ in range(5):
        train_epoch(model, stream, opt, batch_size=2, bptt=4, clip=1.0)
    assert stream_nll(model, stream) < 0.8 * before
    a = generate(model, index, 4, max_words=6, generator=0)
    assert a == generate(model, index, 4, max_words=6, generator=0)
    assert all(isinstance(s, tuple) and "<s>" not in s and "</s>" not in s for s in a)
    greedy = generate(model, index, 2, temperature=0.0)
    assert greedy[0] == greedy[1]


def test_bad_arguments():
    with pytest.raises(ValueError, match="tie_weights"):
        RNNLanguageModel(5, 3, 4, tie_weights=True)
    with pytest.raises(ValueError, match="cell"):
        RNNLanguageModel(5, 3, 4, cell="RNN")
    model = RNNLanguageModel(5, 3, 4)
    with pytest.raises(ValueError, match=r"\(T, N\)"):
        model(np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="ids in"):
        model(np.full((2, 1), 5))
    with pytest.raises(ValueError, match="at least 2"):
        token_nll(model, np.array([1]))
    with pytest.raises(TypeError):
        token_nll(object(), np.array([1, 2]))
    with pytest.raises(ValueError, match="clip"):
        train_epoch(model, np.arange(5), Adam(model.parameters()), batch_size=1, bptt=2, clip=0)
