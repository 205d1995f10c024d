"""Input checks shared by the public functions (raise, never ``assert``)."""
import numbers

import numpy as np

__all__ = []  # private helpers


def as_float_array(x, name):
    """Return ``x`` as a float64 ndarray or raise ``TypeError`` naming ``name``."""
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


def check_ndim(x, name, ndim, layout):
    """Raise ``ValueError`` unless ``x.ndim`` is one of ``ndim`` (an int or a tuple)."""
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if x.ndim not in allowed:
        raise ValueError(f"{name} must have shape {layout}, got shape {x.shape}")


def as_index_array(target, name, n_classes):
    """Integer class labels in ``[0, n_classes)``; ``TypeError``/``ValueError`` otherwise."""
    t = np.asarray(target)
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"{name} must hold integer class indices, got dtype {t.dtype}")
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(f"{name} must hold class indices in [0, {n_classes}), "
                         f"got values in [{t.min()}, {t.max()}]")
    return t


def check_finite(a, name):
    """Raise ``ValueError`` if ``a`` holds NaN or an infinity."""
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity")


def as_design_matrix(X, name="X"):
    """A data matrix: float64, shape (N, D) with N >= 1, every entry finite."""
    X = as_float_array(X, name)
    check_ndim(X, name, 2, "(N, D)")
    if X.shape[0] == 0:
        raise ValueError(f"{name} must have at least one row, got shape (0, D)")
    check_finite(X, name)
    return X


def check_positive_int(value, name):
    """``value`` as an int if it is a positive integer; ``TypeError``/``ValueError`` otherwise."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def check_same_shape(a, b, name_a, name_b):
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, "
                         f"got {a.shape} and {b.shape}")


def check_reduction(reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def check_dim(dim, ndim):
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if not -ndim <= dim < max(ndim, 1):
        raise ValueError(f"dim must be in [{-ndim}, {ndim - 1}] for a {ndim}-d input, got {dim}")
    return dim


def check_probability(p, name="p"):
    if not isinstance(p, numbers.Real) or isinstance(p, bool):
        raise TypeError(f"{name} must be a float in [0, 1], got {type(p).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {p}")
    return float(p)
