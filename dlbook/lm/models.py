r"""N-gram language models, shaped like ``nltk.lm.models``.

Notation: u is the context (at most n-1 words), :math:`c(u\,w)` the count of the n-gram u w,
:math:`c(u\,\cdot) = \sum_w c(u\,w)` the context's total, :math:`N_{1+}(u\,\cdot)` the number of
distinct words seen after u, V the vocabulary size (``len(model.vocab)``, ``<UNK>`` included),
and u' the context without its first word.

* :class:`MLE` — relative frequencies, :math:`P(w \mid u) = c(u\,w)/c(u\,\cdot)`; 0 after an
  unseen context (so its log-score is -inf), as in nltk.
* :class:`Lidstone` / :class:`Laplace` — add γ (1 for Laplace) to every count,
  :math:`P(w \mid u) = (c(u\,w) + \gamma)/(c(u\,\cdot) + V\gamma)`; 1/V after an unseen context.
* Interpolated models mix each order with the next lower one,
  :math:`P(w \mid u) = \alpha(u, w) + \gamma(u)\,P(w \mid u')`, and use :math:`P(w \mid u')`
  alone when u was never seen; the recursion ends at the unigram distribution.

  - :class:`WittenBellInterpolated`: :math:`\gamma = N_{1+}(u\,\cdot)/(N_{1+}(u\,\cdot) +
    c(u\,\cdot))`, :math:`\alpha = (1-\gamma)\,c(u\,w)/c(u\,\cdot)`;
  - :class:`AbsoluteDiscountingInterpolated`: :math:`\alpha = \max(c(u\,w) - d, 0)/c(u\,\cdot)`,
    :math:`\gamma = d\,N_{1+}(u\,\cdot)/c(u\,\cdot)`;
  - :class:`KneserNeyInterpolated`: the same discounting, but below the highest order the count
    :math:`c(u\,w)` is replaced by the *continuation count*
    :math:`N_{1+}(\cdot\,u\,w) = |\{v : c(v\,u\,w) > 0\}|`, the number of distinct words seen
    before u w (see the class for the details and the correction to nltk).

Each conditional distribution of the smoothed models sums to one over the vocabulary, for
every context, seen or not.
"""
import numpy as np

from .._validation import check_scalar
from .api import LanguageModel
from .counter import _EMPTY, _Table

__all__ = ["MLE", "Lidstone", "Laplace", "InterpolatedLanguageModel", "WittenBellInterpolated",
           "AbsoluteDiscountingInterpolated", "KneserNeyInterpolated"]


def _ratio(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0 (without a warning)."""
    numerator = np.asarray(numerator, dtype=np.float64)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator),
                     where=denominator > 0)


class MLE(LanguageModel):
    r"""Maximum-likelihood n-gram model: :math:`P(w \mid u) = c(u\,w)/c(u\,\cdot)`.

    After a context that was never seen every word scores 0 (log-score -inf), as in nltk;
    the smoothed models below avoid that.

    Parameters
    ----------
    order : int
    vocabulary : Vocabulary, optional
    counter : NgramCounter, optional
    """

    def _unmasked_scores(self, words, contexts):
        count, total, _ = self._stats(words, contexts)
        return _ratio(count, total)


class Lidstone(LanguageModel):
    r"""Add-γ smoothing: :math:`P(w \mid u) = (c(u\,w) + \gamma)/(c(u\,\cdot) + V\gamma)`.

    Parameters
    ----------
    gamma : float > 0
        The pseudo-count added to every n-gram.
    order : int
    vocabulary : Vocabulary, optional
    counter : NgramCounter, optional
    """

    def __init__(self, gamma, order, vocabulary=None, counter=None):
        gamma = check_scalar(gamma, "gamma", min_val=0, max_val=np.inf,
                             include_boundaries="neither")
        super().__init__(order, vocabulary, counter)
        self.gamma = gamma

    def __repr__(self):
        return f"{type(self).__name__}(gamma={self.gamma!r}, order={self.order})"

    def _unmasked_scores(self, words, contexts):
        count, total, _ = self._stats(words, contexts)
        return (count + self.gamma) / (total + len(self.vocab) * self.gamma)


class Laplace(Lidstone):
    r"""Add-one smoothing: :class:`Lidstone` with γ = 1.

    Parameters
    ----------
    order : int
    vocabulary : Vocabulary, optional
    counter : NgramCounter, optional
    """

    def __init__(self, order, vocabulary=None, counter=None):
        super().__init__(1, order, vocabulary, counter)

    def __repr__(self):
        return f"Laplace(order={self.order})"


class InterpolatedLanguageModel(LanguageModel):
    r"""Base of the interpolated models: :math:`P(w \mid u) = \alpha(u, w) + \gamma(u)\,P(w \mid
    u')`, or :math:`P(w \mid u')` if u was never seen, down to a unigram distribution.

    Subclasses give the unigram distribution and, for each level (the length of u plus one),
    α and γ; the recursion runs bottom-up over a whole batch at once.
    """

    def _unmasked_scores(self, words, contexts):
        m = contexts.shape[1]
        prob = self._unigram_scores(words)
        for level in range(2, m + 2):
            alpha, gamma, seen = self._alpha_gamma(words, contexts[:, m - level + 1:], level)
            prob = np.where(seen, alpha + gamma * prob, prob)
        return prob

    def _unigram_scores(self, words):
        """The unigram distribution at ``words``; relative frequencies by default."""
        count, total, _ = self._stats(words, words[:, None][:, :0])
        return _ratio(count, total)

    def _alpha_gamma(self, words, contexts, level):
        """α(u, w), γ(u) and whether u was seen, for contexts u of length ``level - 1``."""
        raise NotImplementedError


class WittenBellInterpolated(InterpolatedLanguageModel):
    r"""Interpolated Witten–Bell smoothing.

    :math:`\gamma(u) = N_{1+}(u\,\cdot)/(N_{1+}(u\,\cdot) + c(u\,\cdot))` — a context followed by
    many different words leaves more mass to the lower order —
    and :math:`\alpha(u, w) = (1 - \gamma(u))\,c(u\,w)/c(u\,\cdot)`.

    Parameters
    ----------
    order : int
    vocabulary : Vocabulary, optional
    counter : NgramCounter, optional
    """

    def __init__(self, order, *, vocabulary=None, counter=None):
        super().__init__(order, vocabulary, counter)

    def _alpha_gamma(self, words, contexts, level):
        count, total, distinct = self._stats(words, contexts)
        gamma = _ratio(distinct, distinct + total)
        return (1.0 - gamma) * _ratio(count, total), gamma, total > 0


class AbsoluteDiscountingInterpolated(InterpolatedLanguageModel):
    r"""Interpolated absolute discounting: subtract d from every seen count.

    :math:`\alpha(u, w) = \max(c(u\,w) - d, 0)/c(u\,\cdot)` and
    :math:`\gamma(u) = d\,N_{1+}(u\,\cdot)/c(u\,\cdot)`, the mass the discount freed.

    Parameters
    ----------
    order : int
    discount : float in [0, 1], default 0.75
    vocabulary : Vocabulary, optional
    counter : NgramCounter, optional
    """

    def __init__(self, order, discount=0.75, *, vocabulary=None, counter=None):
        self.discount = check_scalar(discount, "discount", min_val=0, max_val=1)
        super().__init__(order, vocabulary, counter)

    def __repr__(self):
        return f"{type(self).__name__}(order={self.order}, discount={self.discount!r})"

    def _alpha_gamma(self, words, contexts, level):
        count, total, distinct = self._stats(words, contexts)
        alpha = _ratio(np.maximum(count - self.discount, 0.0), total)
        return alpha, _ratio(self.discount * distinct, total), total > 0


class KneserNeyInterpolated(InterpolatedLanguageModel):
    r"""Interpolated Kneser–Ney smoothing, normalized at every order.

    At the highest order n (contexts of n-1 words) it is absolute discounting of the raw counts.
    Below it, the count of u w is replaced by its continuation count
    :math:`a(u, w) = N_{1+}(\cdot\,u\,w)`, the number of distinct words v with
    :math:`c(v\,u\,w) > 0`: a word that is frequent but follows only a few contexts
    ("Francisco" after "San") gets little lower-order mass. With
    :math:`T(u) = \sum_w a(u, w)` and :math:`K(u) = |\{w : a(u, w) > 0\}|`,

    .. math::

        P(w \mid u) = \frac{\max(a(u, w) - d, 0)}{T(u)} + \frac{d\,K(u)}{T(u)}\,P(w \mid u'),
        \qquad P(w) = \frac{N_{1+}(\cdot\,w)}{N_{1+}(\cdot\,\cdot)},

    and :math:`P(w \mid u) = P(w \mid u')` when :math:`T(u) = 0`. The unigram level is the
    continuation distribution, undiscounted (for ``order=1`` it is the relative frequency).
    Summing over w, the first term gives :math:`(T - dK)/T` and the second :math:`dK/T`, so
    every conditional distribution sums to 1.

    Parameters
    ----------
    order : int
    discount : float in [0, 1], default 0.1
        The discount d (nltk's default).
    vocabulary : Vocabulary, optional
    counter : NgramCounter, optional

    Notes
    -----
    ``nltk.lm.KneserNeyInterpolated`` takes :math:`K(u)` at the lower orders from the *raw*
    counts (the distinct words after u) while dividing by the continuation total
    :math:`T(u)`. The two differ when u occurs at the start of a padded sentence, where
    nothing precedes it (e.g. u = ``<s>`` in a trigram model: ``<s> <s>`` is seen, but never
    after a word), so nltk's distributions after such contexts sum to slightly more than 1.
    Here K(u) counts the continuation types, so the sum is 1; where the two counts agree (at
    order 2, and for most contexts) the probabilities equal nltk's.
    """

    def __init__(self, order, discount=0.1, *, vocabulary=None, counter=None):
        self.discount = check_scalar(discount, "discount", min_val=0, max_val=1)
        super().__init__(order, vocabulary, counter)
        self._continuation_key = None

    def __repr__(self):
        return f"{type(self).__name__}(order={self.order}, discount={self.discount!r})"

    def _continuation_tables(self):
        """For each level j < order, the table of continuation counts N1+(. u w) of the
        j-grams (u, w), built from the distinct (j+1)-grams (cached until the counts change)."""
        counter = self.counts
        key = (id(counter), counter._version)
        if self._continuation_key != key:
            base = counter._base
            tables = {}
            for level in range(1, self.order):
                higher = counter._table(level + 1).keys
                tables[level] = (_Table.from_keys(higher % base ** level) if higher.size
                                 else _EMPTY)
            self._continuation_cache = tables
            self._continuation_key = key
        return self._continuation_cache

    def _unigram_scores(self, words):
        if self.order == 1:
            return super()._unigram_scores(words)
        table = self._continuation_tables()[1]
        count, total, _ = self._table_stats(table, words, words[:, None][:, :0])
        return _ratio(count, total)

    def _alpha_gamma(self, words, contexts, level):
        if level == self.order:
            table = self.counts._table(level)
        else:
            table = self._continuation_tables()[level]
        count, total, distinct = self._table_stats(table, words, contexts)
        alpha = _ratio(np.maximum(count - self.discount, 0.0), total)
        return alpha, _ratio(self.discount * distinct, total), total > 0
