"""dlbook.lm.TruncatedSVDBigram: normalisation for every context (hypothesis), mass on unseen
pairs, the limits of the mixture weights, scoring conventions and the error messages."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import lm
from dlbook.lm.preprocessing import flatten, ngrams, pad_both_ends, padded_everygram_pipeline

TOY = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat", "on", "a", "log"],
       ["a", "cat", "saw", "the", "dog"], ["the", "dog", "ran"], ["a", "dog", "sat"]]


def fitted(model, sentences):
    train, vocabulary_text = padded_everygram_pipeline(2, sentences)
    model.fit(train, vocabulary_text)
    return model


def sums(model):
    vocab = list(model.vocab)
    contexts = vocab + ["never-seen-word"]
    out = [math.fsum(model.score(w, (h,)) for w in vocab) for h in contexts]
    out.append(math.fsum(model.score(w) for w in vocab))
    return np.array(out)


@pytest.mark.parametrize("rank", [1, 2, 5])
@pytest.mark.parametrize("weights", [(0.6, 0.0), (1.0, 0.0), (0.3, 0.4), (0.0, 1.0), (0.0, 0.0)])
def test_sums_to_one_for_every_context(rank, weights):
    model = fitted(lm.TruncatedSVDBigram(rank, *weights), TOY)
    np.testing.assert_allclose(sums(model), 1.0, rtol=0, atol=1e-12)
    assert np.all(model.table_ >= 0)


words = st.sampled_from(list("abcdefg"))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(words, min_size=1, max_size=8), min_size=1, max_size=8),
       st.integers(1, 4), st.floats(0, 1), st.floats(0, 1))
def test_sums_to_one_hypothesis(sentences, rank, lam, share):
    train, vocabulary_text = padded_everygram_pipeline(2, sentences)
    model = lm.TruncatedSVDBigram(1, lam, (1 - lam) * share)
    model.fit(train, vocabulary_text)
    size = model.table_.shape[0]
    if rank <= size - 1:
        model = fitted(lm.TruncatedSVDBigram(rank, lam, (1 - lam) * share), sentences)
    np.testing.assert_allclose(sums(model), 1.0, rtol=0, atol=1e-12)


def test_low_rank_part_gives_mass_to_unseen_pairs():
    # "a" and "the" are followed by the same words, except that only "the mat" was seen
    sentences = [["the", "cat"], ["the", "dog"], ["the", "mat"], ["a", "cat"], ["a", "dog"]]
    model = fitted(lm.TruncatedSVDBigram(2, lam=1.0), sentences)
    mle = fitted(lm.MLE(2), sentences)
    assert mle.score("mat", ("a",)) == 0
    assert model.score("mat", ("a",)) > 0.1
    assert model.score("cat", ("a",)) > model.score("mat", ("a",))
    assert np.all(model.singular_values_[:-1] >= model.singular_values_[1:])


def test_weights_reduce_to_unigram_and_mle():
    uni = fitted(lm.TruncatedSVDBigram(1, 0.0, 0.0), TOY)
    mle = fitted(lm.MLE(2), TOY)
    pure = fitted(lm.TruncatedSVDBigram(1, 0.0, 1.0), TOY)
    total = sum(1 for s in TOY for _ in s) + len(TOY)     # next words, </s> included
    assert uni.score("dog", ("the",)) == pytest.approx(4 / total, rel=1e-12)
    for h in ["the", "a", "sat", "<s>"]:
        for w in ["dog", "cat", "on", "</s>"]:
            assert pure.score(w, (h,)) == pytest.approx(mle.score(w, (h,)), abs=1e-12)


def test_full_rank_reconstructs_the_table():
    model = fitted(lm.TruncatedSVDBigram(1, 1.0), TOY)
    size = model.table_.shape[0]
    full = fitted(lm.TruncatedSVDBigram(size - 1, 1.0), TOY)
    mle = fitted(lm.MLE(2), TOY)
    # the table of the toy corpus has rank < size - 1, so the reconstruction is exact
    for h in ["the", "a", "cat"]:
        for w in ["dog", "cat", "sat", "mat"]:
            assert full.score(w, (h,)) == pytest.approx(mle.score(w, (h,)), abs=1e-9)


def test_scoring_and_perplexity():
    model = fitted(lm.TruncatedSVDBigram(3, 0.5, 0.3), TOY)
    test = list(flatten(ngrams(pad_both_ends(s, n=2), 2) for s in [["the", "cat", "ran"]]))
    scores = model.score_ngrams(test)
    assert scores.shape == (len(test),)
    assert np.allclose(scores, [model.score(g[-1], g[:-1]) for g in test])
    assert model.logscore("cat", ("the",)) == pytest.approx(math.log2(model.score("cat", ("the",))))
    assert model.perplexity(test) == pytest.approx(2 ** -np.mean(np.log2(scores)))
    assert model.unmasked_score("zebra", ("the",)) == 0.0
    assert model.score("zebra", ("the",)) == model.score("<UNK>", ("the",))   # never counted
    assert model.score("cat", ("x", "y", "the")) == model.score("cat", ("the",))
    assert "rank=3" in repr(model)


def test_errors():
    with pytest.raises(ValueError, match="lam"):
        lm.TruncatedSVDBigram(2, lam=1.5)
    with pytest.raises(ValueError, match="at most 1"):
        lm.TruncatedSVDBigram(2, lam=0.7, mle_weight=0.5)
    with pytest.raises(TypeError, match="mle_weight"):
        lm.TruncatedSVDBigram(2, mle_weight="x")
    with pytest.raises(ValueError, match="rank"):
        fitted(lm.TruncatedSVDBigram(100), TOY)
    model = lm.TruncatedSVDBigram(2)
    with pytest.raises(Exception, match="not fitted"):
        model.score("a", ("the",))
    fitted(model, TOY)
    model.counts.update([[("the", "zebra")]])
    with pytest.raises(ValueError, match="fit again"):
        model.score("a", ("the",))
