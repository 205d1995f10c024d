"""The self-check of the decision-theory chapter accepts correct answers and rejects mistakes."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.decision import check_roc_curve


def by_thresholds(y, s):
    """The definition, one threshold at a time (slow but obviously right)."""
    thr = np.r_[np.inf, np.unique(s)[::-1]]
    fpr = np.array([np.mean(s[y == 0] >= t) for t in thr])
    tpr = np.array([np.mean(s[y == 1] >= t) for t in thr])
    return fpr, tpr, thr


def test_accepts_a_correct_answer():
    assert "all 8 cases match" in check_roc_curve(by_thresholds)


def test_accepts_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    check_roc_curve(lambda y, s: metrics.roc_curve(y, s, drop_intermediate=False))


@pytest.mark.parametrize("mistake", ["strict", "no_tie_grouping", "no_inf", "swapped",
                                     "increasing"])
def test_rejects_mistakes(mistake):
    def wrong(y, s):
        if mistake == "no_tie_grouping":          # one point per sample, ties split arbitrarily
            order = np.argsort(-s, kind="stable")
            tps, fps = np.cumsum(y[order]), np.cumsum(1 - y[order])
            return (np.r_[0, fps] / fps[-1], np.r_[0, tps] / tps[-1], np.r_[np.inf, s[order]])
        fpr, tpr, thr = by_thresholds(y, s)
        if mistake == "strict":
            fpr = np.array([np.mean(s[y == 0] > t) for t in thr])
            tpr = np.array([np.mean(s[y == 1] > t) for t in thr])
        if mistake == "no_inf":
            return fpr[1:], tpr[1:], thr[1:]
        if mistake == "swapped":
            return tpr, fpr, thr
        if mistake == "increasing":
            return fpr[::-1], tpr[::-1], thr[::-1]
        return fpr, tpr, thr
    with pytest.raises(ExerciseCheckError):
        check_roc_curve(wrong)


def test_checking_does_not_touch_the_global_generator(restore_default_generator):
    import dlbook
    dlbook.manual_seed(5)
    before = dlbook.default_generator().bit_generator.state
    check_roc_curve(by_thresholds)
    assert dlbook.default_generator().bit_generator.state == before
