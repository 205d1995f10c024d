"""Input checks shared by the public functions (raise, never ``assert``)."""
import numbers

import numpy as np

__all__ = []  # private helpers


def as_float_array(x, name):
    """Return ``x`` as a float64 ndarray or raise ``TypeError`` naming ``name``."""
    if type(x) is np.ndarray and x.dtype == np.float64:
        return x                                              # the common case, checked cheaply
    if isinstance(x, np.ndarray):
        if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
            raise TypeError(f"{name} must be a numeric array, got an array of dtype {x.dtype}")
        if np.issubdtype(x.dtype, np.complexfloating):
            raise TypeError(f"{name} must be real, got dtype {x.dtype}")
        return x.astype(np.float64, copy=False)
    if isinstance(x, (numbers.Real, list, tuple)) and not isinstance(x, bool):
        try:
            arr = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be numeric, got {type(x).__name__}: {exc}") from None
        return arr
    raise TypeError(f"{name} must be a numeric ndarray, got {type(x).__name__}")


def check_ndim(x, name, ndim, layout=None):
    """Raise ``ValueError`` unless ``x.ndim`` is one of ``ndim`` (an int or a tuple).

    The message names ``layout``, the expected shape in the book's symbols (``"(N, T, D)"``),
    or, without one, the allowed numbers of dimensions.
    """
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if x.ndim not in allowed:
        expected = (f"have shape {layout}" if layout is not None else
                    "be a " + " or ".join(f"{k}-D" for k in allowed) + " array")
        raise ValueError(f"{name} must {expected}, got shape {x.shape}")


def check_index_array(x, name, upper=None, *, ndim=None, layout=None, what="indices"):
    """``x`` as an integer ndarray of indices in ``[0, upper)``: token ids, class labels, actions.

    Parameters
    ----------
    x : array-like of int
    name : str
        The argument's name, used in every error message.
    upper : int, optional
        Exclusive upper bound (V for token ids, C for class labels); None checks only that the
        indices are non-negative.
    ndim : int or tuple of int, optional
        Required number of dimensions.
    layout : str, optional
        The expected shape for the ``ndim`` error (e.g. ``"(T, N)"``).
    what : str, default "indices"
        What one entry is ("ids", "class indices", "actions"), for the messages.

    Returns
    -------
    ndarray
        ``np.asarray(x)``, its integer dtype kept.

    Raises
    ------
    TypeError
        ``"{name} must hold integer {what}, got dtype float64"`` (booleans are not indices).
    ValueError
        For a wrong ``ndim``, or ``"{name} must hold {what} in [0, {upper}), got values in
        [lo, hi]"``.
    """
    arr = _as_ndarray(x, name)
    if arr.size == 0 and arr.dtype == np.float64:          # np.asarray([]): no values, no dtype
        arr = arr.astype(np.int64)
    if not np.issubdtype(arr.dtype, np.integer):          # np.bool_ is not an integer dtype
        raise TypeError(f"{name} must hold integer {what}, got dtype {arr.dtype}")
    if ndim is not None:
        check_ndim(arr, name, ndim, layout)
    if arr.size:
        lo, hi = arr.min(), arr.max()
        if upper is not None and (lo < 0 or hi >= upper):
            raise ValueError(f"{name} must hold {what} in [0, {upper}), got values in "
                             f"[{lo}, {hi}]")
        if lo < 0:
            raise ValueError(f"{name} must hold non-negative {what}, got values in [{lo}, {hi}]")
    return arr


def as_index_array(target, name, n_classes):
    """Integer class labels in ``[0, n_classes)``; ``TypeError``/``ValueError`` otherwise."""
    return check_index_array(target, name, n_classes, what="class indices")


def check_finite(a, name):
    """Return ``a``, or raise ``ValueError`` if it holds NaN or an infinity."""
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity")
    return a


def _describe(integer, min_val, max_val, include_boundaries):
    """Words for a scalar's expected type and range: 'a positive int', 'a real number in [0, 1)'."""
    low = include_boundaries in ("both", "left")
    high = include_boundaries in ("both", "right")
    noun = "int" if integer else "real number"
    article = "an" if integer else "a"
    if min_val is not None and max_val is not None:
        return (f"{article} {noun} in {'[' if low else '('}{min_val}, {max_val}"
                f"{']' if high else ')'}")
    if max_val is not None:
        return f"{article} {noun} {'<=' if high else '<'} {max_val}"
    if min_val is None:
        return f"{article} {noun}"
    if min_val == 0:
        return f"a {'non-negative' if low else 'positive'} {noun}"
    if integer and min_val == 1 and low:
        return f"a positive {noun}"
    return f"{article} {noun} {'>=' if low else '>'} {min_val}"


def check_scalar(x, name, target_type=numbers.Real, *, min_val=None, max_val=None,
                 include_boundaries="both"):
    """``x`` as a Python ``int`` or ``float`` if it is a scalar of ``target_type`` in range.

    Shaped like scikit-learn's ``check_scalar``. ``target_type`` is ``numbers.Real`` or
    ``numbers.Integral``; NumPy scalars count, ``bool`` does not (``True`` is not a learning
    rate). NaN is always rejected; infinity passes only when there is no ``max_val`` (give
    ``max_val=np.inf`` with ``include_boundaries='left'`` to refuse it). ``include_boundaries``
    is ``'both'``, ``'left'``, ``'right'`` or ``'neither'``.

    Raises
    ------
    TypeError
        If ``x`` is not of ``target_type``; the message names ``name``, the expected type and
        range, and the received type and value.
    ValueError
        If ``x`` is NaN or outside the range; the message names ``name``, the range and ``x``.
    """
    integer = target_type is numbers.Integral
    if not integer and target_type is not numbers.Real:
        raise TypeError(f"target_type must be numbers.Real or numbers.Integral, got "
                        f"{target_type!r}")
    if include_boundaries not in ("both", "left", "right", "neither"):
        raise ValueError(f"include_boundaries must be 'both', 'left', 'right' or 'neither', got "
                         f"{include_boundaries!r}")
    expected = _describe(integer, min_val, max_val, include_boundaries)
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, target_type):
        raise TypeError(f"{name} must be {expected}, got {type(x).__name__} {x!r}")
    value = int(x) if integer else float(x)
    low = include_boundaries in ("both", "left")
    high = include_boundaries in ("both", "right")
    if (value != value
            or (min_val is not None and (value < min_val or (not low and value == min_val)))
            or (max_val is not None and (value > max_val or (not high and value == max_val)))):
        raise ValueError(f"{name} must be {expected}, got {x!r}")
    return value


def check_positive_int(value, name):
    """``value`` as an int if it is a positive integer; ``TypeError``/``ValueError`` otherwise."""
    return check_scalar(value, name, numbers.Integral, min_val=1)


def check_int(value, name, minimum):
    """``value`` as an int if it is an integer >= ``minimum``; ``TypeError``/``ValueError`` otherwise."""
    return check_scalar(value, name, numbers.Integral, min_val=minimum)


def check_bool(value, name):
    """``value`` as a ``bool`` if it is a Python or NumPy bool; ``TypeError`` otherwise (so
    that ``1`` or ``'False'`` is not taken for a flag)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return bool(value)


def check_option(value, name, options):
    """``value`` if it is one of ``options``; otherwise a ``ValueError`` (``TypeError`` for an
    array, list, dict or set) that names ``name``, every option and ``value``."""
    reprs = [repr(o) for o in options]
    expected = reprs[0] if len(reprs) == 1 else ", ".join(reprs[:-1]) + " or " + reprs[-1]
    if isinstance(value, (np.ndarray, list, dict, set)):
        raise TypeError(f"{name} must be one of {expected}, got {type(value).__name__}")
    if not any(value is o or (type(value) is not bool and value == o) for o in options):
        raise ValueError(f"{name} must be one of {expected}, got {value!r}")
    return value


def check_same_shape(a, b, name_a, name_b):
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, "
                         f"got {a.shape} and {b.shape}")


def check_reduction(reduction):
    check_option(reduction, "reduction", ("mean", "sum", "none"))


def check_dim(dim, ndim):
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if not -ndim <= dim < max(ndim, 1):
        raise ValueError(f"dim must be in [{-ndim}, {ndim - 1}] for a {ndim}-d input, got {dim}")
    return dim


def check_probability(p, name="p"):
    """``p`` as a float if it is a real number in [0, 1]; ``TypeError``/``ValueError`` otherwise."""
    return check_scalar(p, name, min_val=0, max_val=1)


def check_array_range(x, name, min_val=None, max_val=None, *, include_boundaries="both",
                      what="values"):
    """Raise ``ValueError`` unless every entry of the numeric ndarray ``x`` lies in the range
    and none is NaN; return ``x``.

    The array counterpart of :func:`check_scalar`'s range: ``min_val``/``max_val`` (None for no
    bound) with ``include_boundaries`` ``'both'``, ``'left'``, ``'right'`` or ``'neither'``.
    ``what`` names the entries in the message ("probabilities", "targets", "counts"), which
    also gives the range of the values received, e.g. "target must hold probabilities in
    [0, 1], got values in [-0.5, 2] and NaN". An empty array passes.
    """
    if include_boundaries not in ("both", "left", "right", "neither"):
        raise ValueError(f"include_boundaries must be 'both', 'left', 'right' or 'neither', got "
                         f"{include_boundaries!r}")
    if x.size == 0:
        return x
    low = include_boundaries in ("both", "left")
    high = include_boundaries in ("both", "right")
    has_nan = bool(np.issubdtype(x.dtype, np.floating) and np.isnan(x).any())
    if has_nan and np.isnan(x).all():
        x_min = x_max = np.nan
    else:
        x_min, x_max = np.nanmin(x), np.nanmax(x)
    below = min_val is not None and (x_min < min_val or (not low and x_min == min_val))
    above = max_val is not None and (x_max > max_val or (not high and x_max == max_val))
    if has_nan or below or above:
        if min_val is not None and max_val is not None:
            expected = f"in {'[' if low else '('}{min_val}, {max_val}{']' if high else ')'}"
        elif min_val is not None:
            expected = f"{'>=' if low else '>'} {min_val}"
        else:
            expected = f"{'<=' if high else '<'} {max_val}"
        received = f"values in [{x_min:.6g}, {x_max:.6g}]" if not np.isnan(x_min) else "only NaN"
        if has_nan and not np.isnan(x_min):
            received += " and NaN"
        raise ValueError(f"{name} must hold {what} {expected}, got {received}")
    return x


# --------------------------------------------------------------------------- array-like inputs
# One entry point for the estimators and metrics, shaped like scikit-learn's
# ``sklearn.utils.validation``: anything ``np.asarray`` accepts (lists, NumPy arrays, pandas
# objects, CPU torch tensors) comes back as a checked ndarray, and every failure names the
# argument, what was expected and what was received.

#: Multiple of ``eps * sqrt(n_terms)`` allowed between a sum of probabilities and one.
SUM_TOLERANCE_FACTOR = 8.0


def _as_ndarray(x, name):
    """``np.asarray(x)`` with conversion failures reported against ``name``."""
    if x is None:
        raise TypeError(f"{name} must be array-like, got None")
    try:
        return np.asarray(x)
    except ValueError as exc:          # e.g. ragged nested lists
        raise ValueError(f"{name} could not be converted to an array: {exc}") from None
    except (TypeError, RuntimeError) as exc:   # e.g. a torch tensor that requires grad
        raise TypeError(f"{name} must be array-like (a list, a NumPy array or anything "
                        f"numpy.asarray accepts), got {type(x).__name__}: {exc}") from None


def _is_numeric_kind(dtype):
    return dtype.kind in "biuf"


def _convert_dtype(arr, dtype, name):
    """Apply check_array's ``dtype`` rule: None, "numeric", a dtype or a list of dtypes."""
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got an array of dtype {arr.dtype}")
    if arr.dtype.kind in "USV":
        raise TypeError(f"{name} must be numeric, got an array of dtype {arr.dtype} "
                        f"(strings or bytes)")
    if dtype is None:
        return arr
    if isinstance(dtype, str) and dtype == "numeric":
        if _is_numeric_kind(arr.dtype):
            return arr
        wanted = [np.dtype(np.float64)]
    elif isinstance(dtype, (list, tuple)):
        wanted = [np.dtype(d) for d in dtype]
        if not wanted:
            raise ValueError("dtype must not be an empty list")
    else:
        wanted = [np.dtype(dtype)]
    if arr.dtype in wanted:
        return arr
    if arr.dtype.kind not in "biufO":
        raise TypeError(f"{name} must be numeric, got an array of dtype {arr.dtype}")
    try:
        return arr.astype(wanted[0])
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric, got an array of dtype {arr.dtype} that "
                        f"cannot be converted to {wanted[0]}: {exc}") from None


def _enumerate(items):
    """``"a, b and c"``."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _count(k, noun):
    return f"one {noun}" if k == 1 else f"{k} {noun}s"


def _check_all_finite(arr, name, force_all_finite):
    if force_all_finite is False or arr.dtype.kind != "f":
        return
    if force_all_finite == "allow-nan":
        if np.isinf(arr).any():
            raise ValueError(f"{name} contains infinity")
    elif not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinity")


def check_array(X, *, name="X", ensure_2d=True, allow_nd=False, dtype=np.float64,
                ensure_min_samples=1, ensure_min_features=1, force_all_finite=True, ndim=None,
                layout=None):
    """Validate an array-like input and return it as an ndarray, as scikit-learn's ``check_array``.

    Parameters
    ----------
    X : array-like
        A list, an ndarray or anything ``numpy.asarray`` accepts (e.g. a torch tensor on the CPU).
    name : str, default "X"
        The argument's name, used in every error message.
    ensure_2d : bool, default True
        Require shape (N, D). A 1-D input is rejected with a hint to reshape it.
    allow_nd : bool, default False
        Accept more than two dimensions.
    dtype : dtype, list of dtypes, "numeric" or None, default float64
        Convert to this dtype (to the first of a list unless the input already has one of them);
        "numeric" keeps integer, boolean and floating inputs as they are and converts object
        arrays to float64; None keeps the input's dtype. Strings and complex numbers are
        rejected with ``TypeError`` whatever ``dtype`` says.
    ensure_min_samples : int, default 1
        Smallest allowed ``N = X.shape[0]``; 0 disables the check.
    ensure_min_features : int, default 1
        Smallest allowed ``D = X.shape[1]`` for a 2-D result; 0 disables the check.
    force_all_finite : bool or "allow-nan", default True
        Reject NaN and infinity (True), only infinity ("allow-nan"), or nothing (False).
        scikit-learn 1.6 renamed this argument ``ensure_all_finite``.
    ndim : int or tuple of int, optional
        Require exactly this number of dimensions (or one of several); replaces ``ensure_2d``
        and ``allow_nd``. For arrays that are not an (N, D) data matrix: a cost matrix, a
        batch of sequences (N, T, D), a vector of weights.
    layout : str, optional
        The expected shape in the book's symbols (e.g. ``"(N, T, D)"``), named by the error
        raised for a wrong ``ndim``: ``"{name} must have shape {layout}, got shape (...)"``.

    Returns
    -------
    ndarray

    Raises
    ------
    TypeError
        If ``X`` is not array-like or not numeric.
    ValueError
        If its shape, size or values break one of the requirements.
    """
    if force_all_finite not in (True, False, "allow-nan"):
        raise ValueError(f"force_all_finite must be True, False or 'allow-nan', "
                         f"got {force_all_finite!r}")
    arr = _convert_dtype(_as_ndarray(X, name), dtype, name)
    if ndim is not None:
        check_ndim(arr, name, ndim, layout)
    elif arr.ndim == 0:
        raise ValueError(f"{name} must be an array with at least one dimension, got a scalar "
                         f"({arr!r})")
    elif ensure_2d and arr.ndim == 1:
        raise ValueError(f"{name} must be a 2-D array of shape (N, D), got a 1-D array of shape "
                         f"{arr.shape}; use {name}.reshape(-1, 1) if it holds one feature or "
                         f"{name}.reshape(1, -1) if it holds one sample")
    elif arr.ndim > 2 and not allow_nd:
        raise ValueError(f"{name} must be a 2-D array of shape (N, D), got a {arr.ndim}-D array "
                         f"of shape {arr.shape}")
    if ensure_min_samples > 0 and arr.ndim and arr.shape[0] < ensure_min_samples:
        raise ValueError(f"{name} must have at least {_count(ensure_min_samples, 'sample')}, "
                         f"got shape {arr.shape}")
    if ensure_min_features > 0 and arr.ndim == 2 and arr.shape[1] < ensure_min_features:
        raise ValueError(f"{name} must have at least {_count(ensure_min_features, 'feature')}, "
                         f"got shape {arr.shape}")
    _check_all_finite(arr, name, force_all_finite)
    return arr


def check_1d(y, name="y", *, dtype=None, force_all_finite=True):
    """A 1-D array of shape (N,); a column of shape (N, 1) is rejected, not silently raveled.

    Parameters
    ----------
    y : array-like, shape (N,)
    name : str
    dtype : as in :func:`check_array`, default None (keep the input's dtype; strings allowed)
    force_all_finite : as in :func:`check_array`

    Returns
    -------
    ndarray, shape (N,)
    """
    arr = _as_ndarray(y, name)
    if dtype is not None:
        arr = _convert_dtype(arr, dtype, name)
    elif arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got an array of dtype {arr.dtype}")
    if arr.ndim == 2 and arr.shape[1] == 1:
        raise ValueError(f"{name} must be a 1-D array of shape (N,), got a column of shape "
                         f"{arr.shape}; pass {name}.ravel() (or {name}[:, 0])")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of shape (N,), got shape {arr.shape}")
    _check_all_finite(arr, name, force_all_finite)
    return arr


def check_consistent_length(*arrays, names):
    """Raise ``ValueError`` unless every array has the same number of samples (first axis).

    Parameters
    ----------
    *arrays : ndarray
        Already-validated arrays with at least one dimension.
    names : sequence of str
        Their argument names, in the same order, for the message.

    Raises
    ------
    ValueError
        ``"X and y must have the same number of samples, got 4 and 5 (X of shape (4, 3),
        y of shape (5,))"``.
    """
    if len(names) != len(arrays):
        raise ValueError(f"names must give one name per array, got {len(names)} names for "
                         f"{len(arrays)} arrays")
    lengths = [a.shape[0] if a.ndim else None for a in arrays]
    if len(set(lengths)) > 1:
        shapes = ", ".join(f"{n} of shape {a.shape}" for n, a in zip(names, arrays))
        raise ValueError(f"{_enumerate(names)} must have the same number of samples, got "
                         f"{_enumerate(lengths)} ({shapes})")


def check_n_features(X, estimator, *, name="X", axis=-1, unit="features"):
    """Raise ``ValueError`` unless ``X.shape[axis]`` equals the fitted ``n_features_in_``.

    Parameters
    ----------
    X : ndarray
    estimator : fitted estimator with an ``n_features_in_`` attribute
    name : str, default "X"
    axis : int, default -1
        The feature axis (1 for (N, D), 2 for a batch of sequences (N, T, D)).
    unit : str, default "features"
        What one entry along that axis is, for the message ("features per step").

    Raises
    ------
    ValueError
        ``"X has 3 features, but PCA was fitted with 4 features"``.
    """
    expected = estimator.n_features_in_
    if X.shape[axis] != expected:
        raise ValueError(f"{name} has {X.shape[axis]} {unit}, but {type(estimator).__name__} "
                         f"was fitted with {expected} {unit}")


def check_classification_targets(y, name="y"):
    """Raise unless the 1-D ``y`` holds class labels (integers, booleans, strings, objects).

    Floating-point labels are accepted when every value is a whole number (``[0., 1., 2.]``);
    values such as 0.5 mean a regression target was passed to a classifier.

    Returns
    -------
    ndarray
        ``y`` unchanged.
    """
    y = np.asarray(y)
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ValueError(f"{name} must hold class labels, got NaN or infinity")
        fractional = y != np.floor(y)
        if fractional.any():
            raise ValueError(f"{name} must hold class labels (integers, strings or booleans), "
                             f"got continuous values such as {float(y[fractional][0]):g}")
    elif y.dtype.kind == "O" and y.size:
        is_str = np.fromiter((isinstance(v, str) for v in y.ravel()), bool, count=y.size)
        if is_str.any() and not is_str.all():
            raise ValueError(f"{name} mixes string and non-string labels; use one type")
    elif y.dtype.kind not in "biuUS":
        raise TypeError(f"{name} must hold class labels, got an array of dtype {y.dtype}")
    return y


def check_X_y(X, y, *, ensure_2d=True, allow_nd=False, dtype=np.float64, ensure_min_samples=1,
              ensure_min_features=1, force_all_finite=True, multi_output=False, y_numeric=False):
    """Validate a data matrix and its targets together, as scikit-learn's ``check_X_y``.

    ``X`` goes through :func:`check_array` with the given options. ``y`` must be 1-D of shape
    (N,) (or (N,) / (N, K) with ``multi_output=True``): a column of shape (N, 1) where a
    label vector is expected is rejected with a hint, not silently raveled. Floating-point
    ``y`` must be finite, and ``X`` and ``y`` must have the same number of samples.

    Parameters
    ----------
    X : array-like, shape (N, D)
    y : array-like, shape (N,), or (N, K) with ``multi_output=True``
    ensure_2d, allow_nd, dtype, ensure_min_samples, ensure_min_features, force_all_finite
        Passed to :func:`check_array` for ``X``.
    multi_output : bool, default False
        Accept a 2-D ``y``.
    y_numeric : bool, default False
        Convert ``y`` to float64 (regression targets); otherwise its dtype is kept, so class
        labels may be strings.

    Returns
    -------
    X : ndarray
    y : ndarray
    """
    X = check_array(X, ensure_2d=ensure_2d, allow_nd=allow_nd, dtype=dtype,
                    ensure_min_samples=ensure_min_samples,
                    ensure_min_features=ensure_min_features, force_all_finite=force_all_finite)
    if y is None:
        raise ValueError("y is required for this estimator, got None")
    y_dtype = np.float64 if y_numeric else None
    if multi_output:
        y = check_array(y, name="y", ensure_2d=False, dtype=y_dtype or "numeric",
                        ensure_min_samples=0, ensure_min_features=0)
        if y.ndim > 2:
            raise ValueError(f"y must have shape (N,) or (N, K), got shape {y.shape}")
    else:
        y = check_1d(y, "y", dtype=y_dtype)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must have the same number of samples, got X of shape "
                         f"{X.shape} and y of shape {y.shape}")
    return X, y


def check_is_fitted(estimator, attributes=None, *, msg=None, all_or_any=all):
    """Raise :class:`~dlbook.exceptions.NotFittedError` unless ``estimator`` has been fitted.

    Parameters
    ----------
    estimator : estimator instance
    attributes : str or list of str, optional
        Fitted attributes to look for. By default an estimator counts as fitted when it has any
        attribute ending in an underscore (``mean_``, ``components_``...), the scikit-learn
        convention for what ``fit`` sets, or when its ``__sklearn_is_fitted__()`` says so.
    msg : str, optional
        Replaces the default message.
    all_or_any : callable, ``all`` or ``any``
        Whether every name in ``attributes`` must be present, or one is enough.

    Raises
    ------
    TypeError
        If ``estimator`` is a class or has no ``fit`` method.
    NotFittedError
        If it has not been fitted.
    """
    from .exceptions import NotFittedError

    if isinstance(estimator, type):
        raise TypeError(f"check_is_fitted needs an estimator instance, got the class "
                        f"{estimator.__name__}")
    if not hasattr(estimator, "fit"):
        raise TypeError(f"check_is_fitted needs an estimator instance (with a fit method), got "
                        f"{type(estimator).__name__}")
    if attributes is not None:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = all_or_any(hasattr(estimator, a) for a in names)
    elif hasattr(estimator, "__sklearn_is_fitted__"):
        fitted = estimator.__sklearn_is_fitted__()
    else:
        fitted = any(k.endswith("_") and not k.startswith("__") for k in vars(estimator))
    if not fitted:
        raise NotFittedError(msg or f"This {type(estimator).__name__} instance is not fitted "
                                    f"yet; call 'fit' with appropriate arguments first")


def sum_tolerance(dtype=np.float64, n_terms=1):
    r"""How far from one a sum of ``n_terms`` probabilities stored as ``dtype`` may round.

    Each probability carries a relative rounding error of about :math:`\epsilon/2` of its dtype,
    and the rounding errors of normalizing and summing grow roughly like a random walk, so
    the tolerance is ``SUM_TOLERANCE_FACTOR * eps * sqrt(n_terms)``. For float32
    (:math:`\epsilon \approx 1.2\times10^{-7}`) and 10 terms that is about :math:`3\times10^{-6}`;
    an absolute tolerance such as 1e-8 would reject correctly normalized float32 vectors.

    Parameters
    ----------
    dtype : dtype or array, default float64
        The dtype the probabilities were stored in (an array's dtype is used). Integer and
        boolean dtypes are exact; they get the float64 tolerance.
    n_terms : int, default 1
        Number of probabilities summed (V for a distribution over V values).

    Returns
    -------
    float
    """
    dt = dtype.dtype if isinstance(dtype, np.ndarray) else np.dtype(dtype)
    if dt.kind != "f":
        dt = np.dtype(np.float64)
    if not isinstance(n_terms, numbers.Integral) or isinstance(n_terms, bool) or n_terms < 1:
        raise ValueError(f"n_terms must be a positive int, got {n_terms!r}")
    return float(SUM_TOLERANCE_FACTOR * np.finfo(dt).eps * np.sqrt(n_terms))
