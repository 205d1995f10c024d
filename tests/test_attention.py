"""Attention and Transformer blocks: scaled dot-product attention, LayerNorm, GELU,
MultiheadAttention, positional encodings and TransformerEncoderLayer.

Finite-difference checks of every input and parameter gradient, parity with PyTorch (float64,
weights copied through state_dict) for outputs and all gradients, the 1/sqrt(d) variance
argument, fully masked rows, dropout, call stacking, and the error messages."""
import math

import numpy as np
import pytest

from dlbook._attention import (_erf, gelu, gelu_backward, layer_norm, layer_norm_backward,
                               scaled_dot_product_attention, scaled_dot_product_attention_backward)
from dlbook.autograd import no_grad
from dlbook.gradcheck import check_module
from dlbook.nn.attention import MultiheadAttention
from dlbook.nn.transformer import (GELU, LayerNorm, PositionalEmbedding,
                                   SinusoidalPositionalEncoding, TransformerEncoderLayer,
                                   generate_square_subsequent_mask)
from reference import assert_grad_close, assert_parity, central_difference, tt

E, H, L, S, N = 4, 2, 3, 4, 2


# --------------------------------------------------------------------------- utilities
def _tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _fd_check(forward, backward, inputs, params, rng):
    """Compare ``backward``'s input gradients and the accumulated parameter gradients with
    central differences of C = sum_i <output_i, R_i> (random R_i; None outputs are skipped)."""
    outputs = _tuple(forward(*inputs))
    R = [None if o is None else rng.normal(size=np.shape(o)) for o in outputs]
    for _, p in params:
        p.grad = None
    grads = _tuple(backward(*R))

    def cost(*xs):
        with no_grad():
            outs = _tuple(forward(*xs))
        return sum(float(np.sum(o * r)) for o, r in zip(outs, R) if o is not None)

    for i, (x, g) in enumerate(zip(inputs, grads)):
        numeric = central_difference(lambda a: cost(*inputs[:i], a, *inputs[i + 1:]), x)
        assert_grad_close(g, numeric)
    for name, p in params:
        def perturbed(a, p=p):
            saved = p.data.copy()
            p.data[...] = a
            try:
                return cost(*inputs)
            finally:
                p.data[...] = saved
        assert p.grad is not None, name
        assert_grad_close(p.grad, central_difference(perturbed, p.data))


def _bool_mask(rng, shape, p=0.35):
    """A random boolean mask that never blocks the first key (no fully masked rows)."""
    m = rng.random(shape) < p
    m[..., 0] = False
    return m


# =========================================================================== scaled dot-product
def _sdpa_case(name, rng):
    """(q, k, v, keyword arguments) for a named configuration."""
    q, k, v = rng.normal(size=(2, L, E)), rng.normal(size=(2, S, E)), rng.normal(size=(2, S, 3))
    if name == "plain":
        return q, k, v, {}
    if name == "bool_mask":
        return q, k, v, {"attn_mask": ~_bool_mask(rng, (L, S))}          # True = take part
    if name == "float_mask":
        m = rng.normal(size=(2, L, S))
        m[0, 1, 2] = -np.inf
        return q, k, v, {"attn_mask": m}
    if name == "causal":
        return q, k, v, {"is_causal": True}
    if name == "causal_L_gt_S":
        return rng.normal(size=(2, 5, E)), k[:, :3], v[:, :3], {"is_causal": True}
    if name == "scale":
        return q, k, v, {"scale": 0.3}
    if name == "heads":
        return (rng.normal(size=(2, 2, L, E)), rng.normal(size=(2, 2, S, E)),
                rng.normal(size=(2, 2, S, 3)), {"attn_mask": ~_bool_mask(rng, (2, 1, L, S))})
    if name == "gqa":
        return (rng.normal(size=(1, 4, L, E)), rng.normal(size=(1, 2, S, E)),
                rng.normal(size=(1, 2, S, 3)), {"enable_gqa": True, "is_causal": True})
    raise KeyError(name)


SDPA_CASES = ["plain", "bool_mask", "float_mask", "causal", "causal_L_gt_S", "scale", "heads",
              "gqa"]


@pytest.mark.parametrize("case", SDPA_CASES)
def test_sdpa_gradients_against_finite_differences(rng, case):
    q, k, v, kw = _sdpa_case(case, rng)
    _fd_check(lambda *a: scaled_dot_product_attention(*a, **kw),
              lambda g: scaled_dot_product_attention_backward(g, q, k, v, **kw),
              [q, k, v], [], rng)


@pytest.mark.parametrize("case", SDPA_CASES)
def test_sdpa_parity_with_torch(torch, rng, case):
    q, k, v, kw = _sdpa_case(case, rng)
    out = scaled_dot_product_attention(q, k, v, **kw)
    g = rng.normal(size=out.shape)
    dq, dk, dv = scaled_dot_product_attention_backward(g, q, k, v, **kw)
    tq, tk, tv = tt(q, True), tt(k, True), tt(v, True)
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv,
                                                           **_torch_kwargs(torch, kw))
    ref.backward(tt(g))
    assert_parity(out, ref)
    for mine, t in ((dq, tq), (dk, tk), (dv, tv)):
        assert_parity(mine, t.grad)


def test_sdpa_broadcasts_leading_dimensions_and_sums_gradients_back(rng):
    q = rng.normal(size=(3, 2, L, E))
    k, v = rng.normal(size=(1, 2, S, E)), rng.normal(size=(2, S, 3))   # shared across the batch
    _fd_check(scaled_dot_product_attention,
              lambda g: scaled_dot_product_attention_backward(g, q, k, v), [q, k, v], [], rng)


def test_sdpa_default_scale_is_inverse_sqrt_E(rng):
    q, k, v = rng.normal(size=(L, 9)), rng.normal(size=(S, 9)), rng.normal(size=(S, 2))
    np.testing.assert_allclose(scaled_dot_product_attention(q, k, v),
                               scaled_dot_product_attention(q, k, v, scale=1 / 3), rtol=1e-15)


def test_sdpa_matches_the_formula_written_out(rng):
    q, k, v = rng.normal(size=(L, E)), rng.normal(size=(S, E)), rng.normal(size=(S, 2))
    scores = q @ k.T / math.sqrt(E)
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(scaled_dot_product_attention(q, k, v), p @ v, rtol=1e-13)


def test_boolean_and_float_masks_agree(rng):
    q, k, v = rng.normal(size=(L, E)), rng.normal(size=(S, E)), rng.normal(size=(S, 2))
    keep = ~_bool_mask(rng, (L, S))
    additive = np.where(keep, 0.0, -np.inf)
    np.testing.assert_allclose(scaled_dot_product_attention(q, k, v, attn_mask=keep),
                               scaled_dot_product_attention(q, k, v, attn_mask=additive),
                               rtol=1e-15)


def test_causal_output_does_not_depend_on_later_positions(rng):
    q, k, v = rng.normal(size=(5, E)), rng.normal(size=(5, E)), rng.normal(size=(5, 2))
    out = scaled_dot_product_attention(q, k, v, is_causal=True)
    k2, v2 = k.copy(), v.copy()
    k2[3:], v2[3:] = 100.0, -100.0                     # change the future only
    out2 = scaled_dot_product_attention(q, k2, v2, is_causal=True)
    np.testing.assert_allclose(out[:3], out2[:3], rtol=1e-14)


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_fully_masked_row_gives_zeros_like_torch(torch, rng, kind):
    q, k, v = rng.normal(size=(L, E)), rng.normal(size=(S, E)), rng.normal(size=(S, 2))
    keep = np.ones((L, S), dtype=bool)
    keep[1] = False                                    # query 1 may attend to nothing
    mask = keep if kind == "bool" else np.where(keep, 0.0, -np.inf)
    out = scaled_dot_product_attention(q, k, v, attn_mask=mask)
    g = rng.normal(size=out.shape)
    dq, dk, dv = scaled_dot_product_attention_backward(g, q, k, v, attn_mask=mask)
    assert np.all(out[1] == 0.0) and np.all(dq[1] == 0.0) and np.isfinite(out).all()
    tq, tk, tv = tt(q, True), tt(k, True), tt(v, True)
    ref = torch.nn.functional.scaled_dot_product_attention(
        tq, tk, tv, **_torch_kwargs(torch, {"attn_mask": mask}))
    ref.backward(tt(g))
    assert_parity(out, ref)
    for mine, t in ((dq, tq), (dk, tk), (dv, tv)):
        assert_parity(mine, t.grad)


def test_sdpa_dropout_is_seeded_and_its_gradient_is_right(rng):
    q, k, v = rng.normal(size=(2, L, E)), rng.normal(size=(2, S, E)), rng.normal(size=(2, S, 3))
    a = scaled_dot_product_attention(q, k, v, dropout_p=0.4, generator=7)
    b = scaled_dot_product_attention(q, k, v, dropout_p=0.4, generator=7)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, scaled_dot_product_attention(q, k, v))
    assert np.all(scaled_dot_product_attention(q, k, v, dropout_p=1.0) == 0.0)
    kw = {"dropout_p": 0.4, "generator": 7}           # an int seed: the same mask every call
    _fd_check(lambda *x: scaled_dot_product_attention(*x, **kw),
              lambda g: scaled_dot_product_attention_backward(g, q, k, v, **kw),
              [q, k, v], [], rng)


def test_scaling_by_sqrt_d_gives_unit_variance_scores():
    """q, k with independent N(0, 1) entries: q.k has variance d, q.k / sqrt(d) variance 1."""
    rng = np.random.default_rng(2017)
    n = 20000
    for d in (4, 16, 64, 256):
        q, k = rng.standard_normal((n, d)), rng.standard_normal((n, d))
        raw = np.sum(q * k, axis=1)
        assert abs(raw.var() / d - 1.0) < 0.05, d
        assert abs((raw / math.sqrt(d)).var() - 1.0) < 0.05, d
    # the consequence for the softmax: unscaled scores of size sqrt(d) saturate it
    d = 256
    q, k = rng.standard_normal((200, d)), rng.standard_normal((16, d))
    weights_of = dict(scaled=None, unscaled=1.0)       # value = identity returns the weights
    top = {name: scaled_dot_product_attention(q, k, np.eye(16), scale=s).max(axis=1).mean()
           for name, s in weights_of.items()}
    assert top["unscaled"] > 0.9 and top["scaled"] < 0.6


def test_grouped_query_attention_equals_repeated_heads(rng):
    q, k, v = rng.normal(size=(6, L, E)), rng.normal(size=(2, S, E)), rng.normal(size=(2, S, 3))
    np.testing.assert_allclose(
        scaled_dot_product_attention(q, k, v, enable_gqa=True),
        scaled_dot_product_attention(q, np.repeat(k, 3, axis=0), np.repeat(v, 3, axis=0)),
        rtol=1e-15)


@pytest.mark.parametrize("shapes, kw, match", [
    (((L, E), (S, E + 1), (S, 2)), {}, "key must have the query's size E = 4"),
    (((L, E), (S, E), (S + 1, 2)), {}, "value must have as many positions S = 4"),
    (((E,), (S, E), (S, 2)), {}, r"query must have shape \(\.\.\., L, E\)"),
    (((2, L, E), (3, S, E), (3, S, 2)), {}, "do not broadcast"),
    (((L, E), (S, E), (S, 2)), {"attn_mask": np.ones((S, L), bool)},
     r"attn_mask must broadcast to the scores' shape \(\.\.\., L, S\) = \(3, 4\), got shape"),
    (((L, E), (S, E), (S, 2)), {"attn_mask": np.ones((L, S), bool), "is_causal": True},
     "either attn_mask or is_causal"),
    (((3, L, E), (2, S, E), (2, S, 2)), {"enable_gqa": True}, "dividing the query's"),
    (((L, E), (S, E), (S, 2)), {"enable_gqa": True}, "needs a head dimension"),
    (((L, E), (S, E), (S, 2)), {"dropout_p": 1.5},
     r"dropout_p must be a real number in \[0, 1\]"),
])
def test_sdpa_errors(rng, shapes, kw, match):
    q, k, v = (rng.normal(size=s) for s in shapes)
    with pytest.raises(ValueError, match=match):
        scaled_dot_product_attention(q, k, v, **kw)


def test_sdpa_rejects_non_numeric_input():
    with pytest.raises(TypeError, match="query must be a numeric ndarray, got str"):
        scaled_dot_product_attention("abc", np.ones((2, 2)), np.ones((2, 2)))


# =========================================================================== LayerNorm, GELU
LN_SHAPES = [4, (4,), (3, 4)]


@pytest.mark.parametrize("normalized_shape", LN_SHAPES, ids=str)
@pytest.mark.parametrize("affine, bias", [(True, True), (True, False), (False, False)])
def test_layer_norm_module_gradients(rng, normalized_shape, affine, bias):
    ln = LayerNorm(normalized_shape, elementwise_affine=affine, bias=bias)
    for p in ln.parameters():                            # non-trivial gamma and beta
        p.data[...] = rng.normal(size=p.shape)
    x = rng.normal(size=(2, 3, 4)) * 3 + 1
    errors = check_module(ln, x, generator=rng)
    assert set(errors) == {"input"} | {n for n, _ in ln.named_parameters()}


@pytest.mark.parametrize("normalized_shape", LN_SHAPES, ids=str)
@pytest.mark.parametrize("affine, bias", [(True, True), (True, False), (False, False)])
def test_layer_norm_parity_with_torch(torch, rng, normalized_shape, affine, bias):
    ln = LayerNorm(normalized_shape, eps=1e-4, elementwise_affine=affine, bias=bias)
    ref = torch.nn.LayerNorm(normalized_shape, eps=1e-4, elementwise_affine=affine, bias=bias,
                             dtype=torch.float64)
    for p in ln.parameters():
        p.data[...] = rng.normal(size=p.shape)
    ref.load_state_dict({k: tt(v) for k, v in ln.state_dict().items()})
    x = rng.normal(size=(2, 3, 4)) * 2 - 1
    g = rng.normal(size=x.shape)
    y = ln(x)
    dx = ln.backward(g)
    xt = tt(x, True)
    yt = ref(xt)
    yt.backward(tt(g))
    assert_parity(y, yt)
    assert_parity(dx, xt.grad)
    for name, p in ln.named_parameters():
        assert_parity(p.grad, dict(ref.named_parameters())[name].grad)


def test_layer_norm_functional_matches_torch(torch, rng):
    x, w, b = rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    g = rng.normal(size=x.shape)
    xt, wt, bt = tt(x, True), tt(w, True), tt(b, True)
    ref = torch.nn.functional.layer_norm(xt, (2, 3), wt, bt)
    ref.backward(tt(g))
    assert_parity(layer_norm(x, (2, 3), w, b), ref)
    for mine, t in zip(layer_norm_backward(g, x, (2, 3), w, b), (xt, wt, bt)):
        assert_parity(mine, t.grad)


def test_layer_norm_normalises_each_sample_and_defaults_match_torch(torch, rng):
    x = rng.normal(size=(6, 5)) * 4 + 3
    y = LayerNorm(5)(x)
    np.testing.assert_allclose(y.mean(axis=1), 0.0, atol=1e-14)
    np.testing.assert_allclose(y.var(axis=1), 1.0 - 1e-5 / (x.var(axis=1) + 1e-5), rtol=1e-12)
    assert list(LayerNorm(5).state_dict()) == list(torch.nn.LayerNorm(5).state_dict())
    assert LayerNorm((2, 5), bias=False).weight.shape == (2, 5)


@pytest.mark.parametrize("bad, error, match", [
    (0, ValueError, "normalized_shape must hold positive sizes"),
    ((), TypeError, "non-empty tuple"),
    ("4", TypeError, "normalized_shape must be an int or a non-empty tuple"),
])
def test_layer_norm_bad_normalized_shape(bad, error, match):
    with pytest.raises(error, match=match):
        LayerNorm(bad)


def test_layer_norm_wrong_input_shape_names_expected_and_received(rng):
    with pytest.raises(ValueError, match=r"ending in normalized_shape \(3, 4\), got shape "
                                         r"\(2, 4, 3\)"):
        LayerNorm((3, 4))(rng.normal(size=(2, 4, 3)))


def test_erf_matches_math_erf():
    x = np.concatenate([np.linspace(-8, 8, 1601), [0.0, 1e-300, -1e-8, 5.999, 6.0, 40.0]])
    expected = np.array([math.erf(t) for t in x])
    np.testing.assert_allclose(_erf(x), expected, rtol=2e-15, atol=2e-16)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_parity_and_gradient(torch, rng, approximate):
    x = np.concatenate([rng.normal(size=40) * 3, [0.0, -9.0, 9.0]])
    g = rng.normal(size=x.shape)
    xt = tt(x, True)
    ref = torch.nn.functional.gelu(xt, approximate=approximate)
    ref.backward(tt(g))
    assert_parity(gelu(x, approximate), ref)
    assert_parity(gelu_backward(g, x, approximate), xt.grad)
    check_module(GELU(approximate), rng.normal(size=(3, 4)), generator=rng)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate must be one of 'none' or 'tanh', got 'erf'"):
        GELU("erf")


# =========================================================================== MultiheadAttention
def _mha_inputs(rng, batch_first=False, kdim=E, vdim=E, batched=True):
    """query, key, value in the layout MultiheadAttention expects."""
    if not batched:
        shapes = [(L, E), (S, kdim), (S, vdim)]
    elif batch_first:
        shapes = [(N, L, E), (N, S, kdim), (N, S, vdim)]
    else:
        shapes = [(L, N, E), (S, N, kdim), (S, N, vdim)]
    return [rng.normal(size=s) for s in shapes]


MASKS = ["none", "attn_bool", "attn_float", "attn_3d", "kpm_bool", "kpm_float", "both"]


def _mha_masks(rng, kind):
    """Masks in PyTorch's MultiheadAttention convention (bool True = ignore)."""
    if kind == "none":
        return {}
    if kind == "attn_bool":
        return {"attn_mask": _bool_mask(rng, (L, S))}
    if kind == "attn_float":
        m = rng.normal(size=(L, S))
        m[2, 1] = -np.inf
        return {"attn_mask": m}
    if kind == "attn_3d":
        return {"attn_mask": _bool_mask(rng, (N * H, L, S))}
    if kind == "kpm_bool":
        return {"key_padding_mask": _bool_mask(rng, (N, S), 0.5)}
    if kind == "kpm_float":
        return {"key_padding_mask": rng.normal(size=(N, S))}
    if kind == "both":
        return {"attn_mask": _bool_mask(rng, (L, S)),
                "key_padding_mask": _bool_mask(rng, (N, S), 0.5)}
    raise KeyError(kind)


def _randomise(module, rng):
    """Non-zero values for every parameter (PyTorch's initialisation zeroes the biases)."""
    for p in module.parameters():
        p.data[...] = rng.normal(size=p.shape) * 0.5


def _torch_copy(torch, module, ref):
    ref.load_state_dict({k: tt(v) for k, v in module.state_dict().items()})   # strict: same keys
    return ref


def _torch_kwargs(torch, kwargs):
    """Keyword arguments for the torch call: masks as tensors, flags unchanged."""
    def convert(v):
        if not isinstance(v, np.ndarray):
            return v
        return torch.tensor(v) if v.dtype == bool else tt(v)
    return {k: convert(v) for k, v in kwargs.items()}


def _mha_parity(torch, rng, m, ref, inputs, **kwargs):
    """Forward and backward through both (random upstream gradients for output and weights)."""
    out, w = m(*inputs, **kwargs)
    g = rng.normal(size=out.shape)
    gw = None if w is None else rng.normal(size=w.shape)
    m.zero_grad()
    grads = m.backward(g, gw)
    tin = [tt(x, True) for x in inputs]
    ref.zero_grad()
    tout, tw = ref(*tin, **_torch_kwargs(torch, kwargs))
    loss = (tout * tt(g)).sum()
    if w is not None:
        loss = loss + (tw * tt(gw)).sum()
    loss.backward()
    assert_parity(out, tout)
    assert (w is None) == (tw is None)
    if w is not None:
        assert_parity(w, tw)
    for mine, t in zip(grads, tin):
        assert_parity(mine, t.grad)
    tparams = dict(ref.named_parameters())
    assert set(tparams) == {n for n, _ in m.named_parameters()}
    for name, p in m.named_parameters():
        assert_parity(p.grad, tparams[name].grad)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("masks", MASKS)
def test_mha_parity_with_torch(torch, rng, masks, need_weights, average, batch_first):
    m = MultiheadAttention(E, H, batch_first=batch_first, generator=rng)
    _randomise(m, rng)
    ref = _torch_copy(torch, m, torch.nn.MultiheadAttention(E, H, batch_first=batch_first,
                                                            dtype=torch.float64))
    _mha_parity(torch, rng, m, ref, _mha_inputs(rng, batch_first), need_weights=need_weights,
                average_attn_weights=average, **_mha_masks(rng, masks))


MHA_OPTIONS = {
    "kdim_vdim": dict(kdim=3, vdim=5),
    "add_bias_kv": dict(add_bias_kv=True),
    "add_zero_attn": dict(add_zero_attn=True),
    "all_extras": dict(add_bias_kv=True, add_zero_attn=True, kdim=2, vdim=3),
    "no_bias": dict(bias=False),
    "one_head": dict(num_heads=1),
    "four_heads": dict(num_heads=4),
}


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("option", list(MHA_OPTIONS))
def test_mha_options_parity_with_torch(torch, rng, option, need_weights):
    kw = dict(MHA_OPTIONS[option])
    heads = kw.pop("num_heads", H)
    m = MultiheadAttention(E, heads, generator=rng, **kw)
    _randomise(m, rng)
    ref = _torch_copy(torch, m, torch.nn.MultiheadAttention(E, heads, dtype=torch.float64, **kw))
    inputs = _mha_inputs(rng, kdim=kw.get("kdim", E), vdim=kw.get("vdim", E))
    _mha_parity(torch, rng, m, ref, inputs, need_weights=need_weights,
                average_attn_weights=False, attn_mask=_bool_mask(rng, (L, S)),
                key_padding_mask=_bool_mask(rng, (N, S), 0.5))


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("with_kpm", [False, True])
def test_mha_is_causal_with_attn_mask_parity(torch, rng, need_weights, with_kpm):
    """is_causal is PyTorch's hint: with a causal attn_mask every code path agrees."""
    m = MultiheadAttention(E, H, generator=rng)
    _randomise(m, rng)
    ref = _torch_copy(torch, m, torch.nn.MultiheadAttention(E, H, dtype=torch.float64))
    q = rng.normal(size=(L, N, E))
    masks = {"attn_mask": generate_square_subsequent_mask(L)}
    if with_kpm:
        # float like attn_mask: PyTorch deprecates mixing a bool and a float mask
        masks["key_padding_mask"] = np.where(_bool_mask(rng, (N, L), 0.3), -np.inf, 0.0)
    _mha_parity(torch, rng, m, ref, [q, q.copy(), q.copy()], need_weights=need_weights,
                is_causal=True, **masks)


@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
def test_mha_unbatched_parity_with_torch(torch, rng, need_weights, average):
    m = MultiheadAttention(E, H, generator=rng)
    _randomise(m, rng)
    ref = _torch_copy(torch, m, torch.nn.MultiheadAttention(E, H, dtype=torch.float64))
    inputs = _mha_inputs(rng, batched=False)
    assert inputs[0].shape == (L, E)
    _mha_parity(torch, rng, m, ref, inputs, need_weights=need_weights,
                average_attn_weights=average, attn_mask=_bool_mask(rng, (H, L, S)),
                key_padding_mask=_bool_mask(rng, (S,), 0.5))


@pytest.mark.parametrize("config", [
    dict(masks="none", need_weights=True, average=True, batch_first=False),
    dict(masks="both", need_weights=True, average=False, batch_first=True),
    dict(masks="attn_float", need_weights=False, average=True, batch_first=False),
    dict(masks="attn_3d", need_weights=True, average=True, batch_first=True),
    dict(masks="kpm_float", need_weights=False, average=True, batch_first=True),
], ids=lambda c: "-".join(f"{v}" for v in c.values()))
def test_mha_gradients_against_finite_differences(rng, config):
    """All three inputs and every parameter, with the attention weights also in the cost."""
    m = MultiheadAttention(E, H, batch_first=config["batch_first"], generator=rng)
    _randomise(m, rng)
    kw = dict(need_weights=config["need_weights"], average_attn_weights=config["average"],
              **_mha_masks(rng, config["masks"]))
    _fd_check(lambda *x: m(*x, **kw), m.backward, _mha_inputs(rng, config["batch_first"]),
              list(m.named_parameters()), rng)


@pytest.mark.parametrize("option", ["kdim_vdim", "all_extras"])
def test_mha_option_gradients_against_finite_differences(rng, option):
    kw = MHA_OPTIONS[option]
    m = MultiheadAttention(E, H, generator=rng, **kw)
    _randomise(m, rng)
    fwd = dict(attn_mask=_bool_mask(rng, (L, S)), key_padding_mask=_bool_mask(rng, (N, S)))
    _fd_check(lambda *x: m(*x, **fwd), m.backward,
              _mha_inputs(rng, kdim=kw.get("kdim", E), vdim=kw.get("vdim", E)),
              list(m.named_parameters()), rng)


def test_mha_self_attention_gradient_is_the_sum_of_the_three(rng):
    m = MultiheadAttention(E, H, generator=rng)
    _randomise(m, rng)
    x = rng.normal(size=(L, N, E))
    _fd_check(lambda a: m(a, a, a, need_weights=False)[0],
              lambda g: sum(m.backward(g)), [x], list(m.named_parameters()), rng)


def test_mha_dropout_gradient_with_a_fixed_mask(rng):
    m = MultiheadAttention(E, H, dropout=0.3, generator=rng)
    _randomise(m, rng)

    def forward(*x):
        m.generator = np.random.default_rng(11)          # the same dropout mask on every call
        return m(*x)

    _fd_check(forward, m.backward, _mha_inputs(rng), list(m.named_parameters()), rng)
    out_train = forward(*_mha_inputs(np.random.default_rng(0)))[1]
    m.eval()
    out_eval = forward(*_mha_inputs(np.random.default_rng(0)))[1]
    assert np.any(out_train == 0.0) and np.all(out_eval > 0.0)
    np.testing.assert_allclose(out_eval.sum(axis=-1), 1.0, rtol=1e-14)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_fully_masked_query_gives_zero_attention(torch, rng, need_weights):
    """dlbook returns zeros in both modes; PyTorch agrees with need_weights=False (its
    need_weights=True path returns NaN)."""
    m = MultiheadAttention(E, H, generator=rng)
    _randomise(m, rng)
    q, k, v = _mha_inputs(rng)
    kpm = np.zeros((N, S), dtype=bool)
    kpm[1] = True                                          # sample 1: every key is padding
    out, w = m(q, k, v, key_padding_mask=kpm, need_weights=need_weights)
    dq, dk, dv = m.backward(rng.normal(size=out.shape))
    assert np.isfinite(out).all() and np.isfinite(dq).all()
    np.testing.assert_allclose(out[:, 1], np.broadcast_to(m.out_proj.bias.data, (L, E)),
                               rtol=1e-15)
    assert np.all(dq[:, 1] == 0.0) and np.all(dk[:, 1] == 0.0) and np.all(dv[:, 1] == 0.0)
    if need_weights:
        assert np.all(w[1] == 0.0)
    ref = _torch_copy(torch, m, torch.nn.MultiheadAttention(E, H, dtype=torch.float64))
    tout, _ = ref(tt(q), tt(k), tt(v), key_padding_mask=torch.tensor(kpm), need_weights=False)
    assert_parity(out, tout)


def test_mha_called_twice_takes_two_backward_calls_and_accumulates(rng):
    m = MultiheadAttention(E, H, generator=rng)
    _randomise(m, rng)
    x1, x2 = _mha_inputs(rng), _mha_inputs(rng)
    g1, g2 = rng.normal(size=(L, N, E)), rng.normal(size=(L, N, E))
    m(*x1)
    m.zero_grad()
    d1 = m.backward(g1)
    alone = {n: p.grad.copy() for n, p in m.named_parameters()}
    m(*x2)
    m.zero_grad()
    m.backward(g2)
    for n, p in m.named_parameters():
        alone[n] += p.grad
    m.zero_grad()
    m(*x1)
    m(*x2)
    m.backward(g2)
    d1_again = m.backward(g1)                             # pops the first call's context
    for a, b in zip(d1, d1_again):
        np.testing.assert_allclose(a, b, rtol=1e-14)
    for n, p in m.named_parameters():
        np.testing.assert_allclose(p.grad, alone[n], rtol=1e-13)


def test_mha_default_initialisation_and_layout(torch):
    m = MultiheadAttention(8, 2, generator=0)
    ref = torch.nn.MultiheadAttention(8, 2)
    assert list(m.state_dict()) == list(ref.state_dict())
    assert m.in_proj_weight.shape == (24, 8) and m.out_proj.weight.shape == (8, 8)
    bound = math.sqrt(6.0 / (8 + 24))                       # xavier_uniform_ on (3E, E)
    assert np.abs(m.in_proj_weight.data).max() <= bound
    assert np.abs(m.in_proj_weight.data).max() > 0.8 * bound
    assert np.all(m.in_proj_bias.data == 0.0) and np.all(m.out_proj.bias.data == 0.0)
    assert m.q_proj_weight is None and m.bias_k is None
    other = MultiheadAttention(8, 2, add_bias_kv=True, kdim=3, vdim=5, bias=False)
    ref = torch.nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=3, vdim=5, bias=False)
    assert list(other.state_dict()) == list(ref.state_dict())
    assert other.in_proj_weight is None and other.k_proj_weight.shape == (8, 3)


@pytest.mark.parametrize("call, match", [
    (lambda m, x: m(x[0], x[1], x[2], attn_mask=np.zeros((S, L), bool)),
     r"attn_mask must have shape \(L, S\) = \(3, 4\) or \(N\*num_heads, L, S\) = \(4, 3, 4\), "
     r"got shape \(4, 3\)"),
    (lambda m, x: m(x[0], x[1], x[2], key_padding_mask=np.zeros((S, N), bool)),
     r"key_padding_mask must have shape \(N, S\) = \(2, 4\), got shape \(4, 2\)"),
    (lambda m, x: m(x[0], x[1], x[2], is_causal=True), "is_causal=True .* needs attn_mask"),
    (lambda m, x: m(x[0][..., :3], x[1], x[2]), "query must have 4 features"),
    (lambda m, x: m(x[0], x[1][:, :1], x[2]), "same batch size"),
    (lambda m, x: m(x[0][0], x[1], x[2]), "key must have 2 dimensions like query"),
    (lambda m, x: m(x[0][None], x[1], x[2]), r"query of shape \(L, N, E\) or \(L, E\)"),
])
def test_mha_input_errors(rng, call, match):
    m = MultiheadAttention(E, H)
    with pytest.raises(ValueError, match=match):
        call(m, _mha_inputs(rng))


def test_mha_backward_errors(rng):
    m = MultiheadAttention(E, H)
    m(*_mha_inputs(rng), need_weights=False)
    with pytest.raises(ValueError, match="need_weights=False"):
        m.backward(np.zeros((L, N, E)), np.zeros((N, L, S)))
    with pytest.raises(ValueError, match=r"grad_output has shape \(3, 4\) but the output of the "
                                         r"forward pass has shape \(3, 2, 4\)"):
        m.backward(np.zeros((L, E)))
    m.backward(np.zeros((L, N, E)))                      # the context survived the errors
    with pytest.raises(RuntimeError, match="called more often than its forward"):
        m.backward(np.zeros((L, N, E)))


@pytest.mark.parametrize("args, error, match", [
    ((5, 2), ValueError, "embed_dim must be divisible by num_heads, got embed_dim=5 and "
                         "num_heads=2"),
    ((4, 0), ValueError, "num_heads must be a positive int"),
    ((4, 2.0), TypeError, "num_heads must be a positive int"),
])
def test_mha_constructor_errors(args, error, match):
    with pytest.raises(error, match=match):
        MultiheadAttention(*args)


def test_mha_dropout_must_be_a_probability():
    with pytest.raises(ValueError, match=r"dropout must be a real number in \[0, 1\]"):
        MultiheadAttention(4, 2, dropout=1.5)


# =========================================================================== positional encodings
@pytest.mark.parametrize("d", [6, 5])
def test_sinusoidal_table_by_hand(d):
    """PE[t, 2i] = sin(t / 10000^(2i/d)), PE[t, 2i+1] = cos(same); odd d ends with a sine."""
    T = 7
    pe = SinusoidalPositionalEncoding(d, max_len=T).pe
    assert pe.shape == (T, d)
    for t in range(T):
        for j in range(d):
            angle = t / 10000 ** (2 * (j // 2) / d)
            expected = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert pe[t, j] == pytest.approx(expected, abs=1e-15)


def test_sinusoidal_offset_is_a_rotation():
    """PE[t + k] is PE[t] rotated, pair by pair, by the angle k * omega_i (for every t)."""
    d, k = 8, 5
    pe = SinusoidalPositionalEncoding(d, max_len=50).pe
    omega = 1.0 / 10000 ** (np.arange(0, d, 2) / d)
    s, c = pe[:-k, 0::2], pe[:-k, 1::2]
    np.testing.assert_allclose(pe[k:, 0::2], np.cos(k * omega) * s + np.sin(k * omega) * c,
                               atol=1e-12)
    np.testing.assert_allclose(pe[k:, 1::2], -np.sin(k * omega) * s + np.cos(k * omega) * c,
                               atol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
def test_sinusoidal_encoding_adds_the_table(rng, batch_first):
    enc = SinusoidalPositionalEncoding(4, max_len=10, batch_first=batch_first)
    x = rng.normal(size=(2, 5, 4) if batch_first else (5, 2, 4))
    y = enc(x)
    seq = y - x if batch_first else np.swapaxes(y - x, 0, 1)
    np.testing.assert_allclose(seq, np.broadcast_to(enc.pe[:5], (2, 5, 4)), atol=1e-15)
    np.testing.assert_array_equal(enc.backward(np.ones_like(x)), np.ones_like(x))
    np.testing.assert_allclose(enc(x[:, 0] if not batch_first else x[0]) -
                               (x[:, 0] if not batch_first else x[0]), enc.pe[:5], atol=1e-15)
    assert "pe" not in enc.state_dict() and enc.state_dict() == {}
    assert any(b is enc.pe for b in enc.buffers())


def test_sinusoidal_encoding_dropout(rng):
    enc = SinusoidalPositionalEncoding(4, max_len=10, dropout=0.5, generator=3)
    x = rng.normal(size=(6, 3, 4))
    y = enc(x)
    assert np.any(y == 0.0)
    g = enc.backward(np.ones_like(x))
    np.testing.assert_array_equal(g == 0.0, y == 0.0)
    enc.eval()
    np.testing.assert_allclose(enc(x), x + enc.pe[:6, None], atol=1e-15)


@pytest.mark.parametrize("batch_first", [False, True])
def test_learned_positional_embedding_gradients(rng, batch_first):
    emb = PositionalEmbedding(7, 4, batch_first=batch_first, generator=rng)
    x = rng.normal(size=(2, 5, 4) if batch_first else (5, 2, 4))
    errors = check_module(emb, x, generator=rng)
    assert set(errors) == {"input", "weight"}
    assert np.all(emb.weight.grad[5:] == 0.0)


def test_positional_errors(rng):
    with pytest.raises(ValueError, match="sequence length 12 exceeds max_len 10"):
        SinusoidalPositionalEncoding(4, max_len=10)(rng.normal(size=(12, 1, 4)))
    with pytest.raises(ValueError, match=r"input of shape \(T, N, d_model\) or \(T, d_model\) "
                                         r"with d_model = 4, got shape \(3, 2, 5\)"):
        PositionalEmbedding(10, 4)(rng.normal(size=(3, 2, 5)))
    with pytest.raises(ValueError, match="d_model must be a positive int"):
        SinusoidalPositionalEncoding(0)


# =========================================================================== encoder layer
D_MODEL, NHEAD, D_FF = 4, 2, 6


def _encoder_pair(torch, rng, **kw):
    layer = TransformerEncoderLayer(D_MODEL, NHEAD, D_FF, generator=rng, **kw)
    _randomise(layer, rng)
    ref = torch.nn.TransformerEncoderLayer(D_MODEL, NHEAD, D_FF, dtype=torch.float64, **kw)
    return layer, _torch_copy(torch, layer, ref)


ENC_MASKS = ["none", "causal", "bool_src_mask", "key_padding"]


def _encoder_masks(rng, kind, S_len, batch):
    if kind == "none":
        return {}
    if kind == "causal":
        return {"src_mask": generate_square_subsequent_mask(S_len), "is_causal": True}
    if kind == "bool_src_mask":
        return {"src_mask": _bool_mask(rng, (S_len, S_len))}
    return {"src_key_padding_mask": _bool_mask(rng, (batch, S_len), 0.5)}


@pytest.mark.parametrize("masks", ENC_MASKS)
@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_parity_with_torch(torch, rng, norm_first, activation, batch_first, mode,
                                         masks):
    """Train mode with dropout 0, and eval mode; the torch input requires grad, which keeps
    PyTorch on its standard (not fused fast-path) computation."""
    layer, ref = _encoder_pair(torch, rng, dropout=0.0, activation=activation,
                               batch_first=batch_first, norm_first=norm_first)
    getattr(layer, mode)()
    getattr(ref, mode)()
    S_len, batch = 5, 3
    x = rng.normal(size=(batch, S_len, D_MODEL) if batch_first else (S_len, batch, D_MODEL))
    kw = _encoder_masks(rng, masks, S_len, batch)
    g = rng.normal(size=x.shape)
    y = layer(x, **kw)
    layer.zero_grad()
    dx = layer.backward(g)
    xt = tt(x, True)
    yt = ref(xt, **_torch_kwargs(torch, kw))
    yt.backward(tt(g))
    assert_parity(y, yt)
    assert_parity(dx, xt.grad)
    tparams = dict(ref.named_parameters())
    for name, p in layer.named_parameters():
        assert_parity(p.grad, tparams[name].grad)


def test_encoder_layer_with_default_dropout_matches_torch_in_eval_mode(torch, rng):
    layer, ref = _encoder_pair(torch, rng)                 # dropout=0.1 (inactive in eval)
    layer.eval()
    ref.eval()
    x = rng.normal(size=(4, 2, D_MODEL))
    xt = tt(x, True)
    assert_parity(layer(x), ref(xt))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_state_dict_keys_equal_torch(torch, norm_first, bias):
    layer = TransformerEncoderLayer(8, 2, 16, norm_first=norm_first, bias=bias)
    ref = torch.nn.TransformerEncoderLayer(8, 2, 16, norm_first=norm_first, bias=bias)
    assert list(layer.state_dict()) == list(ref.state_dict())
    for (k, a), (k2, b) in zip(layer.state_dict().items(), ref.state_dict().items()):
        assert a.shape == tuple(b.shape), k
    back = TransformerEncoderLayer(8, 2, 16, norm_first=norm_first, bias=bias)
    back.load_state_dict({k: v.numpy().astype(np.float64) for k, v in ref.state_dict().items()})


@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_gradients_against_finite_differences(rng, norm_first, activation):
    layer = TransformerEncoderLayer(D_MODEL, NHEAD, D_FF, dropout=0.0, activation=activation,
                                    norm_first=norm_first, generator=rng)
    _randomise(layer, rng)
    errors = check_module(layer, rng.normal(size=(3, 2, D_MODEL)), generator=rng)
    assert len(errors) == 1 + len(layer.parameters())


def test_encoder_layer_gradients_with_masks_and_a_module_activation(rng):
    layer = TransformerEncoderLayer(D_MODEL, NHEAD, D_FF, dropout=0.0, batch_first=True,
                                    activation=GELU("tanh"), generator=rng)
    _randomise(layer, rng)
    kw = {"src_mask": _bool_mask(rng, (3, 3)), "src_key_padding_mask": _bool_mask(rng, (2, 3))}
    _fd_check(lambda x: layer(x, **kw), layer.backward, [rng.normal(size=(2, 3, D_MODEL))],
              list(layer.named_parameters()), rng)


def test_encoder_layer_dropout_in_training_only(rng):
    layer = TransformerEncoderLayer(D_MODEL, NHEAD, D_FF, dropout=0.5, generator=5)
    x = rng.normal(size=(4, 2, D_MODEL))
    assert not np.allclose(layer(x), layer(x))
    layer.clear_saved()
    layer.eval()
    np.testing.assert_array_equal(layer(x), layer(x))


def test_encoder_layer_unbatched_matches_batched(rng):
    layer = TransformerEncoderLayer(D_MODEL, NHEAD, D_FF, dropout=0.0, generator=rng)
    x = rng.normal(size=(5, D_MODEL))
    g = rng.normal(size=x.shape)          # (not all ones: LayerNorm's output is blind to that)
    y = layer(x)
    dx = layer.backward(g)
    yb = layer(x[:, None])
    dxb = layer.backward(g[:, None])
    np.testing.assert_allclose(y, yb[:, 0], rtol=1e-13)
    np.testing.assert_allclose(dx, dxb[:, 0], rtol=1e-12)


@pytest.mark.parametrize("kw, match", [
    (dict(d_model=5, nhead=2), "embed_dim must be divisible by num_heads"),
    (dict(d_model=4, nhead=2, activation="tanh"), "activation should be 'relu', 'gelu'"),
    (dict(d_model=4, nhead=2, dropout=-0.1), r"dropout must be a real number in \[0, 1\]"),
])
def test_encoder_layer_constructor_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        TransformerEncoderLayer(**kw)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_input_errors_leave_no_saved_call(rng, norm_first):
    layer = TransformerEncoderLayer(D_MODEL, NHEAD, D_FF, norm_first=norm_first)
    x = rng.normal(size=(5, 2, D_MODEL))
    with pytest.raises(ValueError, match=r"attn_mask must have shape \(L, S\) = \(5, 5\)"):
        layer(x, src_mask=np.zeros((4, 4), bool))
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(N, S\) = \(2, 5\)"):
        layer(x, src_key_padding_mask=np.zeros((5, 2), bool))
    with pytest.raises(ValueError, match=r"src of shape \(S, N, E\) or \(S, E\) with E = "
                                         r"d_model = 4, got shape \(5, 2, 3\)"):
        layer(x[..., :3])
    with pytest.raises(ValueError, match="is_causal=True is a hint .* needs src_mask"):
        layer(x, is_causal=True)
    assert all(m.saved_calls == 0 for m in layer.modules())


def test_square_subsequent_mask_matches_torch(torch):
    ref = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    np.testing.assert_array_equal(generate_square_subsequent_mask(5), ref.numpy())
