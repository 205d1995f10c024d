"""dlbook.metrics: exact parity with sklearn.metrics on random labels and scores (ties in scores,
classes never predicted, labels out of order, sample weights), agreement with dlbook.decision's
ROC functions, array-like inputs, and the error messages for bad inputs."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import decision, metrics
from dlbook.exceptions import UndefinedMetricWarning

skm = pytest.importorskip("sklearn.metrics")

SEEDS = range(12)


def _labels_case(seed):
    """Random multi-class labels; every third case never predicts class 1; weights vary."""
    rng = np.random.default_rng(seed)
    n, C = int(rng.integers(5, 60)), int(rng.integers(2, 6))
    y_true, y_pred = rng.integers(0, C, n), rng.integers(0, C, n)
    if seed % 3 == 0:
        y_pred[y_pred == 1] = 0
    weights = [None, rng.uniform(0.1, 2.0, n), rng.integers(1, 4, n)][seed % 3]
    return y_true, y_pred, weights


def _same(ours, theirs):
    """Exact equality of floats, arrays (NaN == NaN) or tuples of them, and the same type."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    elif theirs is None:
        assert ours is None
    elif np.ndim(theirs) == 0:
        assert isinstance(ours, float), type(ours)
        assert ours == theirs or (np.isnan(ours) and np.isnan(theirs)), (ours, theirs)
    else:
        np.testing.assert_array_equal(ours, theirs)
        assert np.asarray(ours).shape == np.asarray(theirs).shape


# --------------------------------------------------------------------------- accuracy, confusion
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("normalize", [True, False])
def test_accuracy_matches_sklearn(seed, normalize):
    y_true, y_pred, w = _labels_case(seed)
    _same(metrics.accuracy_score(y_true, y_pred, normalize=normalize, sample_weight=w),
          skm.accuracy_score(y_true, y_pred, normalize=normalize, sample_weight=w))


def test_accuracy_on_strings_and_lists():
    y_true, y_pred = ["cat", "dog", "dog", "bird"], ["cat", "cat", "dog", "bird"]
    assert metrics.accuracy_score(y_true, y_pred) == skm.accuracy_score(y_true, y_pred) == 0.75


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("normalize", [None, "true", "pred", "all"])
def test_confusion_matrix_matches_sklearn(seed, normalize):
    y_true, y_pred, w = _labels_case(seed)
    ours = metrics.confusion_matrix(y_true, y_pred, sample_weight=w, normalize=normalize)
    theirs = skm.confusion_matrix(y_true, y_pred, sample_weight=w, normalize=normalize)
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == theirs.dtype


@pytest.mark.parametrize("seed", SEEDS)
def test_confusion_matrix_with_labels_out_of_order_and_an_absent_class(seed):
    y_true, y_pred, w = _labels_case(seed)
    labels = np.r_[np.union1d(y_true, y_pred)[::-1], 7]          # reversed, plus a class never seen
    ours = metrics.confusion_matrix(y_true, y_pred, labels=labels, sample_weight=w)
    np.testing.assert_array_equal(ours, skm.confusion_matrix(y_true, y_pred, labels=labels,
                                                             sample_weight=w))
    assert np.all(ours[-1] == 0) and np.all(ours[:, -1] == 0)


def test_confusion_matrix_by_hand():
    cm = metrics.confusion_matrix(["b", "a", "a", "c"], ["a", "a", "c", "c"])
    np.testing.assert_array_equal(cm, [[1, 0, 1], [1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(metrics.confusion_matrix([0, 0, 1], [0, 1, 1], normalize="true"),
                                  [[0.5, 0.5], [0.0, 1.0]])


# --------------------------------------------------------------------------- precision, recall, F
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("zero_division", ["warn", 0.0, 1.0, np.nan])
def test_precision_recall_fscore_support_matches_sklearn(seed, average, zero_division):
    y_true, y_pred, w = _labels_case(seed)
    for beta in (1.0, 0.5, 2.0, 0.0, np.inf):
        kwargs = dict(beta=beta, average=average, sample_weight=w, zero_division=zero_division)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = metrics.precision_recall_fscore_support(y_true, y_pred, **kwargs)
            theirs = skm.precision_recall_fscore_support(y_true, y_pred, **kwargs)
        _same(ours, theirs)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_prf_with_labels_out_of_order_subset_and_absent(seed, average):
    y_true, y_pred, w = _labels_case(seed)
    present = np.union1d(y_true, y_pred)
    for labels in (present[::-1], present[:1], np.r_[present[::-1], 9]):
        kwargs = dict(labels=labels, average=average, sample_weight=w, zero_division=np.nan)
        _same(metrics.precision_recall_fscore_support(y_true, y_pred, **kwargs),
              skm.precision_recall_fscore_support(y_true, y_pred, **kwargs))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fn", ["precision_score", "recall_score", "f1_score"])
def test_binary_scores_match_sklearn(seed, fn):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 40))
    y_true, y_pred = rng.integers(0, 2, n), rng.integers(0, 2, n)
    w = None if seed % 2 else rng.uniform(0.5, 2, n)
    for pos_label in (0, 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _same(getattr(metrics, fn)(y_true, y_pred, pos_label=pos_label, sample_weight=w),
                  getattr(skm, fn)(y_true, y_pred, pos_label=pos_label, sample_weight=w))
    strings = np.array(["neg", "pos"])
    _same(getattr(metrics, fn)(strings[y_true], strings[y_pred], pos_label="pos"),
          getattr(skm, fn)(strings[y_true], strings[y_pred], pos_label="pos"))
    _same(metrics.fbeta_score(y_true, y_pred, beta=2.0, average=None, zero_division=0.0),
          skm.fbeta_score(y_true, y_pred, beta=2.0, average=None, zero_division=0.0))


def test_class_never_predicted_warns_and_uses_zero_division():
    y_true, y_pred = [0, 1, 2, 2], [0, 0, 2, 2]          # class 1 is never predicted
    with pytest.warns(UndefinedMetricWarning, match="Precision is ill-defined"):
        p = metrics.precision_score(y_true, y_pred, average=None)
    np.testing.assert_array_equal(p, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(metrics.precision_score(y_true, y_pred, average=None,
                                                          zero_division=1.0), [0.5, 1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # no warning with an explicit value
        p_nan = metrics.precision_score(y_true, y_pred, average="macro", zero_division=np.nan)
    assert p_nan == 0.75                                    # NaN left out of the mean


def test_micro_average_is_accuracy_for_single_label_data(rng):
    y_true, y_pred = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    acc = metrics.accuracy_score(y_true, y_pred)
    for fn in (metrics.precision_score, metrics.recall_score, metrics.f1_score):
        assert fn(y_true, y_pred, average="micro") == pytest.approx(acc, rel=1e-15)


# --------------------------------------------------------------------------- ROC and AUC
def _scores_case(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 80))
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]                                       # both classes present
    scores = rng.standard_normal(n) + y
    if seed % 2 == 0:
        scores = np.round(scores, 1)                     # many ties
    return y, scores


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("drop_intermediate", [True, False])
def test_roc_curve_matches_sklearn_with_ties(seed, drop_intermediate):
    y, s = _scores_case(seed)
    ours = metrics.roc_curve(y, s, drop_intermediate=drop_intermediate)
    theirs = skm.roc_curve(y, s, drop_intermediate=drop_intermediate)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    # {-1, 1} labels, and string labels with pos_label, give the same curve
    for a, b in zip(metrics.roc_curve(2 * y - 1, s, drop_intermediate=drop_intermediate), ours):
        np.testing.assert_array_equal(a, b)
    names = np.array(["healthy", "ill"])[y]
    for a, b in zip(metrics.roc_curve(names, s, pos_label="ill",
                                      drop_intermediate=drop_intermediate), ours):
        np.testing.assert_array_equal(a, b)
    # dlbook.decision keeps its own copy (the decision-theory chapter shows its source): same
    for a, b in zip(decision.roc_curve(y, s, drop_intermediate=drop_intermediate), ours):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", SEEDS)
def test_roc_auc_and_auc_match_sklearn(seed):
    y, s = _scores_case(seed)
    ours = metrics.roc_auc_score(y, s)
    assert ours == skm.roc_auc_score(y, s) == decision.roc_auc_score(y, s)
    fpr, tpr, _ = metrics.roc_curve(y, s, drop_intermediate=False)
    assert metrics.auc(fpr, tpr) == skm.auc(fpr, tpr) == decision.auc(fpr, tpr)
    assert metrics.auc(fpr[::-1], tpr[::-1]) == skm.auc(fpr[::-1], tpr[::-1])   # decreasing x
    # the Mann-Whitney statistic, ties counted one half
    diff = s[y == 1][:, None] - s[y == 0][None, :]
    assert ours == pytest.approx(np.mean((diff > 0) + 0.5 * (diff == 0)), rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("average", ["macro", "weighted", None])
def test_multiclass_ovr_roc_auc_matches_sklearn(seed, average):
    rng = np.random.default_rng(seed)
    C = int(rng.integers(3, 6))
    y = np.r_[np.arange(C), rng.integers(0, C, 40)]
    logits = rng.standard_normal((y.size, C)) + 2.0 * np.eye(C)[y]
    if seed % 2 == 0:
        logits = np.round(logits, 1)
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    _same(metrics.roc_auc_score(y, proba, multi_class="ovr", average=average),
          skm.roc_auc_score(y, proba, multi_class="ovr", average=average))
    _same(metrics.roc_auc_score(y, proba, multi_class="ovr", average=average,
                                labels=np.arange(C)),
          skm.roc_auc_score(y, proba, multi_class="ovr", average=average, labels=np.arange(C)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(-3, 3)), min_size=2, max_size=40))
def test_roc_curve_property_parity(pairs):
    y = np.array([p[0] for p in pairs])
    s = np.array([p[1] for p in pairs], dtype=float) / 2.0       # small integer grid: ties
    if y.min() == y.max():
        with pytest.raises(ValueError, match="both positive"):
            metrics.roc_curve(y, s)
        return
    for a, b in zip(metrics.roc_curve(y, s), skm.roc_curve(y, s)):
        np.testing.assert_array_equal(a, b)
    fpr, tpr, thr = metrics.roc_curve(y, s)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0) and np.all(np.diff(thr) < 0)


# --------------------------------------------------------------------------- log loss
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("normalize", [True, False])
def test_log_loss_matches_sklearn(seed, normalize):
    rng = np.random.default_rng(seed)
    y_true, _, w = _labels_case(seed)
    C = int(y_true.max()) + 2                        # the last class never occurs in y_true
    proba = rng.dirichlet(np.ones(C), y_true.size)
    proba[0] = np.eye(C)[(y_true[0] + 1) % C]        # a confident mistake: clipped, not inf
    kwargs = dict(normalize=normalize, sample_weight=w, labels=np.arange(C))
    _same(metrics.log_loss(y_true, proba, **kwargs), skm.log_loss(y_true, proba, **kwargs))


def test_log_loss_binary_and_string_labels(rng):
    y = np.array(["spam", "ham", "ham", "spam", "ham"])
    p_spam = rng.uniform(0.05, 0.95, 5)              # probability of the larger label, "spam"
    _same(metrics.log_loss(y, p_spam), skm.log_loss(y, p_spam))
    both = np.c_[1 - p_spam, p_spam]
    _same(metrics.log_loss(y, both), skm.log_loss(y, both))


# --------------------------------------------------------------------------- array-likes
def test_array_likes_lists_tuples_and_torch():
    y_true, y_pred = [0, 1, 1, 2], (0, 1, 2, 2)
    assert metrics.accuracy_score(y_true, y_pred) == 0.75
    torch = pytest.importorskip("torch")
    t_true, t_pred = torch.tensor(y_true), torch.tensor(y_pred)
    np.testing.assert_array_equal(metrics.confusion_matrix(t_true, t_pred),
                                  metrics.confusion_matrix(y_true, y_pred))
    scores = torch.tensor([0.1, 0.8, 0.4, 0.9], dtype=torch.float64)
    assert metrics.roc_auc_score(torch.tensor([0, 1, 0, 1]), scores) == 1.0


# --------------------------------------------------------------------------- bad inputs
COL = np.array([[0], [1], [1]])                       # (N, 1) where (N,) is expected


@pytest.mark.parametrize("call, match", [
    # (N,) against (N, 1)
    (lambda: metrics.accuracy_score([0, 1, 1], COL), r"y_pred must be a 1-D array.*\(3, 1\)"),
    (lambda: metrics.confusion_matrix(COL, [0, 1, 1]), r"y_true must be a 1-D array.*ravel"),
    (lambda: metrics.f1_score([0, 1, 1], COL), r"y_pred must be a 1-D"),
    (lambda: metrics.roc_curve([0, 1, 1], COL.astype(float)), r"y_score must be a 1-D"),
    (lambda: metrics.roc_auc_score([0, 1, 1], COL.astype(float)), r"column of shape \(3, 1\)"),
    (lambda: metrics.log_loss([0, 1, 1], COL * 0.5), r"column of shape \(3, 1\)"),
    (lambda: metrics.accuracy_score([0, 1, 1], [0, 1]), "same length"),
    # a -1 label (e.g. a padding or ignore index) or any label outside `labels`
    (lambda: metrics.confusion_matrix([-1, 0, 1], [0, 0, 1], labels=[0, 1]),
     r"y_true contains labels \[-1\] that are not in labels \[0, 1\]"),
    (lambda: metrics.confusion_matrix([0, 0, 1], [0, 2, 1], labels=[0, 1]),
     r"y_pred contains labels \[2\]"),
    (lambda: metrics.log_loss([-1, 0, 1], np.full((3, 3), 1 / 3), labels=[0, 1, 2]),
     r"y_true contains labels \[-1\]"),
    (lambda: metrics.roc_auc_score([-1, 0, 2], np.full((3, 3), 1 / 3), multi_class="ovr",
                                   labels=[0, 1, 2]), r"labels \[-1\]"),
    (lambda: metrics.roc_curve([-1, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]), "needs binary y_true"),
    (lambda: metrics.roc_curve([-1, 0, 0, -1], [0.1, 0.2, 0.3, 0.4]), "pass pos_label"),
    (lambda: metrics.confusion_matrix([0, 1], [0, 1], labels=[0, 0, 1]), "repeat"),
    # labels that are not class labels
    (lambda: metrics.accuracy_score([0.5, 1.0], [0.0, 1.0]), "continuous"),
    (lambda: metrics.confusion_matrix(["a", "b"], [0, 1]), "mix string and numeric"),
    (lambda: metrics.accuracy_score([], []), "empty"),
    # averages and labels
    (lambda: metrics.f1_score([0, 1, 2], [0, 1, 1]), "average='binary' needs at most two"),
    (lambda: metrics.precision_score([0, 1], [1, 1], pos_label=2), "pos_label=2 is not a valid"),
    (lambda: metrics.recall_score([0, 1], [1, 1], average="samples"), "average must be one of"),
    (lambda: metrics.precision_score([0, 1], [1, 1], zero_division="0"), "zero_division"),
    (lambda: metrics.fbeta_score([0, 1], [1, 1], beta=-1.0), "beta"),
    (lambda: metrics.confusion_matrix([0, 1], [1, 1], normalize="rows"), "normalize"),
    (lambda: metrics.accuracy_score([0, 1], [1, 1], sample_weight=[1.0]), r"shape \(2,\)"),
    # ROC
    (lambda: metrics.roc_curve([1, 1, 1], [0.1, 0.2, 0.3]), "both positive"),
    (lambda: metrics.roc_curve([0, 1], [0.1, np.nan]), "NaN"),
    (lambda: metrics.roc_curve([0, 1, 1], [0.1, 0.2]), r"shape \(3,\)"),
    (lambda: metrics.roc_auc_score([0, 0, 0], [0.1, 0.2, 0.3]), "only one class"),
    (lambda: metrics.roc_auc_score([0, 1, 2], np.full((3, 3), 1 / 3)), "multi_class='ovr'"),
    (lambda: metrics.roc_auc_score([0, 1, 2], np.ones((3, 3)), multi_class="ovr"), "sum"),
    (lambda: metrics.roc_auc_score([0, 1, 1], np.full((3, 2), 0.5)), r"y_score\[:, 1\]"),
    (lambda: metrics.auc([0.0, 1.0, 0.5], [0.0, 1.0, 1.0]), "neither increasing"),
    (lambda: metrics.auc([0.0], [1.0]), "at least 2 points"),
    # log loss
    (lambda: metrics.log_loss([0, 1], [[0.5, 0.6], [0.2, 0.8]]), "sum to 1"),
    (lambda: metrics.log_loss([0, 1], [[1.5, -0.5], [0.2, 0.8]]), r"\[0, 1\]"),
    (lambda: metrics.log_loss([0, 0], [0.1, 0.2]), "only one label"),
    (lambda: metrics.log_loss([0, 1, 2], np.full((3, 2), 0.5)), "2 columns but there are 3"),
    (lambda: metrics.log_loss([0, 1], np.full((2, 2), 0.5), labels=[1, 0]), "sorted"),
])
def test_bad_inputs_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="y_score must be numeric"):
        metrics.roc_curve([0, 1], ["a", "b"])
    with pytest.raises(TypeError, match="y_true must be real"):
        metrics.accuracy_score(np.array([1j, 2j]), [1, 2])
