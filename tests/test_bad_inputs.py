"""Calls that used to return a wrong answer silently or fail deep inside NumPy now raise a clear
error naming what was expected."""
import re

import numpy as np
import pytest

from dlbook import functional as F
from dlbook import nn, optim, training


def _model():
    return nn.Sequential(nn.Linear(3, 2, generator=0))


def test_accuracy_rejects_a_column_of_labels():
    X, y = np.zeros((5, 3)), np.zeros(5, dtype=int)
    with pytest.raises(ValueError, match=r"1-d array of class labels, shape \(N,\), got shape \(5, 1\)"):
        training.accuracy(_model(), X, y[:, None])


def test_confusion_matrix_rejects_negative_and_out_of_range_labels():
    with pytest.raises(ValueError, match=r"y_pred must hold labels in \[0, 2\), got values in \[-1, 0\]"):
        training.confusion_matrix([0, 1], [0, -1], num_classes=2)
    with pytest.raises(ValueError, match=r"y_true must hold labels in \[0, 3\)"):
        training.confusion_matrix(np.array([0, 5]), np.array([0, 1]), num_classes=3)
    with pytest.raises(TypeError, match="integer class labels"):
        training.confusion_matrix(np.array([0.0, 1.0]), np.array([0, 1]))


def test_fit_rejects_more_labels_than_samples():
    model = _model()
    with pytest.raises(ValueError, match="same number of samples, got 4 and 6"):
        training.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                     np.zeros((4, 3)), np.zeros(6, dtype=int), epochs=1, batch_size=2)


@pytest.mark.parametrize("eps, exc", [(-1.0, ValueError), (float("nan"), ValueError),
                                      ("small", TypeError)])
def test_batchnorm_rejects_a_bad_eps(eps, exc):
    with pytest.raises(exc, match=r"eps must be a non-negative real number, got (str )?"
                                  + re.escape(repr(eps))):
        nn.BatchNorm1d(3, eps=eps)


def test_batchnorm_rejects_a_bad_momentum():
    with pytest.raises(ValueError, match=r"momentum must be a real number in \[0, 1\], got 1\.5"):
        nn.BatchNorm1d(3, momentum=1.5)


def test_softmax_of_an_empty_axis():
    with pytest.raises(ValueError, match=r"at least one entry along dim 1, got shape \(2, 0\)"):
        F.softmax(np.zeros((2, 0)), dim=1)


def test_empty_batch_mean_is_nan_without_warnings():
    with np.errstate(all="raise"):
        assert np.isnan(F.mse_loss(np.zeros(0), np.zeros(0)))
        assert np.isnan(F.cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int)))


def test_generator_seed_works_everywhere_and_bad_ones_are_named():
    a = nn.Dropout(0.5, generator=42)(np.ones(20))
    b = nn.Dropout(0.5, generator=42)(np.ones(20))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="generator must be None, a non-negative int seed"):
        nn.Linear(2, 2, generator=1.5)
