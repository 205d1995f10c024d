"""dlbook.sampling: seeded determinism, temperature (0 = argmax), top-k and nucleus filtering
checked against hand-computed sets, a chi-square test of the sampled frequencies against the
intended distribution, hypothesis properties and the error messages."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.sampling import filter_logits, sample_logits, sampling_distribution

# 99.9% quantiles of the chi-square distribution with df degrees of freedom (scipy.stats.chi2)
CHI2_999 = {1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467, 5: 20.515, 6: 22.458, 7: 24.322}


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _chi_square(draws, probs):
    """Pearson's statistic over the tokens of positive probability, and its degrees of freedom."""
    support = probs > 0
    assert np.all(support[draws]), "a token of probability zero was drawn"
    counts = np.bincount(draws, minlength=probs.size)[support]
    expected = probs[support] * draws.size
    return float(np.sum((counts - expected) ** 2 / expected)), int(support.sum()) - 1


def test_chi2_table_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    for df, q in CHI2_999.items():
        assert stats.chi2.ppf(0.999, df) == pytest.approx(q, abs=1e-3)


# --------------------------------------------------------------------------- determinism, shapes
def test_same_seed_same_tokens_and_batched_shape(rng):
    logits = rng.normal(size=(4, 3, 10))
    a = sample_logits(logits, generator=123)
    b = sample_logits(logits, generator=123)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (4, 3) and a.dtype == np.int64
    assert np.all((0 <= a) & (a < 10))
    assert isinstance(sample_logits(logits[0, 0], generator=1), np.integer)


def test_a_generator_object_advances(rng):
    logits = np.zeros((1000, 10))                           # uniform over 10 tokens
    g = np.random.default_rng(5)
    first, second = sample_logits(logits, generator=g), sample_logits(logits, generator=g)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, sample_logits(logits, generator=5))


def test_default_generator_follows_manual_seed(restore_default_generator):
    import dlbook
    logits = np.zeros((50, 7))
    dlbook.manual_seed(3)
    a = sample_logits(logits)
    dlbook.manual_seed(3)
    np.testing.assert_array_equal(a, sample_logits(logits))


# --------------------------------------------------------------------------- temperature
def test_temperature_zero_is_argmax_with_first_index_on_ties(rng):
    logits = rng.normal(size=(20, 8))
    logits[0, [2, 5]] = 10.0                                 # a tie: the first index wins
    tokens = sample_logits(logits, temperature=0)
    np.testing.assert_array_equal(tokens, np.argmax(logits, axis=-1))
    assert tokens[0] == 2
    onehot = sampling_distribution(logits, temperature=0.0)
    np.testing.assert_array_equal(onehot, np.eye(8)[np.argmax(logits, axis=-1)])


def test_temperature_towards_zero_concentrates_on_the_argmax(rng):
    logits = rng.normal(size=(30, 6))
    best = np.argmax(logits, axis=-1)
    top_probs = [sampling_distribution(logits, temperature=t)[np.arange(30), best]
                 for t in (2.0, 1.0, 0.5, 0.1, 0.01)]
    for hotter, colder in zip(top_probs, top_probs[1:]):
        assert np.all(colder >= hotter - 1e-15)
    far = logits.copy()
    far[np.arange(30), best] += 1.0                         # a clear winner in every row
    draws = sample_logits(np.repeat(far, 20, axis=0), temperature=1e-3, generator=0)
    np.testing.assert_array_equal(draws, np.repeat(best, 20))
    tiny = sample_logits(far, temperature=1e-300, generator=0)   # no overflow, still argmax
    np.testing.assert_array_equal(tiny, best)


def test_high_temperature_flattens_towards_uniform(rng):
    logits = rng.normal(size=7)
    p = sampling_distribution(logits, temperature=1e6)
    np.testing.assert_allclose(p, 1 / 7, rtol=1e-5)


@pytest.mark.parametrize("temperature, top_k, top_p", [
    (1.0, None, None), (0.6, None, None), (2.5, None, None), (1.0, 3, None), (0.8, None, 0.7),
    (1.3, 5, 0.9),
])
def test_frequencies_match_the_distribution_chi_square(temperature, top_k, top_p):
    """200 000 seeded draws of one row; Pearson's chi-square below its 99.9% quantile."""
    logits = np.array([1.2, -0.3, 0.5, 2.0, -1.1, 0.0, 0.9])
    probs = sampling_distribution(logits, temperature, top_k, top_p)
    draws = sample_logits(np.broadcast_to(logits, (200_000, 7)), temperature, top_k, top_p,
                          generator=20)
    stat, df = _chi_square(draws, probs)
    assert stat < CHI2_999[df], (stat, df)


def test_distribution_is_softmax_of_scaled_logits(rng):
    logits = rng.normal(size=(3, 9)) * 2
    for t in (0.3, 1.0, 4.0):
        np.testing.assert_allclose(sampling_distribution(logits, temperature=t),
                                   _softmax(logits / t), rtol=1e-13)


# --------------------------------------------------------------------------- top-k, top-p
def test_top_k_never_samples_outside_the_k_largest(rng):
    logits = rng.normal(size=(5000, 12))
    for k in (1, 3, 7):
        draws = sample_logits(logits, top_k=k, generator=k)
        rank = np.argsort(np.argsort(-logits, axis=-1), axis=-1)   # 0 = largest
        assert np.all(rank[np.arange(5000), draws] < k)
    np.testing.assert_array_equal(sample_logits(logits, top_k=1, generator=0),
                                  np.argmax(logits, axis=-1))


def test_top_k_distribution_is_the_renormalised_top_k():
    logits = np.array([0.1, 2.0, -1.0, 1.5, 0.7])
    p = sampling_distribution(logits, top_k=2)
    expected = np.zeros(5)
    expected[[1, 3]] = _softmax(logits[[1, 3]])
    np.testing.assert_allclose(p, expected, rtol=1e-14)
    np.testing.assert_allclose(sampling_distribution(logits, top_k=50), _softmax(logits))


def test_top_k_keeps_ties_at_the_threshold():
    z = filter_logits(np.array([3.0, 1.0, 3.0, 2.0, 2.0]), top_k=3)
    np.testing.assert_array_equal(np.isfinite(z), [True, False, True, True, True])


@pytest.mark.parametrize("top_p, kept", [(0.4, [0]), (0.75, [0, 1]), (0.85, [0, 1, 2]),
                                         (0.99, [0, 1, 2, 3]), (1.0, [0, 1, 2, 3])])
def test_top_p_keeps_the_smallest_nucleus(top_p, kept):
    probs = np.array([0.5, 0.3, 0.15, 0.05])
    order = np.array([2, 0, 3, 1])                          # shuffled token ids
    logits = np.empty(4)
    logits[order] = np.log(probs)
    p = sampling_distribution(logits, top_p=top_p)
    expected = np.zeros(4)
    expected[order[kept]] = probs[kept] / probs[kept].sum()
    np.testing.assert_allclose(p, expected, rtol=1e-13, atol=1e-15)


def test_top_p_after_top_k_uses_the_renormalised_distribution():
    probs = np.array([0.4, 0.3, 0.2, 0.1])
    # top-k=2 leaves (4/7, 3/7); top-p=0.5 then keeps only the first token
    p = sampling_distribution(np.log(probs), top_k=2, top_p=0.5)
    np.testing.assert_allclose(p, [1.0, 0.0, 0.0, 0.0])
    # on the full distribution top-p=0.5 would have kept two tokens
    assert np.count_nonzero(sampling_distribution(np.log(probs), top_p=0.5)) == 2


def test_minus_infinity_logits_are_never_drawn(rng):
    logits = rng.normal(size=(3000, 5))
    logits[:, [1, 3]] = -np.inf
    draws = sample_logits(logits, generator=1)
    assert not np.isin(draws, [1, 3]).any()
    assert set(np.unique(draws)) == {0, 2, 4}


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(1, 4), st.floats(0.05, 3.0), st.integers(1, 9),
       st.floats(0.01, 1.0), st.integers(0, 2**32 - 1))
def test_draws_always_have_positive_probability(V, rows, temperature, top_k, top_p, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(rows, V)) * 3
    probs = sampling_distribution(logits, temperature, top_k, top_p)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all((probs > 0).sum(axis=-1) <= min(top_k, V))
    draws = sample_logits(logits, temperature, top_k, top_p, generator=seed)
    assert draws.shape == (rows,)
    assert np.all(probs[np.arange(rows), draws] > 0)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("kwargs, error, match", [
    (dict(temperature=-1.0), ValueError,
     r"temperature must be a real number in \[0, inf\), got -1\.0"),
    (dict(temperature=np.inf), ValueError,
     r"temperature must be a real number in \[0, inf\), got inf"),
    (dict(temperature="hot"), TypeError,
     r"temperature must be a real number in \[0, inf\), got str 'hot'"),
    (dict(top_k=0), ValueError, "top_k must be a positive int, got 0"),
    (dict(top_k=2.5), TypeError, r"top_k must be a positive int, got float 2\.5"),
    (dict(top_p=0.0), ValueError, r"top_p must be a real number in \(0, 1\], got 0\.0"),
    (dict(top_p=1.5), ValueError, r"top_p must be a real number in \(0, 1\], got 1\.5"),
    (dict(top_p=True), TypeError, r"top_p must be a real number in \(0, 1\], got bool True"),
])
def test_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        sample_logits(np.zeros((2, 3)), **kwargs)


@pytest.mark.parametrize("logits, match", [
    (np.float64(1.0), r"logits must have shape \(\.\.\., V\) with V >= 1 tokens, got shape \(\)"),
    (np.zeros((2, 0)), r"V >= 1 tokens, got shape \(2, 0\)"),
    (np.array([0.0, np.nan]), "must not contain NaN or \\+inf"),
    (np.array([0.0, np.inf]), "must not contain NaN or \\+inf"),
    (np.array([[0.0, 1.0], [-np.inf, -np.inf]]), "a row that is all -inf"),
])
def test_bad_logits(logits, match):
    with pytest.raises(ValueError, match=match):
        sample_logits(logits)


def test_non_numeric_logits():
    with pytest.raises(TypeError, match="logits must be"):
        sample_logits("abc")
