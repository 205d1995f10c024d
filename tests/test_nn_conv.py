"""dlbook.nn convolution, pooling, Flatten and BatchNorm2d modules: finite-difference gradient
checks, parity with torch.nn (float64, weights copied through the state dict, forward, input and
parameter gradients, accumulation over calls), PyTorch's initialisation rule, reprs, and the
error messages."""
import math

import numpy as np
import pytest

from dlbook import no_grad
from dlbook.gradcheck import check_module
from dlbook.nn.batchnorm2d import BatchNorm2d
from dlbook.nn.conv import Conv1d, Conv2d, ConvTranspose2d
from dlbook.nn.flatten import Flatten
from dlbook.nn.modules import ReLU, Sequential
from dlbook.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, LPPool2d, MaxPool2d
from reference import assert_parity, central_difference, tt

# (class name, positional args, keyword args, input shape): every option of every layer,
# small enough for finite differences
CONV_CASES = [
    ("Conv2d", (3, 4, 3), dict(padding=1), (2, 3, 5, 5)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
     (2, 4, 6, 7)),
    ("Conv2d", (4, 4, 3), dict(padding=1, groups=4, bias=False), (2, 4, 5, 5)),   # depthwise
    ("Conv2d", (2, 6, 3), dict(stride=2, groups=2), (1, 2, 7, 6)),
    ("Conv2d", (2, 3, 2), dict(padding="same", dilation=2), (2, 2, 5, 5)),
    ("Conv2d", (2, 3, 3), dict(padding="valid"), (2, 6, 6)),                       # unbatched
    ("Conv2d", (2, 3, 3), dict(padding=(2, 1), padding_mode="reflect"), (2, 2, 5, 4)),
    ("Conv2d", (2, 3, (2, 3)), dict(padding="same", padding_mode="replicate"), (2, 2, 4, 5)),
    ("Conv2d", (2, 4, 3), dict(stride=2, padding=2, groups=2, padding_mode="circular"),
     (2, 2, 5, 5)),
    ("Conv1d", (3, 4, 3), dict(padding=1), (2, 3, 7)),
    ("Conv1d", (4, 2, 2), dict(stride=2, dilation=2, groups=2, bias=False), (2, 4, 9)),
    ("Conv1d", (2, 3, 3), dict(padding=2, padding_mode="circular"), (2, 2, 5)),
    ("Conv1d", (2, 2, 4), dict(padding="same", padding_mode="reflect"), (2, 6)),
    ("ConvTranspose2d", (3, 4, 3), dict(), (2, 3, 3, 4)),
    ("ConvTranspose2d", (4, 6, (3, 2)), dict(stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 3, 3)),
    ("ConvTranspose2d", (2, 2, 3), dict(stride=(1, 2), dilation=2, output_padding=(1, 0),
                                        bias=False), (2, 2, 3, 3)),
    ("ConvTranspose2d", (4, 4, 2), dict(stride=2, groups=4), (4, 2, 3)),
]
CONV_IDS = [f"{name}-{k}" for k, (name, *_) in enumerate(CONV_CASES)]
CONV_CLASSES = {"Conv1d": Conv1d, "Conv2d": Conv2d, "ConvTranspose2d": ConvTranspose2d}

POOL_CASES = [
    ("MaxPool2d", (2,), dict(), (2, 3, 6, 6)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1), (2, 2, 7, 6)),
    ("MaxPool2d", ((2, 3),), dict(stride=(2, 1), dilation=(2, 1), padding=(1, 1)),
     (1, 2, 7, 7)),
    ("MaxPool2d", (3,), dict(stride=2, ceil_mode=True), (2, 2, 6, 8)),
    ("MaxPool2d", (2,), dict(ceil_mode=True), (3, 5, 5)),
    ("AvgPool2d", (2,), dict(), (2, 3, 6, 6)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 2, 7, 6)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), (2, 2, 6, 6)),
    ("AvgPool2d", ((2, 3),), dict(stride=1, divisor_override=4), (1, 2, 5, 5)),
    ("LPPool2d", (2, 2), dict(), (2, 2, 6, 6)),
    ("LPPool2d", (1.5, 3), dict(stride=2, ceil_mode=True), (2, 2, 6, 7)),
    ("AdaptiveAvgPool2d", ((3, 2),), dict(), (2, 2, 7, 5)),
    ("AdaptiveAvgPool2d", ((None, 3),), dict(), (2, 2, 4, 7)),
    ("AdaptiveAvgPool2d", (1,), dict(), (2, 3, 5, 5)),
]
POOL_IDS = [f"{name}-{k}" for k, (name, *_) in enumerate(POOL_CASES)]
POOL_CLASSES = {"MaxPool2d": MaxPool2d, "AvgPool2d": AvgPool2d, "LPPool2d": LPPool2d,
                "AdaptiveAvgPool2d": AdaptiveAvgPool2d}


def _pool_input(name, shape, rng):
    x = rng.normal(size=shape)
    return np.abs(x) + 0.5 if name == "LPPool2d" else x       # LP pooling of positive inputs


def _torch_copy(torch, module, cls_name, args, kwargs):
    """The torch.nn module of the same class and options, with ``module``'s state dict."""
    ref = getattr(torch.nn, cls_name)(*args, **kwargs).to(torch.float64)
    missing, unexpected = ref.load_state_dict({k: torch.tensor(v) for k, v in
                                               module.state_dict().items()})
    assert not missing and not unexpected
    return ref


def _compare(torch, module, ref, x, rng, calls=1):
    """``calls`` forward/backward rounds through both modules without zeroing, so parameter
    gradients accumulate; outputs, input gradients and every parameter gradient compared."""
    module.zero_grad()
    ref.zero_grad()
    for _ in range(calls):
        x = x + rng.normal(scale=0.1, size=x.shape)
        y = module(x)
        g = rng.normal(size=y.shape)
        dx = module.backward(g)
        xt = tt(x, True)
        yt = ref(xt)
        yt.backward(tt(g))
        assert_parity(y, yt)
        assert_parity(dx, xt.grad)
    named = dict(ref.named_parameters())
    for name, p in module.named_parameters():
        assert_parity(p.grad, named[name].grad)


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("name, args, kwargs, shape", CONV_CASES, ids=CONV_IDS)
def test_conv_gradients_match_finite_differences(rng, name, args, kwargs, shape):
    module = CONV_CLASSES[name](*args, **kwargs, generator=rng)
    errors = check_module(module, rng.normal(size=shape), generator=rng)
    assert set(errors) == {"input"} | {n for n, _ in module.named_parameters()}


@pytest.mark.parametrize("name, args, kwargs, shape", POOL_CASES, ids=POOL_IDS)
def test_pool_gradients_match_finite_differences(rng, name, args, kwargs, shape):
    module = POOL_CLASSES[name](*args, **kwargs)
    check_module(module, _pool_input(name, shape, rng), generator=rng)


def test_max_pool_with_indices_gradient_by_central_differences(rng):
    pool = MaxPool2d(3, stride=2, padding=1, return_indices=True)
    x = rng.normal(size=(2, 2, 5, 6))
    out, indices = pool(x)
    assert indices.dtype == np.int64 and indices.shape == out.shape
    r = rng.normal(size=out.shape)
    dx = pool.backward(r)
    with no_grad():
        numeric = central_difference(lambda z: np.sum(pool(z)[0] * r), x)
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", ["train", "eval", "no-affine", "no-tracking"])
def test_batchnorm2d_gradients(rng, case):
    options = {"no-affine": dict(affine=False), "no-tracking": dict(track_running_stats=False)}
    bn = BatchNorm2d(3, **options.get(case, {}))
    if bn.affine:
        bn.weight.data[...] = rng.uniform(0.5, 2.0, 3)
        bn.bias.data[...] = rng.normal(size=3)
    if case == "eval":
        with no_grad():
            for _ in range(3):                  # running statistics away from 0 and 1
                bn(rng.normal(loc=2.0, scale=3.0, size=(4, 3, 3, 3)))
        bn.eval()
    check_module(bn, rng.normal(size=(3, 3, 3, 2)), generator=rng)


def test_flatten_forward_and_gradient(rng):
    x = rng.normal(size=(2, 3, 4, 5))
    for start, end, shape in ((1, -1, (2, 60)), (0, 1, (6, 4, 5)), (2, 3, (2, 3, 20)),
                              (-3, -2, (2, 12, 5)), (1, 1, (2, 3, 4, 5))):
        f = Flatten(start, end)
        y = f(x)
        assert y.shape == shape
        np.testing.assert_array_equal(y.reshape(x.shape), x)
        check_module(f, x, generator=rng)


def test_conv_module_called_twice_accumulates(torch, rng):
    conv = Conv2d(3, 3, 3, padding=1, generator=rng)
    net = Sequential(conv, ReLU(), conv)
    ref_conv = _torch_copy(torch, conv, "Conv2d", (3, 3, 3), dict(padding=1))
    ref = torch.nn.Sequential(ref_conv, torch.nn.ReLU(), ref_conv)
    _compare(torch, net, ref, rng.normal(size=(2, 3, 5, 5)), rng, calls=2)


def _random_conv2d(rng):
    """Random Conv2d options and an input shape for which the output is not empty."""
    groups = int(rng.choice([1, 2, 3]))
    c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    kernel = tuple(int(k) for k in rng.integers(1, 4, 2))
    stride = tuple(int(s) for s in rng.integers(1, 3, 2))
    dilation = tuple(int(d) for d in rng.integers(1, 3, 2))
    padding = tuple(int(p) for p in rng.integers(0, 3, 2))
    mode = str(rng.choice(["zeros", "reflect", "replicate", "circular"]))
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    size = [max(e - 2 * p, p + 1, 2) + int(rng.integers(0, 3)) for e, p in zip(extent, padding)]
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups,
                  bias=bool(rng.integers(2)), padding_mode=mode)
    return (c_in, c_out, kernel), kwargs, (2, c_in, *size)


def test_random_conv2d_configurations(torch, rng):
    for _ in range(12):
        args, kwargs, shape = _random_conv2d(rng)
        module = Conv2d(*args, **kwargs, generator=rng)
        check_module(module, rng.normal(size=shape), generator=rng)
        _compare(torch, module, _torch_copy(torch, module, "Conv2d", args, kwargs),
                 rng.normal(size=shape), rng)


# --------------------------------------------------------------------------- parity
@pytest.mark.parametrize("name, args, kwargs, shape", CONV_CASES, ids=CONV_IDS)
def test_conv_parity_with_torch(torch, rng, name, args, kwargs, shape):
    module = CONV_CLASSES[name](*args, **kwargs, generator=rng)
    ref = _torch_copy(torch, module, name, args, kwargs)
    assert list(module.state_dict()) == list(ref.state_dict())
    assert module.weight.shape == tuple(ref.weight.shape)
    _compare(torch, module, ref, rng.normal(size=shape), rng, calls=2)


@pytest.mark.parametrize("name, args, kwargs, shape", POOL_CASES, ids=POOL_IDS)
def test_pool_parity_with_torch(torch, rng, name, args, kwargs, shape):
    module = POOL_CLASSES[name](*args, **kwargs)
    ref = getattr(torch.nn, name)(*args, **kwargs)
    x = _pool_input(name, shape, rng)
    y = module(x)
    g = rng.normal(size=y.shape)
    xt = tt(x, True)
    yt = ref(xt)
    yt.backward(tt(g))
    assert_parity(y, yt)
    assert_parity(module.backward(g), xt.grad)
    assert repr(module) == repr(ref)


def test_depthwise_conv_parity_with_torch(torch, rng):
    """groups = channels, with a channel multiplier of 2 (each input channel, two kernels)."""
    module = Conv2d(5, 10, 3, stride=2, padding=1, groups=5, generator=rng)
    ref = _torch_copy(torch, module, "Conv2d", (5, 10, 3), dict(stride=2, padding=1, groups=5))
    assert module.weight.shape == (10, 1, 3, 3)
    _compare(torch, module, ref, rng.normal(size=(3, 5, 8, 7)), rng)


def test_max_pool_return_indices_parity(torch, rng):
    kwargs = dict(stride=2, padding=1, ceil_mode=True, return_indices=True)
    pool, ref = MaxPool2d(3, **kwargs), torch.nn.MaxPool2d(3, **kwargs)
    x = rng.normal(size=(2, 3, 8, 7))
    (out, indices), xt = pool(x), tt(x, True)
    out_t, indices_t = ref(xt)
    np.testing.assert_array_equal(indices, indices_t.numpy())
    g = rng.normal(size=out.shape)
    out_t.backward(tt(g))
    assert_parity(out, out_t)
    assert_parity(pool.backward(g), xt.grad)


def test_conv_transpose_output_size_parity(torch, rng):
    module = ConvTranspose2d(2, 3, 3, stride=3, padding=1, generator=rng)
    ref = _torch_copy(torch, module, "ConvTranspose2d", (2, 3, 3), dict(stride=3, padding=1))
    x = rng.normal(size=(2, 2, 4, 4))
    for size in ((10, 11), (2, 3, 12, 10)):
        y = module(x, output_size=size)
        yt = ref(tt(x), output_size=list(size))
        assert y.shape == tuple(yt.shape) and y.shape[-2:] == size[-2:]
        assert_parity(y, yt)
    g = rng.normal(size=y.shape)
    xt = tt(x, True)
    ref(xt, output_size=list(size)).backward(tt(g))
    assert_parity(module.backward(g), xt.grad)


def test_conv_transpose_is_the_adjoint_of_conv(rng):
    conv = Conv2d(3, 4, 3, stride=2, padding=1, dilation=1, groups=1, bias=False,
                  generator=rng)
    convt = ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1, bias=False)
    convt.weight.data[...] = conv.weight.data
    x, y = rng.normal(size=(2, 3, 8, 8)), rng.normal(size=(2, 4, 4, 4))
    with no_grad():
        assert math.isclose(np.sum(conv(x) * y), np.sum(x * convt(y)), rel_tol=1e-12)


@pytest.mark.parametrize("affine, track, momentum", [(True, True, 0.1), (False, True, 0.3),
                                                     (True, True, None), (True, False, 0.1)])
def test_batchnorm2d_parity_over_steps(torch, rng, affine, track, momentum):
    kwargs = dict(eps=1e-3, momentum=momentum, affine=affine, track_running_stats=track)
    bn, ref = BatchNorm2d(4, **kwargs), torch.nn.BatchNorm2d(4, **kwargs).to(torch.float64)
    if affine:
        bn.weight.data[...] = rng.uniform(0.5, 2.0, 4)
        bn.bias.data[...] = rng.normal(size=4)
    ref.load_state_dict({k: torch.tensor(v) for k, v in bn.state_dict().items()})
    assert list(bn.state_dict()) == list(ref.state_dict())
    for step, mode in enumerate(["train"] * 4 + ["eval"] * 2 + ["train"]):
        bn.train(mode == "train")
        ref.train(mode == "train")
        scale, shift = rng.uniform(0.5, 3.0, (1, 4, 1, 1)), rng.normal(size=(1, 4, 1, 1)) * step
        _compare(torch, bn, ref, rng.normal(size=(3, 4, 5, 4)) * scale + shift, rng)
        if track:
            assert_parity(bn.running_mean, ref.running_mean)
            assert_parity(bn.running_var, ref.running_var)
            assert int(bn.num_batches_tracked) == int(ref.num_batches_tracked)


def test_flatten_parity_and_repr(torch, rng):
    x = rng.normal(size=(2, 3, 4))
    for args in ((), (0,), (0, 1), (-2, -1)):
        assert_parity(Flatten(*args)(x), torch.nn.Flatten(*args)(tt(x)))
        assert repr(Flatten(*args)) == repr(torch.nn.Flatten(*args))


@pytest.mark.parametrize("name, args, kwargs", [
    ("Conv2d", (3, 8, 3), dict(padding=1, bias=False)),
    ("Conv2d", (4, 8, (3, 5)), dict(stride=2, dilation=(1, 2), groups=2)),
    ("Conv2d", (3, 8, 3), dict(padding="same", padding_mode="circular")),
    ("Conv1d", (3, 8, 5), dict(padding=2, padding_mode="reflect")),
    ("ConvTranspose2d", (4, 2, 3), dict(stride=2, padding=1, output_padding=1, dilation=2,
                                        groups=2, bias=False)),
])
def test_conv_repr_matches_torch(torch, name, args, kwargs):
    assert repr(CONV_CLASSES[name](*args, **kwargs)) == \
        repr(getattr(torch.nn, name)(*args, **kwargs))


# --------------------------------------------------------------------------- initialisation
@pytest.mark.parametrize("name, args, kwargs, fan_in", [
    ("Conv2d", (16, 32, 3), {}, 16 * 9),
    ("Conv2d", (16, 32, (3, 5)), dict(groups=4), 4 * 15),
    ("Conv1d", (8, 64, 7), {}, 8 * 7),
    ("ConvTranspose2d", (32, 16, 4), dict(groups=2), 8 * 16),  # fan_in from (in, out/g, k, k)
])
def test_initialisation_follows_torch_rule(torch, name, args, kwargs, fan_in):
    """Weight and bias are U(-b, b) with b = 1/sqrt(fan_in): every draw inside the bound, the
    extremes close to it, the variance b²/3; torch's own layer has the same bound."""
    module = CONV_CLASSES[name](*args, **kwargs, generator=0)
    bound = 1.0 / math.sqrt(fan_in)
    for p, n_min in ((module.weight.data, 1000), (module.bias.data, 8)):
        assert p.size >= n_min
        assert np.abs(p).max() <= bound
    w = module.weight.data
    assert np.abs(w).max() > 0.98 * bound
    assert abs(w.var() / (bound ** 2 / 3) - 1) < 0.1
    assert abs(w.mean()) < 0.1 * bound
    ref = getattr(torch.nn, name)(*args, **kwargs)
    for p in (ref.weight, ref.bias):
        assert p.detach().abs().max().item() <= bound * (1 + 1e-6)
    assert ref.weight.detach().abs().max().item() > 0.98 * bound


def test_initialisation_is_reproducible_from_the_generator():
    a, b, c = (Conv2d(3, 4, 3, generator=seed) for seed in (7, 7, 8))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    assert Conv2d(3, 4, 3, bias=False).bias is None


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("build, error, match", [
    (lambda: Conv2d(3, 4, 3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda: Conv2d(4, 6, 3, groups=4), ValueError, "out_channels must be divisible by groups"),
    (lambda: Conv2d(3, 4, 3, padding="full"), ValueError, "'valid' or 'same', got 'full'"),
    (lambda: Conv2d(3, 4, 3, stride=2, padding="same"), ValueError, "not supported for strided"),
    (lambda: Conv2d(3, 4, 3, padding_mode="mirror"), ValueError, "padding_mode must be one of"),
    (lambda: Conv2d(3, 4, 0), ValueError, "kernel_size must be positive"),
    (lambda: Conv2d(3, 4, 2.5), TypeError, "kernel_size must be an int or a tuple of 2 ints"),
    (lambda: Conv2d(3.0, 4, 3), TypeError, "in_channels must be a positive int"),
    (lambda: Conv1d(3, 4, (3, 3)), TypeError, "kernel_size must be an int or a tuple of 1 int"),
    (lambda: ConvTranspose2d(3, 4, 3, padding_mode="circular"), ValueError,
     "only padding_mode='zeros' is supported"),
    (lambda: ConvTranspose2d(3, 4, 3, stride=2, output_padding=2), ValueError,
     "output_padding must be smaller than either stride or dilation"),
    (lambda: MaxPool2d(0), ValueError, "kernel_size must be positive"),
    (lambda: MaxPool2d(2, ceil_mode=1), TypeError, "ceil_mode must be a bool"),
    (lambda: AvgPool2d(2, divisor_override=0), ValueError, "divisor_override must be non-zero"),
    (lambda: LPPool2d(-1, 2), ValueError, r"norm_type must be a real number in \(0, inf\), got -1"),
    (lambda: AdaptiveAvgPool2d((2, 0)), ValueError, "output_size must be positive"),
    (lambda: Flatten(1.5), TypeError, "start_dim must be an int"),
])
def test_constructor_errors(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_forward_and_backward_errors(rng):
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3, H, W\) or \(3, H, W\),"
                                         r" got shape \(2, 4, 5, 5\)"):
        Conv2d(3, 4, 3)(rng.normal(size=(2, 4, 5, 5)))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3, L\)"):
        Conv1d(3, 4, 3)(rng.normal(size=(2, 3, 5, 5)))
    with pytest.raises(ValueError, match="smaller than the dilated kernel"):
        Conv2d(3, 4, 5)(rng.normal(size=(1, 3, 4, 4)))
    with pytest.raises(ValueError, match="padding_mode='reflect' needs padding smaller"):
        Conv2d(1, 1, 3, padding=3, padding_mode="reflect")(rng.normal(size=(1, 1, 3, 3)))
    with pytest.raises(ValueError, match="valid sizes range from 7 to 8"):
        ConvTranspose2d(1, 1, 3, stride=2)(rng.normal(size=(1, 1, 3, 3)), output_size=(9, 9))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 2, H, W\)"):
        ConvTranspose2d(2, 1, 3)(rng.normal(size=(1, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\) expected input of shape "
                                         r"\(N, 3, H, W\), got shape \(4, 3\)"):
        BatchNorm2d(3)(rng.normal(size=(4, 3)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm2d(3)(rng.normal(size=(1, 3, 1, 1)))
    with pytest.raises(ValueError, match="start_dim \\(2\\) comes after end_dim \\(1\\)"):
        Flatten(2, 1)(rng.normal(size=(2, 3, 4)))
    with pytest.raises(ValueError, match="end_dim=3 is out of range"):
        Flatten(1, 3)(rng.normal(size=(2, 3, 4)))
    pool = MaxPool2d(2, return_indices=True)
    pool(rng.normal(size=(1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"grad_output has shape \(1, 1, 4, 4\) but the output "
                                         r"of the forward pass has shape \(1, 1, 2, 2\)"):
        pool.backward(np.ones((1, 1, 4, 4)))
    conv = Conv2d(1, 1, 3)
    with pytest.raises(RuntimeError, match="backward called more often than its forward"):
        conv.backward(np.ones((1, 1, 2, 2)))
