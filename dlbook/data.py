"""Data shipped inside installed packages, and small synthetic generators. Nothing downloads."""
from dataclasses import dataclass

import numpy as np

from ._validation import as_index_array
from .random import as_generator

__all__ = ["Split", "load_digits_split", "make_regression_1d", "make_two_moons", "make_spirals",
           "minibatches", "one_hot"]


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
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
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
