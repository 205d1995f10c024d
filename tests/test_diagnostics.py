"""Tests for dlbook.diagnostics: hand-computed values, PyTorch parity, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import nn
from dlbook.diagnostics import (activation_statistics, layer_gradient_norms, linear_layers,
                                measure_gradient_norms, total_gradient_norm)


def _linear(in_f, out_f, weight, bias):
    layer = nn.Linear(in_f, out_f)
    layer.weight.data = np.array(weight, dtype=float)
    layer.bias.data = np.array(bias, dtype=float)
    return layer


def _deep_net(seed, acts=(nn.Tanh, nn.Sigmoid, nn.ReLU), width=5, d_in=4, d_out=3):
    rng = np.random.default_rng(seed)
    mods, n = [], d_in
    for act in acts:
        mods += [nn.Linear(n, width, generator=rng), act()]
        n = width
    mods.append(nn.Linear(n, d_out, generator=rng))
    return nn.Sequential(*mods)


# --------------------------------------------------------------------------- hand-computed
def test_single_layer_norms_by_hand():
    # y = x W^T + b with W = I; dC/dW = g^T x = [[3, 6], [4, 8]], dC/db = g summed = [3, 4]
    model = nn.Sequential(_linear(2, 2, [[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]))
    model(np.array([[1.0, 2.0]]))
    model.backward(np.array([[3.0, 4.0]]))
    np.testing.assert_allclose(layer_gradient_norms(model), [np.sqrt(125.0)], rtol=1e-15)
    np.testing.assert_allclose(layer_gradient_norms(model, parameter="bias"), [5.0], rtol=1e-15)


def test_two_layer_chain_by_hand():
    # scalar chain x -> z1 = w1 x + b1 -> a1 = relu(z1) -> z2 = w2 a1 + b2, dC/dz2 = 1
    l1, l2 = _linear(1, 1, [[2.0]], [1.0]), _linear(1, 1, [[-3.0]], [0.5])
    model = nn.Sequential(l1, nn.ReLU(), l2)
    x = np.array([[1.5]])                      # z1 = 4, a1 = 4
    model(x)
    model.backward(np.array([[1.0]]))
    # dC/dw2 = a1 = 4; dC/dw1 = w2 * relu'(z1) * x = -3 * 1 * 1.5 = -4.5; dC/db1 = -3
    np.testing.assert_allclose(layer_gradient_norms(model), [4.5, 4.0], rtol=1e-15)
    np.testing.assert_allclose(layer_gradient_norms(model, parameter="bias"), [3.0, 1.0])


def test_norms_of_batch_are_frobenius_of_sum():
    model = _deep_net(0)
    rng = np.random.default_rng(1)
    x, g = rng.standard_normal((7, 4)), rng.standard_normal((7, 3))
    model(x)
    model.backward(g)
    want = [np.linalg.norm(layer.weight.grad) for layer in linear_layers(model)]
    np.testing.assert_allclose(layer_gradient_norms(model), want, rtol=1e-14)


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(min_value=-1e3, max_value=1e3).filter(lambda s: abs(s) > 1e-3),
       n=st.integers(min_value=1, max_value=6))
def test_norms_scale_with_the_incoming_gradient(scale, n):
    # the backward pass is linear in grad_output: norms scale by |scale|
    model = _deep_net(2)
    rng = np.random.default_rng(n)
    x, g = rng.standard_normal((n, 4)), rng.standard_normal((n, 3))
    model(x)
    model.backward(g)
    base = layer_gradient_norms(model)
    model.zero_grad()
    model(x)
    model.backward(scale * g)
    np.testing.assert_allclose(layer_gradient_norms(model), abs(scale) * base, rtol=1e-10)


def test_linear_layers_order_in_nested_modules():
    a, b, c = nn.Linear(2, 3), nn.Linear(3, 3), nn.Linear(3, 1)
    model = nn.Sequential(a, nn.Tanh(), nn.Sequential(b, nn.ReLU()), c)
    assert linear_layers(model) == [a, b, c]
    assert linear_layers(a) == [a]
    assert linear_layers(nn.Sigmoid()) == []


def test_measure_gradient_norms_resets_gradients():
    model = _deep_net(3)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((10, 4)), rng.integers(0, 3, 10)
    loss_fn = nn.CrossEntropyLoss()
    first = measure_gradient_norms(model, loss_fn, x, y)
    second = measure_gradient_norms(model, loss_fn, x, y)   # not doubled by accumulation
    np.testing.assert_array_equal(first, second)
    model.zero_grad()
    loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    np.testing.assert_array_equal(first, layer_gradient_norms(model))


def test_total_gradient_norm_matches_clip_grad_norm():
    model = _deep_net(4)
    rng = np.random.default_rng(0)
    model(rng.standard_normal((6, 4)))
    model.backward(rng.standard_normal((6, 3)))
    params = model.parameters()
    want = np.sqrt(sum(np.sum(p.grad ** 2) for p in params))
    assert total_gradient_norm(params) == pytest.approx(want, rel=1e-14)
    assert nn.clip_grad_norm_(params, 1e12) == pytest.approx(want, rel=1e-14)
    assert total_gradient_norm([]) == 0.0
    model.zero_grad()
    assert total_gradient_norm(model.parameters()) == 0.0


def test_activation_statistics_by_hand():
    model = nn.Sequential(_linear(2, 2, [[1.0, 0.0], [0.0, -1.0]], [0.0, 0.0]), nn.ReLU())
    x = np.array([[1.0, 2.0], [3.0, -4.0]])     # z = [[1, -2], [3, 4]], a = [[1, 0], [3, 4]]
    stats = activation_statistics(model, x)
    np.testing.assert_array_equal(stats["index"], [1])
    np.testing.assert_allclose(stats["mean"], [2.0])
    np.testing.assert_allclose(stats["std"], [np.sqrt(((1 - 2) ** 2 + 4 + 1 + 4) / 4)])
    pre = activation_statistics(model, x, layer_types=nn.Linear)
    np.testing.assert_array_equal(pre["index"], [0])
    np.testing.assert_allclose(pre["mean"], [1.5])
    np.testing.assert_allclose(pre["std"], [np.std([1.0, -2.0, 3.0, 4.0])])


def test_activation_statistics_matches_manual_forward():
    model = _deep_net(5)
    x = np.random.default_rng(0).standard_normal((9, 4))
    stats = activation_statistics(model, x, layer_types=(nn.Tanh, nn.Sigmoid, nn.ReLU, nn.Linear))
    h, means, stds = x, [], []
    for m in model:
        h = m(h)
        means.append(h.mean())
        stds.append(h.std())
    np.testing.assert_array_equal(stats["index"], np.arange(len(model)))
    np.testing.assert_allclose(stats["mean"], means, rtol=1e-14)
    np.testing.assert_allclose(stats["std"], stds, rtol=1e-14)


# --------------------------------------------------------------------------- errors
def test_errors():
    model = _deep_net(6)
    with pytest.raises(TypeError, match="dlbook.nn.Module"):
        layer_gradient_norms("not a model")
    with pytest.raises(ValueError, match="no weight gradient"):
        layer_gradient_norms(model)
    with pytest.raises(ValueError, match="'weight' or 'bias'"):
        layer_gradient_norms(model, parameter="grad")
    with pytest.raises(ValueError, match="no Linear layer"):
        layer_gradient_norms(nn.Sequential(nn.Sigmoid()))
    no_bias = nn.Sequential(nn.Linear(2, 2, bias=False))
    no_bias(np.ones((1, 2)))
    no_bias.backward(np.ones((1, 2)))
    with pytest.raises(ValueError, match="has no bias"):
        layer_gradient_norms(no_bias, parameter="bias")
    with pytest.raises(TypeError, match="backward"):
        measure_gradient_norms(model, lambda o, t: 0.0, np.ones((1, 4)), np.zeros(1, int))
    with pytest.raises(TypeError, match="Parameter"):
        total_gradient_norm([np.ones(3)])
    with pytest.raises(TypeError, match="Sequential"):
        activation_statistics(nn.Linear(2, 2), np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        activation_statistics(model, np.ones(4))
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        activation_statistics(model, np.ones((0, 4)))
    with pytest.raises(TypeError, match="numeric"):
        activation_statistics(model, "abc")
    with pytest.raises(TypeError, match="layer_types"):
        activation_statistics(model, np.ones((1, 4)), layer_types=(int,))
    with pytest.raises(TypeError, match="layer_types"):
        activation_statistics(model, np.ones((1, 4)), layer_types=())


# --------------------------------------------------------------------------- PyTorch parity
def _to_torch(model, torch):
    mods = []
    for m in model:
        if isinstance(m, nn.Linear):
            t = torch.nn.Linear(m.in_features, m.out_features).double()
            with torch.no_grad():
                t.weight.copy_(torch.from_numpy(m.weight.data))
                t.bias.copy_(torch.from_numpy(m.bias.data))
            mods.append(t)
        else:
            mods.append({nn.Tanh: torch.nn.Tanh, nn.Sigmoid: torch.nn.Sigmoid,
                         nn.ReLU: torch.nn.ReLU}[type(m)]())
    return torch.nn.Sequential(*mods)


def test_gradient_norms_match_torch():
    torch = pytest.importorskip("torch")
    model = _deep_net(7, acts=(nn.Sigmoid, nn.Tanh, nn.ReLU, nn.Sigmoid), width=6)
    tmodel = _to_torch(model, torch)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((12, 4)), rng.integers(0, 3, 12)
    ours_w = measure_gradient_norms(model, nn.CrossEntropyLoss(), x, y)
    ours_b = layer_gradient_norms(model, parameter="bias")
    loss = torch.nn.functional.cross_entropy(tmodel(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    tlin = [m for m in tmodel if isinstance(m, torch.nn.Linear)]
    np.testing.assert_allclose(ours_w, [m.weight.grad.norm().item() for m in tlin], rtol=1e-10)
    np.testing.assert_allclose(ours_b, [m.bias.grad.norm().item() for m in tlin], rtol=1e-10)
    total = torch.nn.utils.clip_grad_norm_(tmodel.parameters(), 1e12).item()
    assert total_gradient_norm(model.parameters()) == pytest.approx(total, rel=1e-10)


def test_activation_statistics_match_torch():
    torch = pytest.importorskip("torch")
    model = _deep_net(8)
    tmodel = _to_torch(model, torch)
    x = np.random.default_rng(4).standard_normal((11, 4))
    stats = activation_statistics(model, x)
    h, means, stds = torch.from_numpy(x), [], []
    with torch.no_grad():
        for m in tmodel:
            h = m(h)
            if not isinstance(m, torch.nn.Linear):
                means.append(h.mean().item())
                stds.append(h.std(unbiased=False).item())
    np.testing.assert_allclose(stats["mean"], means, rtol=1e-12)
    np.testing.assert_allclose(stats["std"], stds, rtol=1e-12)
