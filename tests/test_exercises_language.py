"""The self-checks of the language-model chapters accept a correct answer and reject wrong ones."""
from collections import Counter

import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.language import check_bigram_mle, check_continuation_unigram


def bigram_mle(sentences):
    pairs, histories = Counter(), Counter()
    for s in sentences:
        padded = ["<s>"] + list(s) + ["</s>"]
        for h, w in zip(padded[:-1], padded[1:]):
            pairs[(h, w)] += 1
            histories[h] += 1
    return {(h, w): c / histories[h] for (h, w), c in pairs.items()}


def continuation(sentences):
    types = {(h, w) for s in sentences
             for h, w in zip(["<s>"] + list(s), list(s) + ["</s>"])}
    before = Counter(w for _, w in types)
    return {w: c / len(types) for w, c in before.items()}


def test_correct_answers_pass():
    assert "agree" in check_bigram_mle(bigram_mle)
    assert "agree" in check_continuation_unigram(continuation)


def test_reversed_condition_fails():
    def reversed_condition(sentences):
        table = bigram_mle(sentences)
        words = Counter(w for s in sentences for w in ["<s>"] + list(s) + ["</s>"])
        counts = Counter((h, w) for s in sentences
                         for h, w in zip(["<s>"] + list(s), list(s) + ["</s>"]))
        return {(h, w): counts[(h, w)] / words[w] for (h, w) in table}

    with pytest.raises(ExerciseCheckError, match="bigram MLE"):
        check_bigram_mle(reversed_condition)


def test_missing_padding_fails():
    def unpadded(sentences):
        return {k: v for k, v in bigram_mle(sentences).items() if "<s>" not in k}

    with pytest.raises(ExerciseCheckError, match="missing"):
        check_bigram_mle(unpadded)


def test_token_counts_instead_of_types_fail():
    def frequency(sentences):
        words = Counter(w for s in sentences for w in list(s) + ["</s>"])
        total = sum(words.values())
        return {w: c / total for w, c in words.items()}

    with pytest.raises(ExerciseCheckError, match="continuation"):
        check_continuation_unigram(frequency)


def test_not_a_dict_fails():
    with pytest.raises(ExerciseCheckError, match="expected a dict"):
        check_continuation_unigram(lambda sentences: [1.0])
