"""The minibatch training loop every chapter shares, and classification metrics."""
import numpy as np

from .data import minibatches

__all__ = ["train_epoch", "fit", "predict", "accuracy", "confusion_matrix"]


def train_epoch(model, loss_fn, optimizer, X, y, batch_size, *, generator=None, shuffle=True):
    """One pass over ``(X, y)`` in minibatches: forward, loss, backward, one ``optimizer.step()``
    per minibatch. Returns the mean training loss over the minibatches."""
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

    The model's previous mode (training or evaluation) is restored afterwards."""
    was_training = model.training
    model.eval()
    out = model(X)
    model.train(was_training)
    return np.argmax(out, axis=1)


def accuracy(model, X, y):
    """Fraction of rows of ``X`` whose predicted class equals ``y``."""
    return float(np.mean(predict(model, X) == np.asarray(y)))


def fit(model, loss_fn, optimizer, X, y, *, epochs, batch_size, X_val=None, y_val=None,
        generator=None, metric=None, scheduler=None):
    """Train for ``epochs`` epochs and return a history dict of per-epoch lists.

    The history has ``'train_loss'`` (mean minibatch loss during the epoch) and, when validation
    data are given, ``'val_loss'``. If ``metric(model, X, y)`` is given (e.g. :func:`accuracy`),
    ``'train_metric'`` and ``'val_metric'`` are recorded after each epoch too. A ``scheduler``
    with a ``step()`` method is stepped once per epoch.
    """
    if epochs <= 0:
        raise ValueError(f"epochs must be positive, got {epochs}")
    history = {"train_loss": []}
    if X_val is not None:
        history["val_loss"] = []
    if metric is not None:
        history["train_metric"] = []
        if X_val is not None:
            history["val_metric"] = []
    for _ in range(epochs):
        history["train_loss"].append(
            train_epoch(model, loss_fn, optimizer, X, y, batch_size, generator=generator))
        if X_val is not None:
            model.eval()
            history["val_loss"].append(float(loss_fn(model(X_val), y_val)))
            model.train()
        if metric is not None:
            history["train_metric"].append(metric(model, X, y))
            if X_val is not None:
                history["val_metric"].append(metric(model, X_val, y_val))
        if scheduler is not None:
            scheduler.step()
    return history


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts ``C[i, j]`` of samples with true class ``i`` predicted as ``j`` (no loops)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} "
                         f"and {y_pred.shape}")
    n = num_classes or int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1)
    return np.bincount(y_true * n + y_pred, minlength=n * n).reshape(n, n)
