"""The engine: saved contexts per call, reuse within one forward pass, multi-input modules,
losses as modules, gradient-shape checks, no_grad, and import cost."""
import subprocess
import sys

import numpy as np
import pytest

import dlbook
from dlbook import functional as F
from dlbook import nn
from dlbook.autograd import Context, Function, no_grad
from dlbook.gradcheck import check_module
from reference import assert_grad_close, assert_parity, central_difference, tt


def _sum_cost(model, x, r):
    with no_grad():
        return float(np.sum(model(x) * r))


def _param_numeric(model, p, x, r):
    def cost(z):
        saved = p.data.copy()
        p.data[...] = z
        try:
            return _sum_cost(model, x, r)
        finally:
            p.data[...] = saved
    return central_difference(cost, p.data)


# --------------------------------------------------------------------------- reuse
def test_shared_activation_gets_the_right_gradient(rng):
    """The case that used to be off by 0.20: one Tanh object at two places in one pass."""
    act = nn.Tanh()
    model = nn.Sequential(nn.Linear(3, 4, generator=rng), act, nn.Linear(4, 4, generator=rng), act)
    x = rng.normal(size=(5, 3))
    r = rng.normal(size=(5, 4))
    model(x)
    assert act.saved_calls == 2
    dx = model.backward(r)
    assert act.saved_calls == 0
    assert_grad_close(dx, central_difference(lambda z: _sum_cost(model, z, r), x))
    for p in model.parameters():
        assert_grad_close(p.grad, _param_numeric(model, p, x, r))


def test_shared_activation_with_unequal_widths(rng):
    act = nn.Sigmoid()
    model = nn.Sequential(nn.Linear(3, 6, generator=rng), act, nn.Linear(6, 2, generator=rng), act)
    errors = check_module(model, rng.normal(size=(4, 3)), generator=1)
    assert max(errors.values()) < 1e-6


def test_tied_layer_sums_its_two_contributions(rng):
    """A Linear applied twice: its weight gradient is the sum over both uses (chain rule)."""
    tied = nn.Linear(3, 3, generator=rng)
    model = nn.Sequential(tied, nn.Tanh(), tied)
    assert len(model.parameters()) == 2                 # listed once
    x = rng.normal(size=(4, 3))
    r = rng.normal(size=(4, 3))
    model(x)
    model.backward(r)
    assert_grad_close(tied.weight.grad, _param_numeric(model, tied.weight, x, r))
    assert_grad_close(tied.bias.grad, _param_numeric(model, tied.bias, x, r))


def test_tied_layer_matches_torch(torch, rng):
    x = rng.normal(size=(4, 3))
    r = rng.normal(size=(4, 3))
    tied, act = nn.Linear(3, 3, generator=rng), nn.ELU()
    model = nn.Sequential(tied, act, tied, act)
    model(x)
    dx = model.backward(r)
    lt = torch.nn.Linear(3, 3).double()
    with torch.no_grad():
        lt.weight.copy_(tt(tied.weight.data))
        lt.bias.copy_(tt(tied.bias.data))
    xt = tt(x, True)
    out = torch.nn.functional.elu(lt(torch.nn.functional.elu(lt(xt))))
    out.backward(tt(r))
    assert_parity(dx, xt.grad)
    assert_parity(tied.weight.grad, lt.weight.grad)
    assert_parity(tied.bias.grad, lt.bias.grad)


class _Residual(nn.Module):
    """x + block(x): the skip path and the branch both carry the gradient back."""

    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, input):
        return input + self.block(input)

    def backward(self, grad_output):
        return grad_output + self.block.backward(grad_output)


def test_residual_block_used_twice(rng):
    res = _Residual(nn.Sequential(nn.Linear(3, 3, generator=rng), nn.Tanh()))
    model = nn.Sequential(res, res)
    errors = check_module(model, rng.normal(size=(2, 3)), generator=2)
    assert max(errors.values()) < 1e-6


class _Product(nn.Module):
    """A module with two inputs and a keyword option: returns scale * a * b."""

    def forward(self, a, b, *, scale=1.0):
        self.ctx.save_for_backward(a, b)
        self.ctx.scale = scale
        return scale * a * b

    def backward(self, grad_output):
        a, b = self.ctx.saved_tensors
        return self.ctx.scale * grad_output * b, self.ctx.scale * grad_output * a


def test_multi_input_module_returns_one_gradient_per_input(rng):
    m = _Product()
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    out1 = m(a, b, scale=2.0)
    out2 = m(b, b)                                   # a second call with other inputs
    np.testing.assert_allclose(out1, 2 * a * b)
    db_second, db_second_again = m.backward(np.ones((2, 3)))     # last call first
    np.testing.assert_allclose(db_second, b)
    np.testing.assert_allclose(db_second_again, b)
    da, db = m.backward(np.ones((2, 3)))
    np.testing.assert_allclose(da, 2 * b)
    np.testing.assert_allclose(db, 2 * a)
    assert out2.shape == (2, 3)


def test_subclass_calling_super_forward_uses_one_context(rng):
    class Scaled(nn.Linear):
        def forward(self, input):
            return 2.0 * super().forward(input)

        def backward(self, grad_output):
            return super().backward(2.0 * grad_output)

    m = Scaled(3, 2, generator=rng)
    x = rng.normal(size=(4, 3))
    m(x)
    assert m.saved_calls == 1
    errors = check_module(m, x, generator=3)
    assert max(errors.values()) < 1e-6


# --------------------------------------------------------------------------- the stack
def test_backward_more_often_than_forward_raises(rng):
    m = nn.ReLU()
    m(rng.normal(size=(2, 2)))
    m.backward(np.ones((2, 2)))
    with pytest.raises(RuntimeError, match="ReLU.backward called more often than its forward"):
        m.backward(np.ones((2, 2)))


def test_wrong_gradient_shape_raises_and_keeps_the_context(rng):
    model = nn.Sequential(nn.Linear(3, 2, generator=rng), nn.Sigmoid())
    x = rng.normal(size=(4, 3))
    model(x)
    with pytest.raises(ValueError, match=r"Sequential.backward: grad_output has shape \(4, 3\) "
                                         r"but the output of the forward pass has shape \(4, 2\)"):
        model.backward(np.ones((4, 3)))
    dx = model.backward(np.ones((4, 2)))               # the call can still be backpropagated
    assert dx.shape == (4, 3)


def test_functional_backward_checks_shapes():
    with pytest.raises(ValueError, match=r"grad_output has shape \(3,\) but .* \(4, 3\)"):
        F.relu_backward(np.ones(3), np.ones((4, 3)))


def test_no_grad_saves_nothing(rng):
    model = nn.Sequential(nn.Linear(3, 2, generator=rng), nn.Tanh())
    with dlbook.no_grad():
        model(rng.normal(size=(4, 3)))
    assert all(m.saved_calls == 0 for m in model.modules())
    with pytest.raises(RuntimeError, match="no_grad"):
        model.backward(np.ones((4, 2)))
    with dlbook.no_grad():
        with dlbook.enable_grad():
            model(rng.normal(size=(4, 3)))
    assert model.saved_calls == 1
    model.clear_saved()
    assert all(m.saved_calls == 0 for m in model.modules())


def test_ctx_outside_a_call_is_an_error():
    with pytest.raises(RuntimeError, match="only while forward or backward runs"):
        nn.Tanh().ctx


def test_function_apply_and_vjp(rng):
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            x, = ctx.saved_tensors
            return 2 * x * grad_output

    x = rng.normal(size=3)
    out, ctx = Square.apply(x)
    assert isinstance(ctx, Context)
    np.testing.assert_allclose(Square.backward(ctx, np.ones(3)), 2 * x)
    np.testing.assert_allclose(Square.vjp(np.ones(3), x), 2 * x)


def test_backward_does_not_recompute_the_forward(rng, monkeypatch):
    """A module's backward reads its context: the forward function is not called again."""
    model = nn.Sequential(nn.Linear(3, 2, generator=rng), nn.Sigmoid())
    model(rng.normal(size=(4, 3)))
    calls = []
    for fn in (F.SigmoidFunction, F.LinearFunction):
        monkeypatch.setattr(fn, "forward", staticmethod(lambda *a, **k: calls.append(a)))
    model.backward(np.ones((4, 2)))
    assert calls == []


# --------------------------------------------------------------------------- losses
def _class_case(rng, shape, n_classes):
    logits = rng.normal(size=shape)
    target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    target = rng.integers(0, n_classes, size=target_shape)
    return logits, target


@pytest.mark.parametrize("shape", [(6, 4), (4,), (3, 4, 2, 2)])
@pytest.mark.parametrize("options", [
    {}, {"weight": True}, {"ignore_index": 1}, {"label_smoothing": 0.2},
    {"weight": True, "ignore_index": 2, "label_smoothing": 0.1},
])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_options_match_torch(torch, rng, shape, options, reduction):
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    logits, target = _class_case(rng, shape, n_classes)
    kwargs = dict(options)
    if kwargs.pop("weight", False):
        kwargs["weight"] = rng.uniform(0.5, 2.0, n_classes)
    loss_fn = nn.CrossEntropyLoss(reduction=reduction, **kwargs)
    value = loss_fn(logits, target)
    tkw = {k: (tt(v) if k == "weight" else v) for k, v in kwargs.items()}
    xt = tt(logits, True)
    lt = torch.nn.CrossEntropyLoss(reduction=reduction, **tkw)(xt, torch.tensor(target))
    assert_parity(value, lt)
    g = rng.normal(size=np.shape(value)) if reduction == "none" else 0.7
    lt.backward(tt(g) if reduction == "none" else torch.tensor(g, dtype=torch.float64))
    assert_parity(loss_fn.backward(g), xt.grad)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probability_targets_match_torch(torch, rng, label_smoothing, weighted):
    logits = rng.normal(size=(5, 3, 2))
    probs = F.softmax(rng.normal(size=(5, 3, 2)), dim=1)
    weight = rng.uniform(0.5, 2.0, 3) if weighted else None
    loss = F.cross_entropy(logits, probs, weight=weight, label_smoothing=label_smoothing)
    xt = tt(logits, True)
    lt = torch.nn.functional.cross_entropy(xt, tt(probs), weight=None if weight is None
                                           else tt(weight), label_smoothing=label_smoothing)
    lt.backward()
    assert_parity(loss, lt)
    assert_parity(F.cross_entropy_backward(1.0, logits, probs, weight=weight,
                                           label_smoothing=label_smoothing), xt.grad)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_matches_torch(torch, rng, reduction):
    logp = F.log_softmax(rng.normal(size=(6, 4)), dim=1)
    target = rng.integers(0, 4, 6)
    target[0] = -100
    weight = rng.uniform(0.5, 2.0, 4)
    loss_fn = nn.NLLLoss(weight=weight, reduction=reduction)
    value = loss_fn(logp, target)
    xt = tt(logp, True)
    lt = torch.nn.NLLLoss(weight=tt(weight), reduction=reduction)(xt, torch.tensor(target))
    assert_parity(value, lt)
    lt.sum().backward()
    assert_parity(loss_fn.backward(np.ones_like(value) if reduction == "none" else 1.0), xt.grad)


def test_bce_weight_and_pos_weight_match_torch(torch, rng):
    z = rng.normal(size=(5, 3)) * 3
    y = rng.uniform(size=(5, 3))
    w = rng.uniform(0.5, 2.0, (5, 3))
    pw = rng.uniform(0.5, 3.0, 3)
    for reduction in ("mean", "sum"):
        zt = tt(z, True)
        lt = torch.nn.BCEWithLogitsLoss(weight=tt(w), pos_weight=tt(pw), reduction=reduction)
        out = lt(zt, tt(y))
        out.backward()
        ours = nn.BCEWithLogitsLoss(weight=w, pos_weight=pw, reduction=reduction)
        assert_parity(ours(z, y), out)
        assert_parity(ours.backward(), zt.grad)
        p = F.sigmoid(z)
        pt = tt(p, True)
        out = torch.nn.BCELoss(weight=tt(w), reduction=reduction)(pt, tt(y))
        out.backward()
        ours = nn.BCELoss(weight=w, reduction=reduction)
        assert_parity(ours(p, y), out)
        assert_parity(ours.backward(), pt.grad)


def test_mse_weight_matches_torch(torch, rng):
    x, y, w = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.uniform(size=(3, 4))
    xt = tt(x, True)
    out = torch.nn.functional.mse_loss(xt, tt(y), weight=tt(w))
    out.backward()
    assert_parity(F.mse_loss(x, y, weight=w), out)
    assert_parity(F.mse_loss_backward(1.0, x, y, weight=w), xt.grad)


def test_losses_are_modules_with_state(rng):
    loss_fn = nn.CrossEntropyLoss(weight=np.ones(3))
    assert isinstance(loss_fn, nn.Module)
    assert list(loss_fn.state_dict()) == ["weight"]
    per_element = nn.MSELoss(reduction="none")
    per_element(np.ones(4), np.zeros(4))
    with pytest.raises(ValueError, match=r"shape \(\) but .* shape \(4,\)"):
        per_element.backward()                      # 'none' needs a gradient of the loss's shape
    np.testing.assert_allclose(per_element.backward(np.ones(4)), 2.0 * np.ones(4))


def test_binary_losses_reject_bad_values():
    with pytest.raises(ValueError, match=r"input must hold probabilities in \[0, 1\], got only "
                                         r"NaN; for logits use binary_cross_entropy_with_logits"):
        F.binary_cross_entropy(np.array([np.nan]), np.array([1.0]))
    with pytest.raises(ValueError, match=r"target must hold probabilities in \[0, 1\], got "
                                         r"values in \[2, 2\]"):
        F.binary_cross_entropy(np.array([0.5]), np.array([2.0]))
    with pytest.raises(ValueError, match=r"target must hold probabilities in \[0, 1\], got "
                                         r"values in \[-1, -1\]"):
        F.binary_cross_entropy_with_logits(np.array([0.5]), np.array([-1.0]))


def test_label_smoothing_range():
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)


def test_dropout_returns_an_array_like_torch(rng):
    out = F.dropout(np.ones((3, 3)), 0.5, generator=0)
    assert isinstance(out, np.ndarray) and out.shape == (3, 3)
    np.testing.assert_array_equal(out, F.dropout(np.ones((3, 3)), 0.5, generator=0))


def test_inplace_activations(rng):
    x = rng.normal(size=(3, 3))
    y = x.copy()
    out = F.relu(y, inplace=True)
    assert out is y
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    m = nn.LeakyReLU(0.1, inplace=True)
    z = x.copy()
    m(z)
    np.testing.assert_allclose(m.backward(np.ones((3, 3))), np.where(x > 0, 1.0, 0.1))


# --------------------------------------------------------------------------- generators
@pytest.mark.parametrize("make", [
    lambda g: nn.Linear(3, 2, generator=g).weight.data,
    lambda g: nn.Maxout(3, 2, 2, generator=g).weight.data,
    lambda g: F.dropout(np.ones(8), 0.5, generator=g),
    lambda g: nn.init.xavier_uniform_(np.zeros((3, 3)), 1.0, g),
    lambda g: nn.init.orthogonal_(np.zeros((3, 3)), 1.0, g),
    lambda g: dlbook.data.minibatches(10, 3, generator=g)[0],
    lambda g: dlbook.search.log_uniform(1e-3, 1.0, 4, generator=g),
])
def test_generator_accepts_int_seed_and_numpy_generator(make):
    np.testing.assert_array_equal(make(5), make(np.random.default_rng(5)))
    with pytest.raises(TypeError, match="generator must be None, a non-negative int seed"):
        make("5")


def test_dropout_module_seed_is_read_once():
    m = nn.Dropout(0.5, generator=4)
    a, b = m(np.ones(50)), m(np.ones(50))
    assert not np.array_equal(a, b)


def test_orthogonal_init_is_orthogonal(torch):
    w = nn.init.orthogonal_(np.zeros((4, 6)), gain=2.0, generator=0)
    np.testing.assert_allclose(w @ w.T, 4.0 * np.eye(4), atol=1e-12)


# --------------------------------------------------------------------------- import cost
def test_import_functional_is_light():
    code = ("import sys, dlbook.functional, dlbook.nn, dlbook.optim; "
            "print(sorted(m for m in ('matplotlib', 'sympy', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- failures roll back
class _FailsAfterChild(nn.Module):
    def __init__(self):
        super().__init__()
        self.child = nn.Tanh()

    def forward(self, input, fail=False):
        out = self.child(input)
        if fail:
            raise ValueError("failing after the child's call")
        return out

    def backward(self, grad_output, fail=False):
        grad = self.child.backward(grad_output)
        if fail:
            raise ValueError("failing after the child's backward")
        return grad


def test_a_failed_forward_leaves_the_sub_modules_stacks_as_they_were(rng):
    m = _FailsAfterChild()
    x = rng.normal(size=(2, 2))
    with pytest.raises(ValueError, match="after the child's call"):
        m(x, fail=True)
    assert m.saved_calls == 0 and m.child.saved_calls == 0


def test_a_failed_backward_gives_every_context_back(rng):
    m = _FailsAfterChild()
    x = rng.normal(size=(2, 2))
    m(x)
    with pytest.raises(ValueError, match="after the child's backward"):
        m.backward(np.ones((2, 2)), fail=True)
    assert m.saved_calls == 1 and m.child.saved_calls == 1
    np.testing.assert_allclose(m.backward(np.ones((2, 2))), 1 - np.tanh(x) ** 2)


def test_a_failing_layer_inside_sequential_rolls_back(rng):
    model = nn.Sequential(nn.Linear(3, 4, generator=rng), nn.ReLU(), nn.Linear(5, 2))
    with pytest.raises(ValueError, match="Linear\\(5, 2\\) expected input with 5 features"):
        model(rng.normal(size=(2, 3)))
    assert all(m.saved_calls == 0 for m in model.modules())


def test_replacing_a_child_keeps_its_place(rng):
    model = nn.Sequential(nn.Linear(3, 4, generator=rng), nn.ReLU(), nn.Linear(4, 2, generator=rng))
    setattr(model, "0", nn.Linear(3, 4, generator=rng))
    model[2] = nn.Linear(4, 5, generator=rng)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    assert model(rng.normal(size=(2, 3))).shape == (2, 5)
    with pytest.raises(TypeError, match="Sequential holds Module instances"):
        model[0] = "not a module"


def test_summary_is_the_function_and_counts_mobilenet():
    s = dlbook.summary(dlbook.models.mobilenet_v1(generator=0), (1, 3, 224, 224))
    assert (s.total_params, s.total_mult_adds) == (4_231_976, 568_740_352)
