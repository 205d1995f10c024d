"""One drawing function, two renderings: a live explorer for Jupyter and a static grid for HTML.

A chapter writes its picture once, as ``draw(ax, **params)`` that draws on the matplotlib axes
it is given. :func:`explore` turns it into an ipywidgets explorer with one slider per parameter
(Jupyter only: a static page cannot run it); :func:`static_grid` draws it for a short list of
parameter settings side by side, which is what a reader of the HTML book sees instead.
:func:`param_grid` builds that list as a Cartesian product::

    def draw(ax, n, rho):
        ...

    explore(draw, n=(2, 40, 1), rho=(0.5, 40.0, 0.5))              # in Jupyter
    fig = static_grid(draw, param_grid(rho=[2, 30], n=[3, 6, 12]), ncols=3)

Both check the parameter names against ``draw``'s signature before drawing anything, so a
typo fails at once with a message naming the parameter.
"""
import inspect
import itertools
import math
import numbers
from collections.abc import Mapping

import matplotlib.pyplot as plt

from ._validation import check_positive_int

__all__ = ["explore", "static_grid", "param_grid"]


def _check_draw(draw, names):
    """Raise ``TypeError`` unless ``draw(ax, **{name: ...})`` is a valid call for ``names``."""
    if not callable(draw):
        raise TypeError(f"draw must be a callable draw(ax, **params), got {type(draw).__name__}")
    try:
        signature = inspect.signature(draw)
    except (TypeError, ValueError):  # a builtin or C callable: nothing to check against
        return
    try:
        signature.bind(None, **{name: None for name in names})
    except TypeError as exc:
        raise TypeError(f"draw{signature} cannot be called as draw(ax, "
                        f"{', '.join(f'{n}=...' for n in names)}): {exc}") from None


def _format_value(value):
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)):
        return f"{float(value):g}"
    return str(value)


def _default_title(params):
    return ", ".join(f"{key} = {_format_value(value)}" for key, value in params.items())


def param_grid(**values):
    """All combinations of the given parameter values, as a list of dicts.

    The first keyword varies slowest, so with ``ncols`` equal to the number of values of the
    last keyword, :func:`static_grid` puts one setting of the other keywords on each row.

    Parameters
    ----------
    **values : sequence
        For each parameter name, the non-empty list of values it takes.

    Returns
    -------
    list of dict
        ``len`` is the product of the lengths of the value lists.

    Examples
    --------
    >>> param_grid(rho=[2, 30], n=[3, 6])
    [{'rho': 2, 'n': 3}, {'rho': 2, 'n': 6}, {'rho': 30, 'n': 3}, {'rho': 30, 'n': 6}]
    """
    if not values:
        raise ValueError("param_grid needs at least one parameter, e.g. param_grid(n=[2, 4])")
    lists = {}
    for name, vals in values.items():
        if isinstance(vals, (str, bytes, Mapping)) or not hasattr(vals, "__iter__"):
            raise TypeError(f"the values of {name!r} must be a list or tuple, "
                            f"got {type(vals).__name__}")
        vals = list(vals)
        if not vals:
            raise ValueError(f"the values of {name!r} must not be empty")
        lists[name] = vals
    names = list(lists)
    return [dict(zip(names, combo)) for combo in itertools.product(*lists.values())]


def static_grid(draw, param_values, *, ncols=3, title=None, figsize=None, sharex=True,
                sharey=True, suptitle=None):
    """Draw ``draw(ax, **params)`` once per parameter dict, in a grid of panels.

    This is the static counterpart of :func:`explore`: the HTML book cannot run a slider, so it
    shows a few well-chosen settings side by side.

    Parameters
    ----------
    draw : callable
        ``draw(ax, **params)`` draws on the matplotlib ``Axes`` ``ax``; its return value is
        ignored.
    param_values : sequence of Mapping
        One dict of keyword arguments per panel, in reading order (left to right, then down).
        :func:`param_grid` builds such a list.
    ncols : int, default 3
        Panels per row; the number of rows is ``ceil(len(param_values) / ncols)``. Unused
        cells of the last row are hidden.
    title : None, str, callable or False, default None
        Panel titles. None writes ``"name = value, ..."``; a string is a format string filled
        with the parameters (``"n = {n}"``); a callable maps the parameter dict to the title;
        False leaves the panels untitled.
    figsize : (float, float), optional
        Defaults to 3 inches per column (at most 9) by 2.25 inches per row (at most 4.5).
    sharex, sharey : bool, default True
        Passed to :func:`matplotlib.pyplot.subplots`, so the panels are comparable.
    suptitle : str, optional
        A title over the whole figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; its first ``len(param_values)`` axes (``fig.axes``) hold the panels in order.

    Raises
    ------
    TypeError
        If ``draw`` is not callable or does not accept a parameter, if an entry of
        ``param_values`` is not a mapping, or if ``ncols`` or ``title`` has the wrong type.
    ValueError
        If ``param_values`` is empty or ``ncols`` is not positive.
    """
    if isinstance(param_values, Mapping):
        raise TypeError("param_values must be a list of dicts (one per panel), got a single "
                        "mapping; wrap it in a list or use param_grid(...)")
    try:
        param_values = list(param_values)
    except TypeError:
        raise TypeError("param_values must be a list of dicts (one per panel), got "
                        f"{type(param_values).__name__}") from None
    if not param_values:
        raise ValueError("param_values is empty: give at least one dict of parameters")
    for i, params in enumerate(param_values):
        if not isinstance(params, Mapping):
            raise TypeError(f"param_values[{i}] must be a dict of parameters, "
                            f"got {type(params).__name__}")
        _check_draw(draw, list(params))
    ncols = check_positive_int(ncols, "ncols")
    if not (title is None or title is False or isinstance(title, str) or callable(title)):
        raise TypeError("title must be None, False, a format string or a callable, "
                        f"got {type(title).__name__}")

    n_panels = len(param_values)
    ncols = min(ncols, n_panels)
    nrows = math.ceil(n_panels / ncols)
    if figsize is None:
        figsize = (min(9.0, 3.0 * ncols), min(4.5, 2.25 * nrows))
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, sharex=sharex, sharey=sharey,
                             squeeze=False, layout="constrained")
    flat = axes.ravel()
    for ax, params in zip(flat, param_values):
        draw(ax, **params)
        if title is None:
            ax.set_title(_default_title(params))
        elif isinstance(title, str):
            ax.set_title(title.format(**params))
        elif title is not False:
            ax.set_title(str(title(dict(params))))
    for ax in flat[n_panels:]:
        fig.delaxes(ax)
    if suptitle is not None:
        fig.suptitle(suptitle)
    return fig


def explore(draw, *, figsize=None, initial=None, **sliders):
    """An ipywidgets explorer that redraws ``draw(ax, **params)`` whenever a slider moves.

    Each change draws on a fresh figure (so nothing from the previous setting lingers),
    displays it in the widget's output area and closes it.

    Parameters
    ----------
    draw : callable
        ``draw(ax, **params)`` draws on the matplotlib ``Axes`` ``ax``.
    figsize : (float, float), optional
        Size of each figure; matplotlib's current default when omitted.
    initial : dict, optional
        Starting value of some controls, e.g. the setting the text discusses
        (``initial={"n": 12}``); the others start where ipywidgets puts them (a slider at the
        middle of its range, a dropdown at its first entry).
    **sliders
        One control per parameter of ``draw``, in ipywidgets' ``interact`` abbreviations:
        ``(min, max)`` or ``(min, max, step)`` for a slider (integer if all three are ints),
        a list for a dropdown, a bool for a checkbox, or a widget.

    Returns
    -------
    ipywidgets.interactive
        A widget box (controls and an output area); display it, or leave it as the last
        expression of a cell. It has already drawn once, with the controls' initial values.

    Raises
    ------
    TypeError
        If ``draw`` is not callable or does not accept one of the slider names.
    ValueError
        If no slider is given.
    ImportError
        If ipywidgets is not installed.
    """
    if not sliders:
        raise ValueError("explore needs at least one slider, e.g. explore(draw, n=(1, 20, 1))")
    _check_draw(draw, list(sliders))
    initial = {} if initial is None else dict(initial)
    unknown = sorted(set(initial) - set(sliders))
    if unknown:
        raise ValueError(f"initial names controls that do not exist: {unknown}; the controls "
                         f"are {sorted(sliders)}")
    try:
        import ipywidgets
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("explore needs ipywidgets (pip install ipywidgets); "
                          "use static_grid for a figure without a kernel") from None
    from IPython.display import display

    def update(**params):
        fig, ax = plt.subplots(figsize=figsize)
        try:
            draw(ax, **params)
            display(fig)
        finally:
            plt.close(fig)

    controls = dict(sliders)
    for name, value in initial.items():
        if isinstance(controls[name], bool) and isinstance(value, bool):
            controls[name] = value          # a checkbox's abbreviation is its starting value
            continue
        widget = ipywidgets.interactive.widget_from_abbrev(controls[name], value)
        if widget is None or widget.value != value:
            raise ValueError(f"initial value {value!r} of {name!r} does not fit its control "
                             f"{controls[name]!r}")
        controls[name] = widget
    return ipywidgets.interactive(update, **controls)
