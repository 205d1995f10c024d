"""N-gram language models in the shape of ``nltk.lm``, counted and scored with NumPy.

The workflow is nltk's::

    from dlbook.data import load_text_corpus
    from dlbook.lm import KneserNeyInterpolated
    from dlbook.lm.preprocessing import flatten, ngrams, pad_both_ends, padded_everygram_pipeline

    corpus = load_text_corpus()
    train, vocabulary_text = padded_everygram_pipeline(3, corpus.train)
    lm = KneserNeyInterpolated(3)
    lm.fit(train, vocabulary_text)
    test = flatten(ngrams(pad_both_ends(sentence, n=3), 3) for sentence in corpus.test)
    lm.perplexity(test)

* :class:`Vocabulary` — word counts, a cutoff and the ``<UNK>`` label;
* :class:`NgramCounter` — the n-gram counts, as sorted int64 keys (``dlbook.lm.counter``);
* models — :class:`MLE`, :class:`Lidstone`, :class:`Laplace`, :class:`WittenBellInterpolated`,
  :class:`AbsoluteDiscountingInterpolated`, :class:`KneserNeyInterpolated`, with ``fit``,
  ``score``, ``logscore``, ``entropy``, ``perplexity``, ``generate`` as in nltk, plus the
  vectorized ``score_ngrams`` / ``logscore_ngrams``;
* :mod:`dlbook.lm.preprocessing` — ``pad_both_ends``, ``everygrams``, ``ngrams``, ``flatten``,
  ``padded_everygram_pipeline``, and ``scored_ngrams`` (the n-grams a model is scored on:
  one per word and one per sentence end, the same for every order).

The neural language models of the book's last chapters live in submodules, imported on use:
:mod:`dlbook.lm.neural` (the same test words as id arrays, and perplexity over them),
:mod:`dlbook.lm.embeddings` (the feedforward model, skip-gram with negative sampling, PMI and
SVD embeddings), :mod:`dlbook.lm.recurrent` (LSTM and GRU models, truncated backpropagation
through time, sampling), :mod:`dlbook.lm.transformer` (a decoder-only Transformer) and
:mod:`dlbook.lm.pretraining` (BERT's masking, a masked language model, parameter and FLOP
counts of published configurations).

Differences from nltk, each for a reason given where it is implemented: a context longer than
``order - 1`` words is cut to its last ``order - 1`` in every model (nltk does so only in the
interpolated ones); Kneser–Ney distributions sum to exactly one at every order; the unknown
label is counted once if it also occurs in the text; invalid arguments raise ``TypeError`` or
``ValueError``, and an unfitted model raises :class:`dlbook.exceptions.NotFittedError`.
"""
from . import preprocessing
from .api import LanguageModel
from .counter import NgramCounter
from .models import (MLE, AbsoluteDiscountingInterpolated, InterpolatedLanguageModel,
                     KneserNeyInterpolated, Laplace, Lidstone, WittenBellInterpolated)
from .factorization import TruncatedSVDBigram
from .vocabulary import Vocabulary

__all__ = ["Vocabulary", "NgramCounter", "LanguageModel", "InterpolatedLanguageModel", "MLE",
           "Lidstone", "Laplace", "WittenBellInterpolated", "AbsoluteDiscountingInterpolated",
           "KneserNeyInterpolated", "TruncatedSVDBigram", "preprocessing"]
