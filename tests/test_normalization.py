"""dlbook.nn.BatchNorm1d: parity with torch.nn.BatchNorm1d (float64) over consecutive batches in
train and eval modes for every option (outputs, gradients, running statistics), finite-difference
gradient checks, statistics computed here by hand, its place in Sequential, and input
validation."""
import itertools

import numpy as np
import pytest

from dlbook import nn
from dlbook.gradcheck import check_module
from reference import assert_parity, central_difference, tt

D = 4
SHAPES = {"2d": (16, D), "3d": (6, D, 5)}
OPTIONS = list(itertools.product(SHAPES, (True, False), (True, False), (0.1, 0.3, None)))
OPTION_IDS = [f"{s}-affine{a}-track{t}-momentum{m}" for s, a, t, m in OPTIONS]


def _pair(torch, rng, affine, track, momentum, eps=1e-5):
    bn = nn.BatchNorm1d(D, eps=eps, momentum=momentum, affine=affine, track_running_stats=track)
    ref = torch.nn.BatchNorm1d(D, eps=eps, momentum=momentum, affine=affine,
                               track_running_stats=track).to(torch.float64)
    if affine:   # non-trivial gamma and beta, the same in both
        gamma, beta = rng.uniform(0.5, 2.0, D), rng.normal(size=D)
        bn.weight.data[...] = gamma
        bn.bias.data[...] = beta
        with torch.no_grad():
            ref.weight.copy_(tt(gamma))
            ref.bias.copy_(tt(beta))
    return bn, ref


def _compare_step(torch, bn, ref, x, rng):
    """Forward, backward with a random upstream gradient, and every quantity compared."""
    g = rng.normal(size=x.shape)
    bn.zero_grad()
    y = bn(x)
    dx = bn.backward(g)
    xt = tt(x, True)
    ref.zero_grad()
    yt = ref(xt)
    yt.backward(tt(g))
    assert_parity(y, yt)
    assert_parity(dx, xt.grad)
    if bn.affine:
        assert_parity(bn.weight.grad, ref.weight.grad)
        assert_parity(bn.bias.grad, ref.bias.grad)
    else:
        assert bn.weight is None and bn.bias is None and bn.parameters() == []
    if bn.track_running_stats:
        assert_parity(bn.running_mean, ref.running_mean)
        assert_parity(bn.running_var, ref.running_var)
        assert bn.num_batches_tracked == int(ref.num_batches_tracked)
    else:
        assert bn.running_mean is None and bn.running_var is None
        assert ref.running_mean is None


def _run_schedule(torch, rng, bn, ref, shape):
    """Four training batches (shifted, scaled data so the running statistics move), two in
    evaluation mode, then one more training batch, each compared with torch."""
    schedule = ["train"] * 4 + ["eval"] * 2 + ["train"]
    for k, mode in enumerate(schedule):
        bn.train(mode == "train")
        ref.train(mode == "train")
        x = rng.normal(size=SHAPES[shape]) * rng.uniform(0.5, 3.0, (1, D) + (1,) * (len(
            SHAPES[shape]) - 2)) + rng.normal(size=(1, D) + (1,) * (len(SHAPES[shape]) - 2)) * k
        _compare_step(torch, bn, ref, x, rng)


@pytest.mark.parametrize("shape, affine, track, momentum", OPTIONS, ids=OPTION_IDS)
def test_parity_with_torch_over_batches_and_modes(torch, rng, shape, affine, track, momentum):
    bn, ref = _pair(torch, rng, affine, track, momentum)
    _run_schedule(torch, rng, bn, ref, shape)
    if track:
        assert bn.num_batches_tracked == 5


@pytest.mark.parametrize("shape", SHAPES)
def test_parity_with_torch_for_another_eps(torch, rng, shape):
    bn, ref = _pair(torch, rng, affine=True, track=True, momentum=0.3, eps=1e-3)
    _run_schedule(torch, rng, bn, ref, shape)


def test_eval_after_training_uses_running_statistics_by_hand(rng):
    """Running statistics by hand: momentum average of batch means and *unbiased* variances;
    in eval mode y = gamma (x - running_mean) / sqrt(running_var + eps) + beta."""
    bn = nn.BatchNorm1d(3, momentum=0.2, eps=1e-3)
    bn.weight.data[...] = [1.0, 2.0, 0.5]
    bn.bias.data[...] = [0.0, -1.0, 3.0]
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(3):
        x = rng.normal(size=(7, 3)) * [1.0, 2.0, 3.0] + [0.0, 5.0, -2.0]
        y = bn(x)
        mu, s2 = x.mean(axis=0), ((x - x.mean(axis=0)) ** 2).sum(axis=0) / 6
        mean, var = 0.8 * mean + 0.2 * mu, 0.8 * var + 0.2 * s2
        biased = ((x - mu) ** 2).mean(axis=0)
        np.testing.assert_allclose(y, (x - mu) / np.sqrt(biased + 1e-3) * bn.weight.data
                                   + bn.bias.data, rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-12)
    bn.eval()
    x = rng.normal(size=(5, 3))
    np.testing.assert_allclose(bn(x), (x - mean) / np.sqrt(var + 1e-3) * bn.weight.data
                               + bn.bias.data, rtol=1e-12)


def test_cumulative_average_when_momentum_is_none(rng):
    bn = nn.BatchNorm1d(2, momentum=None, affine=False)
    batches = [rng.normal(size=(4 + k, 2)) + k for k in range(5)]
    for x in batches:
        bn(x)
    np.testing.assert_allclose(bn.running_mean, np.mean([x.mean(axis=0) for x in batches],
                                                        axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, np.mean([x.var(axis=0, ddof=1) for x in batches],
                                                       axis=0), rtol=1e-12)


def test_train_output_is_normalised_per_feature(rng):
    x = rng.normal(size=(8, D, 6)) * 4 + 3
    y = nn.BatchNorm1d(D, affine=False, eps=0.0)(x)
    np.testing.assert_allclose(y.mean(axis=(0, 2)), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2)), 1.0, rtol=1e-12)


def test_defaults_normalise_each_feature(rng):
    """Default construction: gamma = 1, beta = 0 and eps = 1e-5 in the denominator."""
    x = rng.normal(size=(50, 4)) * [1, 10, 0.1, 5] + [0, -3, 7, 2]
    y = nn.BatchNorm1d(4)(x)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-5), rtol=1e-12)


def test_in_sequential_names_and_modes(rng):
    model = nn.Sequential(nn.Linear(3, 4, generator=rng), nn.BatchNorm1d(4), nn.ReLU())
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.weight",
                                                        "1.bias"]
    model.eval()
    assert not model[1].training


# --------------------------------------------------------------------------- gradients

@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)], ids=["2d", "3d"])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_check_module_finite_differences(rng, shape, affine, track, mode):
    bn = nn.BatchNorm1d(3, affine=affine, track_running_stats=track)
    if affine:
        bn.weight.data[...] = rng.uniform(0.5, 2.0, 3)
        bn.bias.data[...] = rng.normal(size=3)
    for _ in range(3):   # non-trivial running statistics for eval mode
        bn(rng.normal(size=shape) * 2 + 1)
    bn.train(mode == "train")
    x = rng.normal(size=shape) * 1.5 - 0.5
    errors = check_module(bn, x, generator=rng)
    assert set(errors) == {"input"} | ({"weight", "bias"} if affine else set())
    assert max(errors.values()) < 1e-6


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_input_gradient_against_independent_central_differences(rng, mode):
    """The input gradient against tests/reference.py's central differences on copies of x."""
    bn = nn.BatchNorm1d(3, momentum=0.5)
    bn.weight.data[...] = [1.5, -0.7, 2.0]
    for _ in range(2):
        bn(rng.normal(size=(5, 3)) + 2)
    bn.train(mode == "train")
    x = rng.normal(size=(5, 3))
    r = rng.normal(size=(5, 3))
    bn.zero_grad()
    bn(x)
    dx = bn.backward(r)
    saved = (np.copy(bn.running_mean), np.copy(bn.running_var))

    def f(z):
        out = float(np.sum(bn(z) * r))
        bn.running_mean, bn.running_var = np.copy(saved[0]), np.copy(saved[1])
        return out

    np.testing.assert_allclose(dx, central_difference(f, x), rtol=1e-6, atol=1e-8)


def test_backward_accumulates_parameter_gradients(rng):
    bn = nn.BatchNorm1d(D)
    x, g = rng.normal(size=(6, D)), rng.normal(size=(6, D))
    bn(x)
    bn.backward(g)
    first = bn.weight.grad.copy(), bn.bias.grad.copy()
    bn(x)
    bn.backward(g)
    np.testing.assert_allclose(bn.weight.grad, 2 * first[0], rtol=1e-12)
    np.testing.assert_allclose(bn.bias.grad, 2 * first[1], rtol=1e-12)


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("bad_shape", [(5, 3), (5, 6, 2), (5,), (5, D, 2, 2)])
def test_wrong_input_shape_names_expected_and_received(bad_shape):
    bn = nn.BatchNorm1d(D)
    with pytest.raises(ValueError) as info:
        bn(np.zeros(bad_shape))
    msg = str(info.value)
    assert f"(N, {D})" in msg and f"(N, {D}, T)" in msg
    assert str(bad_shape) in msg
    assert msg.index(f"(N, {D})") < msg.index(str(bad_shape))    # expected, then received


def test_wrong_feature_count_also_rejected_by_torch(torch):
    with pytest.raises((ValueError, RuntimeError)):
        torch.nn.BatchNorm1d(D).double()(tt(np.zeros((5, 3))))


@pytest.mark.parametrize("shape", [(1, D), (1, D, 1)])
def test_single_value_per_feature_in_training_raises(shape):
    bn = nn.BatchNorm1d(D)
    with pytest.raises(ValueError, match="more than 1 value"):
        bn(np.ones(shape))
    assert bn.num_batches_tracked == 0
    # fine in evaluation mode, and with several time steps
    bn.eval()
    assert bn(np.ones(shape)).shape == shape
    bn.train()
    assert bn(np.arange(2.0 * D).reshape(1, D, 2)).shape == (1, D, 2)


@pytest.mark.parametrize("shape", [(1, D), (1, D, 1)])
def test_torch_also_needs_more_than_one_value(torch, shape):
    with pytest.raises(ValueError):
        torch.nn.BatchNorm1d(D).double()(tt(np.ones(shape)))


def test_backward_before_forward_and_bad_grad_shape(rng):
    bn = nn.BatchNorm1d(D)
    with pytest.raises(RuntimeError, match="backward called more often than its forward"):
        bn.backward(np.zeros((3, D)))
    bn(rng.normal(size=(3, D)))
    with pytest.raises(ValueError):
        bn.backward(np.zeros((4, D)))


@pytest.mark.parametrize("bad", [0, -2])
def test_num_features_must_be_positive(bad):
    with pytest.raises(ValueError, match="num_features"):
        nn.BatchNorm1d(bad)


def test_defaults_match_torch(torch):
    import inspect
    ours = inspect.signature(nn.BatchNorm1d).parameters
    theirs = inspect.signature(torch.nn.BatchNorm1d).parameters
    for key in ("eps", "momentum", "affine", "track_running_stats"):
        assert ours[key].default == theirs[key].default, key
