r"""Classification metrics with the names, arguments and results of :mod:`sklearn.metrics`.

:func:`dlbook.decision.roc_curve`, :func:`~dlbook.decision.auc` and
:func:`~dlbook.decision.roc_auc_score` (for 0/1 labels) return exactly the same results as the
functions of the same names here; the tests check that the two stay equal.

Labels can be any hashable values of one type (integers, whole-number floats, booleans or
strings); the metrics sort them, so "class k" means the k-th smallest label, as in scikit-learn.
Everything is vectorized: counting is one :func:`numpy.bincount`, the ROC curve one sort.

Counts from a confusion matrix (for one class, "positive" = that class):

* precision :math:`= \mathrm{TP}/(\mathrm{TP}+\mathrm{FP})`, the fraction of predicted positives
  that are right;
* recall :math:`= \mathrm{TP}/(\mathrm{TP}+\mathrm{FN})`, the fraction of actual positives found;
* :math:`F_\beta = (1+\beta^2)\,\mathrm{TP} / \big((1+\beta^2)\,\mathrm{TP} + \beta^2\,\mathrm{FN}
  + \mathrm{FP}\big)`, which for :math:`\beta = 1` is the harmonic mean of the two.

A ratio whose denominator is zero (no predicted positives for precision, no actual positives for
recall) is undefined; it is replaced by ``zero_division`` (0 with an
:class:`~dlbook.exceptions.UndefinedMetricWarning` by default, as scikit-learn).

Where dlbook is stricter than scikit-learn, it raises a ``ValueError`` instead of guessing:

* a label vector of shape (N, 1) where (N,) is expected (scikit-learn ravels it with a warning);
* :func:`confusion_matrix` with ``labels`` and data holding a label outside them (scikit-learn
  silently drops those samples, so the rows no longer count every sample);
* :func:`roc_curve` and :func:`roc_auc_score` when ``y_true`` has only one class (scikit-learn
  warns and returns NaN);
* :func:`log_loss` with rows of ``y_pred`` that do not sum to one, or unsorted ``labels``
  (scikit-learn warns and computes with the sorted order).
"""
import numbers
import warnings

import numpy as np

from ._validation import (check_1d, check_array, check_array_range, check_classification_targets,
                          check_option, check_scalar)
from .exceptions import UndefinedMetricWarning

__all__ = ["accuracy_score", "confusion_matrix", "precision_recall_fscore_support",
           "precision_score", "recall_score", "f1_score", "fbeta_score", "roc_curve", "auc",
           "roc_auc_score", "log_loss"]


# --------------------------------------------------------------------------- validation
def _is_string(y):
    """True for arrays of strings (including object arrays of str)."""
    if y.dtype.kind in "US":
        return True
    return y.dtype.kind == "O" and y.size > 0 and isinstance(y.flat[0], str)


def _check_labels_vector(y, name):
    """A 1-D vector of class labels, shape (N,)."""
    y = check_1d(y, name)
    check_classification_targets(y, name)
    return y


def _check_same_kind(a, b, name_a, name_b):
    if _is_string(a) != _is_string(b):
        raise ValueError(f"{name_a} and {name_b} mix string and numeric labels "
                         f"(dtypes {a.dtype} and {b.dtype}); use one type of label")


def _check_targets(y_true, y_pred):
    """Two label vectors of the same length N >= 1 and the same kind of label."""
    y_true = _check_labels_vector(y_true, "y_true")
    y_pred = _check_labels_vector(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got shapes "
                         f"{y_true.shape} and {y_pred.shape}")
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty; at least one sample is needed")
    _check_same_kind(y_true, y_pred, "y_true", "y_pred")
    return y_true, y_pred


def _check_sample_weight(sample_weight, n):
    """None, or finite weights of shape (n,) (integer weights keep their dtype)."""
    if sample_weight is None:
        return None
    w = check_1d(sample_weight, "sample_weight", dtype="numeric")
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), one weight per sample, "
                         f"got shape {w.shape}")
    if not np.any(w):
        raise ValueError("sample_weight must contain at least one non-zero weight")
    return w


def _check_labels_arg(labels, y):
    """The ``labels`` argument: a non-empty 1-D vector of distinct labels of ``y``'s kind."""
    labels = check_1d(labels, "labels")
    if labels.size == 0:
        raise ValueError("labels must contain at least one label, got an empty array")
    _check_same_kind(labels, y, "labels", "y_true")
    if np.unique(labels).size != labels.size:
        raise ValueError(f"labels must not repeat a label, got {labels.tolist()}")
    return labels


def _encode(y, labels):
    """Position of every entry of ``y`` in ``labels`` (any order), and whether it was found."""
    order = np.argsort(labels, kind="stable")
    ranked = labels[order]
    pos = np.minimum(np.searchsorted(ranked, y), labels.size - 1)
    return order[pos], ranked[pos] == y


def _describe(values, limit=10):
    values = np.unique(values)
    text = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in values[:limit])
    return f"[{text}{', ...' if values.size > limit else ''}]"


def _mean(values, weights=None, *, normalize=True):
    """Plain or weighted mean (or sum with ``normalize=False``) of a float vector."""
    values = np.asarray(values, dtype=np.float64)
    if weights is None:
        return values.mean() if normalize else values.sum()
    weights = np.asarray(weights, dtype=np.float64)
    if not normalize:
        return np.dot(values, weights)
    if np.sum(weights) == 0:
        raise ValueError("sample_weight sums to zero; the weighted mean is undefined")
    return np.average(values, weights=weights)


# --------------------------------------------------------------------------- accuracy
def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    r"""Fraction (or number) of correct predictions, as :func:`sklearn.metrics.accuracy_score`.

    .. math:: \mathrm{acc} = \frac{\sum_n w_n\,[\hat y_n = y_n]}{\sum_n w_n}

    Parameters
    ----------
    y_true : array-like, shape (N,)
        True class labels.
    y_pred : array-like, shape (N,)
        Predicted class labels.
    normalize : bool, default True
        Return the (weighted) fraction of correct predictions; False returns their (weighted)
        number.
    sample_weight : array-like, shape (N,), optional
        :math:`w_n`; default all ones.

    Returns
    -------
    float
    """
    y_true, y_pred = _check_targets(y_true, y_pred)
    weights = _check_sample_weight(sample_weight, y_true.size)
    return float(_mean(y_true == y_pred, weights, normalize=normalize))


# --------------------------------------------------------------------------- confusion matrix
def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    r"""Counts :math:`C_{ij}` of samples of true class i predicted as class j.

    As :func:`sklearn.metrics.confusion_matrix`: rows are true classes, columns predicted
    classes, both in the order of ``labels`` (by default every label of ``y_true`` and
    ``y_pred``, sorted). The diagonal holds the correct predictions.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (N,)
    labels : array-like, shape (C,), optional
        The classes and their order. Every label in ``y_true`` and ``y_pred`` must be among
        them (unlike scikit-learn, which drops the other samples); classes that never occur
        give rows or columns of zeros.
    sample_weight : array-like, shape (N,), optional
        Each sample adds its weight instead of 1. Integer weights give an integer matrix.
    normalize : {None, 'true', 'pred', 'all'}, default None
        Divide each row by its sum ('true': row i then holds the distribution of predictions
        for class i, its diagonal entry the recall), each column ('pred'), or everything
        ('all'). A row or column of zeros stays zero.

    Returns
    -------
    ndarray, shape (C, C)
        int64 counts, or float64 with float weights or normalization.
    """
    y_true, y_pred = _check_targets(y_true, y_pred)
    check_option(normalize, "normalize", (None, "true", "pred", "all"))
    if labels is None:
        labels = np.union1d(y_true, y_pred)
    else:
        labels = _check_labels_arg(labels, y_true)
    true_idx, true_found = _encode(y_true, labels)
    pred_idx, pred_found = _encode(y_pred, labels)
    for name, y, found in (("y_true", y_true, true_found), ("y_pred", y_pred, pred_found)):
        if not found.all():
            raise ValueError(f"{name} contains labels {_describe(y[~found])} that are not in "
                             f"labels {_describe(labels)}")
    weights = _check_sample_weight(sample_weight, y_true.size)
    n = labels.size
    counts = np.bincount(true_idx * n + pred_idx, weights=weights, minlength=n * n)
    cm = counts.reshape(n, n)
    if weights is None or weights.dtype.kind in "biu":
        cm = cm.astype(np.int64)
    if normalize is None:
        return cm
    if normalize == "true":
        totals = cm.sum(axis=1, keepdims=True)
    elif normalize == "pred":
        totals = cm.sum(axis=0, keepdims=True)
    else:
        totals = cm.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals == 0, 0.0, cm / totals)


# --------------------------------------------------------------------------- precision, recall, F
_AVERAGES = (None, "binary", "micro", "macro", "weighted")


def _zero_division_value(zero_division):
    if isinstance(zero_division, str) and zero_division == "warn":
        return 0.0
    if (isinstance(zero_division, numbers.Real) and not isinstance(zero_division, bool)
            and (zero_division in (0, 1) or np.isnan(zero_division))):
        return float(zero_division)
    raise ValueError(f"zero_division must be 'warn', 0.0, 1.0 or np.nan, got {zero_division!r}")


def _ratio(numerator, denominator, metric, missing, warn_for, zero_division):
    """``numerator / denominator`` per class, with ``zero_division`` where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    undefined = denominator == 0
    result = numerator / np.where(undefined, 1.0, denominator)
    if undefined.any():
        result[undefined] = _zero_division_value(zero_division)
        if isinstance(zero_division, str) and metric in warn_for:
            where = "" if result.size == 1 else " in labels"
            warnings.warn(f"{metric.capitalize()} is ill-defined and being set to 0.0{where} with "
                          f"no {missing} samples. Use `zero_division` to control this.",
                          UndefinedMetricWarning, stacklevel=3)
    return result


def _nan_mean(values, weights=None):
    """Mean (weighted by ``weights``) of the non-NaN entries; NaN when there are none."""
    keep = ~np.isnan(values)
    if not keep.any():
        return np.nan
    if weights is None:
        return np.sum(np.where(keep, values, 0.0)) / np.count_nonzero(keep)
    weights = np.asarray(weights, dtype=np.float64)[keep]
    if np.sum(weights) == 0:            # e.g. 'weighted' over labels absent from y_true
        return _mean(values[keep])
    return _mean(values[keep], weights)


def precision_recall_fscore_support(y_true, y_pred, *, beta=1.0, labels=None, pos_label=1,
                                    average=None, warn_for=("precision", "recall", "f-score"),
                                    sample_weight=None, zero_division="warn"):
    r"""Precision, recall, :math:`F_\beta` and support, as scikit-learn's function of that name.

    For every class k the counts are :math:`\mathrm{TP}_k` (true k, predicted k),
    :math:`\mathrm{FP}_k` (predicted k, true another class) and :math:`\mathrm{FN}_k` (true k,
    predicted another class), weighted by ``sample_weight``.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (N,)
        Class labels.
    beta : float, default 1.0
        Weight of recall in the F-score: :math:`\beta > 1` favors recall; ``inf`` gives the
        recall, 0 the precision.
    labels : array-like, optional
        The classes to report (``average=None``) or average over. By default every label of
        ``y_true`` and ``y_pred``, sorted. A subset is allowed; samples of the other classes still
        count as false positives or negatives of the chosen ones.
    pos_label : label, default 1
        The positive class when ``average='binary'``; ignored otherwise.
    average : {None, 'binary', 'micro', 'macro', 'weighted'}, default None
        None returns one value per class. 'binary' reports ``pos_label`` only (the data must have
        at most two labels). 'micro' pools the counts of all classes (for single-label data
        micro precision = micro recall = accuracy). 'macro' is the plain mean over classes;
        'weighted' the mean weighted by each class's support.
    warn_for : tuple of str
        Which of 'precision', 'recall', 'f-score' warn when undefined.
    sample_weight : array-like, shape (N,), optional
    zero_division : 'warn', 0.0, 1.0 or np.nan, default 'warn'
        Value of an undefined ratio; 'warn' gives 0.0 and an ``UndefinedMetricWarning``. NaN
        values are left out of the averages.

    Returns
    -------
    precision, recall, fbeta : float, or ndarray of shape (C,) with ``average=None``
    support : ndarray of shape (C,) with ``average=None`` (the number, or total weight, of
        true samples of each class), else None
    """
    check_option(average, "average", _AVERAGES)
    _zero_division_value(zero_division)
    beta = check_scalar(beta, "beta", min_val=0)
    y_true, y_pred = _check_targets(y_true, y_pred)
    present = np.union1d(y_true, y_pred)
    if average == "binary":
        if present.size > 2:
            raise ValueError(f"average='binary' needs at most two labels, but y_true and y_pred "
                             f"hold {present.size}: {_describe(present)}; choose average=None, "
                             f"'micro', 'macro' or 'weighted'")
        if not np.any(present == pos_label) and present.size == 2:
            raise ValueError(f"pos_label={pos_label!r} is not a valid label; it should be one of "
                             f"{_describe(present)}")
        labels = np.asarray([pos_label])
    elif labels is None:
        labels = present
    else:
        labels = _check_labels_arg(labels, y_true)
    # the chosen labels first, then any other label of the data (counted, not reported)
    all_labels = np.concatenate([labels, np.setdiff1d(present, labels)])
    true_idx, _ = _encode(y_true, all_labels)
    pred_idx, _ = _encode(y_pred, all_labels)
    weights = _check_sample_weight(sample_weight, y_true.size)
    hit = true_idx == pred_idx
    m = all_labels.size
    tp = np.bincount(true_idx[hit], weights=None if weights is None else weights[hit],
                     minlength=m)
    fp = np.bincount(pred_idx, weights=weights, minlength=m) - tp
    fn = np.bincount(true_idx, weights=weights, minlength=m) - tp
    k = labels.size
    tp, fp, fn = tp[:k], fp[:k], fn[:k]
    if weights is None:
        tp, fp, fn = tp.astype(np.int64), fp.astype(np.int64), fn.astype(np.int64)
    predicted, actual = tp + fp, tp + fn
    if average == "micro":
        tp, predicted, actual = tp.sum(keepdims=True), predicted.sum(keepdims=True), \
            actual.sum(keepdims=True)
    precision = _ratio(tp, predicted, "precision", "predicted", warn_for, zero_division)
    recall = _ratio(tp, actual, "recall", "true", warn_for, zero_division)
    if np.isposinf(beta):
        fbeta = recall
    elif beta == 0:
        fbeta = precision
    else:
        b2 = float(beta) ** 2
        fbeta = _ratio((1 + b2) * np.asarray(tp, dtype=np.float64),
                       b2 * np.asarray(actual, dtype=np.float64) + predicted,
                       "f-score", "true nor predicted", warn_for, zero_division)
    if average is None:
        return precision, recall, fbeta, actual
    weights_k = actual if average == "weighted" else None
    return (float(_nan_mean(precision, weights_k)), float(_nan_mean(recall, weights_k)),
            float(_nan_mean(fbeta, weights_k)), None)


def precision_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                    sample_weight=None, zero_division="warn"):
    r"""Precision :math:`\mathrm{TP}/(\mathrm{TP}+\mathrm{FP})`, as
    :func:`sklearn.metrics.precision_score`; arguments as in
    :func:`precision_recall_fscore_support` (default ``average='binary'``).

    Returns
    -------
    float, or ndarray of shape (C,) with ``average=None``
    """
    p, _, _, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
        warn_for=("precision",), sample_weight=sample_weight, zero_division=zero_division)
    return p


def recall_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                 sample_weight=None, zero_division="warn"):
    r"""Recall :math:`\mathrm{TP}/(\mathrm{TP}+\mathrm{FN})`, as
    :func:`sklearn.metrics.recall_score`; arguments as in
    :func:`precision_recall_fscore_support` (default ``average='binary'``).

    Returns
    -------
    float, or ndarray of shape (C,) with ``average=None``
    """
    _, r, _, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
        warn_for=("recall",), sample_weight=sample_weight, zero_division=zero_division)
    return r


def fbeta_score(y_true, y_pred, *, beta, labels=None, pos_label=1, average="binary",
                sample_weight=None, zero_division="warn"):
    r""":math:`F_\beta`, as :func:`sklearn.metrics.fbeta_score`; arguments as in
    :func:`precision_recall_fscore_support` (default ``average='binary'``).

    Returns
    -------
    float, or ndarray of shape (C,) with ``average=None``
    """
    _, _, f, _ = precision_recall_fscore_support(
        y_true, y_pred, beta=beta, labels=labels, pos_label=pos_label, average=average,
        warn_for=("f-score",), sample_weight=sample_weight, zero_division=zero_division)
    return f


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
             zero_division="warn"):
    r""":math:`F_1 = 2\,\mathrm{TP}/(2\,\mathrm{TP}+\mathrm{FP}+\mathrm{FN})`, the harmonic mean of
    precision and recall, as :func:`sklearn.metrics.f1_score`; arguments as in
    :func:`precision_recall_fscore_support` (default ``average='binary'``).

    Returns
    -------
    float, or ndarray of shape (C,) with ``average=None``
    """
    return fbeta_score(y_true, y_pred, beta=1.0, labels=labels, pos_label=pos_label,
                       average=average, sample_weight=sample_weight, zero_division=zero_division)


# --------------------------------------------------------------------------- ROC
def _check_scores(y_score, n, name="y_score"):
    s = check_1d(y_score, name, dtype=np.float64)
    if s.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one score per label, got {s.shape}")
    return s


def roc_curve(y_true, y_score, *, pos_label=None, drop_intermediate=True):
    r"""ROC curve of a binary scorer, exactly as :func:`sklearn.metrics.roc_curve`.

    One sort of the scores in decreasing order; the cumulative numbers of positives and of
    negatives at the end of each run of equal scores are the true- and false-positive counts of
    the test "positive when score >= threshold". Tied scores therefore form one point.

    Parameters
    ----------
    y_true : array-like, shape (N,)
        Binary labels. With ``pos_label=None`` they must be {0, 1} or {-1, 1} (1 is positive).
    y_score : array-like, shape (N,)
        Scores, larger meaning "more likely positive" (a probability, a logit, a log-likelihood
        ratio).
    pos_label : label, optional
        The positive class, required for other labels (e.g. strings).
    drop_intermediate : bool, default True
        Drop thresholds whose points lie on a straight segment between their neighbors; the
        curve and its area do not change.

    Returns
    -------
    fpr : ndarray, shape (T,)
        False-positive rates, increasing from 0 to 1.
    tpr : ndarray, shape (T,)
        True-positive rates (recall), increasing from 0 to 1.
    thresholds : ndarray, shape (T,)
        Decreasing; ``thresholds[0] = inf`` (nothing is declared positive).

    Raises
    ------
    ValueError
        If ``y_true`` has more than two classes, or fewer than two (where scikit-learn warns and
        returns NaN rates).
    """
    y_true = _check_labels_vector(y_true, "y_true")
    scores = _check_scores(y_score, y_true.size)
    classes = np.unique(y_true)
    if classes.size > 2:
        raise ValueError(f"roc_curve needs binary y_true, got {classes.size} classes "
                         f"{_describe(classes)}")
    if pos_label is None:
        if _is_string(classes) or not (np.all(np.isin(classes, [0, 1]))
                                       or np.all(np.isin(classes, [-1, 1]))):
            raise ValueError(f"y_true takes the values {_describe(classes)}; with pos_label=None "
                             f"they must be {{0, 1}} or {{-1, 1}}, so pass pos_label to say which "
                             f"class is positive")
        pos_label = 1
    positive = y_true == pos_label
    n_pos = int(np.count_nonzero(positive))
    if n_pos == 0 or n_pos == y_true.size:
        raise ValueError(f"y_true must contain both positive (pos_label={pos_label!r}) and "
                         f"negative samples to define an ROC curve, got {n_pos} positives "
                         f"among {y_true.size}")
    order = np.argsort(scores, kind="mergesort")[::-1]
    scores, positive = scores[order], positive[order]
    run_ends = np.r_[np.flatnonzero(np.diff(scores)), scores.size - 1]
    tps = np.cumsum(positive, dtype=np.float64)[run_ends]
    fps = (run_ends + 1) - tps
    thresholds = scores[run_ends]
    if drop_intermediate and fps.size > 2:
        corner = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[corner], tps[corner], thresholds[corner]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    return fps / fps[-1], tps / tps[-1], np.r_[np.inf, thresholds]


def auc(x, y):
    r"""Area under the curve through the points ``(x, y)`` by the trapezoidal rule.

    As :func:`sklearn.metrics.auc`: ``x`` must be monotonic, increasing or decreasing (a
    decreasing ``x`` gives the same positive area).

    Parameters
    ----------
    x : array-like, shape (T,)
        At least two abscissae, e.g. ``fpr``.
    y : array-like, shape (T,)

    Returns
    -------
    float
    """
    x = check_1d(x, "x", dtype=np.float64)
    y = check_1d(y, "y", dtype=np.float64)
    if y.shape != x.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    if x.size < 2:
        raise ValueError(f"at least 2 points are needed to compute an area, got {x.size}")
    dx = np.diff(x)
    direction = 1.0
    if np.any(dx < 0):
        if not np.all(dx <= 0):
            raise ValueError("x is neither increasing nor decreasing, so the area is not defined")
        direction = -1.0
    return float(direction * np.sum(dx * (y[1:] + y[:-1]) / 2.0))


def _binary_roc_auc(positive, scores):
    fpr, tpr, _ = roc_curve(positive.astype(np.int64), scores)
    return auc(fpr, tpr)


def roc_auc_score(y_true, y_score, *, average="macro", multi_class="raise", labels=None):
    r"""Area under the ROC curve, as :func:`sklearn.metrics.roc_auc_score`.

    For two classes it is the probability that a random positive scores higher than a random
    negative, ties counting one half (the Mann–Whitney statistic). For C > 2 classes with
    ``multi_class='ovr'`` it is the average of the C one-vs-rest areas, class k against the rest
    scored by column k of ``y_score``.

    Parameters
    ----------
    y_true : array-like, shape (N,)
        Class labels; for two classes the larger label is the positive one.
    y_score : array-like, shape (N,) for two classes, or (N, C)
        Scores of the positive class; or class probabilities (rows summing to one, columns in
        the order of the sorted labels) for C classes.
    average : {'macro', 'weighted', None}, default 'macro'
        Multi-class only: plain mean over classes, mean weighted by class frequency, or the
        C areas.
    multi_class : {'raise', 'ovr'}, default 'raise'
        Multi-class only: 'ovr' for one-vs-rest ('ovo' is not implemented).
    labels : array-like, shape (C,), optional
        Multi-class only: the sorted class labels of the columns of ``y_score``.

    Returns
    -------
    float, or ndarray of shape (C,) with ``average=None``
    """
    y_true = _check_labels_vector(y_true, "y_true")
    scores = check_array(y_score, name="y_score", ensure_2d=False, ensure_min_samples=0)
    if scores.ndim == 1:
        scores = _check_scores(scores, y_true.size)
        classes = np.unique(y_true)
        if classes.size > 2:
            raise ValueError(f"y_true has {classes.size} classes; multi-class ROC AUC needs "
                             f"y_score of shape (N, C) and multi_class='ovr'")
        if classes.size < 2:
            raise ValueError(f"only one class ({_describe(classes)}) is present in y_true; "
                             f"ROC AUC is not defined in that case")
        return _binary_roc_auc(y_true == classes[1], scores)
    if scores.shape[1] == 1:
        raise ValueError(f"y_score must have shape (N,) or (N, C), got a column of shape "
                         f"{scores.shape}; pass y_score.ravel()")
    if scores.shape[0] != y_true.size:
        raise ValueError(f"y_score must have one row per label, shape ({y_true.size}, C), got "
                         f"{scores.shape}")
    check_option(multi_class, "multi_class", ("raise", "ovr"))
    check_option(average, "average", ("macro", "weighted", None))
    if labels is None:
        classes = np.unique(y_true)
        if classes.size == 2 and scores.shape[1] == 2:
            raise ValueError(f"binary y_true needs y_score of shape (N,), the score of the "
                             f"positive class {classes[1]!r}; pass y_score[:, 1]")
        if classes.size != scores.shape[1]:
            raise ValueError(f"y_true has {classes.size} classes but y_score has "
                             f"{scores.shape[1]} columns; pass labels to name the columns")
    else:
        classes = _check_labels_arg(labels, y_true)
        if np.any(classes[1:] < classes[:-1]):
            raise ValueError(f"labels must be sorted, got {classes.tolist()}")
        if classes.size != scores.shape[1]:
            raise ValueError(f"labels has {classes.size} entries but y_score has "
                             f"{scores.shape[1]} columns")
        _, found = _encode(y_true, classes)
        if not found.all():
            raise ValueError(f"y_true contains labels {_describe(y_true[~found])} that are not "
                             f"in labels {_describe(classes)}")
    if multi_class == "raise":
        raise ValueError("y_true has more than two classes: pass multi_class='ovr' for the "
                         "one-vs-rest ROC AUC")
    if not np.allclose(scores.sum(axis=1), 1.0):
        raise ValueError("multi-class ROC AUC needs y_score rows that are probabilities "
                         "summing to 1 over the classes")
    indicator = y_true[:, None] == classes[None, :]          # (N, C) one-hot
    areas = np.array([_binary_roc_auc(indicator[:, k], scores[:, k])
                      for k in range(classes.size)])         # one ROC per class
    if average is None:
        return areas
    support = indicator.sum(axis=0) if average == "weighted" else None
    return float(_mean(areas, support))


# --------------------------------------------------------------------------- log loss
def log_loss(y_true, y_pred, *, normalize=True, sample_weight=None, labels=None):
    r"""Cross-entropy of predicted class probabilities, as :func:`sklearn.metrics.log_loss`.

    .. math:: \mathcal L = -\frac{1}{\sum_n w_n} \sum_n w_n \log p_{n, y_n}

    in nats, averaged over the samples (summed with ``normalize=False``). Probabilities are
    clipped to :math:`[\epsilon, 1-\epsilon]` (float64 :math:`\epsilon`) so a confident mistake
    costs about 36 nats instead of infinity. scikit-learn 1.9 renamed ``y_pred`` to ``y_proba``.

    Parameters
    ----------
    y_true : array-like, shape (N,)
        Class labels.
    y_pred : array-like, shape (N, C), or (N,) for two classes
        Probabilities in [0, 1]; column k belongs to the k-th smallest label, and each row must
        sum to one (within :math:`\sqrt{\epsilon}` relative). A 1-D ``y_pred`` is the
        probability of the larger label.
    normalize : bool, default True
        Mean over samples (True) or sum (False).
    sample_weight : array-like, shape (N,), optional
    labels : array-like, shape (C,), optional
        All class labels, sorted, when ``y_true`` does not contain every class.

    Returns
    -------
    float
    """
    y_true = _check_labels_vector(y_true, "y_true")
    proba = check_array(y_pred, name="y_pred", ensure_2d=False, ensure_min_samples=0)
    if proba.ndim == 2 and proba.shape[1] == 1:
        raise ValueError(f"y_pred must have shape (N,) (probability of the larger label) or "
                         f"(N, C), got a column of shape {proba.shape}; pass y_pred.ravel()")
    if proba.shape[0] != y_true.size:
        raise ValueError(f"y_pred must have one row per label ({y_true.size}), got shape "
                         f"{proba.shape}")
    if y_true.size == 0:
        raise ValueError("y_true is empty; at least one sample is needed")
    check_array_range(proba, "y_pred", 0, 1, what="probabilities")
    if labels is None:
        classes = np.unique(y_true)
        if classes.size < 2:
            raise ValueError(f"y_true contains only one label {_describe(classes)}; pass "
                             f"labels=... with every class")
    else:
        classes = _check_labels_arg(labels, y_true)
        if np.any(classes[1:] < classes[:-1]):
            raise ValueError(f"labels must be sorted (the columns of y_pred follow the sorted "
                             f"labels), got {classes.tolist()}")
        if classes.size < 2:
            raise ValueError(f"labels must contain at least two classes, got {classes.tolist()}")
    class_idx, found = _encode(y_true, classes)
    if not found.all():
        raise ValueError(f"y_true contains labels {_describe(y_true[~found])} that are not in "
                         f"labels {_describe(classes)}")
    if proba.ndim == 1:
        proba = np.column_stack([1.0 - proba, proba])
    if proba.shape[1] != classes.size:
        raise ValueError(f"y_pred has {proba.shape[1]} columns but there are {classes.size} "
                         f"classes {_describe(classes)}; pass labels=... with every class")
    eps = np.finfo(np.float64).eps
    if not np.allclose(proba.sum(axis=1), 1.0, rtol=np.sqrt(eps), atol=0.0):
        raise ValueError("each row of y_pred must sum to 1 (class probabilities, e.g. the "
                         "softmax of the logits)")
    weights = _check_sample_weight(sample_weight, y_true.size)
    picked = np.clip(proba, eps, 1.0 - eps)[np.arange(y_true.size), class_idx]
    return float(_mean(-np.log(picked), weights, normalize=normalize))
