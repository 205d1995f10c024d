"""The self-checks of the digits chapter accept correct answers and reject wrong ones."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.digits import (_label_cases, _precision_recall, check_confusion_matrix,
                                     check_precision_recall)


def one_hot_confusion(y_true, y_pred, num_classes):
    eye = np.eye(num_classes, dtype=np.int64)
    return eye[y_true].T @ eye[y_pred]


def test_confusion_checker_accepts_a_correct_answer():
    assert "all 5 cases match" in check_confusion_matrix(one_hot_confusion)


def test_confusion_checker_rejects_the_transpose():
    with pytest.raises(ExerciseCheckError, match="confusion matrix"):
        check_confusion_matrix(lambda t, p, v: one_hot_confusion(t, p, v).T)


def test_confusion_checker_rejects_a_wrong_shape():
    with pytest.raises(ExerciseCheckError, match="shape"):
        check_confusion_matrix(lambda t, p, v: one_hot_confusion(t, p, int(max(t.max(), p.max())) + 1))


def test_cases_include_an_absent_class_and_a_single_sample():
    cases = _label_cases()
    assert any(len(t) == 1 for t, _, _ in cases)
    assert any(max(t.max(), p.max()) + 1 < v for t, p, v in cases)


def test_precision_recall_checker():
    def mine(cm):
        tp = np.diag(cm).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.nan_to_num(tp / cm.sum(0)), np.nan_to_num(tp / cm.sum(1))
    assert "match" in check_precision_recall(mine)
    with pytest.raises(ExerciseCheckError, match="precision and recall"):
        check_precision_recall(lambda cm: mine(cm)[::-1])


def test_precision_recall_reference_matches_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    for y_true, y_pred, v in _label_cases():
        cm = metrics.confusion_matrix(y_true, y_pred, labels=np.arange(v))
        p, r, _, _ = metrics.precision_recall_fscore_support(
            y_true, y_pred, labels=np.arange(v), zero_division=0)
        got_p, got_r = _precision_recall(cm)
        np.testing.assert_allclose(got_p, p, rtol=1e-12)
        np.testing.assert_allclose(got_r, r, rtol=1e-12)
