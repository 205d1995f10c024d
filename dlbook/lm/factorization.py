r"""A bigram model smoothed by a low-rank factorization of its probability table.

Write :math:`\hat P` for the maximum-likelihood bigram table, one row per context word h and
one column per next word w, :math:`\hat P_{hw} = c(h\,w)/c(h\,\cdot)` (a row of zeros for a
context never seen). A truncated singular value decomposition keeps its r largest singular
triplets,

.. math:: R = U_r \Sigma_r V_r^\top = \operatorname*{arg\,min}_{\operatorname{rank} R \le r}
          \sum_{h, w} (R_{hw} - \hat P_{hw})^2

(Eckart–Young), so each context gets a vector (a row of :math:`U_r\Sigma_r`) and each word a
vector (a row of :math:`V_r`), and :math:`R_{hw}` is their inner product. Contexts followed by
similar words get similar vectors, so a pair never seen in training can score well if it was
seen after similar contexts. R is not a distribution: entries can be negative and rows need not
sum to one. The model keeps the positive part and renormalizes each row,

.. math:: Q(w \mid h) = \frac{\max(R_{hw}, 0)}{\sum_{w'} \max(R_{hw'}, 0)},

(the unigram distribution where a row has no positive entry) and mixes it with the unigram
distribution :math:`P(w) = c(w)/N` of the next words,

.. math:: P(w \mid h) = \lambda\, Q(w \mid h) + \mu\, \hat P(w \mid h)
          + (1 - \lambda - \mu)\, P(w),

optionally with a share μ for the maximum-likelihood table itself (the unigram distribution
stands in for :math:`\hat P` after an unseen context). With λ + μ < 1 the result is positive
for every word seen in training as a next word, and it sums to one over the vocabulary for
every context.
"""

import numpy as np
import scipy.sparse as sps
from scipy.sparse.linalg import svds

from .._validation import check_positive_int, check_scalar
from .api import LanguageModel

__all__ = ["TruncatedSVDBigram"]


class TruncatedSVDBigram(LanguageModel):
    r"""Bigram model from a rank-r SVD of the bigram probability table, mixed with unigrams.

    See the module docstring for the equations. Fitting and scoring follow the other
    ``dlbook.lm`` models: ``fit(text, vocabulary_text)`` with the output of
    ``padded_everygram_pipeline(2, sentences)``, then ``score``, ``logscore``,
    ``score_ngrams``, ``perplexity``.

    Parameters
    ----------
    rank : int >= 1
        The number r of singular triplets kept (at most the number of table rows).
    lam : float in [0, 1], default 0.6
        The weight λ of the low-rank distribution Q.
    mle_weight : float in [0, 1], default 0.0
        The weight μ of the maximum-likelihood bigram table; ``lam + mle_weight`` must not
        exceed 1, and the rest goes to the unigram distribution.
    vocabulary : Vocabulary, optional
    counter : NgramCounter, optional

    Attributes
    ----------
    order : int
        Always 2.
    singular_values_ : ndarray, shape (rank,)
        The kept singular values of the table, largest first.
    unigram_ : ndarray, shape (V',)
        The unigram distribution P(w) of the next words (bigram column totals over N).
    lowrank_ : ndarray, shape (V', V')
        The renormalized positive part Q of the rank-r reconstruction, one row per context.
    table_ : ndarray, shape (V', V')
        The mixed conditional distributions P(w | h), one row per context, over the counted
        words (and the unknown label, if it was never counted), in the counter's id order.

    Notes
    -----
    Every vocabulary word except the unknown label must occur in the fitted text (true for
    the text and vocabulary made by ``padded_everygram_pipeline``); otherwise the words that
    were never counted could not be told apart and ``fit`` raises ``ValueError``.
    """

    def __init__(self, rank, lam=0.6, mle_weight=0.0, *, vocabulary=None, counter=None):
        self.rank = check_positive_int(rank, "rank")
        lam = check_scalar(lam, "lam", min_val=0, max_val=1)
        mle_weight = check_scalar(mle_weight, "mle_weight", min_val=0, max_val=1)
        if lam + mle_weight > 1.0:
            raise ValueError(f"lam + mle_weight must be at most 1, got {lam} + {mle_weight}")
        self.lam = lam
        self.mle_weight = mle_weight
        super().__init__(2, vocabulary, counter)
        self._table_version = None

    def __repr__(self):
        return (f"{type(self).__name__}(rank={self.rank}, lam={self.lam!r}, "
                f"mle_weight={self.mle_weight!r})")

    def fit(self, text, vocabulary_text=None):
        """Count the bigrams and unigrams of ``text`` and factorize the bigram table.

        Parameters
        ----------
        text : iterable of iterables of tuple of str
            As for :meth:`dlbook.lm.LanguageModel.fit` (n-grams of length 1 and 2).
        vocabulary_text : iterable of str, optional

        Raises
        ------
        ValueError
            As :meth:`dlbook.lm.LanguageModel.fit`; also if ``rank`` exceeds the number of
            table rows, or if a vocabulary word other than the unknown label never occurs in
            ``text``.
        """
        super().fit(text, vocabulary_text)
        self._build_table()

    def _build_table(self):
        counts = self.counts
        index = counts._index
        uncounted = [word for word in self.vocab if word not in index]
        if any(word != self.vocab.unk_label for word in uncounted):
            raise ValueError(f"every vocabulary word except the unknown label must occur in "
                             f"text; never counted: {sorted(uncounted)[:5]}")
        base = counts._base
        size = base + (1 if uncounted else 0)       # one extra row/column for the unk label
        if self.rank > size - 1:
            raise ValueError(f"rank must be at most {size - 1} (the table has {size} rows), "
                             f"got {self.rank}")
        bigrams = counts._table(2)
        rows, cols = np.divmod(bigrams.keys, base)
        table = sps.csr_matrix((bigrams.counts.astype(np.float64), (rows, cols)),
                               shape=(size, size))
        row_totals = np.asarray(table.sum(axis=1)).ravel()
        next_counts = np.asarray(table.sum(axis=0)).ravel()
        unigram = next_counts / next_counts.sum()
        scale = np.divide(1.0, row_totals, out=np.zeros(size), where=row_totals > 0)
        p_hat = sps.diags(scale) @ table                       # the MLE bigram table
        u, s, vt = svds(p_hat, k=self.rank, v0=np.full(size, size ** -0.5))
        order = np.argsort(s)[::-1]
        u, s, vt = u[:, order], s[order], vt[order]
        low_rank = np.maximum((u * s) @ vt, 0.0)
        mass = low_rank.sum(axis=1, keepdims=True)
        q = np.where(mass > 0, low_rank / np.where(mass > 0, mass, 1.0), unigram)
        seen = (row_totals > 0)[:, None]
        mle = np.where(seen, p_hat.toarray(), unigram)
        self.singular_values_ = s
        self.lowrank_ = q
        self.table_ = (self.lam * q + self.mle_weight * mle
                       + (1.0 - self.lam - self.mle_weight) * unigram)
        self.unigram_ = unigram
        self._unk_column = base if uncounted else None
        self._table_version = counts._version

    def _check_table(self):
        if self._table_version != self.counts._version:
            raise ValueError("the counts changed after fit; call fit again to refactorize")

    def _columns(self, ids):
        """Table indices of counter ids; -1 (never counted) becomes the unknown label's column
        if the unknown label was never counted, and stays -1 otherwise."""
        if self._unk_column is None:
            return ids
        return np.where(ids < 0, self._unk_column, ids)

    def _unmasked_scores(self, words, contexts):
        self._check_table()
        cols = self._columns(words)
        known = cols >= 0                   # an unmasked word that was never counted scores 0
        safe = np.where(known, cols, 0)
        if contexts.shape[1] == 0:
            return np.where(known, self.unigram_[safe], 0.0)
        rows = self._columns(contexts[:, -1])
        scores = np.where(rows >= 0, self.table_[np.maximum(rows, 0), safe], self.unigram_[safe])
        return np.where(known, scores, 0.0)
