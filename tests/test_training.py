"""dlbook.training: the shared training loop and the classification metrics."""
import numpy as np
import pytest

from dlbook import nn, optim, training


def _blobs(rng, n=120):
    """Two well separated Gaussian blobs: linearly separable."""
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 2)) * 0.5 + np.where(y[:, None] == 1, 3.0, -3.0)
    return X, y


def test_fit_improves_loss_on_separable_problem(rng):
    X, y = _blobs(rng)
    model = nn.Sequential(nn.Linear(2, 2, generator=rng))
    loss_fn = nn.CrossEntropyLoss()
    before = loss_fn(model(X), y)
    history = training.fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.1), X, y,
                           epochs=10, batch_size=16, generator=rng)
    after = loss_fn(model(X), y)
    assert len(history["train_loss"]) == 10
    assert after < 0.1 * before and after < 0.05
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert training.accuracy(model, X, y) == 1.0


def test_fit_history_with_validation_metric_and_scheduler(rng):
    X, y = _blobs(rng)
    Xv, yv = _blobs(rng, 40)
    model = nn.Sequential(nn.Linear(2, 4, generator=rng), nn.Tanh(), nn.Dropout(0.2, generator=rng),
                          nn.Linear(4, 2, generator=rng))

    class CountingScheduler:
        steps = 0

        def step(self):
            self.steps += 1

    sched = CountingScheduler()
    loss_fn = nn.CrossEntropyLoss()
    history = training.fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.1), X, y,
                           epochs=3, batch_size=32, X_val=Xv, y_val=yv, generator=rng,
                           metric=training.accuracy, scheduler=sched)
    assert set(history) == {"train_loss", "val_loss", "train_metric", "val_metric"}
    assert all(len(v) == 3 for v in history.values())
    assert sched.steps == 3
    assert model.training                      # back in training mode afterwards
    model.eval()
    assert history["val_loss"][-1] == pytest.approx(loss_fn(model(Xv), yv))
    assert history["val_metric"][-1] == pytest.approx(np.mean(model(Xv).argmax(1) == yv))


def test_train_epoch_returns_mean_minibatch_loss(rng):
    """With lr=0 the model is fixed, so the mean is computable independently."""
    X, y = _blobs(rng, 50)
    model = nn.Linear(2, 2, generator=rng)
    loss_fn = nn.CrossEntropyLoss()
    mean_loss = training.train_epoch(model, loss_fn, optim.SGD(model.parameters(), lr=0.0), X, y,
                                     batch_size=16, generator=np.random.default_rng(9))
    batches = [np.arange(50)[i:i + 16] for i in range(0, 50, 16)]
    order = np.random.default_rng(9).permutation(50)
    expected = np.mean([nn.CrossEntropyLoss()(model(X[order[b]]), y[order[b]]) for b in batches])
    assert mean_loss == pytest.approx(expected, rel=1e-12)


def test_train_epoch_matches_manual_loop(rng):
    X, y = _blobs(rng, 40)
    a = nn.Linear(2, 2, generator=np.random.default_rng(1))
    b = nn.Linear(2, 2, generator=np.random.default_rng(1))
    training.train_epoch(a, nn.CrossEntropyLoss(), optim.SGD(a.parameters(), lr=0.3), X, y, 10,
                         shuffle=False)
    for i in range(0, 40, 10):
        logits = b(X[i:i + 10])
        e = np.exp(logits - logits.max(1, keepdims=True))
        d = e / e.sum(1, keepdims=True) - np.eye(2)[y[i:i + 10]]
        d /= 10
        gw, gb = d.T @ X[i:i + 10], d.sum(0)
        b.weight.data -= 0.3 * gw
        b.bias.data -= 0.3 * gb
    np.testing.assert_allclose(a.weight.data, b.weight.data, rtol=1e-12)
    np.testing.assert_allclose(a.bias.data, b.bias.data, rtol=1e-12)


def test_predict_and_accuracy_by_hand():
    model = nn.Linear(2, 3, generator=np.random.default_rng(0))
    model.weight.data[...] = np.eye(3, 2)
    model.bias.data[...] = [0.0, 0.0, 0.5]
    X = np.array([[2.0, 0.0], [0.0, 2.0], [0.1, 0.2], [-1.0, -1.0]])
    np.testing.assert_array_equal(training.predict(model, X), [0, 1, 2, 2])
    assert training.accuracy(model, X, [0, 1, 1, 2]) == 0.75


def test_predict_uses_eval_mode_and_restores_the_mode():
    drop = nn.Sequential(nn.Dropout(0.9))
    X = np.eye(4) + 1
    np.testing.assert_array_equal(training.predict(drop, X), np.argmax(X, axis=1))
    assert drop.training and drop[0].training
    drop.eval()
    training.accuracy(drop, X, np.arange(4))
    assert not drop.training and not drop[0].training     # still in evaluation mode


def test_fit_rejects_zero_epochs(rng):
    model = nn.Linear(2, 2, generator=rng)
    with pytest.raises(ValueError, match="epochs must be a positive int, got 0"):
        training.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1),
                     np.zeros((2, 2)), np.zeros((2, 2)), epochs=0, batch_size=1)


@pytest.mark.parametrize("n_classes", [2, 5, 10])
def test_confusion_matrix_matches_sklearn(n_classes, rng):
    metrics = pytest.importorskip("sklearn.metrics")
    y_true = rng.integers(0, n_classes, 200)
    y_pred = np.where(rng.random(200) < 0.6, y_true, rng.integers(0, n_classes, 200))
    expected = metrics.confusion_matrix(y_true, y_pred, labels=list(range(n_classes)))
    np.testing.assert_array_equal(training.confusion_matrix(y_true, y_pred), expected)
    padded = training.confusion_matrix(y_true, y_pred, num_classes=n_classes + 2)
    np.testing.assert_array_equal(padded[:n_classes, :n_classes], expected)
    assert padded.sum() == expected.sum()


def test_confusion_matrix_by_hand_and_errors():
    cm = training.confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2])
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    assert training.confusion_matrix([1, 1], [1, 1], num_classes=3).sum() == 2
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        training.confusion_matrix([0, 1, 1], [0, 1])
