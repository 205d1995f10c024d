"""Padding and n-gram extraction for n-gram language models, shaped like ``nltk.lm.preprocessing``.

A sentence of T words is padded with n-1 start symbols ``<s>`` and n-1 end symbols ``</s>``, so
that the first word has a full context and the model learns where sentences end. The model is
then trained on its *everygrams*: every n-gram of length 1 to n, listed by start position and,
at each position, by length::

    >>> list(everygrams(["<s>", "a", "b", "</s>"], max_len=2))
    [('<s>',), ('<s>', 'a'), ('a',), ('a', 'b'), ('b',), ('b', '</s>'), ('</s>',)]

:func:`everygrams` and :func:`ngrams` return an :class:`Everygrams` object rather than a
generator: it iterates over exactly the tuples nltk yields, in the same order, and also keeps
the sentence as a tuple, so :meth:`dlbook.lm.NgramCounter.update` can count its n-grams straight
from an integer array instead of tuple by tuple.
"""
from collections.abc import Iterable
from itertools import chain, repeat

from .._validation import check_positive_int

__all__ = ["Everygrams", "everygrams", "ngrams", "pad_both_ends", "padded_everygrams",
           "padded_everygram_pipeline", "flatten", "scored_ngrams"]


class Everygrams:
    """The n-grams of one sequence with lengths ``min_len`` to ``max_len``, as tuples.

    Iterating yields, for each start position in turn, the n-grams starting there from length
    ``min_len`` up to ``max_len`` (shorter ones near the end of the sequence), like
    ``nltk.util.everygrams``. Unlike a generator it can be iterated more than once.

    Parameters
    ----------
    sequence : iterable
        The items (usually words); stored as a tuple.
    min_len : int, default 1
        Shortest n-gram length.
    max_len : int, default -1
        Longest n-gram length; -1 means the length of the sequence.

    Attributes
    ----------
    sequence : tuple
    min_len, max_len : int
        ``max_len`` with -1 resolved to ``len(sequence)``.
    """

    __slots__ = ("sequence", "min_len", "max_len")

    def __init__(self, sequence, min_len=1, max_len=-1):
        self.sequence = tuple(sequence)
        self.min_len = check_positive_int(min_len, "min_len")
        if max_len == -1:
            max_len = len(self.sequence)
        else:
            max_len = check_positive_int(max_len, "max_len")
            if max_len < self.min_len:
                raise ValueError(f"max_len must be -1 or >= min_len = {self.min_len}, "
                                 f"got {max_len}")
        self.max_len = max_len

    @classmethod
    def _from_checked(cls, sequence, min_len, max_len):
        """Build without validation, from a tuple and lengths already checked."""
        self = cls.__new__(cls)
        self.sequence, self.min_len, self.max_len = sequence, min_len, max_len
        return self

    def __iter__(self):
        seq, lo, hi = self.sequence, self.min_len, self.max_len
        size = len(seq)
        for start in range(size):
            for length in range(lo, min(hi, size - start) + 1):
                yield seq[start:start + length]

    def __len__(self):
        size = len(self.sequence)
        return sum(max(0, size - length + 1) for length in range(self.min_len, self.max_len + 1))

    def __repr__(self):
        return (f"Everygrams({self.sequence!r}, min_len={self.min_len}, "
                f"max_len={self.max_len})")


def everygrams(sequence, min_len=1, max_len=-1):
    """Every n-gram of ``sequence`` with length from ``min_len`` to ``max_len``.

    Parameters
    ----------
    sequence : iterable
        The items, usually the words of one (padded) sentence.
    min_len : int, default 1
    max_len : int, default -1
        -1 means ``len(sequence)``.

    Returns
    -------
    Everygrams
        An iterable of tuples in nltk's order (by start position, then by length).

    Examples
    --------
    >>> list(everygrams("a b c".split()))
    [('a',), ('a', 'b'), ('a', 'b', 'c'), ('b',), ('b', 'c'), ('c',)]
    """
    return Everygrams(sequence, min_len, max_len)


def ngrams(sequence, n):
    """The n-grams of ``sequence`` of length exactly ``n``, left to right (``nltk.util.ngrams``).

    Parameters
    ----------
    sequence : iterable
    n : int

    Returns
    -------
    Everygrams
        An iterable of ``len(sequence) - n + 1`` tuples (none if the sequence is shorter).

    Examples
    --------
    >>> list(ngrams(["<s>", "a", "b", "</s>"], 2))
    [('<s>', 'a'), ('a', 'b'), ('b', '</s>')]
    """
    n = check_positive_int(n, "n")
    return Everygrams(sequence, n, n)


def pad_both_ends(sequence, n, left_pad_symbol="<s>", right_pad_symbol="</s>"):
    """Pad a sentence with ``n - 1`` start symbols and ``n - 1`` end symbols.

    Parameters
    ----------
    sequence : iterable
        The words of one sentence.
    n : int
        The n-gram order the padding is for.
    left_pad_symbol, right_pad_symbol : str, default '<s>' and '</s>'

    Returns
    -------
    iterator
        The padded sentence (consume it once, e.g. with ``list``).

    Examples
    --------
    >>> list(pad_both_ends(["a", "b"], n=3))
    ['<s>', '<s>', 'a', 'b', '</s>', '</s>']
    """
    n = check_positive_int(n, "n")
    if isinstance(sequence, str):
        raise TypeError("pad_both_ends expects a sequence of words, got a str; "
                        "split it into words (or characters, with tuple) first")
    return chain(repeat(left_pad_symbol, n - 1), sequence, repeat(right_pad_symbol, n - 1))


def scored_ngrams(sentences, n, left_pad_symbol="<s>", right_pad_symbol="</s>"):
    """The n-grams a model of order ``n`` is scored on: one per word, plus one for the end.

    Each sentence gets ``n - 1`` start symbols and **one** end symbol, so every order predicts
    the same ``sum(len(s) + 1)`` tokens: each word and the end of each sentence. (Padding the
    end with ``n - 1`` symbols, as :func:`pad_both_ends` does for training, would add
    ``n - 2`` near-certain predictions of ``</s>`` after ``</s>`` per sentence and flatter
    the higher orders' perplexity.)

    Parameters
    ----------
    sentences : iterable of sequences of str
    n : int

    Returns
    -------
    list of tuple
        The n-grams, sentence by sentence.

    Examples
    --------
    >>> scored_ngrams([["a", "b"]], 3)
    [('<s>', '<s>', 'a'), ('<s>', 'a', 'b'), ('a', 'b', '</s>')]
    """
    n = check_positive_int(n, "n")
    if isinstance(sentences, str):
        raise TypeError("scored_ngrams expects a sequence of sentences, each a sequence of words")
    grams = []
    for sentence in sentences:
        if isinstance(sentence, str):
            raise TypeError("each sentence must be a sequence of words, not a str")
        padded = [left_pad_symbol] * (n - 1) + list(sentence) + [right_pad_symbol]
        grams.extend(zip(*(padded[i:] for i in range(n))))
    return grams


def padded_everygrams(order, sentence):
    """The everygrams up to length ``order`` of a sentence padded for that order.

    Parameters
    ----------
    order : int
    sentence : iterable of str

    Returns
    -------
    Everygrams
    """
    order = check_positive_int(order, "order")
    return Everygrams(pad_both_ends(sentence, n=order), 1, order)


def flatten(iterables):
    """Chain an iterable of iterables into one iterator (``itertools.chain.from_iterable``)."""
    return chain.from_iterable(iterables)


def padded_everygram_pipeline(order, text):
    """Prepare sentences for :meth:`dlbook.lm.api.LanguageModel.fit`.

    Parameters
    ----------
    order : int
        The model order n: sentences are padded with n-1 symbols at each end and cut into
        n-grams of length 1 to n.
    text : iterable of iterables of str
        The training sentences, each a sequence of words.

    Returns
    -------
    train_ngrams : generator of Everygrams
        One :func:`padded_everygrams` per sentence.
    vocabulary_text : iterator of str
        The padded sentences chained into one stream of words, to build the vocabulary from.

    Notes
    -----
    Both results are one-shot iterators, as in nltk: fitting a second model needs a second
    call. ``text`` itself is read once here, so it may be a generator.

    Examples
    --------
    >>> train, vocab_text = padded_everygram_pipeline(2, [["a", "b"]])
    >>> [list(sent) for sent in train]
    [[('<s>',), ('<s>', 'a'), ('a',), ('a', 'b'), ('b',), ('b', '</s>'), ('</s>',)]]
    >>> list(vocab_text)
    ['<s>', 'a', 'b', '</s>']
    """
    order = check_positive_int(order, "order")
    if isinstance(text, str):
        raise TypeError("text must be an iterable of sentences (sequences of words), got a str")
    left, right = ("<s>",) * (order - 1), ("</s>",) * (order - 1)
    padded = []
    for sentence in text:
        if isinstance(sentence, str) or not isinstance(sentence, Iterable):
            raise TypeError(f"each sentence must be a sequence of words, got "
                            f"{type(sentence).__name__}")
        padded.append(left + tuple(sentence) + right)
    return ((Everygrams._from_checked(sent, 1, order) for sent in padded), flatten(padded))
