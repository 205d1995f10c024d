"""dlbook.lm: parity with nltk.lm, normalisation (hypothesis), a hand-computed Kneser–Ney
example, the counter, the preprocessing helpers, generation and the error messages."""
import math
import random
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import lm
from dlbook.data import load_text_corpus
from dlbook.exceptions import NotFittedError
from dlbook.lm.preprocessing import (Everygrams, everygrams, flatten, ngrams, pad_both_ends,
                                     padded_everygram_pipeline, padded_everygrams)

RTOL = 1e-12
SMOOTHED = {
    "Lidstone": lambda order: lm.Lidstone(0.3, order),
    "Laplace": lambda order: lm.Laplace(order),
    "WittenBell": lambda order: lm.WittenBellInterpolated(order),
    "AbsoluteDiscounting": lambda order: lm.AbsoluteDiscountingInterpolated(order),
    "KneserNey": lambda order: lm.KneserNeyInterpolated(order),
    "KneserNey0.75": lambda order: lm.KneserNeyInterpolated(order, discount=0.75),
}


def fitted(model, sentences):
    train, vocabulary_text = padded_everygram_pipeline(model.order, sentences)
    model.fit(train, vocabulary_text)
    return model


def eval_ngrams(sentences, order):
    return list(flatten(ngrams(pad_both_ends(s, n=order), order) for s in sentences))


def distribution_sum(model, context):
    """Sum over the vocabulary of P(w | context), in one vectorized call."""
    context = tuple(context)
    return math.fsum(model.score_ngrams([context + (w,) for w in model.vocab]).tolist())


@pytest.fixture(scope="module")
def corpus():
    return load_text_corpus()


@pytest.fixture(scope="module")
def small(corpus):
    """A slice of the corpus small enough for nltk to be quick, with words the model never saw
    in training among its test sentences."""
    return [list(s) for s in corpus.train[:150]], [list(s) for s in corpus.test[:30]]


@pytest.fixture(scope="module")
def nltk_lm():
    return pytest.importorskip("nltk.lm")


# ---------------------------------------------------------------------------------- parity
def nltk_fitted(nltk_lm, name, order, sentences):
    from nltk.lm.preprocessing import padded_everygram_pipeline as nltk_pipeline
    model = {"MLE": lambda: nltk_lm.MLE(order), "Lidstone": lambda: nltk_lm.Lidstone(0.3, order),
             "Laplace": lambda: nltk_lm.Laplace(order),
             "WittenBell": lambda: nltk_lm.WittenBellInterpolated(order),
             "AbsoluteDiscounting": lambda: nltk_lm.AbsoluteDiscountingInterpolated(order),
             "KneserNey": lambda: nltk_lm.KneserNeyInterpolated(order)}[name]()
    model.fit(*nltk_pipeline(order, sentences))
    return model


def ours(name, order):
    return {"MLE": lambda: lm.MLE(order), **SMOOTHED}[name](order) if name != "MLE" \
        else lm.MLE(order)


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("name", ["MLE", "Lidstone", "Laplace", "WittenBell",
                                  "AbsoluteDiscounting"])
def test_scores_entropy_perplexity_match_nltk(nltk_lm, small, name, order):
    train, test = small
    theirs = nltk_fitted(nltk_lm, name, order, train)
    mine = fitted(ours(name, order), train)
    assert len(mine.vocab) == len(theirs.vocab) and sorted(mine.vocab) == sorted(theirs.vocab)
    test_grams = eval_ngrams(test, order)
    # every test n-gram, plus every lower-order n-gram (shorter contexts) of the first sentences
    queries = test_grams + list(flatten(padded_everygrams(order, s) for s in test[:3]))
    np.testing.assert_allclose(mine.score_ngrams(queries),
                               [theirs.score(g[-1], g[:-1]) for g in queries], rtol=RTOL)
    for g in queries[:40]:
        assert mine.score(g[-1], g[:-1]) == pytest.approx(theirs.score(g[-1], g[:-1]), rel=RTOL)
        assert mine.logscore(g[-1], g[:-1]) == pytest.approx(theirs.logscore(g[-1], g[:-1]),
                                                             rel=RTOL)
    np.testing.assert_allclose(mine.logscore_ngrams(queries),
                               [theirs.logscore(g[-1], g[:-1]) for g in queries], rtol=RTOL)
    np.testing.assert_allclose(mine.entropy(test_grams), theirs.entropy(test_grams), rtol=RTOL)
    np.testing.assert_allclose(mine.perplexity(test_grams), theirs.perplexity(test_grams),
                               rtol=RTOL)


@pytest.mark.parametrize("order", [2, 3])
def test_mle_unseen_context_scores_zero_like_nltk(nltk_lm, small, order):
    train, _ = small
    theirs, mine = nltk_fitted(nltk_lm, "MLE", order, train), fitted(lm.MLE(order), train)
    context = ("</s>",) * (order - 1)                      # nothing ever follows </s>
    assert mine.score("the", context) == theirs.score("the", context) == 0.0
    assert mine.logscore("the", context) == theirs.logscore("the", context) == -math.inf
    assert mine.perplexity([context + ("the",)]) == math.inf


@pytest.mark.parametrize("order", [1, 2])
def test_kneser_ney_matches_nltk_up_to_order_two(nltk_lm, small, order):
    """Below order 3 nltk's lower-order normaliser is not involved, so the two agree."""
    train, test = small
    if order == 1:           # nltk's order-1 KN divides by zero (no bigrams); ours is the MLE
        mine = fitted(lm.KneserNeyInterpolated(1), train)
        grams = eval_ngrams(test, 1)
        np.testing.assert_allclose(mine.score_ngrams(grams),
                                   fitted(lm.MLE(1), train).score_ngrams(grams), rtol=RTOL)
        return
    theirs = nltk_fitted(nltk_lm, "KneserNey", order, train)
    mine = fitted(lm.KneserNeyInterpolated(order), train)
    grams = eval_ngrams(test[:10], order)
    np.testing.assert_allclose(mine.score_ngrams(grams),
                               [theirs.score(g[-1], g[:-1]) for g in grams], rtol=RTOL)


def test_kneser_ney_sums_to_one_where_nltk_does_not(nltk_lm, small):
    """nltk's trigram KN after <s> <s> sums to more than 1; ours sums to 1 and agrees with nltk
    wherever the lower-order normaliser is the same."""
    train = small[0][:80]
    theirs = nltk_fitted(nltk_lm, "KneserNey", 3, train)
    mine = fitted(lm.KneserNeyInterpolated(3), train)
    context = ("<s>", "<s>")
    nltk_sum = math.fsum(theirs.score(w, context) for w in theirs.vocab)
    assert nltk_sum > 1 + 1e-6
    assert distribution_sum(mine, context) == pytest.approx(1.0, abs=1e-12)
    context = ("of", "the")             # the normalisers differ only for contexts starting <s>
    for w in ["<UNK>", "the", "object", "</s>", "method"]:
        assert mine.score(w, context) == pytest.approx(theirs.score(w, context), rel=RTOL)


def test_vocabulary_and_counts_match_nltk(nltk_lm, small):
    train, _ = small
    words = [w for s in train for w in s]
    theirs, mine = nltk_lm.Vocabulary(words, unk_cutoff=2), lm.Vocabulary(words, unk_cutoff=2)
    assert len(mine) == len(theirs) and list(mine) == list(theirs)
    probe = words[:50] + ["never-seen", "<UNK>"]
    assert mine.lookup(probe) == theirs.lookup(probe)
    assert mine.lookup([probe[:3], "x"]) == theirs.lookup([probe[:3], "x"])
    ngram_text = [list(everygrams(list(pad_both_ends(s, n=3)), max_len=3)) for s in train]
    a, b = lm.NgramCounter(ngram_text), nltk_lm.NgramCounter(ngram_text)
    assert a.N() == b.N()
    for order in (2, 3):
        assert len(a[order]) == len(b[order])
        for context in list(b[order])[:50]:
            assert dict(a[order][context].items()) == dict(b[order][context])
            assert a[list(context)].N() == b[context].N()
    assert dict(a.unigrams.items()) == dict(b.unigrams)
    assert a["the"] == b["the"] and a["never-seen"] == b["never-seen"] == 0


def test_preprocessing_matches_nltk(nltk_lm):
    from nltk.lm import preprocessing as nltk_pre
    from nltk.util import everygrams as nltk_everygrams
    from nltk.util import ngrams as nltk_ngrams
    sents = [["a", "b", "c"], ["d"], []]
    for n in (1, 2, 3, 4):
        ours_grams, ours_vocab = padded_everygram_pipeline(n, sents)
        their_grams, their_vocab = nltk_pre.padded_everygram_pipeline(n, sents)
        assert [list(s) for s in ours_grams] == [list(s) for s in their_grams]
        assert list(ours_vocab) == list(their_vocab)
        for s in sents:
            assert list(pad_both_ends(s, n=n)) == list(nltk_pre.pad_both_ends(s, n=n))
            assert list(ngrams(s, n)) == list(nltk_ngrams(s, n))
    seq = list("abcde")
    for lo, hi in [(1, -1), (1, 2), (2, 3), (3, 3), (2, 9)]:
        assert list(everygrams(seq, lo, hi)) == list(nltk_everygrams(seq, lo, hi))


@pytest.mark.parametrize("seed", [0, 3, 42])
@pytest.mark.parametrize("name, order", [("MLE", 3), ("Laplace", 3), ("WittenBell", 3),
                                         ("KneserNey", 2)])
def test_generate_matches_nltk(nltk_lm, small, name, order, seed):
    train = small[0][:60] if name != "KneserNey" else small[0][:15]   # nltk's KN is slow
    theirs = nltk_fitted(nltk_lm, name, order, train)
    mine = fitted(ours(name, order), train)
    assert mine.generate(8, random_seed=seed) == theirs.generate(8, random_seed=seed)
    seed_text = ["the", "never-seen"]
    assert (mine.generate(5, text_seed=seed_text, random_seed=seed)
            == theirs.generate(5, text_seed=seed_text, random_seed=seed))


# ------------------------------------------------------------------- normalisation
words_st = st.sampled_from(list("abcdef"))
sentences_st = st.lists(st.lists(words_st, min_size=0, max_size=6), min_size=1,
                        max_size=6).filter(lambda sentences: any(sentences))


@given(sentences=sentences_st, order=st.integers(1, 4), name=st.sampled_from(sorted(SMOOTHED)),
       picks=st.lists(st.integers(0, 10 ** 6), min_size=4, max_size=4),
       unseen=st.lists(st.sampled_from(list("abcdefxy") + ["<s>", "</s>"]), min_size=3,
                       max_size=3))
@settings(max_examples=150, deadline=None)
def test_smoothed_distributions_sum_to_one(sentences, order, name, picks, unseen):
    model = fitted(SMOOTHED[name](order), sentences)
    grams = [g for s in sentences for g in padded_everygrams(order, s)]
    seen = [g[:-1] for g in grams]
    contexts = [seen[p % len(seen)] for p in picks] + [tuple(unseen), tuple(unseen[:1]), ()]
    for context in contexts:
        assert distribution_sum(model, context) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("order", [3, 4])
@pytest.mark.parametrize("name", sorted(SMOOTHED))
def test_distributions_sum_to_one_on_the_corpus(corpus, name, order):
    model = fitted(SMOOTHED[name](order), corpus.train)
    rng = np.random.default_rng(order)
    grams = eval_ngrams(corpus.train, order)
    contexts = [("<s>",) * (order - 1), ("the", "<unk>", "of")[-(order - 1):],
                ("zzz",) * (order - 1)]
    contexts += [grams[i][:-1] for i in rng.choice(len(grams), 5, replace=False)]
    for context in contexts:
        assert distribution_sum(model, context) == pytest.approx(1.0, abs=1e-12)


# ------------------------------------------------------------------- Kneser–Ney by hand
def test_kneser_ney_by_hand():
    r"""Trigram KN, d = 1/10, on the sentences "a b" and "b" (padded: <s> <s> a b </s> </s>,
    <s> <s> b </s> </s>).

    Distinct bigrams: (<s> <s>) (<s> a) (<s> b) (a b) (b </s>) (</s> </s>), so the unigram
    continuation counts N1+(. w) are <s>: 1, a: 1, b: 2, </s>: 2 (of 6). Trigrams with <s> in
    the middle: (<s> <s> a), (<s> <s> b), so after the context <s> the continuation counts are
    a: 1, b: 1 (T = 2, K = 2) — while three words (<s>, a, b) follow <s> in the raw bigrams,
    which is the K nltk uses. The raw trigrams after <s> <s>: a: 1, b: 1 (N = 2, K = 2).
    """
    d, zero = Fraction(1, 10), Fraction(0)
    unigram = {"<s>": Fraction(1, 6), "a": Fraction(1, 6), "b": Fraction(2, 6),
               "</s>": Fraction(2, 6), "<UNK>": zero}
    cont_after_s = {"a": 1, "b": 1}
    bigram = {w: max(cont_after_s.get(w, 0) - d, zero) / 2 + d * 2 / 2 * unigram[w]
              for w in unigram}
    trigram = {w: max(cont_after_s.get(w, 0) - d, zero) / 2 + d * 2 / 2 * bigram[w]
               for w in unigram}
    # after the unseen (a, a): back off to (a,), whose only continuation is b, from (<s> a b)
    after_a = {w: max(int(w == "b") - d, zero) / 1 + d * 1 / 1 * unigram[w] for w in unigram}
    assert sum(bigram.values()) == sum(trigram.values()) == sum(after_a.values()) == 1
    assert trigram["a"] == Fraction(149, 300)                 # 0.45 + 0.1 * (0.45 + 0.1/6)

    model = fitted(lm.KneserNeyInterpolated(3, discount=0.1), [["a", "b"], ["b"]])
    assert sorted(model.vocab) == sorted(unigram)
    for w in unigram:
        assert model.score(w) == pytest.approx(float(unigram[w]), rel=1e-12, abs=1e-15)
        assert model.score(w, ["<s>"]) == pytest.approx(float(bigram[w]), rel=1e-12, abs=1e-15)
        assert model.score(w, ["<s>", "<s>"]) == pytest.approx(float(trigram[w]), rel=1e-12,
                                                               abs=1e-15)
        assert model.score(w, ["a", "a"]) == pytest.approx(float(after_a[w]), rel=1e-12,
                                                           abs=1e-15)
    assert model.score("zebra", ["<s>", "<s>"]) == model.score("<UNK>", ["<s>", "<s>"]) == 0.0


# ------------------------------------------------------------------- model behaviour
@pytest.mark.parametrize("name", ["MLE"] + sorted(SMOOTHED))
def test_vectorized_path_equals_single_scores(small, name):
    train, test = small
    model = fitted(ours(name, 3), train)
    grams = eval_ngrams(test[:5], 3) + [("b",), ("a", "z")]
    scores = model.score_ngrams(grams)
    assert scores.shape == (len(grams),) and scores.dtype == np.float64
    np.testing.assert_array_equal(scores, [model.score(g[-1], g[:-1]) for g in grams])
    with np.errstate(divide="ignore"):
        logs = np.log2(scores)
    assert model.entropy(grams) == pytest.approx(-logs.mean(), rel=1e-13)
    assert model.perplexity(grams) == pytest.approx(2.0 ** -logs.mean(), rel=1e-12)


def test_long_contexts_are_cut_to_order_minus_one(small):
    train, _ = small
    for model in (fitted(lm.MLE(2), train), fitted(lm.KneserNeyInterpolated(3), train)):
        keep = model.order - 1
        context = ("the", "value", "of", "the")
        assert model.score("object", context) == model.score("object", context[-keep:])


def test_unmasked_score_does_not_replace_rare_words():
    vocab = lm.Vocabulary(["<s>", "<s>", "a", "a", "b", "</s>", "</s>"], unk_cutoff=2)
    model = lm.Laplace(2, vocabulary=vocab)
    model.fit(padded_everygram_pipeline(2, [["a", "b", "a"]])[0])
    assert "b" not in model.vocab and model.counts[["a"]]["<UNK>"] == 1
    v = len(model.vocab)                                   # <s>, a, </s>, <UNK>
    assert model.score("b", ["a"]) == pytest.approx((1 + 1) / (2 + v))
    assert model.unmasked_score("b", ["a"]) == pytest.approx(1 / (2 + v))


def test_fitting_in_parts_equals_fitting_at_once(small):
    """A second fit adds counts — including words the first one never saw, which changes the
    integer base of every stored key."""
    train, test = small
    vocabulary_text = list(flatten(pad_both_ends(s, n=3) for s in train))
    once = lm.KneserNeyInterpolated(3)
    once.fit(padded_everygram_pipeline(3, train)[0], vocabulary_text)
    parts = lm.KneserNeyInterpolated(3)
    parts.fit(padded_everygram_pipeline(3, train[:20])[0], vocabulary_text)
    parts.fit([list(g) for g in padded_everygram_pipeline(3, train[20:])[0]])
    assert parts.counts.N() == once.counts.N()
    grams = eval_ngrams(test, 3)
    np.testing.assert_allclose(parts.score_ngrams(grams), once.score_ngrams(grams), rtol=1e-14)


def test_counter_fast_path_equals_tuple_path(small):
    train, _ = small
    fast = lm.NgramCounter(padded_everygrams(3, s) for s in train)
    slow = lm.NgramCounter([list(padded_everygrams(3, s)) for s in train])
    assert fast.N() == slow.N() == sum(len(padded_everygrams(3, s)) for s in train)
    assert dict(fast.unigrams.items()) == dict(slow.unigrams.items())
    for order in (2, 3):
        assert sorted(fast[order]) == sorted(slow[order])
        for context in list(slow[order])[:30]:
            assert dict(fast[list(context)].items()) == dict(slow[list(context)].items())


def test_counter_views():
    counts = lm.NgramCounter([ngrams(s, 2) for s in [["a", "b", "c", "d"], ["a", "c", "d", "c"]]]
                             + [ngrams(s, 1) for s in [["a", "b", "c", "d"],
                                                       ["a", "c", "d", "c"]]])
    assert counts["a"] == 2 and counts["c"] == 3 and counts["zz"] == 0
    assert sorted(counts[["a"]].items()) == [("b", 1), ("c", 1)]
    assert counts[2][("a",)]["b"] == 1 and counts[["a"]].N() == 2 and counts[["a"]].B() == 2
    assert counts[["a"]].freq("c") == 0.5 and counts[["zz"]].freq("c") == 0.0
    assert counts[["c"]].most_common(1) == [("d", 2)]
    assert ("a",) in counts[2] and ("d", "c") not in counts[2] and len(counts[2]) == 4
    assert counts.unigrams.N() == 8 and counts.N() == 14 and len(counts) == 2
    assert "b" in counts[["a"]] and "d" not in counts[["a"]]
    assert counts.unigrams.get("zz") is None and counts.unigrams.get("a") == 2


def test_vocabulary_semantics():
    vocab = lm.Vocabulary(list("ac-dcabracd"), unk_cutoff=2)
    assert sorted(vocab) == ["<UNK>", "a", "c", "d"] and len(vocab) == 4
    assert vocab["c"] == 3 and vocab["b"] == 1 and "b" not in vocab and "<UNK>" in vocab
    assert vocab.lookup("b") == "<UNK>" and vocab.lookup(["a", ["b", "c"]]) == ("a", ("<UNK>",
                                                                                      "c"))
    assert sorted(lm.Vocabulary(vocab.counts, unk_cutoff=1)) == sorted([*"-abcdr", "<UNK>"])
    vocab.update(["b", "b"])
    assert "b" in vocab and len(vocab) == 5 and vocab.cutoff == 2
    assert len(lm.Vocabulary()) == 0 and list(lm.Vocabulary()) == []
    # the unknown label in the text is one entry, not two (nltk lists it twice)
    both = lm.Vocabulary(["a", "<UNK>", "<UNK>"])
    assert sorted(both) == ["<UNK>", "a"] and len(both) == 2


def test_generate_shapes_and_seeds(small):
    train, _ = small
    model = fitted(lm.Laplace(3), train)
    word = model.generate(random_seed=1)
    assert isinstance(word, str) and word in model.vocab
    words = model.generate(12, text_seed=["the"], random_seed=np.random.default_rng(5))
    assert len(words) == 12 and words == model.generate(12, text_seed=["the"],
                                                        random_seed=np.random.default_rng(5))
    assert model.generate(4, random_seed=random.Random(7)) == model.generate(4, random_seed=7)


def test_full_corpus_trigram_is_fast(corpus):
    start = time.perf_counter()
    model = fitted(lm.KneserNeyInterpolated(3), corpus.train)
    perplexity = model.perplexity(eval_ngrams(corpus.test, 3))
    assert time.perf_counter() - start < 3.0                 # typically ~0.1 s
    assert 50 < perplexity < 500


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize("order, error, match", [
    (0, ValueError, "order must be a positive int, got 0"),
    (-2, ValueError, "order must be a positive int"),
    (2.0, TypeError, "order must be a positive int, got float"),
    ("3", TypeError, "got str"),
    (True, TypeError, "got bool"),
])
def test_bad_order(order, error, match):
    with pytest.raises(error, match=match):
        lm.MLE(order)
    with pytest.raises(error, match=match):
        lm.KneserNeyInterpolated(order)


@pytest.mark.parametrize("call", [
    lambda m: m.score("a"), lambda m: m.logscore("a", ["b"]), lambda m: m.entropy([("a",)]),
    lambda m: m.perplexity([("a", "b")]), lambda m: m.generate(), lambda m: m.score_ngrams([]),
])
def test_unfitted_model_raises(call):
    with pytest.raises(NotFittedError, match="Laplace instance is not fitted yet; call fit"):
        call(lm.Laplace(2))


def test_wrong_types_and_values():
    model = fitted(lm.Lidstone(0.5, 2), [["a", "b"]])
    with pytest.raises(TypeError, match="word must be a str, got int"):
        model.score(3)
    with pytest.raises(TypeError, match=r"context must be None or a sequence of words, got str"):
        model.score("a", "b")
    with pytest.raises(TypeError, match=r"words must be str, got \['int'\]"):
        model.score("a", [1])
    with pytest.raises(TypeError, match="text_ngrams must be an iterable of n-gram tuples, "
                                        "got str"):
        model.entropy("a b")
    with pytest.raises(TypeError, match=r"text_ngrams must hold n-gram tuples, got \['str'\]"):
        model.perplexity(["a", "b"])
    with pytest.raises(ValueError, match="text_ngrams holds no n-grams"):
        model.entropy([])
    with pytest.raises(ValueError, match="n-grams must hold at least one word"):
        model.score_ngrams([()])
    with pytest.raises(ValueError, match="num_words must be a positive int, got 0"):
        model.generate(0)
    with pytest.raises(TypeError, match="random_seed must be None, an int, a random.Random"):
        model.generate(random_seed="seed")
    with pytest.raises(TypeError, match="text_seed must be None or a sequence of words, got str"):
        model.generate(text_seed="a b")


def test_fit_errors():
    with pytest.raises(ValueError, match="cannot fit without a vocabulary or a vocabulary_text"):
        lm.MLE(2).fit([[("a",)]])
    with pytest.raises(TypeError, match=r"n-grams must be tuples, got \['str'\]"):
        lm.MLE(2).fit([("a", "b")], vocabulary_text=["a", "b"])     # one sentence level missing
    with pytest.raises(TypeError, match="vocabulary_text must be an iterable of words, got a str"):
        lm.MLE(2).fit([[("a",)]], vocabulary_text="ab")
    with pytest.raises(ValueError, match="n-grams of length 3, but the model's order is 2"):
        lm.MLE(2).fit([[("a", "b", "c")]], vocabulary_text=["a", "b", "c"])
    with pytest.raises(TypeError, match="words must be str"):
        lm.MLE(2).fit([[(1, 2)]], vocabulary_text=["a"])
    model = lm.MLE(2)
    train, vocabulary_text = padded_everygram_pipeline(2, [["a", "b"]])
    model.fit(train, vocabulary_text)
    with pytest.raises(ValueError, match="text holds no n-grams .*one-shot generators"):
        model.fit(train)                                      # the generator is used up
    with pytest.raises(ValueError, match="do not fit in int64 keys"):
        lm.MLE(10).fit([[tuple(str(i) for i in range(10))] + [(str(i),) for i in range(100)]],
                       vocabulary_text=[str(i) for i in range(100)])


def test_constructor_errors():
    with pytest.raises(ValueError, match=r"gamma must be a real number in \(0, inf\), got 0"):
        lm.Lidstone(0, 2)
    with pytest.raises(ValueError, match=r"gamma must be a real number in \(0, inf\), got inf"):
        lm.Lidstone(float("inf"), 2)
    with pytest.raises(TypeError, match=r"gamma must be a real number in \(0, inf\), got str '1'"):
        lm.Lidstone("1", 2)
    with pytest.raises(ValueError, match=r"discount must be a real number in \[0, 1\], got 1.5"):
        lm.KneserNeyInterpolated(3, discount=1.5)
    with pytest.raises(ValueError, match=r"discount must be a real number in \[0, 1\], got -0.1"):
        lm.AbsoluteDiscountingInterpolated(3, discount=-0.1)
    with pytest.raises(TypeError, match="vocabulary must be a dlbook.lm.Vocabulary or None, got "
                                        "list"):
        lm.MLE(2, vocabulary=["a"])
    with pytest.raises(TypeError, match="counter must be a dlbook.lm.NgramCounter or None"):
        lm.MLE(2, counter={})
    with pytest.raises(ValueError, match="unk_cutoff must be a positive int, got 0"):
        lm.Vocabulary(unk_cutoff=0)
    with pytest.raises(TypeError, match="unk_label must be a str, got int"):
        lm.Vocabulary(unk_label=0)
    with pytest.raises(TypeError, match="Vocabulary.update expects an iterable of words or a "
                                        "mapping of counts, got int"):
        lm.Vocabulary(5)
    with pytest.raises(TypeError, match="lookup expects a str or an iterable of str, got int"):
        lm.Vocabulary(["a"]).lookup(3)


def test_preprocessing_errors():
    with pytest.raises(ValueError, match="n must be a positive int, got 0"):
        list(pad_both_ends(["a"], n=0))
    with pytest.raises(TypeError, match="pad_both_ends expects a sequence of words, got a str"):
        pad_both_ends("a b", n=2)
    with pytest.raises(ValueError, match="max_len must be -1 or >= min_len = 3, got 2"):
        everygrams("abc", min_len=3, max_len=2)
    with pytest.raises(TypeError, match="text must be an iterable of sentences"):
        padded_everygram_pipeline(2, "a b c")
    with pytest.raises(TypeError, match="each sentence must be a sequence of words, got str"):
        padded_everygram_pipeline(2, ["a b c"])
    with pytest.raises(TypeError, match="NgramCounter keys are an int order, a str word"):
        lm.NgramCounter()[3.5]
    with pytest.raises(ValueError, match="contexts of order 3 hold 2 words, got 1"):
        lm.NgramCounter()[3][("a",)]


def test_everygrams_object():
    grams = everygrams(["a", "b", "c"], max_len=2)
    assert isinstance(grams, Everygrams) and len(grams) == 5
    assert list(grams) == list(grams) == [("a",), ("a", "b"), ("b",), ("b", "c"), ("c",)]
    assert list(ngrams(["a"], 2)) == [] and len(ngrams(["a"], 2)) == 0
    assert list(flatten([[1, 2], [3]])) == [1, 2, 3]
