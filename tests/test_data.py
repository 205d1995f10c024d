"""dlbook.data: the digits split, the synthetic generators, minibatches and one_hot."""
import numpy as np
import pytest

from dlbook import data

sklearn_datasets = pytest.importorskip("sklearn.datasets")


@pytest.fixture(scope="module")
def digits():
    d = sklearn_datasets.load_digits()
    return d.data / 16.0, d.target


@pytest.fixture(scope="module")
def split():
    return data.load_digits_split()


def test_default_sizes(split):
    assert split.sizes() == (1258, 270, 269)
    assert split.X_train.shape == (1258, 64) and split.X_val.shape == (270, 64)
    assert split.X_test.shape == (269, 64)


def test_dtypes_and_value_range(split):
    for X, y in [(split.X_train, split.y_train), (split.X_val, split.y_val),
                 (split.X_test, split.y_test)]:
        assert X.dtype == np.float64 and np.issubdtype(y.dtype, np.integer)
        assert X.min() >= 0.0 and X.max() <= 1.0
    assert split.X_train.max() == 1.0               # 16/16: scaled, not clipped


def test_split_is_a_partition_of_the_dataset(split, digits):
    """Every (image, label) of the dataset appears exactly once across the three parts."""
    X, y = digits

    def keys(X_, y_):
        return sorted(np.round(row * 16).astype(np.int64).tobytes() + bytes([int(label)])
                      for row, label in zip(X_, y_))

    parts = keys(np.r_[split.X_train, split.X_val, split.X_test],
                 np.r_[split.y_train, split.y_val, split.y_test])
    assert parts == keys(X, y)


def test_stratified(split, digits):
    _, y = digits
    overall = np.bincount(y, minlength=10) / len(y)
    for labels in (split.y_train, split.y_val, split.y_test):
        counts = np.bincount(labels, minlength=10)
        assert np.all(counts > 0)                    # every class in every part
        np.testing.assert_allclose(counts / len(labels), overall, atol=0.01)


def test_deterministic_by_seed(split):
    again = data.load_digits_split()
    other = data.load_digits_split(seed=1)
    np.testing.assert_array_equal(again.X_train, split.X_train)
    np.testing.assert_array_equal(again.y_test, split.y_test)
    assert not np.array_equal(other.y_train, split.y_train)
    assert other.sizes() == split.sizes()


def test_custom_fractions():
    s = data.load_digits_split(val_fraction=0.1, test_fraction=0.2, seed=3)
    n_train, n_val, n_test = s.sizes()
    assert n_train + n_val + n_test == 1797
    assert abs(n_val - 179.7) <= 10 and abs(n_test - 359.4) <= 10


@pytest.mark.parametrize("val,test", [(0.0, 0.2), (0.5, 0.5), (-0.1, 0.1), (0.2, 1.0)])
def test_bad_fractions(val, test):
    with pytest.raises(ValueError, match="fraction"):
        data.load_digits_split(val_fraction=val, test_fraction=test)


# --------------------------------------------------------------------------- generators
def test_make_regression_1d(rng):
    X, y = data.make_regression_1d(50, generator=rng)
    assert X.shape == (50, 1) and y.shape == (50, 1)
    assert np.all(np.diff(X[:, 0]) >= 0)
    assert X.min() >= -np.pi and X.max() <= np.pi
    np.testing.assert_allclose(y, np.sin(X))          # noise=0: the function itself
    X2, y2 = data.make_regression_1d(30, fn=np.square, x_range=(0, 2), noise=0.1, generator=rng)
    assert X2.shape == (30, 1) and 0 <= X2.min() and X2.max() <= 2
    assert 0 < np.std(y2 - X2 ** 2) < 0.3


def test_make_two_moons(rng):
    X, y = data.make_two_moons(101, noise=0.0, generator=rng)
    assert X.shape == (101, 2) and y.shape == (101,)
    assert np.bincount(y).tolist() == [50, 51]
    # without noise, moon 0 lies on the unit circle and moon 1 on the shifted circle
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)


def test_make_spirals(rng):
    X, y = data.make_spirals(301, n_classes=4, generator=rng)
    assert X.shape == (301, 2) and y.shape == (301,)
    assert set(np.unique(y)) == {0, 1, 2, 3}
    assert np.all(np.hypot(*X.T) <= 1.0 + 1e-12)


@pytest.mark.parametrize("make", [data.make_two_moons, data.make_spirals,
                                  data.make_regression_1d])
def test_generators_deterministic_given_generator(make):
    a = make(generator=np.random.default_rng(4))
    b = make(generator=np.random.default_rng(4))
    c = make(generator=np.random.default_rng(5))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


# --------------------------------------------------------------------------- minibatches
@pytest.mark.parametrize("n,batch", [(10, 3), (12, 4), (5, 10), (1, 1), (0, 4)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_minibatches_cover_every_index_once(n, batch, shuffle, rng):
    batches = data.minibatches(n, batch, shuffle=shuffle, generator=rng)
    assert len(batches) == -(-n // batch)
    assert all(len(b) == batch for b in batches[:-1])
    flat = np.concatenate(batches) if batches else np.array([], int)
    np.testing.assert_array_equal(np.sort(flat), np.arange(n))
    if not shuffle:
        np.testing.assert_array_equal(flat, np.arange(n))


def test_minibatches_shuffle_changes_order(rng):
    flat = np.concatenate(data.minibatches(100, 7, generator=rng))
    assert not np.array_equal(flat, np.arange(100))


def test_minibatches_bad_size():
    with pytest.raises(ValueError, match="batch_size"):
        data.minibatches(10, 0)


# --------------------------------------------------------------------------- one_hot
def test_one_hot_by_hand():
    np.testing.assert_array_equal(data.one_hot(np.array([2, 0, 1, 2]), 3),
                                  [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert data.one_hot([1], 4).dtype == np.float64
    assert data.one_hot(np.array([], int), 3).shape == (0, 3)


def test_one_hot_matches_sklearn(rng):
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    labels = rng.integers(0, 5, 40)
    expected = preprocessing.label_binarize(labels, classes=list(range(5)))
    np.testing.assert_array_equal(data.one_hot(labels, 5), expected)


def test_one_hot_errors():
    with pytest.raises(TypeError, match="labels must hold integer class indices"):
        data.one_hot(np.array([0.0, 1.0]), 2)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        data.one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError):
        data.one_hot(np.array([-1]), 3)
