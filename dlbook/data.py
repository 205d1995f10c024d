"""Data shipped inside installed packages, and small synthetic generators. Nothing downloads."""
import collections
import functools
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ._validation import as_index_array, check_int, check_option, check_scalar
from .random import as_generator

__all__ = ["Split", "load_digits_split", "make_regression_1d", "make_two_moons", "make_spirals",
           "minibatches", "one_hot", "TextCorpus", "load_text_corpus", "split_sentences",
           "tokenize_words", "tokenize_chars", "load_doc_topics"]


@dataclass(frozen=True)
class Split:
    """Train/validation/test arrays: ``X_*`` float64 of shape (n, D); ``y_*`` of shape (n,) (class
    labels for the digits) or (n, K) (regression targets)."""
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def sizes(self):
        """``(n_train, n_val, n_test)``."""
        return len(self.y_train), len(self.y_val), len(self.y_test)


def _stratified_split(y, fractions, rng):
    """Index arrays for a stratified split of ``y`` into parts of the given fractions."""
    parts = [[] for _ in fractions]
    bounds = np.cumsum(fractions)[:-1]
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        cuts = np.round(bounds * len(idx)).astype(int)
        for part, chunk in zip(parts, np.split(idx, cuts)):
            part.append(chunk)
    return [rng.permutation(np.concatenate(p)) for p in parts]


def load_digits_split(val_fraction=0.15, test_fraction=0.15, seed=0):
    """scikit-learn's 8×8 handwritten digits (1797 images, 10 classes), split three ways.

    Pixels are scaled from 0..16 to [0, 1]. The split is stratified by class and fixed by
    ``seed``, so every chapter that uses the defaults sees the same train/validation/test sets
    (1258 / 270 / 269 images).

    Returns
    -------
    Split
        ``X_*`` of shape (n, 64), ``y_*`` of shape (n,) with labels 0–9.
    """
    from sklearn.datasets import load_digits
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        check_scalar(value, name, min_val=0, max_val=1, include_boundaries="neither")
    if val_fraction + test_fraction >= 1:
        raise ValueError("val_fraction and test_fraction must be in (0, 1) with sum < 1, got "
                         f"{val_fraction} and {test_fraction}")
    digits = load_digits()
    X = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    train, val, test = _stratified_split(
        y, [1 - val_fraction - test_fraction, val_fraction, test_fraction], rng)
    return Split(X[train], y[train], X[val], y[val], X[test], y[test])


def make_regression_1d(n_samples=200, fn=np.sin, x_range=(-np.pi, np.pi), noise=0.0, *,
                       generator=None):
    """Points ``(x, fn(x) + noise)`` with x uniform on ``x_range``, sorted by x.

    Returns ``X`` of shape (n_samples, 1) and ``y`` of shape (n_samples, 1).
    """
    rng = as_generator(generator)
    x = np.sort(rng.uniform(*x_range, n_samples))
    y = fn(x) + noise * rng.standard_normal(n_samples)
    return x[:, None], y[:, None]


def make_two_moons(n_samples=200, noise=0.1, *, generator=None):
    """Two interleaved half circles, labels 0 and 1. Returns ``X`` (n, 2), ``y`` (n,)."""
    rng = as_generator(generator)
    n0 = n_samples // 2
    t = rng.uniform(0, np.pi, n_samples)
    X = np.empty((n_samples, 2))
    X[:n0] = np.c_[np.cos(t[:n0]), np.sin(t[:n0])]
    X[n0:] = np.c_[1 - np.cos(t[n0:]), 0.5 - np.sin(t[n0:])]
    X += noise * rng.standard_normal(X.shape)
    y = np.r_[np.zeros(n0, int), np.ones(n_samples - n0, int)]
    return X, y


def make_spirals(n_samples=300, n_classes=3, noise=0.2, *, generator=None):
    """``n_classes`` interleaved spiral arms in 2-D. Returns ``X`` (n, 2), ``y`` (n,)."""
    rng = as_generator(generator)
    y = np.arange(n_samples) % n_classes
    r = rng.uniform(0.05, 1.0, n_samples)
    theta = 4.0 * r + 2 * np.pi * y / n_classes + noise * rng.standard_normal(n_samples)
    return np.c_[r * np.sin(theta), r * np.cos(theta)], y


def minibatches(n_samples, batch_size, *, shuffle=True, generator=None):
    """Index arrays covering ``range(n_samples)`` once (one epoch), ``batch_size`` at a time."""
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    rng = as_generator(generator)
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    return [order[i:i + batch_size] for i in range(0, n_samples, batch_size)]


def one_hot(labels, num_classes):
    """Integer labels (N,) to a float one-hot matrix (N, num_classes)."""
    labels = as_index_array(labels, "labels", num_classes)
    return np.eye(num_classes)[labels]


# ---------------------------------------------------------------------------------------------
# A text corpus for language models: the Python documentation's help texts
# ---------------------------------------------------------------------------------------------
#: The label that replaces rare words (and rare characters) in :func:`load_text_corpus`.
UNK = "<unk>"
#: The token that stands for every number in :func:`tokenize_words`.
NUM = "<num>"

_UNDERLINE = re.compile(r"^\s*([*=\-~^])\1{2,}\s*$")        # a heading's underline: ***, ===, ---
_ALIGNED = re.compile(r"\S {3,}\S")                         # columns or a trailing code comment
_ENDS_LIKE_PROSE = re.compile(r"[.?!:][\"'”’)\]]*$")
_SENTENCE_END = re.compile(r"([.?!][\"'”’)\]]*)\s+(?=[\"“‘(\[*]*[A-Z0-9])")
_LIST_MARKER = re.compile(r"^(?:[*\-+•]|\(?\d+[.)]|\[\d+\])\s+")
_FOOTNOTE = re.compile(r"\[\d+\]")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_WORD = re.compile(r"[a-z_][a-z0-9_]*(?:'[a-z]+)*|[0-9]+(?:\.[0-9]+)*")
_SPLIT_SEED = 0


def _is_prose(lines):
    """A block of lines is prose unless it looks like code, a grammar rule or a table, or
    does not end like a sentence."""
    for line in lines:
        s = line.strip()
        if ("::=" in s or s.startswith((">>>", "...", "+-", "+=", "|"))
                or _ALIGNED.search(s)):
            return False
    return bool(_ENDS_LIKE_PROSE.search(lines[-1].rstrip()))


def split_sentences(document):
    r"""Split one help text of the Python documentation into its prose sentences.

    The rule, in order:

    1. headings (a line underlined with ``***``, ``===``, ``---``, ...) are dropped;
    2. the rest is cut into blocks at blank lines; a block is kept as prose unless a line of it
       holds a grammar rule (``::=``), an interpreter prompt (``>>>``, ``...``), a table border
       (``+-``, ``|``) or a run of three or more inner spaces (aligned columns, code comments),
       and unless its last line fails to end like a sentence (``.``, ``?``, ``!`` or ``:``,
       possibly followed by closing quotes or brackets) — which drops code examples and
       signatures such as ``str.title()``;
    3. a block's lines are joined with single spaces and cut after ``.``, ``?`` or ``!`` (and
       any closing quotes or brackets) where whitespace follows and the next word starts with
       a capital letter, a digit, or an opening quote or bracket before one — so "e.g. the"
       stays one sentence;
    4. a leading list or footnote marker (``*``, ``-``, ``1.``, ``(2)``, ``[3]``) is removed.

    Parameters
    ----------
    document : str
        One value of ``pydoc_data.topics.topics``.

    Returns
    -------
    list of str
        The sentences, in order, with their original case and punctuation.

    Examples
    --------
    >>> split_sentences("Title\n*****\n\nIt runs. Then it stops.\n\n   x = 1\n")
    ['It runs.', 'Then it stops.']
    """
    if not isinstance(document, str):
        raise TypeError(f"document must be a str, got {type(document).__name__}")
    lines = document.splitlines()
    kept = []
    for line in lines:
        if _UNDERLINE.match(line):
            if kept and kept[-1].strip():
                kept.pop()                                  # the heading above its underline
            continue
        kept.append(line)
    sentences, block = [], []
    for line in kept + [""]:
        if line.strip():
            block.append(line)
            continue
        if block and _is_prose(block):
            text = " ".join(" ".join(line.split()) for line in block)
            for sentence in _SENTENCE_END.sub("\\1\n", text).split("\n"):
                sentence = _LIST_MARKER.sub("", sentence).strip()
                if sentence:
                    sentences.append(sentence)
        block = []
    return sentences


def _normalize(sentence):
    """Lower case, straight quotes, footnote references ``[5]`` removed, single spaces."""
    return " ".join(_FOOTNOTE.sub(" ", sentence).translate(_QUOTES).lower().split())


def tokenize_words(sentence):
    r"""Word tokens of one sentence.

    The sentence is lower-cased, curly quotes are made straight and footnote references such
    as ``[5]`` are removed; the tokens are then the matches of the regular expression ::

        [a-z_][a-z0-9_]*(?:'[a-z]+)*  |  [0-9]+(?:\.[0-9]+)*

    that is, *words* — ASCII letters, digits and underscores, starting with a letter or an
    underscore (so identifiers such as ``__init__`` and ``utf8`` are one token), with inner
    apostrophes kept (``doesn't``, ``class's``) — and *numbers* (``3``, ``3.11``), each
    replaced by the single token ``'<num>'``. Everything else — punctuation, brackets,
    operators, non-ASCII characters — separates tokens and is dropped, so ``"x[i]"`` gives
    ``x``, ``i`` and "implementation-dependent" gives two words. Sentence boundaries are not
    tokens: a language model marks them by padding (``<s>``, ``</s>``).

    Parameters
    ----------
    sentence : str

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> tokenize_words('Python’s "__init__()" doesn\'t return 3.11 [5].')
    ("python's", '__init__', "doesn't", 'return', '<num>')
    """
    if not isinstance(sentence, str):
        raise TypeError(f"sentence must be a str, got {type(sentence).__name__}")
    return tuple(NUM if token[0].isdigit() else token
                 for token in _WORD.findall(_normalize(sentence)))


def tokenize_chars(sentence):
    """Character tokens of one sentence, for character-level models.

    The same normalization as :func:`tokenize_words` (lower case, straight quotes, footnote
    references removed) with every run of whitespace made one space; then every character,
    punctuation, digits and spaces included, is a token.

    Parameters
    ----------
    sentence : str

    Returns
    -------
    tuple of str
        One-character strings.

    Examples
    --------
    >>> tokenize_chars("It’s  OK.")
    ('i', 't', "'", 's', ' ', 'o', 'k', '.')
    """
    if not isinstance(sentence, str):
        raise TypeError(f"sentence must be a str, got {type(sentence).__name__}")
    return tuple(_normalize(sentence))


@dataclass(frozen=True)
class TextCorpus:
    """Tokenized sentences split three ways, from :func:`load_text_corpus`.

    Attributes
    ----------
    train, validation, test : tuple of tuple of str
        The sentences of each split, each sentence a tuple of tokens.
    vocab : tuple of str
        The sorted token types of the training split (the unknown label included when some
        training token was replaced by it); every token of every split is one of them.
    """
    train: tuple
    validation: tuple
    test: tuple
    vocab: tuple

    def sizes(self):
        """``(n_train, n_validation, n_test)`` sentences."""
        return len(self.train), len(self.validation), len(self.test)

    def num_tokens(self):
        """``(train, validation, test)`` token counts (sentence padding not included)."""
        return tuple(sum(map(len, part)) for part in (self.train, self.validation, self.test))


@functools.lru_cache(maxsize=None)
def _pydoc_sentences():
    """The distinct sentences of the corpus as (text, word tokens) pairs, in reading order."""
    from pydoc_data.topics import topics
    seen, sentences = set(), []
    for name in sorted(topics):
        for sentence in split_sentences(topics[name]):
            words = tokenize_words(sentence)
            if len(words) >= 3 and words not in seen:
                seen.add(words)
                sentences.append((sentence, words))
    return tuple(sentences)


@functools.lru_cache(maxsize=None)
def _split_indices():
    """Sorted sentence indices of the train, validation and test splits."""
    n = len(_pydoc_sentences())
    order = np.random.default_rng(_SPLIT_SEED).permutation(n)
    n_held_out = n // 10
    test, validation, train = np.split(order, [n_held_out, 2 * n_held_out])
    return tuple(tuple(np.sort(part).tolist()) for part in (train, validation, test))


@functools.lru_cache(maxsize=None)
def _build_text_corpus(level, unk_cutoff, unk_label):
    sentences = _pydoc_sentences()
    tokenize = tokenize_chars if level == "char" else None
    parts = []
    for indices in _split_indices():
        parts.append([sentences[i][1] if tokenize is None else tokenize(sentences[i][0])
                      for i in indices])
    counts = Counter(token for sentence in parts[0] for token in sentence)
    kept = {token for token, count in counts.items() if count >= unk_cutoff}
    replaced = tuple(tuple(tuple(token if token in kept else unk_label for token in sentence)
                           for sentence in part) for part in parts)
    vocab = tuple(sorted({token for sentence in replaced[0] for token in sentence}))
    return TextCorpus(*replaced, vocab)


def load_text_corpus(split=None, *, level="word", unk_cutoff=2, unk_label=UNK):
    """An English corpus shipped with Python: the help texts of its documentation, tokenized.

    The source is ``pydoc_data.topics.topics`` (the text ``help('topics')`` shows; 79 topics on
    Python 3.11), read in sorted topic order. It is turned into sentences by
    :func:`split_sentences` (prose only: headings, code, grammar rules and tables are left out),
    tokenized by :func:`tokenize_words`; sentences with fewer than three word tokens
    ("Note:", "See also:") are dropped, and so is every repeat of a sentence already seen (the
    topics overlap), so the splits share no sentence.

    **The split** is made once: a permutation of the sentences by
    ``numpy.random.default_rng(0)``; its first ``n // 10`` sentences are the test split, the
    next ``n // 10`` the validation split, the rest (about 80 %) the training split. Each split
    keeps the reading order of the documentation. On Python 3.11.7 that is 1944 / 242 / 242
    sentences of 34,174 / 4,292 / 4,128 word tokens, and a vocabulary of 1709 types. The text
    of ``pydoc_data`` changes a little between Python versions, and the numbers with it.

    **Unknown words:** the vocabulary is the set of training tokens seen at least
    ``unk_cutoff`` times; every other token, in all three splits, is replaced by ``unk_label``
    (so the model sees unknown words in training, and the validation and test splits hold no
    token outside ``vocab``).

    Parameters
    ----------
    split : {None, 'train', 'validation', 'test'}
        Which split to return; None returns all three.
    level : {'word', 'char'}, default 'word'
        Word tokens (:func:`tokenize_words`), or the characters of the same sentences
        (:func:`tokenize_chars`) for character-level models.
    unk_cutoff : int, default 2
        Minimum training count of a kept token; 1 keeps every training token (validation and
        test tokens never seen in training still become ``unk_label``).
    unk_label : str, default '<unk>'
        Differs from ``dlbook.lm.Vocabulary``'s own ``'<UNK>'``, as nltk's does, so the
        corpus's unknown words are an ordinary, counted word to a language model.

    Returns
    -------
    TextCorpus or tuple of tuple of str
        All three splits, or the sentences of one. Everything is a tuple (cached, and safe to
        share).

    Examples
    --------
    >>> corpus = load_text_corpus()
    >>> corpus.train[0][:6]
    ('assert', 'statements', 'are', 'a', 'convenient', 'way')
    """
    check_option(split, "split", (None, "train", "validation", "test"))
    check_option(level, "level", ("word", "char"))
    unk_cutoff = check_int(unk_cutoff, "unk_cutoff", 1)
    if not isinstance(unk_label, str):
        raise TypeError(f"unk_label must be a str, got {type(unk_label).__name__}")
    corpus = _build_text_corpus(level, int(unk_cutoff), unk_label)
    return corpus if split is None else getattr(corpus, split)


# ---------------------------------------------------------------------------------------------
# A text-classification task from the same help texts: which part of the documentation?
# ---------------------------------------------------------------------------------------------
# The classes are chapters of the Python documentation; each help topic belongs to one. Topics
# of other chapters (lexical analysis, the execution model, the debugger, format strings) are
# left out.
_DOC_TOPIC_CLASSES = (
    ("statements", (                       # Language Reference, simple and compound statements
        "assert", "assignment", "async", "augassign", "break", "class", "compound", "continue",
        "del", "else", "for", "function", "global", "if", "import", "nonlocal", "pass", "raise",
        "return", "try", "while", "with", "yield")),
    ("expressions", (                      # Language Reference, expressions
        "atom-identifiers", "atom-literals", "attribute-references", "await", "binary",
        "bitwise", "booleans", "calls", "comparisons", "conversions", "dict", "exprlists", "in",
        "lambda", "lists", "operator-summary", "power", "shifting", "slicings", "subscriptions",
        "unary")),
    ("data model", (                       # Language Reference, data model
        "attribute-access", "callable-types", "context-managers", "customization",
        "numeric-types", "objects", "sequence-types", "specialnames", "types")),
    ("built-in types", (                   # Library Reference, built-in types
        "bltin-code-objects", "bltin-ellipsis-object", "bltin-null-object",
        "bltin-type-objects", "specialattrs", "string-methods", "truth", "typesfunctions",
        "typesmapping", "typesmethods", "typesmodules", "typesseq", "typesseq-mutable")),
)
_DocTopicsSplit = collections.namedtuple(
    "DocTopics", ["sentences", "texts", "target", "topics", "target_names"])


@functools.lru_cache(maxsize=None)
def _doc_topic_sentences():
    """(word tokens, text, class, topic) of every sentence that belongs to exactly one class,
    each distinct token sequence once, in sorted topic order."""
    from pydoc_data.topics import topics
    class_of = {topic: c for c, (_, names) in enumerate(_DOC_TOPIC_CLASSES) for topic in names}
    classes, first = {}, {}
    for name in sorted(topics):
        for sentence in split_sentences(topics[name]):
            words = tokenize_words(sentence)
            if len(words) < 3:
                continue
            if name in class_of:
                classes.setdefault(words, set()).add(class_of[name])
                first.setdefault(words, (sentence, class_of[name], name))
    return tuple((words, *first[words]) for words in first if len(classes[words]) == 1)


@functools.lru_cache(maxsize=None)
def _doc_topic_split(val_fraction, test_fraction, seed):
    rows = _doc_topic_sentences()
    y = np.array([row[2] for row in rows], dtype=np.int64)
    parts = _stratified_split(y, [1 - val_fraction - test_fraction, val_fraction,
                                  test_fraction], np.random.default_rng(seed))
    names = tuple(name for name, _ in _DOC_TOPIC_CLASSES)
    out = []
    for idx in parts:
        idx = np.sort(idx)
        target = y[idx]
        target.setflags(write=False)
        out.append(_DocTopicsSplit(tuple(rows[i][0] for i in idx), tuple(rows[i][1] for i in idx),
                                   target, tuple(rows[i][3] for i in idx), names))
    return tuple(out)


def load_doc_topics(split=None, *, val_fraction=0.15, test_fraction=0.15, seed=0):
    """A sentence-classification task shipped with Python: which part of the documentation does
    a sentence of ``pydoc_data.topics`` come from?

    Every help topic of :func:`load_text_corpus`'s source belongs to one chapter of the Python
    documentation. Four chapters are the four classes, in this order (label 0 to 3):

    * ``'statements'`` — the Language Reference's simple and compound statements (topics
      ``assert``, ``assignment``, ``compound``, ``for``, ``import``, ``try``, ``with``, ...);
    * ``'expressions'`` — its expressions (``binary``, ``calls``, ``comparisons``, ``lambda``,
      ``slicings``, ...);
    * ``'data model'`` — its data model (``objects``, ``types``, ``specialnames``,
      ``customization``, ``numeric-types``, ...);
    * ``'built-in types'`` — the Library Reference's built-in types (``typesseq``,
      ``typesmapping``, ``string-methods``, ``truth``, ...).

    Topics of other chapters (lexical analysis, the execution model, the debugger, format
    strings) are not used. Sentences are made as for :func:`load_text_corpus`: the prose
    sentences of each topic (:func:`split_sentences`), tokenized by :func:`tokenize_words`,
    with fewer than three word tokens dropped. The topics overlap (``compound`` repeats ``if``,
    ``for``, ...; ``specialnames`` repeats ``customization``, ...), so each distinct token
    sequence is kept once, with the text and topic of its first occurrence in sorted topic
    order; a sequence that occurs in topics of two classes ("New in version 3.5.") is dropped
    as ambiguous.

    **The split** is stratified by class: within each class a permutation by
    ``numpy.random.default_rng(seed)`` gives the training, validation and test sentences in the
    proportions ``1 - val_fraction - test_fraction``, ``val_fraction``, ``test_fraction``;
    each split then keeps the reading order. On Python 3.11.7 the defaults give 1383 / 295 /
    297 sentences, with the classes in the proportions 547 : 314 : 677 : 437 overall. The text
    of ``pydoc_data`` changes a little between Python versions, and the numbers with it.

    Parameters
    ----------
    split : {None, 'train', 'validation', 'test'}
        Which split to return; None returns all three.
    val_fraction, test_fraction : float, default 0.15
        In (0, 1), with a sum below 1.
    seed : int, default 0
        Seeds the split.

    Returns
    -------
    DocTopics or tuple of three DocTopics
        A named tuple with fields ``sentences`` (tuple of tuples of word tokens), ``texts``
        (the sentences as printed in the documentation), ``target`` (read-only int64 array of
        labels, shape (n,)), ``topics`` (the help topic each sentence comes from) and
        ``target_names`` (the four class names, indexed by label); all three splits for
        ``split=None``, as ``(train, validation, test)``.

    Examples
    --------
    >>> train = load_doc_topics("train")
    >>> train.target_names
    ('statements', 'expressions', 'data model', 'built-in types')
    >>> len(train.sentences) == len(train.target)
    True
    """
    check_option(split, "split", (None, "train", "validation", "test"))
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        check_scalar(value, name, min_val=0, max_val=1, include_boundaries="neither")
    if val_fraction + test_fraction >= 1:
        raise ValueError(f"val_fraction + test_fraction must be below 1, got {val_fraction} + "
                         f"{test_fraction}")
    seed = check_int(seed, "seed", 0)
    parts = _doc_topic_split(float(val_fraction), float(test_fraction), seed)
    if split is None:
        return parts
    return parts[("train", "validation", "test").index(split)]
