"""The vocabulary of a language model: word counts, a cutoff and an unknown-word label.

Shaped like ``nltk.lm.Vocabulary``: the same constructor, the same membership rule, the same
``lookup``. One deliberate difference: when the unknown label itself occurs in the counted
text (a corpus that already marks rare words with it), nltk lists and counts the label twice;
here it is one entry of the vocabulary.
"""
import numbers
from collections import Counter
from collections.abc import Iterable

from .._validation import check_scalar

__all__ = ["Vocabulary"]


class Vocabulary:
    """Word counts with a membership cutoff and a label that stands in for unknown words.

    A word belongs to the vocabulary when it was counted at least ``unk_cutoff`` times; every
    other word is *out of vocabulary* (OOV) and :meth:`lookup` replaces it by ``unk_label``.
    The label itself always belongs to a non-empty vocabulary, so the size V that smoothing
    divides by counts the kept words plus one.

    Parameters
    ----------
    counts : iterable of str or mapping str -> int, optional
        Words to count (e.g. the flattened, padded training sentences), or ready counts such as
        another vocabulary's ``counts``.
    unk_cutoff : int, default 1
        Minimum count for a word to be in the vocabulary.
    unk_label : str, default '<UNK>'
        The label that replaces out-of-vocabulary words.

    Attributes
    ----------
    counts : collections.Counter
        Every counted word with its count, including words below the cutoff (so the cutoff can
        be changed without recounting, as in ``Vocabulary(vocab.counts, unk_cutoff=1)``).

    Examples
    --------
    >>> vocab = Vocabulary(["a", "c", "-", "d", "c", "a", "b", "r", "a", "c", "d"], unk_cutoff=2)
    >>> sorted(vocab), len(vocab)
    (['<UNK>', 'a', 'c', 'd'], 4)
    >>> vocab.lookup(["a", "b", "aliens"])
    ('a', '<UNK>', '<UNK>')
    """

    def __init__(self, counts=None, unk_cutoff=1, unk_label="<UNK>"):
        unk_cutoff = check_scalar(unk_cutoff, "unk_cutoff", numbers.Integral, min_val=1)
        if not isinstance(unk_label, str):
            raise TypeError(f"unk_label must be a str, got {type(unk_label).__name__}")
        self._cutoff = unk_cutoff
        self._unk_label = unk_label
        self.counts = Counter()
        self._len = 0
        if counts is not None:
            self.update(counts)

    @property
    def cutoff(self):
        """int: the minimum count of a vocabulary word (read-only)."""
        return self._cutoff

    @property
    def unk_label(self):
        """str: the label that replaces out-of-vocabulary words (read-only)."""
        return self._unk_label

    def update(self, *args, **kwargs):
        """Add counts, with the arguments of ``collections.Counter.update``.

        Parameters
        ----------
        *args : iterable of str or mapping str -> int
            Words to count, or counts to add.
        **kwargs : int
            Counts to add, by word.
        """
        for arg in args:
            if arg is not None and not isinstance(arg, Iterable):
                raise TypeError(f"Vocabulary.update expects an iterable of words or a mapping "
                                f"of counts, got {type(arg).__name__}")
        self.counts.update(*args, **kwargs)
        self._len = sum(1 for _ in self)

    def lookup(self, words):
        """Replace out-of-vocabulary words by ``unk_label``.

        Parameters
        ----------
        words : str or iterable
            One word, or a (possibly nested) sequence of words.

        Returns
        -------
        str or tuple
            The word itself or ``unk_label`` for a str; a tuple of the looked-up items (nested
            like the input) for an iterable.

        Raises
        ------
        TypeError
            If ``words`` (or an item of it) is neither a str nor an iterable.
        """
        if isinstance(words, str):
            return words if words in self else self._unk_label
        if isinstance(words, Iterable):
            return tuple(self.lookup(w) for w in words)
        raise TypeError(f"lookup expects a str or an iterable of str, got {type(words).__name__}")

    def __getitem__(self, word):
        """The count of ``word``; the cutoff for ``unk_label``, which always belongs."""
        return self._cutoff if word == self._unk_label else self.counts[word]

    def __contains__(self, word):
        """True if ``word`` was counted at least ``cutoff`` times (always for ``unk_label``)."""
        return self[word] >= self._cutoff

    def __iter__(self):
        """The vocabulary words in first-counted order, then ``unk_label`` (if any word was
        counted)."""
        cutoff, unk = self._cutoff, self._unk_label
        for word, count in self.counts.items():
            if count >= cutoff and word != unk:
                yield word
        if self.counts:
            yield unk

    def __len__(self):
        """V: the number of vocabulary words, ``unk_label`` included."""
        return self._len

    def __eq__(self, other):
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return (self._unk_label == other._unk_label and self._cutoff == other._cutoff
                and self.counts == other.counts)

    __hash__ = None

    def __repr__(self):
        return (f"<Vocabulary with cutoff={self._cutoff} unk_label={self._unk_label!r} and "
                f"{len(self)} items>")

    __str__ = __repr__
