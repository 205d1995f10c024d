"""dlbook.data.load_text_corpus and its tokenisers: the documented split rule, sizes,
disjointness, the unknown-word policy, the character level and the error messages."""
import sys
from collections import Counter

import numpy as np
import pytest

from dlbook import data
from dlbook.data import (load_text_corpus, split_sentences, tokenize_chars, tokenize_words)


@pytest.fixture(scope="module")
def corpus():
    return load_text_corpus()


@pytest.fixture(scope="module")
def raw_split():
    """The split rebuilt from its documentation: prose sentences of the topics in sorted
    order, at least three word tokens, each distinct token sequence once, then a permutation
    by default_rng(0) whose first n // 10 are test and next n // 10 validation."""
    from pydoc_data.topics import topics
    seen, sentences = set(), []
    for name in sorted(topics):
        for sentence in split_sentences(topics[name]):
            words = tokenize_words(sentence)
            if len(words) >= 3 and words not in seen:
                seen.add(words)
                sentences.append((sentence, words))
    n = len(sentences)
    order = np.random.default_rng(0).permutation(n)
    test, validation, train = (np.sort(order[:n // 10]), np.sort(order[n // 10:2 * (n // 10)]),
                               np.sort(order[2 * (n // 10):]))
    return sentences, {"train": train, "validation": validation, "test": test}


def test_split_follows_the_documented_rule(corpus, raw_split):
    sentences, indices = raw_split
    train_words = [sentences[i][1] for i in indices["train"]]
    kept = {w for w, c in Counter(w for s in train_words for w in s).items() if c >= 2}
    for name in ("train", "validation", "test"):
        expected = tuple(tuple(w if w in kept else "<unk>" for w in sentences[i][1])
                         for i in indices[name])
        assert getattr(corpus, name) == expected


def test_split_sizes_and_disjointness(corpus, raw_split):
    sentences, indices = raw_split
    n = len(sentences)
    assert corpus.sizes() == (n - 2 * (n // 10), n // 10, n // 10)
    parts = [set(indices[k].tolist()) for k in ("train", "validation", "test")]
    assert sum(map(len, parts)) == n and set.union(*parts) == set(range(n))
    token_sets = [{sentences[i][1] for i in part} for part in parts]     # before <unk>
    assert not (token_sets[0] & token_sets[1] or token_sets[0] & token_sets[2]
                or token_sets[1] & token_sets[2])
    assert corpus.num_tokens() == tuple(sum(map(len, p)) for p in
                                        (corpus.train, corpus.validation, corpus.test))


@pytest.mark.skipif(sys.version_info[:3] != (3, 11, 7),
                    reason="pydoc_data's text, and so the sizes, depend on the Python version")
def test_documented_sizes_on_python_3_11_7(corpus):
    assert corpus.sizes() == (1944, 242, 242)
    assert corpus.num_tokens() == (34174, 4292, 4128)
    assert len(corpus.vocab) == 1709
    assert corpus.train[0][:6] == ("assert", "statements", "are", "a", "convenient", "way")


def test_deterministic_cached_and_immutable(corpus):
    again = load_text_corpus()
    assert again is corpus and load_text_corpus("test") is corpus.test
    data._build_text_corpus.cache_clear()
    rebuilt = load_text_corpus()
    assert rebuilt == corpus and rebuilt is not corpus
    assert isinstance(corpus.train, tuple) and all(isinstance(s, tuple) for s in corpus.train)
    with pytest.raises(AttributeError):
        corpus.train = ()
    with pytest.raises(TypeError):
        corpus.train[0][0] = "x"


def test_unknown_word_policy(corpus):
    counts = Counter(w for s in corpus.train for w in s)
    assert set(corpus.vocab) == set(counts) and list(corpus.vocab) == sorted(counts)
    assert all(c >= 2 for w, c in counts.items() if w != "<unk>")
    assert counts["<unk>"] > 0
    for part in (corpus.validation, corpus.test):
        assert {w for s in part for w in s} <= set(corpus.vocab)
    everything = load_text_corpus(unk_cutoff=1)
    assert "<unk>" not in {w for s in everything.train for w in s}
    assert len(everything.vocab) > len(corpus.vocab)
    custom = load_text_corpus("train", unk_cutoff=3, unk_label="UNK")
    assert "UNK" in {w for s in custom for w in s}


def test_character_level(corpus):
    chars = load_text_corpus(level="char", unk_cutoff=1)
    assert chars.sizes() == corpus.sizes()
    assert all(len(c) == 1 for c in chars.vocab)
    words = load_text_corpus(unk_cutoff=1)
    for char_sentence, word_sentence in zip(chars.train[:200], words.train[:200]):
        assert tokenize_words("".join(char_sentence)) == word_sentence
    default = load_text_corpus(level="char")
    assert "<unk>" in default.vocab and set(default.vocab) - {"<unk>"} < set(chars.vocab)


@pytest.mark.parametrize("sentence, tokens", [
    ("The class’s suite is then executed.", ("the", "class's", "suite", "is", "then",
                                             "executed")),
    ('Call "__init__()" on x[i] (see PEP 3115).', ("call", "__init__", "on", "x", "i", "see",
                                                  "pep", "<num>")),
    ("It doesn't return 3.11 or 1,000 [5].", ("it", "doesn't", "return", "<num>", "or",
                                              "<num>", "<num>")),
    ("Implementation-dependent UTF8 — naïve!", ("implementation", "dependent", "utf8", "na",
                                                "ve")),
    ("...  ---  >>> ", ()),
])
def test_tokenize_words(sentence, tokens):
    assert tokenize_words(sentence) == tokens


def test_tokenize_chars():
    assert tokenize_chars("It’s  OK [2].") == tuple("it's ok .")
    assert tokenize_chars("") == ()


def test_split_sentences():
    document = "\n".join([
        "Heading",
        "*******",
        "",
        "First sentence, e.g. this one.  Second (with a [1] note). \"Quoted\" third?",
        "It continues",
        "here.",
        "",
        "   classdef ::= \"class\" classname",
        "",
        "   >>> x = 1",
        "",
        "str.title()",
        "",
        "Sub heading",
        "===========",
        "",
        "* A list item that ends.",
        "",
        "+-----+-----+",
        "| a   | b.  |",
        "+-----+-----+",
        "",
        "   x = 1          # aligned comment.",
    ])
    assert split_sentences(document) == [
        "First sentence, e.g. this one.",
        "Second (with a [1] note).",
        "\"Quoted\" third?",
        "It continues here.",
        "A list item that ends.",
    ]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"split": "dev"}, ValueError,
     "split must be one of None, 'train', 'validation' or 'test', got 'dev'"),
    ({"level": "byte"}, ValueError, "level must be one of 'word' or 'char', got 'byte'"),
    ({"unk_cutoff": 0}, ValueError, "unk_cutoff must be a positive int, got 0"),
    ({"unk_cutoff": 1.5}, TypeError, r"unk_cutoff must be a positive int, got float 1\.5"),
    ({"unk_label": 3}, TypeError, "unk_label must be a str, got int"),
])
def test_load_text_corpus_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_text_corpus(**kwargs)


def test_tokenizer_errors():
    with pytest.raises(TypeError, match="sentence must be a str, got list"):
        tokenize_words(["a"])
    with pytest.raises(TypeError, match="sentence must be a str, got bytes"):
        tokenize_chars(b"a")
    with pytest.raises(TypeError, match="document must be a str, got NoneType"):
        split_sentences(None)
