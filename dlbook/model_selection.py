r"""Splitting data, cross-validation, polynomial ridge regression and the bias–variance split.

The names follow :mod:`sklearn.model_selection`, :mod:`sklearn.preprocessing` and
:class:`sklearn.linear_model.Ridge`, so that the book's experiments translate line by line:

======================================  ==================================================
dlbook                                  scikit-learn
======================================  ==================================================
:func:`train_val_test_split`            two calls of ``train_test_split``
:func:`kfold_indices`                   ``list(KFold(n_splits, shuffle=...).split(X))``
:func:`cross_val_score`                 ``cross_val_score(estimator, X, y, cv=KFold(...))``
:func:`polynomial_features`             ``PolynomialFeatures(degree).fit_transform(x[:, None])``
:func:`ridge_fit`                       ``Ridge(alpha=lam, fit_intercept=...).fit(X, y)``
:func:`bias_variance_decomposition`     (no counterpart)
======================================  ==================================================

Without shuffling, :func:`kfold_indices` returns exactly scikit-learn's folds; with shuffling
the fold sizes are the same but the permutation comes from a NumPy ``Generator``.
"""
import numbers
from dataclasses import dataclass

import numpy as np

from ._validation import (as_float_array, check_array, check_int, check_ndim, check_option,
                          check_scalar)
from .data import Split, _stratified_split
# Ridge regression is a linear solver and lives in dlbook.linear_model; it is importable from
# here too because the regularization chapter derives it next to the bias–variance split.
from .linear_model import ridge_fit
from .random import default_generator

__all__ = ["train_val_test_split", "kfold_indices", "cross_val_score", "polynomial_features",
           "ridge_fit", "BiasVariance", "bias_variance_decomposition"]


# --------------------------------------------------------------------------- validation
def _generator(seed):
    """``seed`` may be None (dlbook's default generator), an int, or a numpy Generator."""
    if seed is None:
        return default_generator()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.default_rng(check_int(seed, "seed", 0))
    raise TypeError(f"seed must be None, a non-negative int or a numpy Generator, got {seed!r}")


def _check_split_sizes(groups, fractions, stratified):
    """Raise, as scikit-learn's splitters do, when a part would be empty or a class is too small.

    The sizes are those :func:`dlbook.data._stratified_split` produces: within each group,
    ``round(cumulative fraction * group size)`` at the part boundaries.
    """
    if groups.size == 0:
        raise ValueError("X and y must have at least one row, got 0")
    classes, counts = np.unique(groups, return_counts=True)
    if stratified and counts.min() < 2:
        smallest = classes[np.argmin(counts)].item()
        raise ValueError(f"the least populated class in y ({smallest!r}) has only 1 member, "
                         f"which is too few to stratify: every class needs at least 2 members")
    cuts = np.round(np.outer(counts, np.cumsum(fractions)[:-1])).astype(np.int64)
    bounds = np.column_stack([np.zeros_like(counts), cuts, counts])
    sizes = np.diff(bounds, axis=1).sum(axis=0)
    for part, size in zip(("training", "validation", "test"), sizes):
        if size == 0:
            raise ValueError(f"with n_samples={groups.size} and fractions={fractions.tolist()} "
                             f"the {part} set would be empty; use more samples or a larger "
                             f"{part} fraction")
        if stratified and size < classes.size:
            raise ValueError(f"with n_samples={groups.size} and fractions={fractions.tolist()} "
                             f"the stratified {part} set would have {size} sample(s), fewer "
                             f"than the {classes.size} classes")


# --------------------------------------------------------------------------- splitting
def train_val_test_split(X, y, fractions=(0.7, 0.15, 0.15), *, seed=0, stratify=False):
    """Split ``(X, y)`` at random into training, validation and test sets.

    The training set fits the parameters, the validation set chooses hyper-parameters, and the
    test set is used once, at the end, to estimate the error on new data. Each part receives
    ``round(fraction * n)`` rows (rounded at the cumulative boundaries, so the sizes add up to
    ``n``); with ``stratify=True`` this is done class by class, as in
    :func:`dlbook.data.load_digits_split`, so every part has the class proportions of ``y``.

    Parameters
    ----------
    X : ndarray, shape (N, D) or (N,)
    y : ndarray, shape (N,) or (N, K)
        Targets; integer class labels when ``stratify=True``.
    fractions : sequence of three floats, default (0.7, 0.15, 0.15)
        Positive fractions for training, validation and test; they must sum to 1.
    seed : int, numpy.random.Generator or None, default 0
        Fixes the split. None uses dlbook's default generator.
    stratify : bool, default False

    Returns
    -------
    Split
        ``X_train, y_train, X_val, y_val, X_test, y_test`` (rows of the inputs, in random order).

    Raises
    ------
    ValueError
        If a part would be empty (too few samples for the fractions), or, with
        ``stratify=True``, if a class has a single member or a part would have fewer samples
        than there are classes, as scikit-learn's ``train_test_split`` does.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim not in (1, 2):
        raise ValueError(f"X must have shape (N, D) or (N,), got shape {X.shape}")
    if y.ndim not in (1, 2):
        raise ValueError(f"y must have shape (N,) or (N, K), got shape {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    fractions = np.asarray(fractions, dtype=np.float64)
    if fractions.shape != (3,):
        raise ValueError(f"fractions must hold three numbers (train, val, test), got "
                         f"shape {fractions.shape}")
    if not (np.all(fractions > 0) and abs(fractions.sum() - 1.0) < 1e-9):
        raise ValueError(f"fractions must be positive and sum to 1, got {fractions.tolist()}")
    if stratify:
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            raise TypeError(f"stratify=True needs integer class labels y of shape (N,), got "
                            f"dtype {y.dtype} and shape {y.shape}")
        groups = y
    else:
        groups = np.zeros(len(y), dtype=np.int64)     # one group: a plain random split
    _check_split_sizes(groups, fractions, stratify)
    train, val, test = _stratified_split(groups, fractions, _generator(seed))
    return Split(X[train], y[train], X[val], y[val], X[test], y[test])


def kfold_indices(n_samples, n_splits=5, *, shuffle=False, seed=None):
    """Index arrays ``(train, val)`` for k-fold cross-validation, like scikit-learn's ``KFold``.

    The samples (in their order, or permuted when ``shuffle=True``) are cut into ``n_splits``
    consecutive folds; the first ``n_samples % n_splits`` folds have one sample more than the
    others. Fold ``i`` is the validation set of split ``i`` and the other folds are its training
    set, so every sample is validated exactly once.

    Parameters
    ----------
    n_samples : int
    n_splits : int, default 5
        Between 2 and ``n_samples``; ``n_splits == n_samples`` is leave-one-out.
    shuffle : bool, default False
    seed : int, numpy.random.Generator or None
        Used only when ``shuffle=True``; None uses dlbook's default generator.

    Returns
    -------
    list of ``n_splits`` tuples ``(train, val)``
        Sorted int arrays, shapes ``(n_samples - n_i,)`` and ``(n_i,)``.
    """
    n_samples = check_int(n_samples, "n_samples", 1)
    n_splits = check_int(n_splits, "n_splits", 2)
    if n_splits > n_samples:
        raise ValueError(f"n_splits={n_splits} cannot exceed the number of samples "
                         f"n_samples={n_samples}")
    order = _generator(seed).permutation(n_samples) if shuffle else np.arange(n_samples)
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    fold_of = np.empty(n_samples, dtype=np.int64)
    fold_of[order] = np.repeat(np.arange(n_splits), sizes)      # the fold of each sample
    return [(np.flatnonzero(fold_of != i), np.flatnonzero(fold_of == i))
            for i in range(n_splits)]


def cross_val_score(fit_predict_score, X, y, n_splits=5, *, shuffle=False, seed=None):
    """Score a model by k-fold cross-validation.

    Parameters
    ----------
    fit_predict_score : callable
        ``fit_predict_score(X_train, y_train, X_val, y_val) -> float``: fit on the training
        part, return a score (or an error) on the validation part.
    X : ndarray, shape (N, ...)
    y : ndarray, shape (N, ...)
    n_splits, shuffle, seed
        As in :func:`kfold_indices`.

    Returns
    -------
    ndarray, shape (n_splits,)
        One score per fold; report their mean, and their spread as a rough uncertainty.
    """
    if not callable(fit_predict_score):
        raise TypeError(f"fit_predict_score must be callable, got "
                        f"{type(fit_predict_score).__name__}")
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got shapes {X.shape} "
                         f"and {y.shape}")
    folds = kfold_indices(len(X), n_splits, shuffle=shuffle, seed=seed)
    return np.array([float(fit_predict_score(X[tr], y[tr], X[va], y[va])) for tr, va in folds])


# --------------------------------------------------------------------------- polynomial ridge
def polynomial_features(x, degree, *, include_bias=True):
    r"""The powers :math:`1, x, x^2, \dots, x^{\text{degree}}` of a scalar input, as columns.

    Parameters
    ----------
    x : ndarray, shape (N,) or (N, 1)
    degree : int, >= 0
    include_bias : bool, default True
        Keep the constant column :math:`x^0 = 1` (scikit-learn's ``include_bias``). Leave it out
        when the model has a separate, unpenalized intercept (``ridge_fit(...,
        fit_intercept=True)``).

    Returns
    -------
    ndarray, shape (N, degree + 1), or (N, degree) without the bias column
        Column ``k`` holds :math:`x^k` (:math:`x^{k+1}` without the bias column). Monomials are
        badly conditioned for large degrees unless :math:`|x| \le 1`; rescale first.
    """
    x = as_float_array(x, "x")
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    check_ndim(x, "x", 1, "(N,) or (N, 1)")
    degree = check_int(degree, "degree", 0)
    if not include_bias and degree == 0:
        raise ValueError("degree=0 without the bias column leaves no features")
    powers = np.vander(x, degree + 1, increasing=True)
    return powers if include_bias else powers[:, 1:]


# --------------------------------------------------------------------------- bias and variance
@dataclass(frozen=True)
class BiasVariance:
    r"""The terms of :math:`\mathbb E[(y - \hat f(x))^2] = \sigma^2 + \text{bias}^2 + \text{variance}`.

    Each field is a float (averaged over the test points) or an array of shape (M,) (one value
    per test point, ``reduction='none'``).
    """
    bias2: object
    variance: object
    noise: object
    expected_error: object


def bias_variance_decomposition(predictions, truth, noise_var=0.0, *, reduction="mean"):
    r"""Split the error of a learning method, refitted on R training sets, into its three parts.

    ``predictions[r, m]`` is :math:`\hat f_r(x_m)`, the prediction at test input :math:`x_m` of
    the model fitted to training set :math:`r`, and ``truth[m]`` is the noise-free target
    :math:`f(x_m)`. With :math:`\bar f(x_m) = \frac1R\sum_r \hat f_r(x_m)`, at every test point

    .. math::
        \text{bias}^2 = \big(\bar f(x_m) - f(x_m)\big)^2, \qquad
        \text{variance} = \frac1R\sum_r \big(\hat f_r(x_m) - \bar f(x_m)\big)^2,

    (the variance divides by R, not R − 1, so that the identity below is exact) and the expected
    squared error on a new target :math:`y = f(x_m) + \varepsilon` with
    :math:`\operatorname{Var}\varepsilon = \sigma^2` is

    .. math::
        \sigma^2 + \frac1R\sum_r \big(\hat f_r(x_m) - f(x_m)\big)^2
        = \sigma^2 + \text{bias}^2 + \text{variance}.

    Parameters
    ----------
    predictions : ndarray, shape (R, M)
        R >= 1 fitted models (rows) evaluated at M test inputs (columns).
    truth : ndarray, shape (M,)
        The regression function :math:`f(x_m) = \mathbb E[y \mid x_m]`.
    noise_var : float, default 0.0
        :math:`\sigma^2`, the variance of the noise on a new target (the irreducible error).
    reduction : {'mean', 'none'}, default 'mean'
        Average each term over the M test points, or return one value per point.

    Returns
    -------
    BiasVariance
        ``bias2``, ``variance``, ``noise`` and ``expected_error``; ``expected_error`` is computed
        directly from the squared errors, not as the sum of the other three.
    """
    pred = check_array(predictions, name="predictions", ndim=2, layout="(R, M)",
                       ensure_min_samples=0, ensure_min_features=0)
    truth = check_array(truth, name="truth", ndim=1, layout="(M,)", ensure_min_samples=0)
    if pred.shape[1] != truth.shape[0] or pred.shape[0] == 0:
        raise ValueError(f"predictions must have shape (R, {truth.shape[0]}) with R >= 1 to "
                         f"match truth of shape {truth.shape}, got {pred.shape}")
    noise_var = check_scalar(noise_var, "noise_var", min_val=0)
    check_option(reduction, "reduction", ("mean", "none"))
    mean_pred = pred.mean(axis=0)
    bias2 = (mean_pred - truth) ** 2
    variance = pred.var(axis=0)
    noise = np.full_like(truth, float(noise_var))
    expected = noise + ((pred - truth) ** 2).mean(axis=0)
    if reduction == "mean":
        return BiasVariance(float(bias2.mean()), float(variance.mean()), float(noise_var),
                            float(expected.mean()))
    return BiasVariance(bias2, variance, noise, expected)
