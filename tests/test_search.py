"""dlbook.search: ParameterGrid parity with scikit-learn, reproducible random search, the
log-uniform distribution (bounds and uniformity in log space), the search results, and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import search

sklearn = pytest.importorskip("sklearn")
from sklearn.model_selection import ParameterGrid as SkParameterGrid  # noqa: E402

stats = pytest.importorskip("scipy.stats")


# --------------------------------------------------------------------------- grid parity
GRIDS = [
    {"lr": [0.1, 0.01, 0.001], "momentum": [0.5, 0.9, 0.99]},
    {"momentum": [0.5, 0.9], "lr": [0.1, 0.01, 0.001]},                   # key order irrelevant
    {"b": [True, False], "a": [1, 2], "c": ["x", "y", "z"]},
    {"width": np.array([16, 32, 64]), "depth": (1, 2)},
    {"only": [3.0]},
    {},
    [{"kernel": ["linear"]}, {"kernel": ["rbf"], "gamma": [1, 10]}],
    [{}, {"x": [1, 2]}, {}],
    [{"optimizer": ["adam"], "lr": [1e-3, 1e-4]},
     {"optimizer": ["sgd"], "lr": [0.1, 0.01], "momentum": [0.0, 0.9]}],
]


@pytest.mark.parametrize("grid", GRIDS)
def test_grid_order_length_and_indexing_match_sklearn(grid):
    ours, theirs = search.ParameterGrid(grid), SkParameterGrid(grid)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)
    for i in range(len(theirs)):
        assert ours[i] == theirs[i] == list(theirs)[i]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.text("abcdef", min_size=1, max_size=3),
                                st.lists(st.integers(-5, 5), min_size=1, max_size=4),
                                max_size=4), min_size=1, max_size=3))
def test_random_grids_match_sklearn(grids):
    ours, theirs = search.ParameterGrid(grids), SkParameterGrid(grids)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)
    assert [ours[i] for i in range(len(ours))] == [theirs[i] for i in range(len(theirs))]


def test_grid_negative_index_and_out_of_range():
    grid = search.ParameterGrid({"a": [1, 2, 3], "b": [4, 5]})
    assert grid[-1] == list(grid)[-1] == {"a": 3, "b": 5}
    with pytest.raises(IndexError):
        grid[6]
    with pytest.raises(IndexError):
        grid[-7]
    with pytest.raises(TypeError):
        grid[1.0]


def test_the_last_name_varies_fastest():
    points = list(search.ParameterGrid({"lr": [1, 2], "momentum": [7, 8, 9]}))
    assert [p["momentum"] for p in points] == [7, 8, 9, 7, 8, 9]
    assert [p["lr"] for p in points] == [1, 1, 1, 2, 2, 2]


# --------------------------------------------------------------------------- grid search
def test_grid_search_evaluates_every_point_in_grid_order():
    calls = []

    def fn(lr, momentum):
        calls.append((lr, momentum))
        return (np.log10(lr) + 2) ** 2 + (momentum - 0.9) ** 2

    res = search.grid_search(fn, {"momentum": [0.5, 0.9, 0.99], "lr": [0.1, 0.01, 0.001]})
    expected = [(p["lr"], p["momentum"]) for p in SkParameterGrid(
        {"momentum": [0.5, 0.9, 0.99], "lr": [0.1, 0.01, 0.001]})]
    assert calls == expected
    assert res.names == ("lr", "momentum")
    assert res.points.shape == (9, 2) and res.points.dtype == np.float64
    np.testing.assert_array_equal(res.points, np.array(expected))
    np.testing.assert_allclose(res.scores, [fn(*e) for e in expected])
    assert res.best_params == {"lr": 0.01, "momentum": 0.9}
    assert res.best_score == pytest.approx(0.0, abs=1e-15)
    assert res.best_index == expected.index((0.01, 0.9))


def test_maximize_and_nan_scores():
    res = search.grid_search(lambda x: np.nan if x == 3 else -abs(x - 2), {"x": [0, 1, 2, 3]},
                             maximize=True)
    assert np.isnan(res.scores[3])
    assert res.best_params == {"x": 2}
    res = search.grid_search(lambda x: np.nan if x == 3 else abs(x - 2.5), {"x": [0, 1, 2, 3]})
    assert res.best_params == {"x": 2}                       # the NaN at x = 3 is never the best
    all_nan = search.grid_search(lambda x: np.nan, {"x": [1, 2]})
    with pytest.raises(ValueError, match="NaN"):
        all_nan.best_index


def test_mixed_and_missing_parameters_give_an_object_or_nan_table():
    res = search.grid_search(lambda **p: float(len(p)),
                             [{"optimizer": ["adam"]}, {"optimizer": ["sgd"], "momentum": [0.9]}])
    assert res.names == ("momentum", "optimizer")
    assert res.points.dtype == object
    assert res.points[0, 0] is None and res.points[1, 1] == "sgd"
    res = search.grid_search(lambda **p: 0.0, [{"a": [1.0]}, {"a": [2.0], "b": [3.0]}])
    assert res.points.dtype == np.float64
    assert np.isnan(res.points[0, 1]) and res.points[1, 1] == 3.0


def test_vectorized_equals_pointwise():
    f = lambda x, y: (x - 0.3) ** 2 + 0.01 * np.sin(7 * y)  # noqa: E731
    grid = {"x": np.linspace(0, 1, 5), "y": np.linspace(0, 1, 4)}
    a = search.grid_search(f, grid)
    b = search.grid_search(f, grid, vectorized=True)
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-15)
    np.testing.assert_array_equal(a.points, b.points)
    dists = {"x": (0.0, 1.0, "linear"), "y": (1e-3, 1.0, "log")}
    c = search.random_search(f, dists, 50, generator=3)
    d = search.random_search(f, dists, 50, generator=3, vectorized=True)
    np.testing.assert_allclose(c.scores, d.scores, rtol=1e-15)
    assert c.best_params == d.best_params


# --------------------------------------------------------------------------- random search
DISTS = {"lr": (1e-4, 1.0, "log"), "momentum": (0.5, 0.99, "linear"),
         "optimizer": ["sgd", "adam", "rmsprop"],
         "width": lambda g: int(2 ** g.integers(4, 9))}


def test_random_search_is_reproducible_by_seed():
    f = lambda lr, momentum, optimizer, width: lr * momentum + width  # noqa: E731
    a = search.random_search(f, DISTS, 20, generator=7)
    b = search.random_search(f, DISTS, 20, generator=np.random.default_rng(7))
    c = search.random_search(f, DISTS, 20, generator=8)
    assert a.params == b.params
    np.testing.assert_array_equal(a.scores, b.scores)
    assert a.params != c.params
    assert a.points.dtype == object and a.points.shape == (20, 4)
    assert a.names == ("lr", "momentum", "optimizer", "width")


def test_default_generator_is_dlbooks(restore_default_generator):
    import dlbook
    dlbook.manual_seed(5)
    a = search.sample_parameters(DISTS, 10)
    dlbook.manual_seed(5)
    b = search.sample_parameters(DISTS, 10)
    assert a == b


def test_random_search_consumes_a_passed_generator():
    g = np.random.default_rng(0)
    first = search.sample_parameters({"x": (0.0, 1.0, "linear")}, 5, generator=g)
    second = search.sample_parameters({"x": (0.0, 1.0, "linear")}, 5, generator=g)
    assert first != second


def test_adding_a_later_parameter_keeps_the_earlier_draws():
    a = search.sample_parameters({"lr": (1e-4, 1.0, "log")}, 30, generator=1)
    b = search.sample_parameters({"lr": (1e-4, 1.0, "log"), "zeta": ["a", "b"]}, 30, generator=1)
    assert [p["lr"] for p in a] == [p["lr"] for p in b]


def test_sampled_values_respect_their_specs():
    pts = search.sample_parameters(DISTS, 500, generator=2)
    lr = np.array([p["lr"] for p in pts])
    mom = np.array([p["momentum"] for p in pts])
    assert lr.min() >= 1e-4 and lr.max() < 1.0
    assert mom.min() >= 0.5 and mom.max() < 0.99
    assert {p["optimizer"] for p in pts} == {"sgd", "adam", "rmsprop"}
    assert {p["width"] for p in pts} <= {16, 32, 64, 128, 256}
    assert all(type(p["lr"]) is float and type(p["momentum"]) is float for p in pts)


def test_scipy_distributions_are_accepted():
    pts = search.sample_parameters({"lr": stats.loguniform(1e-3, 1e-1)}, 100, generator=0)
    lr = np.array([p["lr"] for p in pts])
    assert lr.min() >= 1e-3 and lr.max() <= 1e-1


def test_choices_are_uniform():
    pts = search.sample_parameters({"c": ["a", "b", "c", "d"]}, 4000, generator=11)
    counts = np.array([sum(p["c"] == k for p in pts) for k in "abcd"])
    assert stats.chisquare(counts).pvalue > 1e-3


# --------------------------------------------------------------------------- log-uniform
@pytest.mark.parametrize("low, high", [(1e-5, 1.0), (1e-3, 1e-1), (0.5, 2.0), (1.0, 1e6)])
def test_log_uniform_is_within_bounds_and_uniform_in_log_space(low, high):
    x = search.log_uniform(low, high, 20000, generator=np.random.default_rng(123))
    assert x.shape == (20000,)
    assert x.min() >= low and x.max() < high
    u = (np.log(x) - np.log(low)) / (np.log(high) - np.log(low))     # uniform on [0, 1)
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert stats.kstest(x, stats.loguniform(low, high).cdf).pvalue > 1e-3


def test_log_uniform_gives_each_decade_the_same_share():
    x = search.log_uniform(1e-5, 1.0, 50000, generator=np.random.default_rng(0))
    counts = np.histogram(np.log10(x), bins=np.arange(-5, 1))[0]
    assert stats.chisquare(counts).pvalue > 1e-3
    # a linear-uniform draw on the same range would put 90 % of its mass in the top decade
    assert abs(counts[-1] / counts.sum() - 0.2) < 0.01


def test_log_uniform_scalar_shape_and_formula():
    g1, g2 = np.random.default_rng(4), np.random.default_rng(4)
    x = search.log_uniform(1e-3, 10.0, (3, 2), generator=g1)
    u = g2.uniform(size=(3, 2))
    np.testing.assert_allclose(x, 1e-3 * (10.0 / 1e-3) ** u, rtol=1e-12)
    assert isinstance(search.log_uniform(1e-3, 1.0, generator=0), float)


def test_log_range_in_sample_parameters_is_log_uniform():
    pts = search.sample_parameters({"lam": (1e-6, 1e-1, "log")}, 20000, generator=9)
    lam = np.array([p["lam"] for p in pts])
    assert lam.min() >= 1e-6 and lam.max() < 1e-1
    assert stats.kstest(np.log10(lam), stats.uniform(-6, 5).cdf).pvalue > 1e-3


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("grid, exc, match", [
    ("lr", TypeError, "dict"),
    (3, TypeError, "dict"),
    ([{"a": [1]}, 5], TypeError, "dict"),
    ({"a": 1}, TypeError, "list"),
    ({"a": "abc"}, TypeError, "list"),
    ({"a": []}, ValueError, "non-empty"),
    ({"a": np.zeros((2, 2))}, ValueError, "1-D"),
    ({1: [1, 2]}, TypeError, "strings"),
])
def test_grid_errors(grid, exc, match):
    with pytest.raises(exc, match=match):
        search.ParameterGrid(grid)


@pytest.mark.parametrize("dists, exc, match", [
    ({"lr": (0.0, 1.0, "log")}, ValueError, "0 < low"),
    ({"lr": (-1.0, 1.0, "log")}, ValueError, "0 < low"),
    ({"lr": (1.0, 0.1, "linear")}, ValueError, "low < high"),
    ({"lr": (0.1, 0.1, "log")}, ValueError, "low < high"),
    ({"lr": (0.0, np.inf, "linear")}, ValueError,
     r"the range of 'lr': high must be a real number in \(-inf, inf\), got inf"),
    ({"lr": (1e-3, 1.0, "ln")}, ValueError, "'linear' | 'log'"),
    ({"lr": (1e-3, 1.0)}, ValueError, "'linear' | 'log'"),
    ({"lr": ("a", 1.0, "log")}, TypeError,
     r"the range of 'lr': low must be a real number in \(-inf, inf\), got str 'a'"),
    ({"lr": 0.1}, TypeError, "distribution"),
    ({"lr": []}, ValueError, "non-empty"),
    (["lr"], TypeError, "dict"),
    ({3: (0.0, 1.0, "linear")}, TypeError, "strings"),
])
def test_distribution_errors(dists, exc, match):
    with pytest.raises(exc, match=match):
        search.sample_parameters(dists, 3, generator=0)


@pytest.mark.parametrize("n, exc", [(0, ValueError), (-2, ValueError), (2.0, TypeError),
                                    (True, TypeError)])
def test_n_trials_errors(n, exc):
    with pytest.raises(exc):
        search.random_search(lambda x: x, {"x": (0.0, 1.0, "linear")}, n, generator=0)


def test_generator_and_function_errors():
    with pytest.raises(TypeError, match="generator"):
        search.sample_parameters({"x": [1]}, 2, generator="seed")
    with pytest.raises(ValueError, match="generator seed must be a non-negative int"):
        search.log_uniform(1e-3, 1.0, 2, generator=-1)
    with pytest.raises(TypeError, match="callable"):
        search.grid_search("not a function", {"x": [1]})
    with pytest.raises(TypeError, match="callable"):
        search.random_search(None, {"x": [1]}, 2, generator=0)
    with pytest.raises(TypeError, match="real number"):
        search.grid_search(lambda x: "bad", {"x": [1]})
    with pytest.raises(TypeError, match="real number"):
        search.grid_search(lambda x: np.array([1.0, 2.0]), {"x": [1]})
    with pytest.raises(TypeError, match="maximize must be a bool, got str 'yes'"):
        search.grid_search(lambda x: x, {"x": [1]}, maximize="yes")
    with pytest.raises(ValueError, match="shape"):
        search.grid_search(lambda x: np.zeros(3), {"x": [1, 2]}, vectorized=True)
    with pytest.raises(ValueError, match="same parameters"):
        search.grid_search(lambda **p: np.zeros(2), [{"x": [1]}, {"y": [2]}], vectorized=True)
    with pytest.raises(ValueError, match="0 < low"):
        search.log_uniform(0.0, 1.0, 3, generator=0)
