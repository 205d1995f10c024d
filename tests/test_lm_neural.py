"""The id helpers for neural language models predict exactly the n-gram models' words."""
import numpy as np
import pytest

from dlbook.data import load_text_corpus
from dlbook.lm.neural import TokenIndex, context_windows, perplexity, stream_batches, token_stream
from dlbook.lm.preprocessing import scored_ngrams

SENTENCES = [("a", "b", "c"), ("b",), ("c", "a")]


def test_index_round_trip_and_markers():
    index = TokenIndex(["c", "a", "b", "a"])
    assert index.tokens == ("<s>", "</s>", "a", "b", "c")
    assert (index.bos_id, index.eos_id) == (0, 1)
    assert index.decode(index.encode(["c", "</s>"])) == ("c", "</s>")
    with pytest.raises(KeyError, match="unknown label"):
        index.encode(["zzz"])
    with pytest.raises(TypeError):
        TokenIndex("abc")
    with pytest.raises(ValueError):
        index.decode([7])


@pytest.mark.parametrize("n", [2, 3, 4])
def test_windows_equal_padded_ngrams(n):
    index = TokenIndex(list("abc"))
    contexts, targets = context_windows(SENTENCES, index, n)
    grams = scored_ngrams(SENTENCES, n)
    assert len(grams) == sum(len(s) + 1 for s in SENTENCES)
    assert contexts.shape == (len(grams), n - 1) and targets.shape == (len(grams),)
    assert [index.decode(c) + index.decode([t]) for c, t in zip(contexts, targets)] == grams


def test_windows_on_the_corpus_count_the_test_words():
    corpus = load_text_corpus()
    index = TokenIndex(corpus.vocab)
    _, targets = context_windows(corpus.test, index, 3)
    assert len(targets) == sum(len(s) + 1 for s in corpus.test)
    assert len(token_stream(corpus.test, index)) - 1 == len(targets)


def test_stream_and_batches():
    index = TokenIndex(list("abc"))
    stream = token_stream(SENTENCES, index)
    assert index.decode(stream) == ("</s>", "a", "b", "c", "</s>", "b", "</s>", "c", "a", "</s>")
    batches = stream_batches(stream, batch_size=2, bptt=3)
    inputs = np.concatenate([x for x, _ in batches], axis=1)
    targets = np.concatenate([y for _, y in batches], axis=1)
    assert inputs.shape == targets.shape == (2, 4)
    np.testing.assert_array_equal(inputs[0], stream[0:4])
    np.testing.assert_array_equal(targets[1], stream[5:9])
    assert [x.shape[1] for x, _ in batches] == [3, 1]
    with pytest.raises(ValueError, match="too short"):
        stream_batches(stream, batch_size=20, bptt=3)
    with pytest.raises(ValueError, match="1-D integer"):
        stream_batches(stream.astype(float), 2, 3)


def test_perplexity():
    assert perplexity(10 * np.log(4.0), 10) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="same words"):
        perplexity(1.0, 10, expected=11)
    with pytest.raises(ValueError):
        perplexity(float("nan"), 3)
    with pytest.raises(TypeError):
        perplexity(1.0, 2.5)
