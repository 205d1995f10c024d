r"""The interface shared by the n-gram language models, shaped like ``nltk.lm.api``.

A model of order n estimates :math:`P(w \mid u)` for a word w after a context u of at most
n-1 words (a longer context is cut to its last n-1 words: the Markov assumption). Every
model computes its probabilities for a whole batch of n-grams at once, from integer arrays
(:meth:`LanguageModel.score_ngrams`); :meth:`~LanguageModel.score`, :meth:`~LanguageModel.entropy`
and :meth:`~LanguageModel.generate` are built on that one vectorized path.

Evaluation follows nltk. For N test n-grams :math:`(u_i, w_i)`, the cross-entropy in bits per
word *averages* over the n-grams,

.. math:: H = -\frac1N \sum_{i=1}^{N} \log_2 P(w_i \mid u_i), \qquad \mathrm{PP} = 2^{H}.
"""
import math
import numbers
import random
from abc import ABC, abstractmethod
from collections.abc import Iterable
from itertools import chain, repeat

import numpy as np

from .._validation import check_positive_int
from ..exceptions import NotFittedError
from ..random import default_generator
from .counter import NgramCounter, _encode
from .vocabulary import Vocabulary

__all__ = ["LanguageModel"]


class LanguageModel(ABC):
    """Base class of the n-gram models (not instantiated itself).

    Parameters
    ----------
    order : int
        The model order n (1 for unigrams, 2 for bigrams, ...).
    vocabulary : Vocabulary, optional
        The vocabulary to use; by default an empty one that :meth:`fit` fills from
        ``vocabulary_text``.
    counter : NgramCounter, optional
        Where the n-gram counts go; by default a new, empty one.

    Attributes
    ----------
    order : int
    vocab : Vocabulary
    counts : NgramCounter
        The n-gram counts, after out-of-vocabulary words were replaced by ``vocab.unk_label``.
    """

    def __init__(self, order, vocabulary=None, counter=None):
        self.order = check_positive_int(order, "order")
        if vocabulary is not None and not isinstance(vocabulary, Vocabulary):
            raise TypeError(f"vocabulary must be a dlbook.lm.Vocabulary or None, got "
                            f"{type(vocabulary).__name__}")
        if counter is not None and not isinstance(counter, NgramCounter):
            raise TypeError(f"counter must be a dlbook.lm.NgramCounter or None, got "
                            f"{type(counter).__name__}")
        self.vocab = Vocabulary() if vocabulary is None else vocabulary
        self.counts = NgramCounter() if counter is None else counter
        self._id_map_key = None

    def __repr__(self):
        return f"{type(self).__name__}(order={self.order})"

    # ------------------------------------------------------------------ fitting
    def fit(self, text, vocabulary_text=None):
        """Count the n-grams of the training text.

        Parameters
        ----------
        text : iterable of iterables of tuple of str
            Training sentences, each an iterable of n-grams of length at most ``order``, as
            made by :func:`dlbook.lm.preprocessing.padded_everygram_pipeline`. Words outside
            the vocabulary are counted as ``vocab.unk_label``.
        vocabulary_text : iterable of str, optional
            Words to build the vocabulary from; required if the vocabulary is empty and
            ignored otherwise (as in nltk).

        Raises
        ------
        ValueError
            If there is no vocabulary and no ``vocabulary_text``, if ``text`` holds no n-grams
            (for instance a generator already used by an earlier fit), or if an n-gram is
            longer than ``order``.
        TypeError
            If ``text`` is not nested as described or a word is not a str.

        Notes
        -----
        Fitting again adds to the counts, as in nltk.
        """
        if len(self.vocab) == 0:
            if vocabulary_text is None:
                raise ValueError("cannot fit without a vocabulary or a vocabulary_text to build "
                                 "it from")
            if isinstance(vocabulary_text, str):
                raise TypeError("vocabulary_text must be an iterable of words, got a str")
            self.vocab.update(vocabulary_text)
            if len(self.vocab) == 0:
                raise ValueError("vocabulary_text holds no words")
        before = self.counts.N()
        self.counts._update(text, transform=self._mask_words, max_order=self.order)
        if self.counts.N() == before:
            raise ValueError("text holds no n-grams (note that padded_everygram_pipeline "
                             "returns one-shot generators: call it again for a second fit)")

    # ------------------------------------------------------------------ vocabulary to ids
    def _mask_words(self, words):
        """Replace the out-of-vocabulary words of the list ``words`` by the unknown label."""
        _check_words(words)
        members = {word: word for word in self.vocab}
        return list(map(members.get, words, repeat(self.vocab.unk_label)))

    def _id_map(self):
        """Dict from each vocabulary word to its id in the counter (-1 if never counted)."""
        key = (id(self.vocab), len(self.vocab), self.vocab.unk_label, self.counts._base)
        if self._id_map_key != key:
            index = self.counts._index
            self._id_map_cache = {word: index.get(word, -1) for word in self.vocab}
            self._id_map_key = key
        return self._id_map_cache

    def _word_ids(self, words, masked=True):
        """Counter ids of a list of words, out-of-vocabulary words first replaced by the
        unknown label if ``masked``; -1 for a word that was never counted."""
        _check_words(words)
        if not masked:
            return self.counts._ids(words)
        id_map = self._id_map()
        unk_id = id_map.get(self.vocab.unk_label, -1)
        return np.fromiter(map(id_map.get, words, repeat(unk_id)), dtype=np.int64,
                           count=len(words))

    def _check_fitted(self):
        if self.counts.N() == 0:
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet; call "
                                 "fit(text, vocabulary_text) first")

    def _check_context(self, context):
        """``context`` as a tuple cut to its last ``order - 1`` words."""
        if context is None:
            return ()
        if isinstance(context, str) or not isinstance(context, Iterable):
            raise TypeError(f"context must be None or a sequence of words, got "
                            f"{type(context).__name__} (for one word pass ('word',))")
        context = tuple(context)
        keep = self.order - 1
        return context[len(context) - keep:] if len(context) > keep else context

    # ------------------------------------------------------------------ the vectorized core
    @abstractmethod
    def _unmasked_scores(self, words, contexts):
        """Probabilities P(words[i] | contexts[i]).

        Parameters
        ----------
        words : ndarray of int64, shape (M,)
            Counter ids (-1 for a word never counted).
        contexts : ndarray of int64, shape (M, m)
            Counter ids of the contexts, all of the same length m <= order - 1.

        Returns
        -------
        ndarray of float64, shape (M,)
        """

    def _table_stats(self, table, words, contexts):
        """For each row: the count c of (context, word) in ``table`` (an order-(m+1) table),
        the context's total N and its number K of distinct continuations."""
        base = self.counts._base
        m = contexts.shape[1]
        size = words.shape[0]
        if not table.keys.size:
            zeros = np.zeros(size, dtype=np.int64)
            return zeros, zeros, zeros
        if m == 0:
            return (table.lookup(words), np.full(size, table.total, dtype=np.int64),
                    np.full(size, table.keys.size, dtype=np.int64))
        context_keys = _encode(contexts, base)
        total, distinct = table.prefix_stats(context_keys, base)
        keys = np.where((context_keys >= 0) & (words >= 0), context_keys * base + words, -1)
        return table.lookup(keys), total, distinct

    def _stats(self, words, contexts):
        """:meth:`_table_stats` of the raw counts of order ``contexts.shape[1] + 1``."""
        return self._table_stats(self.counts._table(contexts.shape[1] + 1), words, contexts)

    def _scores(self, ngrams, masked=True):
        """Probabilities of a list of n-grams (tuples of str), each scored after its own
        context cut to ``order - 1`` words."""
        self._check_fitted()
        if isinstance(ngrams, (str, bytes)) or not isinstance(ngrams, Iterable):
            raise TypeError(f"text_ngrams must be an iterable of n-gram tuples, got "
                            f"{type(ngrams).__name__}")
        ngrams = list(ngrams)
        bad = set(map(type, ngrams)) - {tuple, list}
        if bad:
            raise TypeError(f"text_ngrams must hold n-gram tuples, got "
                            f"{sorted(t.__name__ for t in bad)}")
        lengths = np.fromiter(map(len, ngrams), dtype=np.int64, count=len(ngrams))
        if lengths.size and lengths.min() == 0:
            raise ValueError("n-grams must hold at least one word, got an empty tuple")
        words = list(chain.from_iterable(ngrams))
        ids = self._word_ids(words, masked)
        starts = np.cumsum(lengths) - lengths
        out = np.empty(len(ngrams))
        for length in np.unique(lengths).tolist():
            rows_at = np.flatnonzero(lengths == length)
            rows = ids[starts[rows_at][:, None] + np.arange(length)]
            m = min(length - 1, self.order - 1)
            out[rows_at] = self._unmasked_scores(rows[:, -1], rows[:, length - 1 - m:length - 1])
        return out

    # ------------------------------------------------------------------ public scoring
    def score(self, word, context=None):
        """P(word | context), out-of-vocabulary words counted as ``vocab.unk_label``.

        Parameters
        ----------
        word : str
        context : sequence of str, optional
            The preceding words; only the last ``order - 1`` are used. None or empty for the
            unigram probability.

        Returns
        -------
        float
        """
        return self._score_one(word, context, masked=True)

    def unmasked_score(self, word, context=None):
        """P(word | context) without replacing out-of-vocabulary words: a word that is not
        in the counts (for instance the raw form of a word below the cutoff) scores as a
        word never seen."""
        return self._score_one(word, context, masked=False)

    def _score_one(self, word, context, masked):
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        context = self._check_context(context)
        return float(self._scores([context + (word,)], masked)[0])

    def logscore(self, word, context=None):
        """log2 P(word | context); -inf where the probability is 0."""
        with np.errstate(divide="ignore"):
            return float(np.log2(self.score(word, context)))

    def score_ngrams(self, text_ngrams):
        """P(w | u) for every n-gram (u..., w) of ``text_ngrams``, in one vectorized pass.

        Parameters
        ----------
        text_ngrams : iterable of tuple of str
            N n-grams (of any lengths), each scored like ``score(ngram[-1], ngram[:-1])``.

        Returns
        -------
        ndarray of float64, shape (N,)
        """
        return self._scores(text_ngrams)

    def logscore_ngrams(self, text_ngrams):
        """log2 of :meth:`score_ngrams`, shape (N,); -inf where a probability is 0."""
        with np.errstate(divide="ignore"):
            return np.log2(self._scores(text_ngrams))

    def entropy(self, text_ngrams):
        """Cross-entropy in bits per n-gram: ``-mean(logscore_ngrams(text_ngrams))``.

        Parameters
        ----------
        text_ngrams : iterable of tuple of str
            The test n-grams, e.g. ``ngrams(pad_both_ends(sentence, n), n)`` over the test
            sentences, flattened.

        Returns
        -------
        float
            ``inf`` if some n-gram has probability 0.
        """
        logs = self.logscore_ngrams(text_ngrams)
        if logs.size == 0:
            raise ValueError("text_ngrams holds no n-grams")
        return -math.fsum(logs.tolist()) / logs.size

    def perplexity(self, text_ngrams):
        """``2 ** entropy(text_ngrams)``."""
        with np.errstate(over="ignore"):
            return float(np.exp2(self.entropy(text_ngrams)))

    def context_counts(self, context):
        """The frequency distribution of the words counted after ``context`` (a tuple of
        already looked-up words; empty or None for the unigram counts)."""
        return self.counts[len(context) + 1][context] if context else self.counts.unigrams

    # ------------------------------------------------------------------ generation
    def generate(self, num_words=1, text_seed=None, random_seed=None):
        """Sample words from the model, as nltk does.

        Each word is drawn from the words *seen* after the current context (the last
        ``order - 1`` words of ``text_seed`` and of the words generated so far), weighted by
        their scores; if the context was never seen, its first word is dropped until it was.

        Parameters
        ----------
        num_words : int, default 1
        text_seed : sequence of str, optional
            Words to condition the first draws on.
        random_seed : None, int, random.Random or numpy.random.Generator
            An int seeds ``random.Random`` exactly as nltk does (so a seed draws the same words
            as nltk's model would); None draws from dlbook's package-wide generator (see
            :func:`dlbook.manual_seed`).

        Returns
        -------
        str or list of str
            One word if ``num_words == 1``, else a list of ``num_words`` words.
        """
        self._check_fitted()
        num_words = check_positive_int(num_words, "num_words")
        uniform = _uniform_source(random_seed)
        if text_seed is None:
            history = []
        elif isinstance(text_seed, str) or not isinstance(text_seed, Iterable):
            raise TypeError(f"text_seed must be None or a sequence of words, got "
                            f"{type(text_seed).__name__}")
        else:
            history = list(text_seed)
            _check_words(history)
        base = self.counts._base
        items = self.counts._items
        generated = []
        for _ in range(num_words):
            context = self._check_context(history + generated)
            context_ids = self._word_ids(list(context))
            while True:
                table = self.counts._table(len(context_ids) + 1)
                if len(context_ids) == 0:
                    candidates = table.keys
                else:
                    key = _encode(context_ids[None, :], base)
                    lo, hi = table.prefix_range(key, base)
                    candidates = table.keys[lo[0]:hi[0]] % base if key[0] >= 0 else table.keys[:0]
                if candidates.size or len(context_ids) == 0:
                    break
                context_ids = context_ids[1:]
            if not candidates.size:
                raise ValueError("no word to sample from: the model has no unigram counts")
            candidates = sorted(candidates.tolist(), key=items.__getitem__)
            candidates = np.array(candidates, dtype=np.int64)
            contexts = np.broadcast_to(context_ids, (candidates.size, context_ids.size))
            weights = self._unmasked_scores(candidates, np.ascontiguousarray(contexts))
            cumulative = np.cumsum(weights)
            threshold = math.fsum(weights.tolist()) * uniform()
            pick = min(int(np.searchsorted(cumulative, threshold, side="right")),
                       candidates.size - 1)
            generated.append(items[candidates[pick]])
        return generated[0] if num_words == 1 else generated


def _check_words(words):
    bad = set(map(type, words)) - {str}
    if bad:
        raise TypeError(f"words must be str, got {sorted(t.__name__ for t in bad)}")


def _uniform_source(random_seed):
    """A function returning uniform draws in [0, 1) from ``random_seed`` (see ``generate``)."""
    if random_seed is None:
        return default_generator().random
    if isinstance(random_seed, random.Random):
        return random_seed.random
    if isinstance(random_seed, np.random.Generator):
        return random_seed.random
    if isinstance(random_seed, numbers.Integral) and not isinstance(random_seed, bool):
        return random.Random(int(random_seed)).random
    raise TypeError(f"random_seed must be None, an int, a random.Random or a "
                    f"numpy.random.Generator, got {type(random_seed).__name__}")
