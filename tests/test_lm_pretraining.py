"""BERT's masking, the small masked language model, and the parameter counts of BERT and GPT."""
import math

import numpy as np
import pytest

import dlbook
from dlbook.lm.pretraining import (PRETRAINED_CONFIGS, MaskedLanguageModel, TransformerConfig,
                                   forward_flops_per_token, mask_tokens,
                                   non_embedding_parameters, parameter_count, training_flops)
from dlbook.nn import CrossEntropyLoss
from dlbook.nn.transformer import generate_square_subsequent_mask

# ----------------------------------------------------------------------------- masking
V, MASK = 50, 2


def test_mask_tokens_frequencies():
    ids = np.random.default_rng(1).integers(3, V, size=(400, 500))
    inputs, labels = mask_tokens(ids, V, MASK, generator=0)
    selected = labels != -100
    n = selected.sum()
    assert abs(n / ids.size - 0.15) < 0.003
    assert np.array_equal(labels[selected], ids[selected])
    assert np.array_equal(inputs[~selected], ids[~selected])        # untouched elsewhere
    masked = (inputs == MASK) & selected
    unchanged = (inputs == ids) & selected
    random = selected & ~masked & ~unchanged
    assert abs(masked.sum() / n - 0.8) < 0.01
    # a random draw equals the original with probability 1/V
    assert abs(unchanged.sum() / n - (0.1 + 0.1 / V)) < 0.01
    assert abs(random.sum() / n - 0.1 * (1 - 1 / V)) < 0.01
    assert inputs.dtype == np.int64 and labels.dtype == np.int64


def test_mask_tokens_special_ids_seed_and_options():
    ids = np.tile(np.arange(V), (40, 1))
    inputs, labels = mask_tokens(ids, V, MASK, special_ids=(0, 1, MASK), generator=3)
    assert np.all(labels[:, :3] == -100) and np.array_equal(inputs[:, :3], ids[:, :3])
    again = mask_tokens(ids, V, MASK, special_ids=(0, 1, MASK), generator=3)
    assert np.array_equal(inputs, again[0]) and np.array_equal(labels, again[1])
    all_mask, lab = mask_tokens(ids, V, MASK, mlm_probability=1.0, mask_replace_prob=1.0,
                                random_replace_prob=0.0, ignore_index=-1, generator=0)
    assert np.all(all_mask == MASK) and np.array_equal(lab, ids)
    none, lab = mask_tokens(ids, V, MASK, mlm_probability=0.0, generator=0)
    assert np.array_equal(none, ids) and np.all(lab == -100)


@pytest.mark.parametrize("kwargs, error", [
    (dict(mask_id=V), ValueError), (dict(mask_replace_prob=0.95), ValueError),
    (dict(mlm_probability=1.5), ValueError), (dict(input_ids=np.ones(3)), TypeError),
    (dict(input_ids=np.array([0, V])), ValueError)])
def test_mask_tokens_rejects_bad_input(kwargs, error):
    args = dict(input_ids=np.arange(5), vocab_size=V, mask_id=MASK)
    args.update(kwargs)
    with pytest.raises(error):
        mask_tokens(**args)


# ----------------------------------------------------------------------------- the model
def _small(seed=0, **kwargs):
    options = dict(d_model=8, nhead=2, num_layers=2, dim_feedforward=16, max_len=7, dropout=0.0)
    options.update(kwargs)
    return MaskedLanguageModel(11, generator=seed, **options)


@pytest.mark.parametrize("norm_first, tie", [(False, False), (True, False), (False, True)])
def test_model_gradients_match_finite_differences(norm_first, tie):
    rng = np.random.default_rng(0)
    model = _small(norm_first=norm_first, tie_weights=tie)
    X = rng.integers(0, 11, (3, 7))
    pos = rng.random((3, 7)) < 0.5
    y = rng.integers(0, 11, pos.sum())
    loss_fn = CrossEntropyLoss()
    loss_fn(model(X, positions=pos), y)
    model.zero_grad()
    assert model.backward(loss_fn.backward()) is None
    for name, p in model.named_parameters():
        for _ in range(2):
            idx = tuple(int(rng.integers(0, s)) for s in p.shape)
            old, eps = p.data[idx], 1e-6
            values = []
            for shift in (eps, -eps):
                p.data[idx] = old + shift
                with dlbook.no_grad():
                    values.append(loss_fn(model(X, positions=pos), y))
            p.data[idx] = old
            numeric = (values[0] - values[1]) / (2 * eps)
            assert abs(numeric - p.grad[idx]) < 1e-6 + 1e-5 * abs(numeric), name


def test_model_shapes_and_positions_select_rows():
    model = _small()
    X = np.random.default_rng(2).integers(0, 11, (2, 5))
    pos = np.zeros((2, 5), bool)
    pos[0, 1] = pos[1, 4] = True
    with dlbook.no_grad():
        full = model(X)
        part = model(X, positions=pos)
    assert full.shape == (2, 5, 11) and part.shape == (2, 11)
    assert np.allclose(part, full[pos])
    with pytest.raises(ValueError):
        model(X[0])
    with pytest.raises(ValueError):
        model(X, positions=pos[:, :3])
    with pytest.raises(ValueError):
        MaskedLanguageModel(11, d_model=8, nhead=2, activation="tanh")


def test_bidirectional_unless_causal_mask():
    model = _small()
    X = np.random.default_rng(3).integers(0, 11, (1, 7))
    Y = X.copy()
    Y[0, 5] = (Y[0, 5] + 1) % 11                        # change a later token
    causal = generate_square_subsequent_mask(7)
    with dlbook.no_grad():
        both = np.abs(model(X) - model(Y)).max(axis=-1)[0]
        left = np.abs(model(X, src_mask=causal) - model(Y, src_mask=causal)).max(axis=-1)[0]
    assert np.all(both > 1e-8)                          # every position sees position 5
    assert np.all(left[:5] == 0) and np.all(left[5:] > 1e-8)


def test_model_count_matches_formula():
    model = MaskedLanguageModel(97, d_model=12, nhead=3, num_layers=3, dim_feedforward=20,
                                max_len=9, generator=0)
    config = TransformerConfig(vocab_size=97, max_position=9, d_model=12, n_layers=3, n_heads=3,
                               d_ff=20, embedding_norm=True, lm_head="linear")
    assert sum(p.data.size for p in model.parameters()) == parameter_count(config)["total"]
    tied = MaskedLanguageModel(97, d_model=12, nhead=3, num_layers=3, dim_feedforward=20,
                               max_len=9, tie_weights=True, generator=0)
    config = TransformerConfig(vocab_size=97, max_position=9, d_model=12, n_layers=3, n_heads=3,
                               d_ff=20, embedding_norm=True, lm_head="tied")
    # the tied output layer keeps its own bias of V entries, as BERT's does
    assert sum(p.data.size for p in tied.parameters()) == parameter_count(config)["total"] + 97


# ----------------------------------------------------------------------------- sizes
REFERENCE = {"BERT-base": 109_482_240, "BERT-large": 335_141_888, "GPT-2 small": 124_439_808,
             "GPT-2 medium": 354_823_168, "GPT-2 large": 774_030_080,
             "GPT-2 XL": 1_557_611_200}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_parameter_counts(name):
    counts = parameter_count(PRETRAINED_CONFIGS[name])
    assert counts["total"] == REFERENCE[name]
    assert sum(v for k, v in counts.items() if k != "total") == counts["total"]


def test_per_layer_count_closed_form():
    sp = pytest.importorskip("sympy")
    d = sp.Symbol("d", positive=True, integer=True)
    per_layer = 4 * (d * d + d) + (2 * d * 4 * d + 4 * d + d) + 4 * d
    assert sp.expand(per_layer - (12 * d ** 2 + 13 * d)) == 0
    for name in REFERENCE:
        c = PRETRAINED_CONFIGS[name]
        counts = parameter_count(c)
        blocks = counts["attention"] + counts["feed-forward"] + 4 * c.d_model * c.n_layers
        assert blocks == c.n_layers * int(per_layer.subs(d, c.d_model))


def test_gpt3_size_and_training_compute():
    n = parameter_count(PRETRAINED_CONFIGS["GPT-3"])["total"]
    assert abs(n / 175e9 - 1) < 0.005                   # "175B"
    # Brown et al. (2020), Table D.1: 3.14e23 FLOPs for 300B training tokens
    assert abs(training_flops(n, 300e9) / 3.14e23 - 1) < 0.005
    with pytest.raises(ValueError):
        training_flops(-1, 10)


def test_forward_flops_and_non_embedding():
    c = PRETRAINED_CONFIGS["GPT-2 small"]
    n = non_embedding_parameters(c)
    assert n == 124_439_808 - 50257 * 768 - 1024 * 768
    assert forward_flops_per_token(c, n_ctx=1) == 2 * n + 2 * 12 * 768 + 2 * 768 * 50257
    bert = PRETRAINED_CONFIGS["BERT-base"]
    assert forward_flops_per_token(bert, 128) == 2 * non_embedding_parameters(bert) \
        + 2 * 12 * 128 * 768


def test_config_validation():
    with pytest.raises(ValueError):
        TransformerConfig(vocab_size=10, max_position=4, d_model=10, n_layers=1, n_heads=3,
                          d_ff=4)
    with pytest.raises(ValueError):
        TransformerConfig(vocab_size=10, max_position=4, d_model=12, n_layers=1, n_heads=3,
                          d_ff=4, lm_head="shared")
    with pytest.raises(TypeError):
        parameter_count({"d_model": 3})


# ----------------------------------------------------------------------------- torch
def _torch_bert(torch, c):
    nn = torch.nn
    kw = dict(device="meta")
    parts = [nn.Embedding(c.vocab_size, c.d_model, **kw),
             nn.Embedding(c.max_position, c.d_model, **kw),
             nn.Embedding(c.type_vocab_size, c.d_model, **kw), nn.LayerNorm(c.d_model, **kw)]
    parts += [nn.TransformerEncoderLayer(c.d_model, c.n_heads, c.d_ff, activation="gelu", **kw)
              for _ in range(c.n_layers)]
    parts.append(nn.Linear(c.d_model, c.d_model, **kw))                 # the pooler
    return nn.ModuleList(parts)


def _torch_gpt2(torch, c):
    nn = torch.nn
    kw = dict(device="meta")

    class Block(nn.Module):                       # GPT-2's block: pre-norm, fused QKV, MLP
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(c.d_model, **kw)
            self.c_attn = nn.Linear(c.d_model, 3 * c.d_model, **kw)
            self.c_proj = nn.Linear(c.d_model, c.d_model, **kw)
            self.ln_2 = nn.LayerNorm(c.d_model, **kw)
            self.c_fc = nn.Linear(c.d_model, c.d_ff, **kw)
            self.mlp_proj = nn.Linear(c.d_ff, c.d_model, **kw)

    class GPT2(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(c.vocab_size, c.d_model, **kw)
            self.wpe = nn.Embedding(c.max_position, c.d_model, **kw)
            self.h = nn.ModuleList([Block() for _ in range(c.n_layers)])
            self.ln_f = nn.LayerNorm(c.d_model, **kw)
            self.lm_head = nn.Linear(c.d_model, c.vocab_size, bias=False, **kw)
            self.lm_head.weight = self.wte.weight           # tied: one parameter

    return GPT2()


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_counts_match_torch_built_architectures(torch, name):
    c = PRETRAINED_CONFIGS[name]
    model = _torch_bert(torch, c) if name.startswith("BERT") else _torch_gpt2(torch, c)
    n = sum(p.numel() for p in model.parameters())             # shared weights counted once
    assert n == REFERENCE[name] == parameter_count(c)["total"]


def test_small_model_matches_torch_module_count(torch):
    model = MaskedLanguageModel(97, d_model=12, nhead=3, num_layers=2, dim_feedforward=20,
                                max_len=9, generator=0)
    ours = {k: v.shape for k, v in model.state_dict().items()}
    layer = torch.nn.TransformerEncoderLayer(12, 3, 20)
    theirs = {f"layers.0.{k}": tuple(v.shape) for k, v in layer.state_dict().items()}
    for key, shape in theirs.items():
        assert tuple(ours[key]) == shape
    assert math.prod(ours["head.weight"]) == 97 * 12
