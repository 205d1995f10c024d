r"""Hyper-parameter search: grids, random sampling, and the record of what was tried.

A hyper-parameter search evaluates a function ``fn(**params) -> score`` (typically: train a
model with these hyper-parameters, return its validation error) at a set of points and keeps the
best one. The two classical ways to choose the points are here:

======================================  ==================================================
dlbook                                  scikit-learn
======================================  ==================================================
:class:`ParameterGrid`                  ``ParameterGrid`` (same points, same order)
:func:`sample_parameters`               ``list(ParameterSampler(...))`` (own distributions)
:func:`grid_search`                     ``GridSearchCV`` without the estimator machinery
:func:`random_search`                   ``RandomizedSearchCV`` without it
:func:`log_uniform`                     ``scipy.stats.loguniform(low, high).rvs(size)``
======================================  ==================================================

Both searches return a :class:`SearchResult` holding the evaluated points as an array of shape
(n_points, n_params) (columns in sorted name order), their scores as an array of shape
(n_points,), and the best point. Scores are *minimized* unless ``maximize=True``; a score of NaN
(a diverged training run) is recorded but never chosen as the best.
"""
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np

from ._validation import check_bool, check_positive_int, check_scalar
from .random import as_generator

__all__ = ["ParameterGrid", "log_uniform", "sample_parameters", "SearchResult", "grid_search",
           "random_search"]

_SCALES = ("linear", "log")


# --------------------------------------------------------------------------- input checks
def _check_name(name):
    if not isinstance(name, str):
        raise TypeError(f"hyper-parameter names must be strings, got {name!r} of type "
                        f"{type(name).__name__}")
    return name


def _check_values(name, values):
    """One axis of a grid: a non-empty 1-D sequence or array (not a string)."""
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise ValueError(f"the values of {name!r} must form a 1-D array, got shape "
                         f"{values.shape}")
    if isinstance(values, str) or not isinstance(values, (np.ndarray, Sequence)):
        raise TypeError(f"the values of {name!r} must be a list or a 1-D array, got "
                        f"{values!r} of type {type(values).__name__}; wrap a single value in a "
                        "list")
    if len(values) == 0:
        raise ValueError(f"the values of {name!r} must be a non-empty sequence, got {values!r}")
    return values


def _check_bounds(low, high, scale, name="the range"):
    low = check_scalar(low, f"{name}: low", min_val=-np.inf, max_val=np.inf,
                       include_boundaries="neither")
    high = check_scalar(high, f"{name}: high", min_val=-np.inf, max_val=np.inf,
                        include_boundaries="neither")
    if not low < high:
        raise ValueError(f"{name}: need finite low < high, got low={low}, high={high}")
    if scale == "log" and low <= 0:
        raise ValueError(f"{name}: a log scale needs 0 < low < high, got low={low}")
    return low, high


# --------------------------------------------------------------------------- grids
class ParameterGrid:
    """All combinations of the listed values, in the order of scikit-learn's ``ParameterGrid``.

    Within one grid the names are sorted and the **last** name varies fastest, like the digits
    of an odometer. A list of grids is the concatenation of their points (useful when some
    combinations make no sense, e.g. a momentum for an optimizer that has none). An empty dict
    is one point with no parameters.

    Parameters
    ----------
    param_grid : dict of str to sequence, or a sequence of such dicts
        Each value is a non-empty list, tuple or 1-D array of the values to try.

    Examples
    --------
    >>> list(ParameterGrid({"lr": [0.1, 0.01], "momentum": [0.5, 0.9]}))   # doctest: +NORMALIZE_WHITESPACE
    [{'lr': 0.1, 'momentum': 0.5}, {'lr': 0.1, 'momentum': 0.9},
     {'lr': 0.01, 'momentum': 0.5}, {'lr': 0.01, 'momentum': 0.9}]
    """

    def __init__(self, param_grid):
        if isinstance(param_grid, Mapping):
            param_grid = [param_grid]
        if isinstance(param_grid, str) or not isinstance(param_grid, (Sequence, np.ndarray)):
            raise TypeError(f"param_grid must be a dict or a list of dicts, got "
                            f"{type(param_grid).__name__}")
        grids = []
        for grid in param_grid:
            if not isinstance(grid, Mapping):
                raise TypeError(f"every grid must be a dict of name -> values, got {grid!r}")
            grids.append({_check_name(k): _check_values(k, v) for k, v in grid.items()})
        self.param_grid = grids

    def __iter__(self):
        for grid in self.param_grid:
            names = sorted(grid)                      # the last name varies fastest
            for combination in product(*(grid[name] for name in names)):
                yield dict(zip(names, combination))

    def __len__(self):
        return sum(int(np.prod([len(v) for v in grid.values()], dtype=np.int64))
                   for grid in self.param_grid)

    def __getitem__(self, index):
        """The ``index``-th point, ``list(self)[index]``, without building the list."""
        check_scalar(index, "index", numbers.Integral)
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for a grid of {n} points")
        index = int(index) % n
        for grid in self.param_grid:
            names = sorted(grid)
            values = [grid[name] for name in names]
            size = int(np.prod([len(v) for v in values], dtype=np.int64))
            if index >= size:
                index -= size
                continue
            point = {}
            for name, vals in zip(reversed(names), reversed(values)):   # fastest digit first
                index, digit = divmod(index, len(vals))
                point[name] = vals[digit]
            return {name: point[name] for name in names}
        raise IndexError("unreachable")   # pragma: no cover


# --------------------------------------------------------------------------- sampling
def log_uniform(low, high, size=None, *, generator=None):
    r"""Draw from the log-uniform (reciprocal) distribution on ``[low, high)``.

    :math:`\log x` is uniform on :math:`[\log a, \log b)`, so the density is
    :math:`p(x) = 1 / (x \ln(b/a))` and every factor-of-ten interval inside the range receives
    the same probability. The sample is :math:`a\,(b/a)^{u} = \exp(\ln a + u \ln(b/a))` with
    :math:`u` from ``generator.uniform`` — one uniform number per sample.

    Parameters
    ----------
    low, high : float
        ``0 < low < high``.
    size : int or tuple of ints, optional
        Output shape; None returns a single float.
    generator : numpy.random.Generator, int or None
        None uses dlbook's default generator (see :func:`dlbook.manual_seed`).

    Returns
    -------
    float or ndarray of shape ``size``
    """
    low, high = _check_bounds(low, high, "log", "log_uniform")
    rng = as_generator(generator)
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def _sampler(name, spec):
    """Turn one distribution spec into ``draw(n, rng) -> list of n values``."""
    if hasattr(spec, "rvs"):                      # a frozen scipy.stats distribution
        return lambda n, rng: np.atleast_1d(spec.rvs(size=n, random_state=rng)).tolist()
    if callable(spec):
        return lambda n, rng: [spec(rng) for _ in range(n)]
    if isinstance(spec, tuple):
        if len(spec) != 3 or spec[2] not in _SCALES:
            raise ValueError(f"the range of {name!r} must be (low, high, 'linear' | 'log'), "
                             f"got {spec!r}")
        low, high = _check_bounds(spec[0], spec[1], spec[2], f"the range of {name!r}")
        if spec[2] == "log":
            return lambda n, rng: log_uniform(low, high, n, generator=rng).tolist()
        return lambda n, rng: rng.uniform(low, high, n).tolist()
    if isinstance(spec, (list, np.ndarray)):
        choices = _check_values(name, spec)
        choices = choices.tolist() if isinstance(choices, np.ndarray) else choices
        return lambda n, rng: [choices[i] for i in rng.integers(0, len(choices), n)]
    raise TypeError(f"the distribution of {name!r} must be a (low, high, scale) tuple, a list "
                    f"of choices or a callable generator -> value, got {type(spec).__name__}")


def sample_parameters(distributions, n_trials, *, generator=None):
    """Draw ``n_trials`` independent points from per-parameter distributions.

    Parameters
    ----------
    distributions : dict of str to spec
        For each hyper-parameter, one of

        * ``(low, high, 'linear')`` — uniform on ``[low, high)``;
        * ``(low, high, 'log')`` — log-uniform on ``[low, high)`` (:func:`log_uniform`), for
          scale parameters such as a learning rate or a weight-decay coefficient;
        * a list or 1-D array — one of its entries, each with the same probability;
        * a callable ``spec(generator) -> value`` — anything else (integers on a log scale,
          ``1 - log_uniform(...)`` for a momentum, ...);
        * a frozen ``scipy.stats`` distribution — ``spec.rvs(size=n_trials,
          random_state=generator)``.
    n_trials : int, >= 1
    generator : numpy.random.Generator, int or None
        The source of randomness; None uses dlbook's default generator.

    Returns
    -------
    list of ``n_trials`` dicts
        Values are Python objects (floats for the ranges). The draws are made name by name in sorted order, all ``n_trials`` values of one name
        before the next, so adding a parameter whose name sorts last leaves the values of the
        others unchanged.
    """
    if not isinstance(distributions, Mapping):
        raise TypeError(f"distributions must be a dict of name -> spec, got "
                        f"{type(distributions).__name__}")
    n_trials = check_positive_int(n_trials, "n_trials")
    names = sorted(_check_name(k) for k in distributions)
    samplers = [_sampler(k, distributions[k]) for k in names]   # validate before drawing
    rng = as_generator(generator)
    columns = [draw(n_trials, rng) for draw in samplers]
    return [dict(zip(names, row)) for row in zip(*columns)] if names else \
        [{} for _ in range(n_trials)]


# --------------------------------------------------------------------------- searching
@dataclass(frozen=True)
class SearchResult:
    """What a search tried and what it found.

    Attributes
    ----------
    names : tuple of str
        The hyper-parameter names in sorted order: the columns of ``points``.
    params : list of dict
        The evaluated points in evaluation order, as passed to ``fn``.
    points : ndarray, shape (n_points, n_params)
        The same points as an array: float64 when every value is a real number (a parameter
        missing from a point, possible with a list of grids, is NaN), dtype object otherwise.
    scores : ndarray, shape (n_points,)
        ``fn(**params[i])`` as float64; NaN for a run that produced no number.
    maximize : bool
        Whether larger scores are better.
    """
    names: tuple
    params: list
    points: np.ndarray
    scores: np.ndarray
    maximize: bool = False

    @property
    def best_index(self):
        """Index of the best finite-or-infinite, non-NaN score (ties: the first)."""
        if np.all(np.isnan(self.scores)):
            raise ValueError("every score is NaN: no point can be called the best")
        return int(np.nanargmax(self.scores) if self.maximize else np.nanargmin(self.scores))

    @property
    def best_params(self):
        """The point with the best score, as a dict."""
        return dict(self.params[self.best_index])

    @property
    def best_score(self):
        """The best score (a float)."""
        return float(self.scores[self.best_index])


def _as_points(params, names):
    missing = object()
    table = [[p.get(k, missing) for k in names] for p in params]
    numeric = all(v is missing or (isinstance(v, numbers.Real) and not isinstance(v, bool))
                  for row in table for v in row)
    if numeric:
        return np.array([[np.nan if v is missing else float(v) for v in row] for row in table],
                        dtype=np.float64).reshape(len(params), len(names))
    points = np.empty((len(params), len(names)), dtype=object)
    for i, row in enumerate(table):
        for j, v in enumerate(row):
            points[i, j] = None if v is missing else v
    return points


def _as_score(value, where):
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"fn must return a real number, got {value!r} "
                        f"(type {type(value).__name__}) for {where}")
    return float(value)


def _check_search_args(fn, maximize, vectorized):
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    check_bool(maximize, "maximize")
    check_bool(vectorized, "vectorized")


def _evaluate(fn, params, *, maximize, vectorized):
    names = tuple(sorted({k for p in params for k in p}))
    points = _as_points(params, names)
    if vectorized:
        if any(set(p) != set(names) for p in params):
            raise ValueError("vectorized=True needs every point to have the same parameters")
        columns = {k: (points[:, j] if points.dtype != object else points[:, j].copy())
                   for j, k in enumerate(names)}
        scores = np.asarray(fn(**columns))
        if scores.shape != (len(params),) or not (np.issubdtype(scores.dtype, np.number)
                                                 and not np.iscomplexobj(scores)):
            raise ValueError(f"with vectorized=True fn must return {len(params)} real scores "
                             f"of shape ({len(params)},), got shape {scores.shape} and dtype "
                             f"{scores.dtype}")
        scores = scores.astype(np.float64)
    else:
        scores = np.array([_as_score(fn(**p), p) for p in params], dtype=np.float64)
    return SearchResult(names, [dict(p) for p in params], points, scores, maximize)


def grid_search(fn, grid, *, maximize=False, vectorized=False):
    """Evaluate ``fn`` at every point of a grid.

    Parameters
    ----------
    fn : callable
        ``fn(**params) -> float``, e.g. a validation error. With ``vectorized=True`` it is
        called once, with one 1-D array of length n_points per parameter, and must return an
        array of shape (n_points,).
    grid : dict of str to sequence, list of such dicts, or :class:`ParameterGrid`
        Expanded in :class:`ParameterGrid` order.
    maximize : bool, default False
        Whether larger scores are better (accuracy) or smaller (error, loss).
    vectorized : bool, default False

    Returns
    -------
    SearchResult
        ``points`` of shape (n_points, n_params), ``scores`` of shape (n_points,), and the best.
    """
    _check_search_args(fn, maximize, vectorized)
    grid = grid if isinstance(grid, ParameterGrid) else ParameterGrid(grid)
    return _evaluate(fn, list(grid), maximize=maximize, vectorized=vectorized)


def random_search(fn, distributions, n_trials, *, generator=None, maximize=False,
                  vectorized=False):
    """Evaluate ``fn`` at ``n_trials`` points drawn independently from ``distributions``.

    Parameters
    ----------
    fn : callable
        As in :func:`grid_search`.
    distributions : dict of str to spec
        As in :func:`sample_parameters`: ``(low, high, 'linear' | 'log')``, a list of choices,
        or a callable ``generator -> value``.
    n_trials : int, >= 1
        The budget: the number of evaluations of ``fn``.
    generator : numpy.random.Generator, int or None
        Fixes the points; the same seed gives the same search.
    maximize, vectorized : bool
        As in :func:`grid_search`.

    Returns
    -------
    SearchResult
    """
    _check_search_args(fn, maximize, vectorized)
    params = sample_parameters(distributions, n_trials, generator=generator)
    return _evaluate(fn, params, maximize=maximize, vectorized=vectorized)
