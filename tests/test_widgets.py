"""Tests for dlbook.widgets: the static grid, the parameter grid and the Jupyter explorer."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from dlbook.widgets import explore, param_grid, static_grid  # noqa: E402


def draw_line(ax, slope, offset=0.0):
    ax.plot([0.0, 1.0], [offset, offset + slope])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------- param_grid
def test_param_grid_is_cartesian_product_first_key_slowest():
    grid = param_grid(a=[1, 2], b=["x", "y", "z"])
    assert len(grid) == 6
    assert grid[0] == {"a": 1, "b": "x"}
    assert grid[2] == {"a": 1, "b": "z"}
    assert grid[3] == {"a": 2, "b": "x"}


def test_param_grid_accepts_tuples_and_ranges():
    assert param_grid(n=range(3)) == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert param_grid(n=(5,)) == [{"n": 5}]


@pytest.mark.parametrize("kwargs, exc, match", [
    ({}, ValueError, "at least one parameter"),
    ({"n": []}, ValueError, "'n' must not be empty"),
    ({"n": 3}, TypeError, "'n' must be a list"),
    ({"n": "abc"}, TypeError, "'n' must be a list"),
])
def test_param_grid_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        param_grid(**kwargs)


# --------------------------------------------------------------------------- static_grid
def test_static_grid_one_panel_per_setting_with_default_titles():
    params = param_grid(offset=[0.0, 1.5], slope=[1, 2, 3])
    fig = static_grid(draw_line, params, ncols=3)
    assert isinstance(fig, matplotlib.figure.Figure)
    assert len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes] == [
        "offset = 0, slope = 1", "offset = 0, slope = 2", "offset = 0, slope = 3",
        "offset = 1.5, slope = 1", "offset = 1.5, slope = 2", "offset = 1.5, slope = 3"]
    # each panel really was drawn with its own parameters
    ends = [ax.lines[0].get_ydata()[-1] for ax in fig.axes]
    assert ends == [1.0, 2.0, 3.0, 2.5, 3.5, 4.5]


def test_static_grid_layout_and_unused_cells_removed():
    fig = static_grid(draw_line, [{"slope": s} for s in range(5)], ncols=2)
    assert len(fig.axes) == 5  # the sixth cell of the 3 x 2 grid is removed
    rows_cols = {ax.get_subplotspec().get_geometry()[:2] for ax in fig.axes}
    assert rows_cols == {(3, 2)}


def test_static_grid_ncols_larger_than_panels_gives_one_row():
    fig = static_grid(draw_line, [{"slope": 1}, {"slope": 2}], ncols=5)
    assert len(fig.axes) == 2
    assert {ax.get_subplotspec().get_geometry()[:2] for ax in fig.axes} == {(1, 2)}


def test_static_grid_default_figsize_is_capped():
    fig = static_grid(draw_line, [{"slope": s} for s in range(12)], ncols=6)
    width, height = fig.get_size_inches()
    assert width <= 9.0 and height <= 4.5
    fig = static_grid(draw_line, [{"slope": 1}], figsize=(2.0, 1.5))
    assert tuple(fig.get_size_inches()) == (2.0, 1.5)


def test_static_grid_title_options():
    params = [{"slope": 1, "offset": 0.25}, {"slope": 2, "offset": 0.5}]
    fig = static_grid(draw_line, params, title="m={slope}, c={offset:.2f}")
    assert [ax.get_title() for ax in fig.axes] == ["m=1, c=0.25", "m=2, c=0.50"]
    fig = static_grid(draw_line, params, title=lambda p: f"slope {p['slope']}")
    assert [ax.get_title() for ax in fig.axes] == ["slope 1", "slope 2"]
    fig = static_grid(draw_line, params, title=False, suptitle="lines")
    assert [ax.get_title() for ax in fig.axes] == ["", ""]
    assert fig._suptitle.get_text() == "lines"


@pytest.mark.parametrize("param_values, exc, match", [
    ([], ValueError, "param_values is empty"),
    ({"slope": 1}, TypeError, "single mapping"),
    (5, TypeError, "list of dicts"),
    ([{"slope": 1}, 2], TypeError, r"param_values\[1\] must be a dict"),
    ([{"slope": 1, "colour": "red"}], TypeError, "colour"),
    ([{"offset": 1.0}], TypeError, "slope"),  # a required parameter is missing
])
def test_static_grid_rejects_bad_param_values(param_values, exc, match):
    with pytest.raises(exc, match=match):
        static_grid(draw_line, param_values)


@pytest.mark.parametrize("ncols, exc", [(0, ValueError), (-2, ValueError), (1.5, TypeError),
                                        (True, TypeError), ("3", TypeError)])
def test_static_grid_rejects_bad_ncols(ncols, exc):
    with pytest.raises(exc, match="ncols must be a positive int"):
        static_grid(draw_line, [{"slope": 1}], ncols=ncols)


def test_static_grid_rejects_bad_draw_and_title():
    with pytest.raises(TypeError, match="draw must be a callable"):
        static_grid("not a function", [{"slope": 1}])
    with pytest.raises(TypeError, match="title must be"):
        static_grid(draw_line, [{"slope": 1}], title=3)


def test_static_grid_validates_before_drawing():
    calls = []

    def draw(ax, n):
        calls.append(n)

    with pytest.raises(TypeError):
        static_grid(draw, [{"n": 1}, {"m": 2}])
    assert calls == []


def test_static_grid_accepts_draw_with_var_kwargs():
    seen = []
    fig = static_grid(lambda ax, **p: seen.append(p), [{"a": 1, "b": 2}], title=False)
    assert seen == [{"a": 1, "b": 2}] and len(fig.axes) == 1


# --------------------------------------------------------------------------- explore
def test_explore_builds_one_control_per_parameter_and_draws_once():
    ipywidgets = pytest.importorskip("ipywidgets")
    calls = []

    def draw(ax, n, rho):
        calls.append((n, rho))
        ax.plot([0, 1], [0, n])

    w = explore(draw, n=(1, 9, 1), rho=[0.5, 2.0])
    assert isinstance(w, ipywidgets.interactive)
    controls = [c for c in w.children if not isinstance(c, ipywidgets.Output)]
    assert [c.description for c in controls] == ["n", "rho"]
    assert isinstance(controls[0], ipywidgets.IntSlider)
    assert isinstance(controls[1], ipywidgets.Dropdown)
    assert calls == [(5, 0.5)]  # drawn once with the initial values
    controls[0].value = 8
    assert calls[-1] == (8, 0.5)
    assert plt.get_fignums() == []  # every figure is closed after it is shown


def test_explore_errors():
    pytest.importorskip("ipywidgets")
    with pytest.raises(ValueError, match="at least one slider"):
        explore(draw_line)
    with pytest.raises(TypeError, match="colour"):
        explore(draw_line, slope=(0, 1), colour=["red", "blue"])
    with pytest.raises(TypeError, match="draw must be a callable"):
        explore(None, slope=(0, 1))


def test_explore_starts_at_the_initial_values():
    pytest.importorskip("ipywidgets")
    from dlbook.widgets import explore

    def draw(ax, n, rho, fast=False):
        ax.plot([0, n], [0, rho])

    widget = explore(draw, n=(2, 40, 1), rho=(0.5, 40.0, 0.5), fast=False,
                     initial={"n": 12, "rho": 6.0, "fast": True})
    assert [c.value for c in widget.children[:3]] == [12, 6.0, True]
    with pytest.raises(ValueError, match="do not exist"):
        explore(draw, n=(2, 40, 1), rho=(0.5, 40.0, 0.5), initial={"m": 1})
    with pytest.raises(ValueError, match="does not fit"):
        explore(draw, n=(2, 40, 1), rho=(0.5, 40.0, 0.5), initial={"n": 100})
