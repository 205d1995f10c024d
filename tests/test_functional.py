"""dlbook.functional: finite-difference gradients, PyTorch parity, properties, error messages."""
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbook import functional as F
from dlbook import nn
from reference import (assert_grad_close, assert_parity, away_from_zero, central_difference,
                       random_shape, strict_numerics, tlong, tt)

# name, forward, backward, keyword arguments, torch reference (given the torch module)
ACTIVATIONS = [
    ("sigmoid", F.sigmoid, F.sigmoid_backward, {}, lambda t, x: t.sigmoid(x)),
    ("tanh", F.tanh, F.tanh_backward, {}, lambda t, x: t.tanh(x)),
    ("relu", F.relu, F.relu_backward, {}, lambda t, x: t.relu(x)),
    ("leaky_relu", F.leaky_relu, F.leaky_relu_backward, {},
     lambda t, x: t.nn.functional.leaky_relu(x)),
    ("leaky_relu_0.2", F.leaky_relu, F.leaky_relu_backward, {"negative_slope": 0.2},
     lambda t, x: t.nn.functional.leaky_relu(x, negative_slope=0.2)),
    ("elu", F.elu, F.elu_backward, {}, lambda t, x: t.nn.functional.elu(x)),
    ("elu_0.7", F.elu, F.elu_backward, {"alpha": 0.7},
     lambda t, x: t.nn.functional.elu(x, alpha=0.7)),
]
ACT_IDS = [a[0] for a in ACTIVATIONS]

SOFTMAX_CASES = [((5,), 0), ((4, 6), -1), ((4, 6), 0), ((2, 3, 4), 1), ((2, 3, 4), -1),
                 ((3, 1, 2), -3)]
REDUCTIONS = ["mean", "sum", "none"]


def _loss_inputs(name, rng, shape=(5, 3)):
    """``(input, target)`` of the right kind for each loss."""
    if name == "mse_loss":
        return rng.normal(size=shape), rng.normal(size=shape)
    if name == "cross_entropy":
        return rng.normal(size=shape) * 2, rng.integers(0, shape[1], shape[0])
    if name == "binary_cross_entropy":
        return rng.uniform(0.05, 0.95, shape), rng.uniform(0, 1, shape)
    if name == "binary_cross_entropy_with_logits":
        return rng.normal(size=shape) * 3, rng.uniform(0, 1, shape)
    raise KeyError(name)


LOSSES = ["mse_loss", "cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits"]


def _scalar_cost(forward, backward, out_shape, rng):
    """For ``y = forward(x)``, the cost ``C = sum(y * R)`` and ``dC/dy = R``."""
    r = rng.normal(size=out_shape)
    return (lambda *a: float(np.sum(forward(*a) * r))), r


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name,fwd,bwd,kw,_", ACTIVATIONS, ids=ACT_IDS)
def test_activation_gradient(name, fwd, bwd, kw, _, seed):
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng.normal(size=random_shape(rng)) * 2)
    r = rng.normal(size=x.shape)
    numeric = central_difference(lambda z: np.sum(fwd(z, **kw) * r), x)
    assert_grad_close(bwd(r, x, **kw), numeric)


@pytest.mark.parametrize("shape,dim", SOFTMAX_CASES)
@pytest.mark.parametrize("fwd,bwd", [(F.softmax, F.softmax_backward),
                                     (F.log_softmax, F.log_softmax_backward)],
                         ids=["softmax", "log_softmax"])
def test_softmax_gradient(fwd, bwd, shape, dim, rng):
    x = rng.normal(size=shape) * 2
    r = rng.normal(size=shape)
    numeric = central_difference(lambda z: np.sum(fwd(z, dim) * r), x)
    assert_grad_close(bwd(r, x, dim), numeric)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (3,)])
def test_linear_gradient(x_shape, bias, rng):
    out = 4
    x = rng.normal(size=x_shape)
    w = rng.normal(size=(out, x_shape[-1]))
    b = rng.normal(size=out) if bias else None
    r = rng.normal(size=x_shape[:-1] + (out,))
    dx, dw, db = F.linear_backward(r, x, w, b)
    assert_grad_close(dx, central_difference(lambda z: np.sum(F.linear(z, w, b) * r), x))
    assert_grad_close(dw, central_difference(lambda z: np.sum(F.linear(x, z, b) * r), w))
    if bias:
        assert_grad_close(db, central_difference(lambda z: np.sum(F.linear(x, w, z) * r), b))
    else:
        assert db is None


@pytest.mark.parametrize("p", [0.0, 0.3, 0.8])
def test_dropout_gradient_with_fixed_mask(p, rng):
    x = rng.normal(size=(4, 5))
    r = rng.normal(size=x.shape)

    def cost(z):  # the same seed draws the same mask every time
        return np.sum(F.dropout(z, p, generator=7) * r)

    out, ctx = F.DropoutFunction.apply(x, p, True, False, 7)
    assert_grad_close(F.DropoutFunction.backward(ctx, r), central_difference(cost, x))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_loss_gradient(name, reduction, rng):
    fwd, bwd = getattr(F, name), getattr(F, name + "_backward")
    x, target = _loss_inputs(name, rng)
    if reduction == "none":
        g = rng.normal(size=x.shape[:1] if name == "cross_entropy" else x.shape)
        cost = lambda z: np.sum(fwd(z, target, reduction=reduction) * g)  # noqa: E731
    else:
        g = 1.7
        cost = lambda z: g * fwd(z, target, reduction=reduction)  # noqa: E731
    assert_grad_close(bwd(g, x, target, reduction=reduction), central_difference(cost, x))


# --------------------------------------------------------------------------- PyTorch parity
@pytest.mark.parametrize("name,fwd,bwd,kw,ref", ACTIVATIONS, ids=ACT_IDS)
def test_activation_parity(torch, name, fwd, bwd, kw, ref, rng):
    x = rng.normal(size=(3, 4, 5)) * 3
    x.flat[:3] = [0.0, -40.0, 40.0]             # the kink and the saturated tails
    r = rng.normal(size=x.shape)
    xt = tt(x, requires_grad=True)
    yt = ref(torch, xt)
    yt.backward(tt(r))
    assert_parity(fwd(x, **kw), yt)
    assert_parity(bwd(r, x, **kw), xt.grad)


@pytest.mark.parametrize("shape,dim", SOFTMAX_CASES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_parity(torch, name, shape, dim, rng):
    x = rng.normal(size=shape) * 5
    r = rng.normal(size=shape)
    xt = tt(x, requires_grad=True)
    yt = getattr(torch, name)(xt, dim=dim)
    yt.backward(tt(r))
    assert_parity(getattr(F, name)(x, dim), yt)
    assert_parity(getattr(F, name + "_backward")(r, x, dim), xt.grad)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape", [(6, 3), (2, 5, 3)])
def test_linear_parity(torch, x_shape, bias, rng):
    x, w = rng.normal(size=x_shape), rng.normal(size=(4, 3))
    b = rng.normal(size=4) if bias else None
    r = rng.normal(size=x_shape[:-1] + (4,))
    xt, wt = tt(x, True), tt(w, True)
    bt = tt(b, True) if bias else None
    yt = torch.nn.functional.linear(xt, wt, bt)
    yt.backward(tt(r))
    assert_parity(F.linear(x, w, b), yt)
    dx, dw, db = F.linear_backward(r, x, w, b)
    assert_parity(dx, xt.grad)
    assert_parity(dw, wt.grad)
    if bias:
        assert_parity(db, bt.grad)


@pytest.mark.parametrize("p", [0.2, 0.6])
def test_dropout_parity(torch, p, rng):
    """Same convention as torch: survivors are scaled by 1/(1-p); given the mask, y = x * mask."""
    x = rng.uniform(1, 2, size=(50, 40))
    out = F.dropout(x, p, generator=rng)
    mask = out / x
    yt = torch.nn.functional.dropout(tt(x), p=p, training=True)
    scale_torch = np.unique(np.round(yt.numpy()[yt.numpy() != 0] / x[yt.numpy() != 0], 12))
    scale_ours = np.unique(np.round(out[out != 0] / x[out != 0], 12))
    np.testing.assert_allclose(scale_ours, scale_torch, rtol=1e-12)
    np.testing.assert_allclose(scale_ours, [1.0 / (1.0 - p)], rtol=1e-12)
    # the backward of a masked product, by autograd
    r = rng.normal(size=x.shape)
    module = nn.Dropout(p, generator=3)
    module_mask = module(x) / x
    xt = tt(x, True)
    (xt * tt(module_mask)).backward(tt(r))
    assert_parity(module.backward(r), xt.grad)
    # evaluation mode is the identity in both
    assert_parity(F.dropout(x, p, training=False),
                  torch.nn.functional.dropout(tt(x), p=p, training=False))


def _torch_loss(torch, name, xt, target, reduction):
    tf = torch.nn.functional
    if name == "cross_entropy":
        return tf.cross_entropy(xt, tlong(target), reduction=reduction)
    return getattr(tf, name)(xt, tt(target), reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_loss_parity(torch, name, reduction, rng):
    x, target = _loss_inputs(name, rng, shape=(7, 4))
    xt = tt(x, True)
    lt = _torch_loss(torch, name, xt, target, reduction)
    g = 0.6 if reduction != "none" else rng.normal(size=tuple(lt.shape))
    lt.backward(tt(g))
    assert_parity(getattr(F, name)(x, target, reduction=reduction), lt)
    assert_parity(getattr(F, name + "_backward")(g, x, target, reduction=reduction), xt.grad)


def test_loss_reductions_return_floats(rng):
    for name in LOSSES:
        x, target = _loss_inputs(name, rng)
        for reduction in ("mean", "sum"):
            assert isinstance(getattr(F, name)(x, target, reduction=reduction), float)


def test_bce_with_logits_parity_at_large_logits(torch):
    z = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    zt = tt(z, True)
    lt = torch.nn.functional.binary_cross_entropy_with_logits(zt, tt(y), reduction="sum")
    lt.backward()
    assert_parity(F.binary_cross_entropy_with_logits(z, y, reduction="sum"), lt)
    assert_parity(F.binary_cross_entropy_with_logits_backward(1.0, z, y, reduction="sum"), zt.grad)


def test_cross_entropy_parity_at_large_logits(torch, rng):
    x = rng.normal(size=(6, 5)) * 1e4
    target = rng.integers(0, 5, 6)
    xt = tt(x, True)
    lt = torch.nn.functional.cross_entropy(xt, tlong(target))
    lt.backward()
    assert_parity(F.cross_entropy(x, target), lt)
    assert_parity(F.cross_entropy_backward(1.0, x, target), xt.grad)


def test_bce_clamps_log_like_torch(torch):
    p = np.array([0.0, 1.0, 0.5, 1e-50])
    y = np.array([1.0, 0.0, 1.0, 1.0])
    assert_parity(F.binary_cross_entropy(p, y, reduction="none"),
                  torch.nn.functional.binary_cross_entropy(tt(p), tt(y), reduction="none"))


# --------------------------------------------------------------------------- hand-computed values
def test_cross_entropy_backward_is_softmax_minus_one_hot():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    target = np.array([2, 0])
    e = np.exp(x)
    probs = e / e.sum(axis=1, keepdims=True)
    expected = probs - np.eye(3)[target]
    np.testing.assert_allclose(F.cross_entropy_backward(1.0, x, target, reduction="sum"), expected)
    np.testing.assert_allclose(F.cross_entropy_backward(1.0, x, target), expected / 2)
    np.testing.assert_allclose(F.cross_entropy(x, target, reduction="none"),
                               -np.log(probs[[0, 1], [2, 0]]))


def test_mse_has_no_half_factor():
    assert F.mse_loss(np.array([3.0, 1.0]), np.array([1.0, 1.0])) == pytest.approx(2.0)
    assert F.mse_loss(np.array([3.0, 1.0]), np.array([1.0, 1.0]), reduction="sum") == pytest.approx(4.0)


def test_dropout_statistics_and_edge_cases(rng):
    x = np.ones((400, 250))
    out = F.dropout(x, 0.3, generator=rng)
    mask = out / x
    assert set(np.unique(mask)) <= {0.0, 1.0 / 0.7}
    assert abs(np.mean(mask == 0) - 0.3) < 0.01
    assert abs(out.mean() - 1.0) < 0.02              # inverted dropout keeps the expectation
    same = F.dropout(x, 0.0, generator=rng)
    np.testing.assert_array_equal(same, x)
    zeros = F.dropout(x, 1.0, generator=rng)
    assert not zeros.any()
    ident = F.dropout(x, 0.5, training=False)
    np.testing.assert_array_equal(ident, x)
    assert ident is not x


def test_dropout_uses_default_generator_reproducibly(restore_default_generator):
    import dlbook
    x = np.ones((10, 10))
    dlbook.manual_seed(5)
    a = F.dropout(x, 0.5)
    dlbook.manual_seed(5)
    b = F.dropout(x, 0.5)
    np.testing.assert_array_equal(a, b)


def test_accepts_lists_and_ints():
    np.testing.assert_allclose(F.relu([[-1, 2]]), [[0.0, 2.0]])
    assert F.relu([[-1, 2]]).dtype == np.float64
    assert F.sigmoid(0) == 0.5


# --------------------------------------------------------------------------- properties
ELEMENTWISE = [F.sigmoid, F.tanh, F.relu, F.leaky_relu, F.elu]
ELEMENTWISE_BWD = [F.sigmoid_backward, F.tanh_backward, F.relu_backward, F.leaky_relu_backward,
                   F.elu_backward]
finite = st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False)
extreme = st.one_of(finite, st.sampled_from([1e300, -1e300, 0.0, 1e-300, -1e-300, 709.0, -745.0]))
any_shape = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)
PROPERTY = settings(max_examples=60, deadline=None)


@PROPERTY
@given(hnp.arrays(np.float64, any_shape, elements=extreme))
def test_elementwise_ops_preserve_shape(x):
    with strict_numerics():
        for fwd, bwd in zip(ELEMENTWISE, ELEMENTWISE_BWD):
            y = fwd(x)
            assert y.shape == x.shape and y.dtype == np.float64
            assert np.all(np.isfinite(y))
            assert bwd(np.ones_like(x), x).shape == x.shape


@PROPERTY
@given(hnp.arrays(np.float64, any_shape,
                  elements=st.floats(allow_nan=False, allow_infinity=False)))
def test_sigmoid_in_unit_interval_for_every_finite_float(x):
    with strict_numerics():
        s = F.sigmoid(x)
        assert np.all((s >= 0) & (s <= 1))
        d = F.sigmoid_backward(np.ones_like(x), x)
        assert np.all((d >= 0) & (d <= 0.25))


def test_sigmoid_saturates_without_warnings():
    with strict_numerics():
        s = F.sigmoid(np.array([-1000.0, 1000.0, -1e300, 1e300]))
        np.testing.assert_array_equal(s, [0.0, 1.0, 0.0, 1.0])
        np.testing.assert_array_equal(F.sigmoid_backward(np.ones(2), np.array([-1e3, 1e3])), 0.0)


matrices = hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
                      elements=extreme)


@PROPERTY
@given(matrices, st.sampled_from([0, 1, -1]))
def test_softmax_is_a_distribution_for_extreme_values(x, dim):
    with strict_numerics():
        s = F.softmax(x, dim)
        assert s.shape == x.shape
        assert np.all((s >= 0) & (s <= 1))
        np.testing.assert_allclose(s.sum(axis=dim), 1.0, rtol=0, atol=1e-12)
        top = np.take_along_axis(s, np.expand_dims(x.argmax(axis=dim), dim), axis=dim)
        np.testing.assert_array_equal(top, s.max(axis=dim, keepdims=True))


@PROPERTY
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                  elements=st.floats(allow_nan=False, allow_infinity=False)))
@example(np.array([1.7e308, -1.7e308]))
def test_softmax_over_the_whole_float_range(x):
    """Even when x - max(x) overflows (e.g. logits +-1.7e308) there is no warning and no NaN."""
    with strict_numerics():
        s = F.softmax(x)
        assert np.all((s >= 0) & (s <= 1))
        np.testing.assert_allclose(s.sum(axis=-1), 1.0, atol=1e-12)
        assert not np.any(np.isnan(F.log_softmax(x)))


@PROPERTY
@given(matrices)
def test_log_softmax_finite_and_consistent(x):
    with strict_numerics():
        ls = F.log_softmax(x)
        assert np.all(np.isfinite(ls)) and np.all(ls <= 0)
        # exp of log-probabilities is a distribution again
        np.testing.assert_allclose(np.exp(ls).sum(axis=-1), 1.0, atol=1e-12)


@PROPERTY
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 5)),
                  elements=st.one_of(st.floats(-1e4, 1e4), st.sampled_from([-1e4, 1e4]))),
       st.data())
def test_cross_entropy_finite_for_large_logits(x, data):
    target = np.array(data.draw(st.lists(st.integers(0, x.shape[1] - 1),
                                         min_size=x.shape[0], max_size=x.shape[0])))
    with strict_numerics():
        for reduction in ("mean", "sum"):
            loss = F.cross_entropy(x, target, reduction=reduction)
            assert np.isfinite(loss) and loss >= 0
        g = F.cross_entropy_backward(1.0, x, target)
        assert np.all(np.isfinite(g))
        np.testing.assert_allclose(g.sum(axis=1), 0.0, atol=1e-12)


@PROPERTY
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                  elements=extreme), st.data())
def test_bce_with_logits_finite_for_huge_logits(z, data):
    y = data.draw(hnp.arrays(np.float64, z.shape, elements=st.sampled_from([0.0, 1.0])))
    with strict_numerics():
        for reduction in REDUCTIONS:
            loss = F.binary_cross_entropy_with_logits(z, y, reduction=reduction)
            assert np.all(np.isfinite(loss)) and np.all(np.asarray(loss) >= 0)
        g = F.binary_cross_entropy_with_logits_backward(1.0, z, y)
        assert np.all(np.isfinite(g)) and np.all(np.abs(g) <= 1)


@PROPERTY
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                  elements=st.floats(0, 1)), st.data())
def test_bce_finite_on_closed_unit_interval(p, data):
    y = data.draw(hnp.arrays(np.float64, p.shape, elements=st.sampled_from([0.0, 1.0])))
    with strict_numerics():
        loss = F.binary_cross_entropy(p, y, reduction="none")
        assert np.all(np.isfinite(loss)) and np.all(loss >= 0) and np.all(loss <= 100)


# --------------------------------------------------------------------------- error messages
def test_mse_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        F.mse_loss(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"\(4,\).*\(5,\)"):
        F.binary_cross_entropy_with_logits(np.zeros(4), np.zeros(5))


@pytest.mark.parametrize("name", LOSSES)
def test_bad_reduction(name, rng):
    x, target = _loss_inputs(name, rng)
    with pytest.raises(ValueError, match="reduction.*'avg'"):
        getattr(F, name)(x, target, reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        getattr(F, name + "_backward")(1.0, x, target, reduction="avg")


def test_cross_entropy_target_errors():
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"probability targets must have the input's shape"):
        F.cross_entropy(logits, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match="integer class indices or float class probabilities"):
        F.cross_entropy(logits, np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match=r"\[0, 4\).*\[0, 4\]"):
        F.cross_entropy(logits, np.array([0, 1, 4]))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        F.cross_entropy(logits, np.array([-1, 1, 2]))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        F.cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"target must have shape \(\)"):
        F.cross_entropy(np.zeros(4), np.array([0]))
    with pytest.raises(ValueError, match=r"shape \(C,\), \(N, C\)"):
        F.cross_entropy(np.float64(1.0), np.array(0))


@pytest.mark.parametrize("bad", ["abc", None, {"a": 1}, np.array(["x", "y"]),
                                 np.array([1 + 2j]), True])
def test_non_numeric_input_is_type_error(bad):
    with pytest.raises(TypeError):
        F.relu(bad)
    with pytest.raises(TypeError):
        F.mse_loss(bad, np.zeros(2))


def test_linear_shape_errors():
    with pytest.raises(ValueError, match=r"3 features.*\(4, 5\)"):
        F.linear(np.zeros((4, 5)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\), got \(3,\)"):
        F.linear(np.zeros((4, 3)), np.zeros((2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"weight must have shape"):
        F.linear(np.zeros((4, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"grad_output has shape \(4, 3\) but .* \(4, 2\)"):
        F.linear_backward(np.zeros((4, 3)), np.zeros((4, 3)), np.zeros((2, 3)))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_out_of_range(p):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        F.dropout(np.ones(3), p)


def test_dropout_probability_wrong_type():
    with pytest.raises(TypeError):
        F.dropout(np.ones(3), "0.5")


def test_softmax_bad_dim():
    with pytest.raises(ValueError, match=r"dim must be in \[-2, 1\].*got 2"):
        F.softmax(np.zeros((2, 3)), dim=2)
    with pytest.raises(TypeError, match="dim must be an int"):
        F.log_softmax(np.zeros((2, 3)), dim=1.0)


def test_bce_rejects_values_outside_unit_interval():
    with pytest.raises(ValueError, match="with_logits"):
        F.binary_cross_entropy(np.array([1.5]), np.array([1.0]))


def test_reduction_backward_grad_output_shape():
    with pytest.raises(ValueError, match=r"shape \(3,\) but .* shape \(\)"):
        F.mse_loss_backward(np.ones(3), np.ones(3), np.zeros(3), reduction="mean")
    with pytest.raises(ValueError, match=r"\(3,\)"):
        F.mse_loss_backward(np.ones(2), np.ones(3), np.zeros(3), reduction="none")
