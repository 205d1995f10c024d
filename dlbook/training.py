"""The minibatch training loop every chapter shares, and classification metrics."""
import numpy as np

from . import metrics
from ._validation import (as_float_array, check_1d, check_array, check_consistent_length,
                          check_index_array, check_positive_int)
from .autograd import no_grad
from .data import minibatches
from .random import as_generator

__all__ = ["train_epoch", "fit", "predict", "accuracy", "confusion_matrix"]


def _check_pair(X, y, names=("X", "y")):
    """Numeric inputs and targets of any layout (ids, labels, images): N >= 1 rows each, finite."""
    X = check_array(X, name=names[0], ensure_2d=False, allow_nd=True, dtype=None)
    y = check_array(y, name=names[1], ensure_2d=False, allow_nd=True, dtype=None)
    check_consistent_length(X, y, names=names)
    return X, y


def train_epoch(model, loss_fn, optimizer, X, y, batch_size, *, generator=None, shuffle=True):
    """One pass over ``(X, y)`` in minibatches: forward, loss, backward, one ``optimizer.step()``
    per minibatch. Returns the mean training loss over the minibatches."""
    X, y = _check_pair(X, y)
    model.train()
    losses = []
    for idx in minibatches(len(X), batch_size, shuffle=shuffle, generator=generator):
        loss = loss_fn(model(X[idx]), y[idx])
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
        losses.append(loss)
    return float(np.mean(losses))


def predict(model, X):
    """Class predictions ``argmax`` of the model's outputs, in evaluation mode.

    Runs under :func:`dlbook.no_grad` (nothing is saved for a backward pass) and restores the
    model's previous mode (training or evaluation) afterwards."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            out = model(X)
    finally:
        model.train(was_training)
    return np.argmax(out, axis=1)


def accuracy(model, X, y):
    """Fraction of rows of ``X`` whose predicted class equals ``y`` (shape (N,))."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-d array of class labels, shape (N,), got shape {y.shape}")
    _check_pair(X, y)
    return metrics.accuracy_score(y, predict(model, X))


def _evaluate_loss(model, loss_fn, X, y):
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            return float(loss_fn(model(X), y))
    finally:
        model.train(was_training)


def fit(model, loss_fn, optimizer, X, y, *, epochs, batch_size, X_val=None, y_val=None,
        generator=None, metric=None, scheduler=None, patience=None, restore_best_weights=False):
    """Train for up to ``epochs`` epochs and return a history dict of per-epoch lists.

    The history has ``'train_loss'`` (mean minibatch loss during the epoch) and, when validation
    data are given, ``'val_loss'`` (computed in evaluation mode under :func:`dlbook.no_grad`).
    If ``metric(model, X, y)`` is given (e.g. :func:`accuracy`), ``'train_metric'`` and
    ``'val_metric'`` are recorded after each epoch too. A ``scheduler`` with a ``step()`` method
    is stepped once per epoch.

    Early stopping (needs validation data): with ``patience=k`` training stops after k epochs
    without a new lowest validation loss; with ``restore_best_weights=True`` the model ends with
    the parameters and buffers (its ``state_dict``) of the epoch of lowest validation loss,
    ``int(np.argmin(history['val_loss']))``.
    """
    check_positive_int(epochs, "epochs")
    X, y = _check_pair(X, y)
    as_float_array(X, "X")
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    if X_val is not None:
        X_val, y_val = _check_pair(X_val, y_val, ("X_val", "y_val"))
    elif patience is not None or restore_best_weights:
        raise ValueError("early stopping (patience, restore_best_weights) needs X_val and y_val")
    if patience is not None:
        check_positive_int(patience, "patience")
    rng = as_generator(generator)
    history = {"train_loss": []}
    if X_val is not None:
        history["val_loss"] = []
    if metric is not None:
        history["train_metric"] = []
        if X_val is not None:
            history["val_metric"] = []
    best_loss, best_state, best_epoch = np.inf, None, None
    for epoch in range(epochs):
        history["train_loss"].append(
            train_epoch(model, loss_fn, optimizer, X, y, batch_size, generator=rng))
        if X_val is not None:
            history["val_loss"].append(_evaluate_loss(model, loss_fn, X_val, y_val))
        if metric is not None:
            history["train_metric"].append(metric(model, X, y))
            if X_val is not None:
                history["val_metric"].append(metric(model, X_val, y_val))
        if scheduler is not None:
            scheduler.step()
        if X_val is not None:
            if history["val_loss"][-1] < best_loss:
                best_loss, best_epoch = history["val_loss"][-1], epoch
                if restore_best_weights:
                    best_state = model.state_dict()
            elif patience is not None and epoch - best_epoch >= patience:
                break
    if restore_best_weights and best_state is not None:
        model.load_state_dict(best_state)
    return history


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts ``C[i, j]`` of samples with true class ``i`` predicted as ``j``.

    Labels must be integers in ``[0, num_classes)``; ``num_classes`` defaults to the largest
    label + 1. The counting is :func:`dlbook.metrics.confusion_matrix` with
    ``labels=range(num_classes)``; this wrapper only insists that every label is one of them.
    """
    y_true, y_pred = check_1d(y_true, "y_true"), check_1d(y_pred, "y_pred")
    check_consistent_length(y_true, y_pred, names=("y_true", "y_pred"))
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.size and not np.issubdtype(labels.dtype, np.integer):
            raise TypeError(f"{name} must hold integer class labels, got dtype {labels.dtype}")
    n = num_classes or int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1)
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        check_index_array(labels, name, n, what="labels")
    return metrics.confusion_matrix(y_true, y_pred, labels=np.arange(n))
