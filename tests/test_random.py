"""dlbook.random: the package-wide generator, and PyTorch's default initialisation bounds."""
import math

import numpy as np
import pytest

import dlbook
from dlbook import nn

pytestmark = pytest.mark.usefixtures("restore_default_generator")


def test_manual_seed_reproduces_weights_and_masks():
    def draw():
        layer = nn.Linear(4, 3)
        mask = dlbook.functional.dropout(np.ones(20), 0.5)[1]
        order = dlbook.data.minibatches(10, 3)
        return layer.weight.data, layer.bias.data, mask, np.concatenate(order)

    dlbook.manual_seed(123)
    first = draw()
    dlbook.manual_seed(123)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    dlbook.manual_seed(124)
    assert not np.array_equal(draw()[0], first[0])


def test_manual_seed_returns_the_default_generator():
    g = dlbook.manual_seed(7)
    assert g is dlbook.default_generator()
    assert isinstance(g, np.random.Generator)
    np.testing.assert_array_equal(g.random(3), np.random.default_rng(7).random(3))


def test_explicit_generator_leaves_default_untouched():
    dlbook.manual_seed(0)
    expected = np.random.default_rng(0).random(2)
    nn.Linear(5, 5, generator=np.random.default_rng(99))
    np.testing.assert_array_equal(dlbook.default_generator().random(2), expected)


@pytest.mark.parametrize("seed", [1.5, "0", True, None])
def test_manual_seed_rejects_bad_seeds(seed):
    with pytest.raises(TypeError, match="seed"):
        dlbook.manual_seed(seed)
    with pytest.raises(ValueError, match="seed must be a non-negative int, got -1"):
        dlbook.manual_seed(-1)


@pytest.mark.parametrize("in_features,out_features", [(1, 300), (16, 200), (400, 50)])
def test_linear_init_is_uniform_with_pytorch_bound(in_features, out_features, rng):
    layer = nn.Linear(in_features, out_features, generator=rng)
    bound = 1.0 / math.sqrt(in_features)
    for values in (layer.weight.data.ravel(), layer.bias.data):
        assert np.all(np.abs(values) <= bound)
    w = layer.weight.data.ravel() / bound             # should be U(-1, 1)
    assert w.min() < -0.95 and w.max() > 0.95          # the whole interval is used
    assert abs(w.mean()) < 4 * math.sqrt(1 / 3 / w.size)
    assert abs(w.var() - 1 / 3) < 0.05
    stats = pytest.importorskip("scipy.stats")
    assert stats.kstest(w, stats.uniform(loc=-1, scale=2).cdf).pvalue > 1e-4


def test_linear_init_bound_matches_torch(torch, rng):
    """torch.nn.Linear's default init lies within the same bound 1/sqrt(in_features)."""
    ours = nn.Linear(9, 500, generator=rng)
    theirs = torch.nn.Linear(9, 500, dtype=torch.float64)
    for a, b in [(ours.weight.data, theirs.weight), (ours.bias.data, theirs.bias)]:
        b = b.detach().numpy()
        assert np.abs(a).max() <= 1 / 3 and np.abs(b).max() <= 1 / 3
        assert abs(np.abs(a).max() - np.abs(b).max()) < 0.02


def test_maxout_init_bounds(rng):
    m = nn.Maxout(25, 40, 3, generator=rng)
    assert np.abs(m.weight.data).max() <= 0.2 and np.abs(m.bias.data).max() <= 0.2
    assert np.abs(m.weight.data).max() > 0.19
