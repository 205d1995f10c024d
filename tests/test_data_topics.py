"""dlbook.data.load_doc_topics: the documented classes and split rule, stratification,
disjointness, determinism, the documented sizes and the error messages."""
import sys

import numpy as np
import pytest

from dlbook import data
from dlbook.data import load_doc_topics, split_sentences, tokenize_words

NAMES = ("statements", "expressions", "data model", "built-in types")


@pytest.fixture(scope="module")
def parts():
    return load_doc_topics()


def test_fields_and_types(parts):
    for part in parts:
        n = len(part.target)
        assert len(part.sentences) == len(part.texts) == len(part.topics) == n > 0
        assert part.target_names == NAMES
        assert part.target.dtype == np.int64 and set(np.unique(part.target)) == {0, 1, 2, 3}
        assert all(isinstance(s, tuple) and len(s) >= 3 for s in part.sentences)
        assert all(tokenize_words(text) == s for text, s in zip(part.texts, part.sentences))
        with pytest.raises(ValueError):
            part.target[0] = 1                     # read-only: shared by every caller


def test_every_sentence_is_in_its_topic_and_the_topic_in_its_class(parts):
    from pydoc_data.topics import topics
    class_of = {t: c for c, (_, names) in enumerate(data._DOC_TOPIC_CLASSES) for t in names}
    sentences = {}
    for part in parts:
        for text, topic, label in zip(part.texts, part.topics, part.target):
            assert class_of[topic] == label
            if topic not in sentences:
                sentences[topic] = set(split_sentences(topics[topic]))
            assert text in sentences[topic]


def test_classes_are_disjoint_and_ambiguous_sentences_dropped(parts):
    from pydoc_data.topics import topics
    class_topics = [set(names) for _, names in data._DOC_TOPIC_CLASSES]
    assert sum(map(len, class_topics)) == len(set.union(*class_topics))
    seen = {}
    for c, names in enumerate(class_topics):
        for name in names & set(topics):
            for s in split_sentences(topics[name]):
                seen.setdefault(tokenize_words(s), set()).add(c)
    expected = {w for w, cs in seen.items() if len(w) >= 3 and len(cs) == 1}
    got = [s for part in parts for s in part.sentences]
    assert len(got) == len(set(got)) == len(expected) and set(got) == expected


def test_split_is_stratified_and_disjoint(parts):
    train, val, test = parts
    total = np.bincount(np.concatenate([p.target for p in parts]), minlength=4)
    for part, fraction in ((train, 0.7), (val, 0.15), (test, 0.15)):
        assert np.all(np.abs(np.bincount(part.target, minlength=4) - fraction * total) <= 1)
    sets = [set(p.sentences) for p in parts]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])


def test_split_follows_the_documented_rule(parts):
    rows = data._doc_topic_sentences()
    y = np.array([r[2] for r in rows])
    rng = np.random.default_rng(0)
    cuts = {}
    for c in range(4):
        idx = rng.permutation(np.flatnonzero(y == c))
        bounds = np.round(np.array([0.7, 0.85]) * len(idx)).astype(int)
        for k, chunk in enumerate(np.split(idx, bounds)):
            cuts.setdefault(k, []).append(chunk)
    for k, part in enumerate(parts):
        idx = np.sort(np.concatenate(cuts[k]))
        assert part.sentences == tuple(rows[i][0] for i in idx)      # reading order kept


def test_deterministic_cached_and_seeded(parts):
    assert load_doc_topics() is parts and load_doc_topics("test") is parts[2]
    data._doc_topic_split.cache_clear()
    again = load_doc_topics()
    assert again is not parts
    for a, b in zip(again, parts):
        assert a.sentences == b.sentences and np.array_equal(a.target, b.target)
    other = load_doc_topics(seed=1)
    assert other[0].sentences != parts[0].sentences
    assert sorted(sum((p.sentences for p in other), ())) == sorted(
        sum((p.sentences for p in parts), ()))
    wider = load_doc_topics("test", val_fraction=0.1, test_fraction=0.3)
    assert len(wider.target) > len(parts[2].target)


@pytest.mark.skipif(sys.version_info[:3] != (3, 11, 7),
                    reason="pydoc_data's text, and so the sizes, depend on the Python version")
def test_documented_sizes_on_python_3_11_7(parts):
    assert tuple(len(p.target) for p in parts) == (1383, 295, 297)
    total = np.bincount(np.concatenate([p.target for p in parts]))
    assert total.tolist() == [547, 314, 677, 437]
    assert parts[0].sentences[0][:4] == ("assert", "statements", "are", "a")


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(split="dev"), ValueError, "split must be"),
    (dict(val_fraction=0.0), ValueError, r"val_fraction must be a real number in \(0, 1\), got 0"),
    (dict(test_fraction=1.5), ValueError,
     r"test_fraction must be a real number in \(0, 1\), got 1\.5"),
    (dict(val_fraction=True), TypeError, "val_fraction must be .*, got bool True"),
    (dict(val_fraction=0.5, test_fraction=0.5), ValueError, "must be below 1"),
    (dict(seed=-1), ValueError, "seed must be a non-negative int, got -1"),
    (dict(seed=1.5), TypeError, r"seed must be a non-negative int, got float 1\.5"),
])
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        load_doc_topics(**kwargs)
