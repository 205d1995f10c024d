r"""Feature scaling in scikit-learn's estimator shape: z-score and min–max normalization.

Both scalers are fitted on a training matrix ``X`` of shape (N, D), one statistic per feature
(column), and then apply the same affine map to any matrix with D columns:

* :class:`StandardScaler` — :math:`x'_{nd} = (x_{nd} - \mu_d)/\sigma_d` with the *biased*
  standard deviation :math:`\sigma_d^2 = \frac1N\sum_n (x_{nd}-\mu_d)^2`, as scikit-learn;
* :class:`MinMaxScaler` — :math:`x'_{nd} = a + (b-a)\,(x_{nd} - m_d)/(M_d - m_d)` with
  :math:`m_d, M_d` the feature's minimum and maximum and ``feature_range=(a, b)``.

A feature that is constant in the training data would divide by zero. As in scikit-learn its
scale is set to 1, so it is only shifted (to 0 by ``StandardScaler``, to ``a`` by
``MinMaxScaler``). Unlike scikit-learn, which treats NaN as a missing value, these scalers reject
NaN and infinity with a ``ValueError``.
"""
import numpy as np

from ._validation import check_array, check_is_fitted, check_n_features, check_scalar
from .base import BaseEstimator, TransformerMixin

__all__ = ["StandardScaler", "MinMaxScaler"]

_EPS = np.finfo(np.float64).eps


def _check_X(X, est, *, fitting):
    X = check_array(X)
    if not fitting:
        check_is_fitted(est, "n_features_in_")
        check_n_features(X, est)
    return X


class StandardScaler(TransformerMixin, BaseEstimator):
    r"""Z-score normalization: subtract each feature's mean, divide by its standard deviation.

    Parameters
    ----------
    with_mean : bool, default True
        Subtract :math:`\mu_d`.
    with_std : bool, default True
        Divide by :math:`\sigma_d` (biased, 1/N). Features whose variance is zero up to
        rounding get ``scale_ = 1``.

    Attributes
    ----------
    mean_ : ndarray, shape (D,), or None when both options are off
    var_ : ndarray, shape (D,), or None when ``with_std=False``
    scale_ : ndarray, shape (D,), or None when ``with_std=False``
    n_features_in_ : int
    n_samples_seen_ : int
    """

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None):
        """Compute the per-feature mean and standard deviation of ``X`` (N, D); returns ``self``."""
        X = _check_X(X, self, fitting=True)
        n = X.shape[0]
        self.n_features_in_ = X.shape[1]
        self.n_samples_seen_ = n
        if not (self.with_mean or self.with_std):
            self.mean_ = self.var_ = self.scale_ = None
            return self
        self.mean_ = X.mean(axis=0)
        if not self.with_std:
            self.var_ = self.scale_ = None
            return self
        self.var_ = ((X - self.mean_) ** 2).mean(axis=0)
        # A feature is "constant" when its variance is below the rounding error of the
        # two-pass variance (Chan, Golub & LeVeque), the test scikit-learn uses.
        constant = self.var_ <= n * _EPS * self.var_ + (n * self.mean_ * _EPS) ** 2
        self.scale_ = np.where(constant, 1.0, np.sqrt(self.var_))
        return self

    def transform(self, X):
        r""":math:`(X - \mu) / \sigma`, row by row; shape (N, D)."""
        X = _check_X(X, self, fitting=False)
        if self.with_mean:
            X = X - self.mean_
        if self.with_std:
            X = X / self.scale_
        return np.array(X, dtype=np.float64)  # always a new array

    def inverse_transform(self, X):
        r""":math:`X\sigma + \mu`: undo :meth:`transform`; shape (N, D)."""
        X = _check_X(X, self, fitting=False)
        if self.with_std:
            X = X * self.scale_
        if self.with_mean:
            X = X + self.mean_
        return np.array(X, dtype=np.float64)


class MinMaxScaler(TransformerMixin, BaseEstimator):
    r"""Min–max normalization: map each feature's training range onto ``feature_range``.

    ``transform`` computes ``X * scale_ + min_`` with
    ``scale_ = (b - a) / (data_max_ - data_min_)`` and ``min_ = a - data_min_ * scale_``.
    New data outside the training range is mapped outside ``(a, b)`` unless ``clip=True``.

    Parameters
    ----------
    feature_range : tuple (a, b) with a < b, default (0, 1)
    clip : bool, default False
        Clip transformed values to ``feature_range``.

    Attributes
    ----------
    data_min_, data_max_, data_range_ : ndarray, shape (D,)
    scale_, min_ : ndarray, shape (D,)
    n_features_in_ : int
    n_samples_seen_ : int
    """

    def __init__(self, feature_range=(0, 1), *, clip=False):
        self.feature_range = feature_range
        self.clip = clip

    def _range(self):
        fr = self.feature_range
        if not isinstance(fr, (tuple, list)) or len(fr) != 2:
            raise ValueError(f"feature_range must be a pair of numbers (a, b), got {fr!r}")
        a, b = check_scalar(fr[0], "feature_range[0]"), check_scalar(fr[1], "feature_range[1]")
        if not a < b:
            raise ValueError(f"feature_range must satisfy a < b, got {fr!r}")
        return a, b

    def fit(self, X, y=None):
        """Record each feature's minimum and maximum over the rows of ``X``; returns ``self``."""
        a, b = self._range()
        X = _check_X(X, self, fitting=True)
        self.n_features_in_ = X.shape[1]
        self.n_samples_seen_ = X.shape[0]
        self.data_min_ = X.min(axis=0)
        self.data_max_ = X.max(axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        safe_range = np.where(self.data_range_ < 10 * _EPS, 1.0, self.data_range_)
        self.scale_ = (b - a) / safe_range
        self.min_ = a - self.data_min_ * self.scale_
        return self

    def transform(self, X):
        """``X * scale_ + min_``; shape (N, D)."""
        X = _check_X(X, self, fitting=False)
        out = X * self.scale_ + self.min_
        if self.clip:
            out = np.clip(out, *self._range())
        return out

    def inverse_transform(self, X):
        """``(X - min_) / scale_``: undo :meth:`transform`; shape (N, D)."""
        X = _check_X(X, self, fitting=False)
        return (X - self.min_) / self.scale_
