"""dlbook.information: SciPy and PyTorch parity, the textbook examples, properties, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbook import functional as F
from dlbook import information as info
from reference import assert_parity, strict_numerics, tlong, tt

LOADED_DIE = np.array([0.4, 0.1, 0.01, 0.09, 0.25, 0.15])
BASES = [2, np.e, 10]


def random_distributions(rng, shape, zeros=False):
    """Rows drawn from a flat Dirichlet; with ``zeros``, some entries set to 0 and renormalised."""
    p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    if zeros:
        p = np.where(rng.random(shape) < 0.3, 0.0, p)
        p[..., 0] += (p.sum(axis=-1) == 0)            # keep at least one non-zero per row
        p = p / p.sum(axis=-1, keepdims=True)
    return p


# --------------------------------------------------------------------------- known values
def test_die_examples():
    np.testing.assert_allclose(info.entropy(np.full(6, 1 / 6)), np.log2(6), rtol=1e-15)
    assert round(float(info.entropy(np.full(6, 1 / 6))), 2) == 2.58
    assert round(float(info.entropy(LOADED_DIE)), 2) == 2.15
    np.testing.assert_allclose(info.entropy(LOADED_DIE, base=np.e),
                               -(LOADED_DIE * np.log(LOADED_DIE)).sum(), rtol=1e-14)


def test_conventions_for_zeros():
    assert info.entropy([1.0, 0.0, 0.0]) == 0.0
    assert info.entropy([0.5, 0.0, 0.5]) == 1.0
    assert info.cross_entropy([0.0, 1.0], [0.0, 1.0]) == 0.0        # 0 log 0 = 0 in p and q
    assert info.kl_divergence([0.0, 1.0], [0.5, 0.5]) == 1.0
    assert info.kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert info.cross_entropy([0.5, 0.5], [1.0, 0.0]) == np.inf
    np.testing.assert_array_equal(info.binary_entropy(np.array([0.0, 0.5, 1.0])), [0, 1, 0])
    assert info.surprisal(0.0) == np.inf and info.surprisal(1.0) == 0.0
    assert info.surprisal(0.125) == 3.0


def test_zero_probabilities_raise_no_warnings():
    with strict_numerics():
        info.entropy([1.0, 0.0])
        info.cross_entropy([0.5, 0.5, 0.0], [1.0, 0.0, 0.0])
        info.kl_divergence([0.5, 0.5, 0.0], [1.0, 0.0, 0.0])
        info.binary_entropy(np.array([0.0, 1.0]))
        info.surprisal(np.array([0.0, 1.0]))


def test_shapes_batches_and_broadcasting(rng):
    p = random_distributions(rng, (4, 5))
    q = random_distributions(rng, (4, 5))
    assert np.ndim(info.entropy(p[0])) == 0 and isinstance(info.entropy(p[0]), float)
    assert info.entropy(p).shape == (4,)
    assert info.kl_divergence(p, q).shape == (4,)
    assert info.cross_entropy(p[0], q).shape == (4,)
    np.testing.assert_allclose(info.cross_entropy(p[0], q),
                               [info.cross_entropy(p[0], row) for row in q], rtol=1e-14)
    assert info.entropy(random_distributions(rng, (2, 3, 6))).shape == (2, 3)
    assert info.binary_entropy(rng.random((3, 2))).shape == (3, 2)


def test_bases_are_rescalings(rng):
    p, q = random_distributions(rng, (3, 7)), random_distributions(rng, (3, 7))
    for fn, args in [(info.entropy, (p,)), (info.cross_entropy, (p, q)),
                     (info.kl_divergence, (p, q))]:
        nats = fn(*args, base=np.e)
        np.testing.assert_allclose(fn(*args), nats / np.log(2), rtol=1e-14)
        np.testing.assert_allclose(fn(*args, base=10), nats / np.log(10), rtol=1e-14)


def test_binary_entropy_matches_entropy(rng):
    p = rng.random(20)
    np.testing.assert_allclose(info.binary_entropy(p), info.entropy(np.stack([p, 1 - p], -1)),
                               rtol=1e-14)


def test_empirical_distribution():
    np.testing.assert_allclose(info.empirical_distribution(np.array([0, 2, 2, 3]), 5),
                               [0.25, 0.0, 0.5, 0.25, 0.0])
    rows = info.empirical_distribution(np.array([[0, 0, 1], [1, 1, 1]]), 2)
    np.testing.assert_allclose(rows, [[2 / 3, 1 / 3], [0.0, 1.0]])


def test_empirical_distribution_converges(rng):
    x = rng.choice(6, size=200_000, p=LOADED_DIE)
    np.testing.assert_allclose(info.empirical_distribution(x, 6), LOADED_DIE, atol=5e-3)


# --------------------------------------------------------------------------- SciPy parity
@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("zeros", [False, True])
def test_parity_scipy_entropy_and_kl(rng, base, zeros):
    stats = pytest.importorskip("scipy.stats")
    p = random_distributions(rng, (6, 5), zeros=zeros)
    q = random_distributions(rng, (6, 5))
    assert_parity(info.entropy(p, base=base), stats.entropy(p, base=base, axis=-1))
    assert_parity(info.kl_divergence(p, q, base=base),
                  stats.entropy(p, q, base=base, axis=-1))
    assert_parity(info.entropy(p[0], base=base), stats.entropy(p[0], base=base))


def test_parity_scipy_infinite_kl():
    stats = pytest.importorskip("scipy.stats")
    p, q = np.array([0.2, 0.8, 0.0]), np.array([0.0, 0.5, 0.5])
    assert info.kl_divergence(p, q) == stats.entropy(p, q) == np.inf


# --------------------------------------------------------------------------- PyTorch parity
@pytest.mark.parametrize("zeros", [False, True])
def test_parity_torch_kl_div(torch, rng, zeros):
    p = random_distributions(rng, (5, 4), zeros=zeros)
    q = random_distributions(rng, (5, 4))
    ref = torch.nn.functional.kl_div(tt(np.log(q)), tt(p), reduction="none").sum(-1)
    assert_parity(info.kl_divergence(p, q, base=np.e), ref)
    ref_mean = torch.nn.functional.kl_div(tt(np.log(q)), tt(p), reduction="batchmean")
    assert_parity(info.kl_divergence(p, q, base=np.e).mean(), ref_mean)


def test_parity_torch_cross_entropy_with_probability_targets(torch, rng):
    logits = 3 * rng.standard_normal((6, 5))
    p = random_distributions(rng, (6, 5), zeros=True)
    ref = torch.nn.functional.cross_entropy(tt(logits), tt(p), reduction="none")
    assert_parity(info.cross_entropy(p, F.softmax(logits), base=np.e), ref)


def test_loss_is_cross_entropy_of_one_hot_and_softmax(torch, rng):
    logits = 2 * rng.standard_normal((8, 4))
    target = rng.integers(0, 4, 8)
    one_hot = np.eye(4)[target]
    dists = info.cross_entropy(one_hot, F.softmax(logits), base=np.e)
    np.testing.assert_allclose(dists.mean(), F.cross_entropy(logits, target), rtol=1e-12)
    assert_parity(dists, torch.nn.functional.cross_entropy(tt(logits), tlong(target),
                                                           reduction="none"))


def test_binary_cross_entropy_is_h_plus_kl(rng):
    p, p_model = rng.uniform(0.01, 0.99, 10), rng.uniform(0.01, 0.99, 10)
    bern_p, bern_m = np.stack([p, 1 - p], -1), np.stack([p_model, 1 - p_model], -1)
    bce = F.binary_cross_entropy(p_model, p, reduction="none")
    np.testing.assert_allclose(bce, info.cross_entropy(bern_p, bern_m, base=np.e), rtol=1e-12)
    np.testing.assert_allclose(bce, info.binary_entropy(p, base=np.e)
                               + info.kl_divergence(bern_p, bern_m, base=np.e), rtol=1e-12)


# --------------------------------------------------------------------------- properties
PROPERTY = settings(max_examples=80, deadline=None)
weights = st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def distributions(draw, n_values=None, strictly_positive=False):
    v = n_values if n_values is not None else draw(st.integers(1, 8))
    low = 1e-3 if strictly_positive else 0.0
    w = draw(hnp.arrays(np.float64, (v,), elements=st.floats(low, 1e3)))
    if w.sum() == 0:
        w[0] = 1.0
    return w / w.sum()


@st.composite
def pairs(draw, strictly_positive_q=True):
    p = draw(distributions())
    q = draw(distributions(n_values=p.size, strictly_positive=strictly_positive_q))
    return p, q


@PROPERTY
@given(distributions())
def test_entropy_between_zero_and_log_n(p):
    with strict_numerics():
        h = info.entropy(p)
    assert 0.0 <= h <= np.log2(p.size) + 1e-12


@PROPERTY
@given(pairs())
def test_gibbs_inequality_and_decomposition(pq):
    p, q = pq
    with strict_numerics():
        kl = info.kl_divergence(p, q)
        ce = info.cross_entropy(p, q)
        h = info.entropy(p)
    assert kl >= -1e-12
    np.testing.assert_allclose(ce, h + kl, rtol=1e-9, atol=1e-9)
    assert ce >= h - 1e-12


@PROPERTY
@given(distributions())
def test_divergence_from_itself_is_zero(p):
    assert info.kl_divergence(p, p) == 0.0
    np.testing.assert_allclose(info.cross_entropy(p, p), info.entropy(p), rtol=1e-12,
                               atol=1e-15)


@PROPERTY
@given(pairs(strictly_positive_q=False))
def test_support_mismatch_gives_infinity_else_finite(pq):
    p, q = pq
    kl = info.kl_divergence(p, q)
    if np.any((p > 0) & (q == 0)):
        assert kl == np.inf and info.cross_entropy(p, q) == np.inf
    else:
        assert np.isfinite(kl) and kl >= -1e-12


@PROPERTY
@given(distributions())
def test_uniform_maximises_entropy(p):
    v = p.size
    assert info.entropy(p) <= info.entropy(np.full(v, 1 / v)) + 1e-12
    # H(p) = log V - KL(p || uniform)
    uniform = np.full(v, 1 / v)
    np.testing.assert_allclose(info.entropy(p), np.log2(v) - info.kl_divergence(p, uniform),
                               atol=1e-9)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn", [info.entropy, lambda p: info.kl_divergence(p, p),
                                lambda p: info.cross_entropy(p, p)])
def test_not_a_distribution(fn):
    with pytest.raises(ValueError, match=r"sum to 1 .* got a sum of 1\.1"):
        fn([0.5, 0.6])
    with pytest.raises(ValueError, match=r"got a sum of 0\.4 \(row 1\)"):
        fn([[0.5, 0.5], [0.2, 0.2]])
    with pytest.raises(ValueError,
                       match=r"probabilities in \[0, 1\], got values in \[-0\.1, 1\.1\]"):
        fn([-0.1, 1.1])
    with pytest.raises(ValueError, match="NaN"):
        fn([np.nan, 1.0])
    with pytest.raises(ValueError, match=r"shape \(V,\) or \(N, V\).*scalar"):
        fn(1.0)
    with pytest.raises(ValueError, match="at least one value"):
        fn(np.zeros((3, 0)))
    with pytest.raises(TypeError, match="numeric"):
        fn("abc")


def test_q_is_named_in_errors():
    with pytest.raises(ValueError, match=r"^q must sum to 1"):
        info.kl_divergence([0.5, 0.5], [0.5, 0.4])
    with pytest.raises(ValueError, match=r"same V values, got shapes \(2,\) and \(3,\)"):
        info.cross_entropy([0.5, 0.5], np.full(3, 1 / 3))
    with pytest.raises(ValueError, match=r"broadcastable shapes, got \(2, 2\) and \(3, 2\)"):
        info.kl_divergence(np.full((2, 2), 0.5), np.full((3, 2), 0.5))


def test_tolerance_of_the_sum():
    info.entropy([0.5, 0.5 + 1e-10])                       # rounding-level deviations pass
    with pytest.raises(ValueError, match="within 1e-08"):
        info.entropy([0.5, 0.5 + 1e-6])


@pytest.mark.parametrize("base", [0, -2, 1, np.inf, np.nan])
def test_bad_base(base):
    with pytest.raises(ValueError, match=rf"base must be .*, got {base!r}$"):
        info.entropy([0.5, 0.5], base=base)


def test_base_type():
    with pytest.raises(TypeError, match="base must be"):
        info.entropy([0.5, 0.5], base="2")
    with pytest.raises(TypeError, match="base must be"):
        info.entropy([0.5, 0.5], base=True)


def test_elementwise_functions_reject_non_probabilities():
    with pytest.raises(ValueError, match=r"got values in \[0\.5, 1\.5\]"):
        info.binary_entropy(np.array([0.5, 1.5]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        info.surprisal(-0.5)


def test_empirical_distribution_errors():
    with pytest.raises(ValueError, match=r"values in \[0, 3\), got values in \[0, 3\]"):
        info.empirical_distribution(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match=r"values in \[0, 3\), got values in \[-1, 2\]"):
        info.empirical_distribution(np.array([-1, 2]), 3)
    with pytest.raises(TypeError, match="integer values, got dtype float64"):
        info.empirical_distribution(np.array([0.0, 1.0]), 3)
    with pytest.raises(ValueError, match=r"shape \(M,\) or \(N, M\), got shape \(\)"):
        info.empirical_distribution(np.array(1), 3)
    with pytest.raises(ValueError, match="at least one observation"):
        info.empirical_distribution(np.array([], dtype=int), 3)
    with pytest.raises(ValueError, match="n_values must be a positive int, got 0"):
        info.empirical_distribution(np.array([0]), 0)
    with pytest.raises(TypeError, match=r"n_values must be a positive int, got float 3\.0"):
        info.empirical_distribution(np.array([0]), 3.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("V", [2, 10, 1000])
def test_low_precision_distributions_are_accepted(rng, dtype, V):
    """A correctly normalised float32 (float16) vector sums to 1 only within ~1e-7 (~1e-3): the
    tolerance follows the input's dtype instead of a fixed 1e-8."""
    logits = rng.standard_normal((20, V)) * 5
    p64 = np.exp(logits - logits.max(-1, keepdims=True))
    p64 /= p64.sum(-1, keepdims=True)
    x = rng.uniform(0, 1, (20, V)).astype(dtype)
    for p in (p64.astype(dtype), x / x.sum(-1, keepdims=True)):
        assert p.dtype == dtype
        q = np.roll(p, 1, axis=-1)
        h, ce, kl = info.entropy(p), info.cross_entropy(p, q), info.kl_divergence(p, q)
        p_exact = p.astype(np.float64) / p.astype(np.float64).sum(-1, keepdims=True)
        q_exact = q.astype(np.float64) / q.astype(np.float64).sum(-1, keepdims=True)
        np.testing.assert_allclose(h, info.entropy(p_exact), rtol=1e-2, atol=1e-3)
        np.testing.assert_allclose(ce, info.cross_entropy(p_exact, q_exact), rtol=1e-2, atol=1e-3)
        np.testing.assert_allclose(kl, info.kl_divergence(p_exact, q_exact), rtol=1e-2, atol=1e-3)


def test_low_precision_tolerance_still_catches_unnormalised_input():
    p = np.array([0.5, 0.5 + 1e-4], dtype=np.float32)
    with pytest.raises(ValueError, match=r"must sum to 1 along its last axis \(within 1\.3"):
        info.entropy(p)
    info.entropy(np.array([0.5, 0.5 + 1e-7], dtype=np.float32))       # float32 rounding passes
    with pytest.raises(ValueError, match="within 1e-08"):              # float64 as before
        info.entropy(np.array([0.5, 0.5 + 1e-7]))
    with pytest.raises(ValueError, match="^q must sum to 1"):
        info.kl_divergence(np.full(4, 0.25, np.float32), np.full(4, 0.2501, np.float32))
