r"""Self-checks for the exercises of the chapters on n-gram language models and smoothing.

* ``check_bigram_mle(fn)``: ``fn(sentences)`` returns a dict from every bigram ``(h, w)`` seen
  in the sentences (padded with one ``<s>`` and one ``</s>``) to
  :math:`\hat p(w \mid h) = c(h\,w)/c(h)`.
* ``check_continuation_unigram(fn)``: ``fn(sentences)`` returns a dict from every word that
  follows something in the padded sentences to its Kneser–Ney continuation probability
  :math:`N_{1+}(\cdot\,w)/N_{1+}(\cdot\,\cdot)`, the number of distinct words seen before w
  over the number of distinct bigrams.

Each compares with :mod:`dlbook.lm` on a few small corpora and raises
:class:`~dlbook.exercises.ExerciseCheckError` saying what differs, or returns a one-line verdict.
"""
import math

import numpy as np

from ..lm import MLE, KneserNeyInterpolated
from ..lm.preprocessing import flatten, ngrams, pad_both_ends, padded_everygram_pipeline
from . import ExerciseCheckError

__all__ = ["check_bigram_mle", "check_continuation_unigram"]


def _corpora():
    rng = np.random.default_rng(599)
    words = ["the", "cat", "dog", "sat", "on", "a", "mat", "ran"]
    corpora = [
        [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "ran"]],
        [["a"]],
        [["a", "a", "a"], ["a", "b"]],
    ]
    for _ in range(3):
        corpora.append([list(rng.choice(words, size=rng.integers(1, 7)))
                        for _ in range(rng.integers(2, 9))])
    return [[[str(w) for w in s] for s in c] for c in corpora]


def _fitted(model, sentences):
    model.fit(*padded_everygram_pipeline(2, sentences))
    return model


def _compare(name, got, want, case):
    if not isinstance(got, dict):
        raise ExerciseCheckError(f"{name}: case {case} returned {type(got).__name__}, expected "
                                 f"a dict")
    missing = sorted(set(want) - set(got), key=str)
    extra = sorted(set(got) - set(want), key=str)
    if missing:
        raise ExerciseCheckError(f"{name}: case {case} is missing keys, e.g. {missing[0]!r} "
                                 f"(did you pad with '<s>' and '</s>'?)")
    if extra:
        raise ExerciseCheckError(f"{name}: case {case} has unexpected keys, e.g. {extra[0]!r} "
                                 f"(only pairs or words that occur belong in the dict)")
    for key, value in want.items():
        if not math.isclose(float(got[key]), value, rel_tol=1e-9, abs_tol=1e-12):
            raise ExerciseCheckError(f"{name}: case {case}, key {key!r}: got {got[key]!r}, "
                                     f"expected {value!r}")


def check_bigram_mle(fn):
    """Compare ``fn(sentences) -> {(h, w): p}`` with :class:`dlbook.lm.MLE` of order 2.

    Returns
    -------
    str
        A one-line verdict.

    Raises
    ------
    ExerciseCheckError
        On the first corpus where a key is missing or extra, or a probability differs.
    """
    corpora = _corpora()
    for case, sentences in enumerate(corpora):
        model = _fitted(MLE(2), sentences)
        pairs = set(flatten(ngrams(pad_both_ends(s, n=2), 2) for s in sentences))
        want = {pair: model.score(pair[1], (pair[0],)) for pair in pairs}
        _compare("bigram MLE", fn([list(s) for s in sentences]), want, case)
    return f"bigram MLE: all {len(corpora)} corpora agree with dlbook.lm.MLE(2)"


def check_continuation_unigram(fn):
    """Compare ``fn(sentences) -> {w: P_cont(w)}`` with the unigram level of
    :class:`dlbook.lm.KneserNeyInterpolated` of order 2.

    Returns
    -------
    str
        A one-line verdict.

    Raises
    ------
    ExerciseCheckError
        On the first corpus where a key is missing or extra, or a probability differs.
    """
    corpora = _corpora()
    for case, sentences in enumerate(corpora):
        model = _fitted(KneserNeyInterpolated(2), sentences)
        followers = {pair[1] for s in sentences for pair in ngrams(pad_both_ends(s, n=2), 2)}
        want = {w: model.score(w) for w in followers}
        _compare("continuation unigram", fn([list(s) for s in sentences]), want, case)
    return (f"continuation unigram: all {len(corpora)} corpora agree with "
            f"dlbook.lm.KneserNeyInterpolated(2)")
