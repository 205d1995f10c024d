"""Self-checks for the exercises of the chapter *Training an MLP on real data*.

Each checker calls the reader's function on a few fixed random cases and compares the result
with a reference (see :func:`dlbook.exercises.check_against`); it returns a one-line verdict or
raises :class:`dlbook.exercises.ExerciseCheckError` naming the first case that differs.
"""
import numpy as np

from ..training import confusion_matrix
from . import check_against

__all__ = ["check_confusion_matrix", "check_precision_recall"]


def _label_cases():
    """``(y_true, y_pred, num_classes)`` triples: small, large, a class never seen, one sample."""
    rng = np.random.default_rng(2024)
    cases = []
    for n, v in [(20, 3), (500, 10), (7, 5), (1, 4)]:
        y_true = rng.integers(0, v, n)
        y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, v, n))
        cases.append((y_true, y_pred, v))
    # the last class never occurs, neither as a label nor as a prediction
    y = rng.integers(0, 4, 30)
    cases.append((y, np.roll(y, 1), 6))
    return cases


def check_confusion_matrix(fn):
    """Check ``fn(y_true, y_pred, num_classes) -> C`` with ``C[i, j]`` = number of samples of
    true class ``i`` predicted as ``j`` (shape ``(num_classes, num_classes)``)."""
    return check_against(fn, confusion_matrix, _label_cases(), name="confusion matrix",
                         rtol=0, atol=0)


def _precision_recall(cm):
    """Per-class precision (columns) and recall (rows) of a confusion matrix; 0 where a class
    was never predicted (precision) or never occurs (recall)."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    return precision, recall


def check_precision_recall(fn):
    """Check ``fn(cm) -> (precision, recall)``, each of shape ``(V,)``, computed from a
    confusion matrix ``cm`` (rows: true class, columns: predicted class). A class that is never
    predicted has precision 0; a class that never occurs has recall 0."""
    cases = [(confusion_matrix(y_true, y_pred, v),) for y_true, y_pred, v in _label_cases()]
    return check_against(fn, _precision_recall, cases, name="precision and recall")
