"""Word ids for neural language models, measured on the same words as the n-gram models.

The n-gram chapters score a test sentence ``w_1 ... w_m`` by predicting ``w_1, ..., w_m`` and
the end marker ``</s>`` from their histories (``<s>`` is padding, never predicted), so a split
of sentences has ``sum(m + 1)`` predictions. The helpers here turn the same sentences into
integer arrays that a neural model predicts *the same* ``sum(m + 1)`` tokens from, so that
every perplexity in the book is an average over the same words:

* :class:`TokenIndex` — token <-> id, with ``<s>`` and ``</s>`` added to a corpus vocabulary;
* :func:`context_windows` — fixed windows ``(N, n - 1)`` of previous ids and the target ``(N,)``
  (feedforward models; a sentence start is padded with ``<s>`` as an n-gram model pads it);
* :func:`token_stream` — the split as one id sequence ``</s> w w w </s> w w </s> ...``
  (recurrent and attention models read across sentence boundaries; the leading ``</s>`` is
  the context of the first word and is not predicted);
* :func:`stream_batches` — a stream cut into ``batch_size`` parallel rows of ``bptt``-long
  input/target windows (truncated backpropagation through time);
* :func:`perplexity` — ``exp`` of a mean negative log-likelihood in nats, with the count check.
"""
import numpy as np

from .._validation import check_index_array, check_int, check_scalar

__all__ = ["TokenIndex", "context_windows", "token_stream", "stream_batches", "perplexity"]

BOS, EOS = "<s>", "</s>"


class TokenIndex:
    """A fixed token <-> integer id map for a vocabulary, with the sentence markers.

    Ids are assigned in sorted token order after the two markers: ``<s>`` is 0, ``</s>`` is 1.

    Parameters
    ----------
    vocab : iterable of str
        The token types (e.g. ``load_text_corpus().vocab``). The markers are added if absent.

    Examples
    --------
    >>> index = TokenIndex(["b", "a"])
    >>> index.tokens, len(index)
    (('<s>', '</s>', 'a', 'b'), 4)
    >>> index.encode(["a", "b"]).tolist(), index.decode([3, 1])
    ([2, 3], ('b', '</s>'))
    """

    def __init__(self, vocab):
        if isinstance(vocab, str):
            raise TypeError("vocab must be an iterable of str tokens, got a single str")
        tokens = list(vocab)
        if not all(isinstance(t, str) for t in tokens):
            raise TypeError("vocab must contain only str tokens")
        rest = sorted(set(tokens) - {BOS, EOS})
        self.tokens = (BOS, EOS, *rest)
        self._ids = {t: i for i, t in enumerate(self.tokens)}
        self.bos_id, self.eos_id = 0, 1

    def __len__(self):
        return len(self.tokens)

    def __contains__(self, token):
        return token in self._ids

    def __repr__(self):
        return f"TokenIndex({len(self)} tokens)"

    def encode(self, tokens):
        """Ids of a sequence of tokens, as an int64 array; an unknown token raises KeyError."""
        if isinstance(tokens, str):
            raise TypeError("encode expects a sequence of tokens, got a single str")
        try:
            return np.array([self._ids[t] for t in tokens], dtype=np.int64)
        except KeyError as err:
            raise KeyError(f"token {err.args[0]!r} is not in the index (map rare words to the "
                           "corpus's unknown label first)") from None

    def decode(self, ids):
        """Tokens of a sequence of ids, as a tuple of str."""
        ids = check_index_array(ids, "ids", len(self), what="token ids")
        return tuple(self.tokens[i] for i in ids.ravel().tolist())


def _check_sentences(sentences):
    if isinstance(sentences, str) or not hasattr(sentences, "__iter__"):
        raise TypeError("sentences must be a sequence of token sequences")
    sentences = list(sentences)
    if any(isinstance(s, str) for s in sentences):
        raise TypeError("each sentence must be a sequence of tokens, not a str")
    return sentences


def context_windows(sentences, index, n):
    """Every prediction of an order-``n`` model as (previous ``n - 1`` ids, target id).

    Each sentence is padded as :func:`dlbook.lm.preprocessing.pad_both_ends` pads it for an
    n-gram model (``n - 1`` markers ``<s>`` in front, one ``</s>`` behind), so row ``i`` holds
    exactly the context and word of the i-th n-gram of the padded test text.

    Returns
    -------
    contexts : ndarray of int64, shape (N, n - 1)
    targets : ndarray of int64, shape (N,)
        ``N = sum(len(s) + 1)`` over the sentences.
    """
    n = check_int(n, "n", 2)
    if not isinstance(index, TokenIndex):
        raise TypeError(f"index must be a TokenIndex, got {type(index).__name__}")
    sentences = _check_sentences(sentences)
    if not sentences:
        return np.zeros((0, n - 1), np.int64), np.zeros(0, np.int64)
    rows = [index.encode([BOS] * (n - 1) + list(s) + [EOS]) for s in sentences]
    padded = np.concatenate(rows)
    ends = np.cumsum([len(r) for r in rows])
    windows = np.lib.stride_tricks.sliding_window_view(padded, n)
    keep = np.ones(len(windows), dtype=bool)
    # drop the windows that straddle two sentences: those starting in a sentence's last n - 1
    # positions (the next sentence's own padding supplies its contexts)
    bad = (ends[:-1, None] - np.arange(n - 1, 0, -1)[None, :]).ravel()
    keep[bad] = False
    windows = windows[keep]
    return np.ascontiguousarray(windows[:, :-1]), np.ascontiguousarray(windows[:, -1])


def token_stream(sentences, index):
    """The sentences as one id sequence ``</s> s_1 </s> s_2 </s> ...``.

    Position 0 (the leading ``</s>``) is context only; the ``len(stream) - 1 = sum(len(s) + 1)``
    later positions are the predictions, the same words an n-gram model is scored on.
    """
    if not isinstance(index, TokenIndex):
        raise TypeError(f"index must be a TokenIndex, got {type(index).__name__}")
    sentences = _check_sentences(sentences)
    parts = [np.array([index.eos_id], dtype=np.int64)]
    for s in sentences:
        parts.append(index.encode(list(s) + [EOS]))
    return np.concatenate(parts)


def stream_batches(stream, batch_size, bptt):
    """Cut a stream into parallel rows and truncated-BPTT windows.

    The stream's first ``L = batch_size * ((len(stream) - 1) // batch_size)`` + 1 ids are
    laid out as ``batch_size`` contiguous rows (row ``b`` continues where row ``b - 1``'s text
    would, so a recurrent state can be carried from one window to the next). Windows are
    ``bptt`` steps long (the last may be shorter).

    Returns
    -------
    list of (inputs, targets)
        Int64 arrays of shape (batch_size, T), ``T <= bptt``; ``targets`` is ``inputs``
        shifted by one step. Every one of the first ``L`` predictions appears exactly once.
    """
    stream = np.asarray(stream)
    if stream.ndim != 1 or not np.issubdtype(stream.dtype, np.integer):
        raise ValueError(f"stream must be a 1-D integer array, got shape {stream.shape} and "
                         f"dtype {stream.dtype}")
    batch_size = check_int(batch_size, "batch_size", 1)
    bptt = check_int(bptt, "bptt", 1)
    per_row = (len(stream) - 1) // batch_size
    if per_row < 1:
        raise ValueError(f"a stream of {len(stream)} ids is too short for batch_size={batch_size}")
    starts = np.arange(batch_size) * per_row
    grid = starts[:, None] + np.arange(per_row + 1)[None, :]
    rows = stream[grid]                                     # (batch_size, per_row + 1)
    return [(rows[:, t:min(t + bptt, per_row)], rows[:, t + 1:min(t + bptt, per_row) + 1])
            for t in range(0, per_row, bptt)]


def perplexity(nll_sum, n_predictions, expected=None):
    """``exp(nll_sum / n_predictions)``: the perplexity from a summed negative log-likelihood in nats.

    Parameters
    ----------
    nll_sum : float
        ``-sum(log p)`` over the predictions, natural logarithm.
    n_predictions : int
        How many predictions the sum covers.
    expected : int, optional
        If given, ``n_predictions`` must equal it (e.g. the n-gram models' count of test
        words), so that two perplexities are averages over the same words.
    """
    n_predictions = check_int(n_predictions, "n_predictions", 1)
    if expected is not None and n_predictions != expected:
        raise ValueError(f"perplexities are comparable only over the same words: this one "
                         f"averages {n_predictions} predictions, expected {expected}")
    nll_sum = check_scalar(nll_sum, "nll_sum", min_val=0, max_val=np.inf,
                           include_boundaries="left")
    return float(np.exp(nll_sum / n_predictions))
