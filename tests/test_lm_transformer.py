"""The decoder-only Transformer LM: shapes, causality, gradients, torch parity, stream scoring."""
import math

import numpy as np
import pytest

import dlbook
from dlbook.gradcheck import check_gradient
from dlbook.lm.transformer import TransformerLM, stream_log_probs, training_windows, window_starts

V = 11


def small(**kwargs):
    options = dict(d_model=8, nhead=2, num_layers=2, dim_feedforward=12, dropout=0.0,
                   max_len=16, generator=0)
    options.update(kwargs)
    return TransformerLM(V, **options)


def test_shapes_tied_weights_and_parameter_count():
    model = small()
    x = np.random.default_rng(1).integers(0, V, (3, 5))
    assert model(x).shape == (3, 5, V)
    assert model.head.weight is model.embedding.weight
    d, f, L = 8, 12, 2
    per_layer = 4 * d * d + 4 * d + 2 * d * f + f + d + 4 * d
    expected = V * d + L * per_layer + 2 * d + V            # table, blocks, final norm, bias
    assert sum(p.data.size for p in model.parameters()) == expected
    untied = small(tie_weights=False, positional="learned")
    assert sum(p.data.size for p in untied.parameters()) == expected + V * d + 16 * d


@pytest.mark.parametrize("norm_first", [True, False])
def test_position_t_does_not_see_later_inputs(norm_first):
    model = small(norm_first=norm_first)
    rng = np.random.default_rng(2)
    x = rng.integers(0, V, (2, 9))
    with dlbook.no_grad():
        base = model(x)
        for t in range(9):
            y = x.copy()
            y[:, t:] = rng.integers(0, V, (2, 9 - t))
            out = model(y)
            assert np.array_equal(out[:, :t], base[:, :t])
            assert not np.allclose(out[:, t], base[:, t])


@pytest.mark.parametrize("kwargs", [{}, {"norm_first": False, "tie_weights": False,
                                         "positional": "learned"}])
def test_parameter_gradients_match_finite_differences(kwargs):
    model = small(d_model=4, dim_feedforward=6, **kwargs)
    rng = np.random.default_rng(3)
    x = rng.integers(0, V, (2, 5))
    r = rng.standard_normal((2, 5, V))

    def cost():
        with dlbook.no_grad():
            return float(np.sum(model(x) * r))

    model.zero_grad()
    model(x)
    assert model.backward(r) is None
    for name, p in model.named_parameters():
        check_gradient(cost, p.data, p.grad, tol=1e-5, name=name)


def test_matches_torch():
    torch = pytest.importorskip("torch")
    model = small(num_layers=2, tie_weights=True)
    d = 8

    class Reference(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(V, d)
            self.layers = torch.nn.ModuleList([
                torch.nn.TransformerEncoderLayer(d, 2, 12, 0.0, batch_first=True,
                                                 norm_first=True) for _ in range(2)])
            self.norm = torch.nn.LayerNorm(d)
            self.head = torch.nn.Linear(d, V)
            self.head.weight = self.embedding.weight

        def forward(self, ids):
            T = ids.shape[1]
            x = self.embedding(ids) * math.sqrt(d) + torch.as_tensor(model.pos.pe[:T])
            mask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
            for layer in self.layers:
                x = layer(x, src_mask=mask, is_causal=True)
            return self.head(self.norm(x))

    ref = Reference().double()
    state = {k: torch.as_tensor(v) for k, v in model.state_dict().items()}
    state = {k.replace("layer", "layers.", 1) if k.startswith("layer") else k: v
             for k, v in state.items()}
    assert "head.weight" not in state                    # a tied weight is stored once
    state["head.weight"] = state["embedding.weight"]
    ref.load_state_dict(state)
    ids = np.random.default_rng(4).integers(0, V, (3, 7))
    with dlbook.no_grad():
        ours = model(ids)
    theirs = ref(torch.as_tensor(ids)).detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_training_windows():
    stream = np.arange(23)
    x, y = training_windows(stream, 5, offset=2)
    assert x.shape == y.shape == (4, 5)
    np.testing.assert_array_equal(x[0], [2, 3, 4, 5, 6])
    np.testing.assert_array_equal(y, x + 1)
    with pytest.raises(ValueError):
        training_windows(stream, 30)
    with pytest.raises(ValueError):
        training_windows(stream, 5, offset=-1)
    with pytest.raises(TypeError):
        training_windows(np.zeros(5), 2)


@pytest.mark.parametrize("n_inputs, context, stride", [(10, 4, 2), (10, 4, 4), (3, 8, 2),
                                                       (17, 5, 3), (9, 9, 1)])
def test_window_starts_cover_every_input(n_inputs, context, stride):
    starts = window_starts(n_inputs, context, stride)
    covered = np.zeros(n_inputs, bool)
    for a in starts:
        covered[a:a + context] = True
    assert covered.all() and starts[0] == 0
    assert starts[-1] + context >= n_inputs and np.all(np.diff(starts) <= stride)
    with pytest.raises(ValueError):
        window_starts(n_inputs, context, context + 1)


class CountingModel(dlbook.nn.Module):
    """A causal 'model' whose logit for token k at position t is the history length times k:
    it lets a test read off the history each prediction was scored with."""

    def forward(self, input):
        T = input.shape[1]
        t = np.arange(1, T + 1)[None, :, None]
        return np.broadcast_to(t * np.arange(V) * 1.0, input.shape + (V,)).copy()


@pytest.mark.parametrize("context, stride", [(4, 2), (4, 4), (5, 1), (50, 7), (6, 3)])
def test_stream_log_probs_scores_each_prediction_once(context, stride):
    stream = np.random.default_rng(5).integers(0, V, 23)
    logp, history = stream_log_probs(CountingModel(), stream, context, stride, batch_size=2)
    assert logp.shape == history.shape == (22,)
    p = np.arange(1, 23)
    T = min(context, 22)
    assert np.all(history >= np.minimum(p, T - min(stride, T) + 1)) and np.all(history <= T)
    assert np.all(history <= p)
    scores = history[:, None] * np.arange(V)[None, :] * 1.0
    top = scores.max(axis=1)
    expected = (scores[np.arange(22), stream[1:]] - top
                - np.log(np.exp(scores - top[:, None]).sum(axis=1)))
    np.testing.assert_allclose(logp, expected, rtol=1e-10, atol=1e-13)


def test_stream_log_probs_full_context_equals_one_pass():
    model = small()
    stream = np.random.default_rng(6).integers(0, V, 12)
    logp, history = stream_log_probs(model, stream, 16)
    with dlbook.no_grad():
        logits = model(stream[None, :-1])[0]
    direct = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(logp, direct[np.arange(11), stream[1:]], rtol=1e-12)
    np.testing.assert_array_equal(history, np.arange(1, 12))
    # stride 1 scores every later prediction with exactly `context` tokens of history
    logp1, history1 = stream_log_probs(model, stream, 4, 1)
    np.testing.assert_array_equal(history1, np.minimum(np.arange(1, 12), 4))
    assert model.training


def test_bad_arguments():
    with pytest.raises(ValueError, match="positional"):
        small(positional="rotary")
    model = small()
    with pytest.raises(ValueError, match="max_len"):
        model(np.zeros((1, 17), dtype=np.int64))
    with pytest.raises(ValueError, match=r"\[0, 11\)"):
        model(np.full((1, 3), V))
    with pytest.raises(ValueError, match=r"\(N, T\)"):
        model(np.zeros(3, dtype=np.int64))
    with pytest.raises(TypeError):
        model(np.zeros((1, 3)))
    with pytest.raises(ValueError):
        stream_log_probs(model, np.array([1]), 4)
