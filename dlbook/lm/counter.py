r"""N-gram counts stored as sorted integer keys, with an ``nltk.lm.NgramCounter``-like interface.

How the counts are stored
-------------------------
Every distinct item (word) gets an integer id in order of first appearance; with B ids, the
n-gram :math:`(w_1, \dots, w_k)` is the base-B number

.. math:: \mathrm{key}(w_1, \dots, w_k) = \sum_{j=1}^{k} \mathrm{id}(w_j)\, B^{k-j},

one int64. The counts of order k are a sorted array of distinct keys with a count for each,
found by ``np.unique`` — no Python dict per n-gram. Because the context
:math:`(w_1, \dots, w_{k-1})` is the leading digits of the key, all the n-grams that share a
context form one contiguous run of keys, :math:`[\mathrm{key}(\text{context})\,B,\
(\mathrm{key}(\text{context}) + 1)\,B)`; two binary searches (``np.searchsorted``) and a
cumulative sum of the counts give a context's total count and its number of distinct
continuations, for a whole batch of contexts at once.

The keys must fit in an int64, so :math:`B^n < 2^{63}` for the highest order n (for example
n <= 5 for B = 5,000 words, n <= 4 for B = 50,000); :meth:`NgramCounter.update` raises a
``ValueError`` otherwise.
"""
import numbers
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, repeat

import numpy as np

from .._validation import check_scalar
from .preprocessing import Everygrams

__all__ = ["NgramCounter"]

_INT64_MAX = int(np.iinfo(np.int64).max)


def _encode(rows, base):
    """Keys of the n-grams in ``rows`` (M, k) of ids; -1 for a row holding an unknown id (-1)."""
    keys = np.zeros(rows.shape[0], dtype=np.int64)
    for j in range(rows.shape[1]):
        keys = keys * base + rows[:, j]
    if rows.size:
        keys[(rows < 0).any(axis=1)] = -1
    return keys


def _decode(keys, base, order):
    """Rows (M, order) of ids from keys (the inverse of :func:`_encode`)."""
    rows = np.empty((keys.shape[0], order), dtype=np.int64)
    rest = keys.copy()
    for j in range(order - 1, -1, -1):
        rest, rows[:, j] = np.divmod(rest, base)
    return rows


class _Table:
    """Sorted distinct int64 keys, their counts, and the counts' cumulative sum."""

    __slots__ = ("keys", "counts", "cumsum")

    def __init__(self, keys, counts):
        self.keys = keys
        self.counts = counts
        self.cumsum = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)

    @classmethod
    def from_keys(cls, keys, counts=None):
        """Count (or add up ``counts`` of) repeated keys."""
        if counts is None:
            unique, counts = np.unique(keys, return_counts=True)
            return cls(unique, counts.astype(np.int64))
        unique, inverse = np.unique(keys, return_inverse=True)
        summed = np.bincount(inverse.ravel(), weights=counts, minlength=unique.size)
        return cls(unique, np.rint(summed).astype(np.int64))

    @property
    def total(self):
        return int(self.cumsum[-1])

    def lookup(self, query):
        """Counts of the ``query`` keys (0 where absent; a key of -1 is never present)."""
        if not self.keys.size:
            return np.zeros(query.shape, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.keys, query), self.keys.size - 1)
        return np.where(self.keys[pos] == query, self.counts[pos], 0)

    def prefix_range(self, context_keys, base):
        """Index range [lo, hi) of the keys that extend each context key by one item."""
        starts = context_keys * base
        lo = np.searchsorted(self.keys, starts)
        hi = np.searchsorted(self.keys, starts + base)
        return lo, hi

    def prefix_stats(self, context_keys, base):
        """Total count N and number of distinct continuations K after each context key."""
        lo, hi = self.prefix_range(context_keys, base)
        return self.cumsum[hi] - self.cumsum[lo], hi - lo


_EMPTY = _Table(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


class NgramCounter:
    """Counts of n-grams of every order, for a language model.

    Read like ``nltk.lm.NgramCounter``: ``counts['a']`` is the count of the unigram ``a``;
    ``counts[['a', 'b']]`` (or ``counts[3][('a', 'b')]``) is the frequency distribution of the
    words that follow the context ``a b``, so ``counts[['a', 'b']]['c']`` is the count of the
    trigram ``a b c``; ``counts[2]`` maps each bigram context to its distribution;
    ``counts.unigrams`` is ``counts[1]``. The distributions are read-only views with ``N()``,
    ``B()``, ``freq(word)``, ``items()`` and ``most_common()``.

    Parameters
    ----------
    ngram_text : iterable of iterables of tuple, optional
        Sentences, each an iterable of n-gram tuples, counted at once (see :meth:`update`).

    Examples
    --------
    >>> from dlbook.lm.preprocessing import ngrams
    >>> text = [["a", "b", "c", "d"], ["a", "c", "d", "c"]]
    >>> counts = NgramCounter([ngrams(s, 2) for s in text] + [ngrams(s, 1) for s in text])
    >>> counts["a"], sorted(counts[["a"]].items()), counts[["a"]]["b"]
    (2, [('b', 1), ('c', 1)], 1)
    """

    def __init__(self, ngram_text=None):
        self._index = {}       # item -> id
        self._items = []       # id -> item
        self._tables = {}      # order -> _Table of the n-grams of that order
        self._version = 0      # bumped by every update, so models can cache derived tables
        if ngram_text is not None:
            self.update(ngram_text)

    # ------------------------------------------------------------------ counting
    def update(self, ngram_text):
        """Add the n-grams of ``ngram_text`` to the counts.

        Parameters
        ----------
        ngram_text : iterable of iterables of tuple
            Sentences, each an iterable of n-grams; an n-gram is a non-empty tuple of hashable
            items (words). Sentences made by :func:`dlbook.lm.preprocessing.everygrams`,
            :func:`~dlbook.lm.preprocessing.ngrams` or
            :func:`~dlbook.lm.preprocessing.padded_everygram_pipeline` are counted from their
            word arrays without building the tuples.

        Raises
        ------
        TypeError
            If a sentence is not iterable or an n-gram is not a tuple.
        ValueError
            If an n-gram is empty, or the keys would overflow int64 (see the module notes).
        """
        self._update(ngram_text)

    def _update(self, ngram_text, transform=None, max_order=None):
        """:meth:`update`, with the items of every n-gram passed through ``transform`` (a
        function from a list of items to a list of items, e.g. the out-of-vocabulary masking
        of a model) and an optional upper bound on the n-gram order."""
        items, positions = _collect(ngram_text)
        if max_order is not None and positions and max(positions) > max_order:
            raise ValueError(f"ngram_text holds n-grams of length {max(positions)}, but the "
                             f"model's order is {max_order}")
        if transform is not None:
            items = transform(items)
        try:
            new_items = [item for item in dict.fromkeys(items) if item not in self._index]
        except TypeError as exc:
            raise TypeError(f"n-gram items must be hashable (e.g. str): {exc}") from None
        old_base = len(self._items)
        base = old_base + len(new_items)
        top = max(chain(self._tables, positions, [max_order or 0]), default=0)
        if top and base ** top > _INT64_MAX:
            raise ValueError(f"{base} distinct items and n-grams of order {top} do not fit in "
                             f"int64 keys (base**order must be < 2**63); use a lower order or "
                             f"a smaller vocabulary (a higher unk_cutoff)")
        for item in new_items:
            self._index[item] = len(self._items)
            self._items.append(item)
        if base != old_base:
            for order, table in self._tables.items():
                keys = _encode(_decode(table.keys, old_base, order), base)
                self._tables[order] = _Table(keys, table.counts)
        ids = np.fromiter(map(self._index.__getitem__, items), dtype=np.int64, count=len(items))
        for order, pos in positions.items():
            keys = _encode(ids[pos], base)
            if order in self._tables:
                old = self._tables[order]
                self._tables[order] = _Table.from_keys(
                    np.concatenate((old.keys, keys)),
                    np.concatenate((old.counts, np.ones(keys.size, dtype=np.int64))))
            else:
                self._tables[order] = _Table.from_keys(keys)
        self._version += 1

    # ------------------------------------------------------------------ helpers for models
    @property
    def _base(self):
        return len(self._items)

    def _table(self, order):
        return self._tables.get(order, _EMPTY)

    def _ids(self, items):
        """Ids of ``items`` (a list); -1 for an item never counted."""
        return np.fromiter(map(self._index.get, items, repeat(-1)), dtype=np.int64,
                           count=len(items))

    def _context_key(self, context):
        ids = self._ids(list(context))
        return int(_encode(ids[None, :], self._base)[0])

    # ------------------------------------------------------------------ reading
    def __getitem__(self, item):
        """``counts[k]`` (int): the counts of order k; ``counts[word]`` (str): a unigram count;
        ``counts[context]`` (list or tuple): the distribution of the words after ``context``."""
        if isinstance(item, numbers.Integral) and not isinstance(item, bool):
            item = check_scalar(item, "n-gram order", numbers.Integral, min_val=1)
            return FreqView(self, ()) if item == 1 else ConditionalView(self, item)
        if isinstance(item, str):
            return FreqView(self, ())[item]
        if isinstance(item, Sequence):
            return FreqView(self, tuple(item))
        raise TypeError(f"NgramCounter keys are an int order, a str word or a sequence "
                        f"context, got {type(item).__name__}")

    @property
    def unigrams(self):
        """FreqView: the unigram counts (``counts[1]``)."""
        return FreqView(self, ())

    def N(self):
        """int: the number of n-grams counted, all orders together."""
        return sum(table.total for table in self._tables.values())

    def __len__(self):
        """The number of n-gram orders counted."""
        return len(self._tables)

    def __contains__(self, order):
        return order in self._tables

    def __repr__(self):
        return (f"<NgramCounter with {len(self)} ngram orders and {self.N()} ngrams>")

    __str__ = __repr__


def _collect(ngram_text):
    """Flatten ``ngram_text`` into a list of items and, per n-gram order k, an int array (M, k)
    of positions into that list (one row per n-gram occurrence)."""
    if isinstance(ngram_text, (str, bytes)) or not isinstance(ngram_text, Iterable):
        raise TypeError(f"ngram_text must be an iterable of sentences of n-gram tuples, got "
                        f"{type(ngram_text).__name__}")
    generic, fast = [], []
    for sentence in ngram_text:
        if isinstance(sentence, Everygrams):
            fast.append(sentence)
            continue
        if isinstance(sentence, (str, bytes)) or not isinstance(sentence, Iterable):
            raise TypeError(f"each sentence of ngram_text must be an iterable of n-gram tuples, "
                            f"got {type(sentence).__name__}")
        generic.extend(sentence)
    bad = set(map(type, generic)) - {tuple}
    if bad:
        raise TypeError(f"n-grams must be tuples, got {sorted(t.__name__ for t in bad)} "
                        f"(ngram_text is a sequence of sentences, each a sequence of n-grams)")
    lengths = np.fromiter(map(len, generic), dtype=np.int64, count=len(generic))
    if lengths.size and lengths.min() == 0:
        raise ValueError("n-grams must hold at least one item, got an empty tuple")
    items = list(chain.from_iterable(generic))
    starts = np.cumsum(lengths) - lengths
    blocks = {}
    for order in np.unique(lengths).tolist():
        first = starts[lengths == order]
        blocks.setdefault(order, []).append(first[:, None] + np.arange(order))
    if fast:
        offset = len(items)
        sizes = np.array([len(s.sequence) for s in fast], dtype=np.int64)
        items.extend(chain.from_iterable(s.sequence for s in fast))
        total = int(sizes.sum())
        where = np.arange(total, dtype=np.int64)
        in_sentence = where - np.repeat(np.cumsum(sizes) - sizes, sizes)
        size_at = np.repeat(sizes, sizes)
        min_at = np.repeat(np.array([s.min_len for s in fast], dtype=np.int64), sizes)
        max_at = np.repeat(np.array([s.max_len for s in fast], dtype=np.int64), sizes)
        top = int(max_at.max()) if total else 0
        for order in range(1, top + 1):
            ok = (in_sentence + order <= size_at) & (min_at <= order) & (order <= max_at)
            if ok.any():
                first = where[ok] + offset
                blocks.setdefault(order, []).append(first[:, None] + np.arange(order))
    positions = {k: np.concatenate(v) for k, v in sorted(blocks.items())}
    return items, positions


class FreqView(Mapping):
    """Read-only frequency distribution of the words after one context (``nltk.FreqDist``-like).

    Obtained from an :class:`NgramCounter` (``counts[context]``, ``counts.unigrams``); it reads
    the counter's current counts each time it is used.
    """

    def __init__(self, counter, context):
        self._counter = counter
        self._context = tuple(context)
        self._order = len(self._context) + 1

    def _range(self):
        counter = self._counter
        table = counter._table(self._order)
        if self._order == 1:
            return table, 0, table.keys.size
        key = counter._context_key(self._context)
        if key < 0 or not table.keys.size:
            return table, 0, 0
        lo, hi = table.prefix_range(np.array([key]), counter._base)
        return table, int(lo[0]), int(hi[0])

    def __getitem__(self, word):
        counter = self._counter
        table = counter._table(self._order)
        key = counter._context_key(self._context + (word,)) if _hashable(word) else -1
        if key < 0:
            return 0
        return int(table.lookup(np.array([key]))[0])

    def __iter__(self):
        table, lo, hi = self._range()
        ids = table.keys[lo:hi] % self._counter._base
        return iter([self._counter._items[i] for i in ids.tolist()])

    def __len__(self):
        _, lo, hi = self._range()
        return hi - lo

    def __contains__(self, word):
        return self[word] > 0

    def get(self, word, default=None):
        count = self[word]
        return count if count > 0 else default

    def items(self):
        table, lo, hi = self._range()
        return list(zip(self, table.counts[lo:hi].tolist()))

    def N(self):
        """int: the total count of all words after the context."""
        table, lo, hi = self._range()
        return int(table.cumsum[hi] - table.cumsum[lo])

    def B(self):
        """int: the number of distinct words after the context."""
        return len(self)

    def freq(self, word):
        """float: ``count(word) / N()``, 0 if the context was never seen."""
        n = self.N()
        return self[word] / n if n else 0.0

    def most_common(self, n=None):
        """The ``n`` most frequent ``(word, count)`` pairs (all if ``n`` is None)."""
        pairs = sorted(self.items(), key=lambda pair: -pair[1])
        return pairs if n is None else pairs[:n]

    def __repr__(self):
        return f"<FreqView with {len(self)} samples and {self.N()} outcomes>"


class ConditionalView(Mapping):
    """Read-only map from each context of one order to its :class:`FreqView`
    (``nltk.ConditionalFreqDist``-like); an unseen context gives an empty view."""

    def __init__(self, counter, order):
        self._counter = counter
        self._order = order

    def __getitem__(self, context):
        if isinstance(context, str) or not isinstance(context, Iterable):
            raise TypeError(f"a context is a sequence of {self._order - 1} words, got "
                            f"{type(context).__name__}")
        context = tuple(context)
        if len(context) != self._order - 1:
            raise ValueError(f"contexts of order {self._order} hold {self._order - 1} words, "
                             f"got {len(context)}")
        return FreqView(self._counter, context)

    def _context_rows(self):
        counter = self._counter
        keys = counter._table(self._order).keys
        if not keys.size:
            return np.zeros((0, self._order - 1), dtype=np.int64)
        return _decode(np.unique(keys // counter._base), counter._base, self._order - 1)

    def __iter__(self):
        items = self._counter._items
        return iter([tuple(items[i] for i in row) for row in self._context_rows().tolist()])

    def __len__(self):
        return self._context_rows().shape[0]

    def __contains__(self, context):
        try:
            return len(self[context]) > 0
        except (TypeError, ValueError):
            return False

    def conditions(self):
        """list of tuple: the contexts seen."""
        return list(self)

    def N(self):
        """int: the number of n-grams of this order counted."""
        return self._counter._table(self._order).total

    def __repr__(self):
        return f"<ConditionalView with {len(self)} conditions>"


def _hashable(item):
    try:
        hash(item)
    except TypeError:
        return False
    return True
