"""dlbook.nn.init: gains and fans against torch.nn.init, the distributions of the four
initialisers on large arrays against their formulas, in-place semantics, reproducibility and
input validation."""
import math

import numpy as np
import pytest

import dlbook
from dlbook import nn
from dlbook.nn import init

NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]

# gains written out from the formulas (independent of both libraries)
GAIN = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2), "selu": 0.75}


def _gain(nonlinearity, a=None):
    if nonlinearity == "leaky_relu":
        a = 0.01 if a is None else a
        return math.sqrt(2 / (1 + a * a))
    return GAIN.get(nonlinearity, 1.0)


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_calculate_gain_equals_torch(torch, nonlinearity):
    assert init.calculate_gain(nonlinearity) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity), rel=1e-15)
    assert init.calculate_gain(nonlinearity) == pytest.approx(_gain(nonlinearity), rel=1e-15)


@pytest.mark.parametrize("param", [None, 0, 0.0, 0.01, 0.2, 1, 3, 5.5])
def test_calculate_gain_leaky_relu_param_equals_torch(torch, param):
    ours = init.calculate_gain("leaky_relu", param)
    assert ours == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", param), rel=1e-15)
    assert ours == pytest.approx(_gain("leaky_relu", param), rel=1e-15)


@pytest.mark.parametrize("bad", ["softmax", "Relu", "gelu", "swish", ""])
def test_calculate_gain_unknown_nonlinearity(bad):
    with pytest.raises(ValueError, match="nonlinearity"):
        init.calculate_gain(bad)


@pytest.mark.parametrize("bad", ["softmax", "Relu", "gelu", "swish", ""])
def test_torch_also_rejects_unknown_nonlinearity(torch, bad):
    with pytest.raises(ValueError):
        torch.nn.init.calculate_gain(bad)


SHAPES = [(3, 5), (7, 2), (1, 1), (8, 3, 3, 3), (4, 6, 5, 2), (5, 4, 7), (2, 3, 2, 2, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_fans_equal_torch(torch, shape):
    ours = init._calculate_fan_in_and_fan_out(np.zeros(shape))
    theirs = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert ours == theirs
    receptive = int(np.prod(shape[2:]))
    assert ours == (shape[1] * receptive, shape[0] * receptive)


# --------------------------------------------------------------------------- distributions

def _check_uniform(w, bound):
    n = w.size
    assert np.all(np.abs(w) <= bound)
    assert np.max(w) > 0.99 * bound and np.min(w) < -0.99 * bound
    assert abs(np.mean(w)) < 5 * bound / math.sqrt(3 * n)
    assert np.std(w) == pytest.approx(bound / math.sqrt(3), rel=0.02)


def _check_normal(w, std):
    n = w.size
    assert abs(np.mean(w)) < 5 * std / math.sqrt(n)
    assert np.std(w) == pytest.approx(std, rel=0.02)
    # a normal, not a uniform: about 4.6 % of the mass beyond 2 sigma
    assert np.mean(np.abs(w) > 2 * std) == pytest.approx(0.0455, abs=0.01)


BIG = [(300, 500), (64, 32, 3, 3)]


@pytest.mark.parametrize("shape", BIG, ids=str)
@pytest.mark.parametrize("gain", [1.0, 5 / 3, 0.5])
def test_xavier_uniform_distribution(shape, gain):
    fan_in, fan_out = shape[1] * int(np.prod(shape[2:])), shape[0] * int(np.prod(shape[2:]))
    w = init.xavier_uniform_(np.empty(shape), gain=gain, generator=np.random.default_rng(1))
    _check_uniform(w, gain * math.sqrt(6 / (fan_in + fan_out)))


@pytest.mark.parametrize("shape", BIG, ids=str)
@pytest.mark.parametrize("gain", [1.0, math.sqrt(2)])
def test_xavier_normal_distribution(shape, gain):
    fan_in, fan_out = shape[1] * int(np.prod(shape[2:])), shape[0] * int(np.prod(shape[2:]))
    w = init.xavier_normal_(np.empty(shape), gain=gain, generator=np.random.default_rng(2))
    _check_normal(w, gain * math.sqrt(2 / (fan_in + fan_out)))


KAIMING = [dict(), dict(mode="fan_out"), dict(nonlinearity="relu"),
           dict(a=0.2, nonlinearity="leaky_relu", mode="fan_out"), dict(nonlinearity="tanh"),
           dict(nonlinearity="linear", mode="fan_in"), dict(a=1.0)]
KAIMING_IDS = ["-".join(f"{k}{v}" for k, v in kw.items()) or "defaults" for kw in KAIMING]


def _kaiming_std(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    receptive = int(np.prod(shape[2:]))
    fan = shape[1] * receptive if mode == "fan_in" else shape[0] * receptive
    return _gain(nonlinearity, a) / math.sqrt(fan)


@pytest.mark.parametrize("shape", BIG, ids=str)
@pytest.mark.parametrize("kwargs", KAIMING, ids=KAIMING_IDS)
def test_kaiming_uniform_distribution(shape, kwargs):
    w = init.kaiming_uniform_(np.empty(shape), generator=np.random.default_rng(3), **kwargs)
    _check_uniform(w, math.sqrt(3) * _kaiming_std(shape, **kwargs))


@pytest.mark.parametrize("shape", BIG, ids=str)
@pytest.mark.parametrize("kwargs", KAIMING, ids=KAIMING_IDS)
def test_kaiming_normal_distribution(shape, kwargs):
    w = init.kaiming_normal_(np.empty(shape), generator=np.random.default_rng(4), **kwargs)
    _check_normal(w, _kaiming_std(shape, **kwargs))


def test_kaiming_defaults_give_relu_gain():
    """PyTorch's defaults (a=0, leaky_relu) are He's sqrt(2/fan_in)."""
    w = init.kaiming_normal_(np.empty((400, 250)), generator=np.random.default_rng(5))
    assert np.std(w) == pytest.approx(math.sqrt(2 / 250), rel=0.02)


@pytest.mark.parametrize("shape", BIG, ids=str)
def test_kaiming_uniform_with_linear_default_slope(shape):
    """a = sqrt(5), the slope torch.nn.Linear uses, gives the bound 1/sqrt(fan_in)."""
    fan_in = shape[1] * int(np.prod(shape[2:]))
    w = init.kaiming_uniform_(np.empty(shape), a=math.sqrt(5), generator=np.random.default_rng(7))
    _check_uniform(w, 1 / math.sqrt(fan_in))


SCALE_CASES = [("xavier_uniform_", {}), ("xavier_normal_", {}), ("kaiming_uniform_", {}),
               ("kaiming_normal_", {}), ("xavier_normal_", dict(gain=2.0)),
               ("kaiming_uniform_", dict(a=0.1)), ("kaiming_normal_", dict(mode="fan_out"))]


@pytest.mark.parametrize("name, kwargs", SCALE_CASES,
                         ids=["-".join([name] + [f"{k}={v}" for k, v in kw.items()])
                              for name, kw in SCALE_CASES])
def test_same_scale_as_torch(torch, name, kwargs):
    """The empirical std of dlbook's and torch's samples agree (same formula, same fans)."""
    shape = (128, 64, 3, 3)
    ours = getattr(init, name)(np.empty(shape), generator=np.random.default_rng(6), **kwargs)
    torch.manual_seed(0)
    theirs = getattr(torch.nn.init, name)(torch.empty(shape, dtype=torch.float64),
                                          **kwargs).numpy()
    assert np.std(ours) == pytest.approx(np.std(theirs), rel=0.02)
    assert np.max(np.abs(ours)) == pytest.approx(np.max(np.abs(theirs)), rel=0.1)


# --------------------------------------------------------------------------- semantics

INITS = [lambda t, g: init.xavier_uniform_(t, generator=g),
         lambda t, g: init.xavier_normal_(t, gain=2.0, generator=g),
         lambda t, g: init.kaiming_uniform_(t, a=0.1, mode="fan_out", generator=g),
         lambda t, g: init.kaiming_normal_(t, nonlinearity="relu", generator=g)]
INIT_IDS = ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]


@pytest.mark.parametrize("fn", INITS, ids=INIT_IDS)
def test_in_place_on_ndarray_and_parameter(fn):
    arr = np.zeros((20, 30))
    out = fn(arr, np.random.default_rng(0))
    assert out is arr and np.count_nonzero(arr) == arr.size
    p = nn.Parameter(np.zeros((20, 30)))
    data = p.data
    out = fn(p, np.random.default_rng(0))
    assert out is p and p.data is data
    np.testing.assert_array_equal(p.data, arr)   # same generator state, same values
    # a view is filled through to its base
    base = np.zeros((4, 20, 30))
    fn(base[1], np.random.default_rng(0))
    np.testing.assert_array_equal(base[1], arr)
    assert not base[0].any() and not base[2:].any()


@pytest.mark.parametrize("fn", INITS, ids=INIT_IDS)
def test_reproducible_with_a_generator(fn):
    a = fn(np.empty((6, 5)), np.random.default_rng(42))
    b = fn(np.empty((6, 5)), np.random.default_rng(42))
    c = fn(np.empty((6, 5)), np.random.default_rng(43))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_default_generator_follows_manual_seed(restore_default_generator):
    dlbook.manual_seed(7)
    a = init.kaiming_uniform_(np.empty((5, 4)))
    dlbook.manual_seed(7)
    b = init.kaiming_uniform_(np.empty((5, 4)))
    np.testing.assert_array_equal(a, b)


def test_zeros_and_ones():
    p = nn.Parameter(np.full((2, 3), 7.0))
    assert init.zeros_(p) is p and not p.data.any()
    assert init.ones_(p) is p and np.all(p.data == 1.0)
    arr = np.zeros(4)
    assert init.ones_(arr) is arr and np.all(arr == 1.0)
    assert init.zeros_(arr) is arr and not arr.any()


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("fn", INITS, ids=INIT_IDS)
@pytest.mark.parametrize("shape", [(5,), ()], ids=["1d", "0d"])
def test_fewer_than_two_dimensions_raise(fn, shape):
    with pytest.raises(ValueError, match="2 dimensions"):
        fn(np.zeros(shape), np.random.default_rng(0))


def test_torch_also_rejects_1d():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.nn.init.xavier_uniform_(torch.empty(5))


@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.kaiming_normal_])
def test_bad_mode_and_nonlinearity_raise(fn):
    with pytest.raises(ValueError, match="mode"):
        fn(np.zeros((3, 4)), mode="fan_avg")
    with pytest.raises(ValueError, match="nonlinearity"):
        fn(np.zeros((3, 4)), nonlinearity="softplus")


@pytest.mark.parametrize("fn", [init.zeros_, init.ones_], ids=["zeros_", "ones_"])
def test_constant_fills_need_float64(fn):
    with pytest.raises(TypeError, match="float64"):
        fn(np.zeros(3, dtype=np.float32))


@pytest.mark.parametrize("fn", INITS, ids=INIT_IDS)
@pytest.mark.parametrize("bad", [np.zeros((3, 4), dtype=np.int64), np.zeros((3, 4), dtype=bool),
                                 [[0.0, 0.0], [0.0, 0.0]]], ids=["int", "bool", "list"])
def test_non_float_arrays_raise_type_error(fn, bad):
    with pytest.raises(TypeError):
        fn(bad, np.random.default_rng(0))
