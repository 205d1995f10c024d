"""The book's figure style and a few figures that several chapters draw."""
import functools
import sys

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["use_book_style", "COLORS", "plot_learning_curves", "plot_confusion_matrix"]

#: A color-blind-safe cycle (Okabe–Ito), used for every line in the book.
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]


#: PNG metadata of the figures a notebook shows or glues: matplotlib would otherwise write
#: "Software: Matplotlib version ..." into every image, and nbval compares the stored bytes.
PNG_METADATA = {"Software": None}


def use_book_style():
    """Apply the book's matplotlib style (call once per notebook, before its first figure).

    In a notebook it also makes the PNG of every figure shown inline or stored with myst-nb's
    ``glue`` carry no matplotlib version (see :data:`PNG_METADATA`), so a stored figure's
    bytes change only when its pixels do.
    """
    _png_figures_without_version()
    mpl.rcParams.update({
        "figure.figsize": (6.4, 3.6),
        # 144 dots per inch: sharp on high-density screens once the HTML column scales a 6.4-inch
        # figure (922 px) down to its width; about twice the bytes of 100 dpi.
        "figure.dpi": 144,
        "savefig.dpi": 144,
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": mpl.cycler(color=COLORS),
        "legend.frameon": False,
        "lines.linewidth": 1.6,
        "image.cmap": "viridis",
        "svg.hashsalt": "dlbook",
    })


def _png_figures_without_version():
    """Pass :data:`PNG_METADATA` to the function IPython uses to render figures as PNG.

    Only the PNG renderer of the inline backend (plain or retina) is changed: other formats
    do not take a ``Software`` key. Outside a notebook this does nothing.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or "inline" not in mpl.get_backend():
        return
    # matplotlib loads its backend at the first figure, and the inline backend registers
    # IPython's figure renderers when it loads: load it now so there is a renderer to adjust.
    import matplotlib_inline.backend_inline  # noqa: F401
    from IPython.core.pylabtools import print_figure, retina_figure
    from matplotlib.figure import Figure

    png = shell.display_formatter.formatters["image/png"]
    render = png.for_type(Figure)
    if isinstance(render, functools.partial) and render.func in (print_figure, retina_figure):
        png.for_type(Figure, functools.partial(render, metadata=PNG_METADATA))


def plot_learning_curves(history, ax=None, *, keys=None, xlabel="epoch", ylabel=None):
    """Plot the lists in ``history`` (a dict of name -> per-epoch values) against the epoch."""
    if ax is None:
        _, ax = plt.subplots()
    for key in keys or list(history):
        values = np.asarray(history[key])
        ax.plot(np.arange(1, len(values) + 1), values, label=key)
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_confusion_matrix(cm, ax=None, *, labels=None):
    """Show a confusion matrix (rows: true class, columns: predicted) with counts written in."""
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"confusion matrix must be square, got shape {cm.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.imshow(cm, cmap="Blues")
    ax.grid(False)
    n = cm.shape[0]
    labels = list(range(n)) if labels is None else labels
    ax.set_xticks(range(n), labels)
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    threshold = cm.max() / 2 if cm.size else 0
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if cm[i, j] > threshold else "black")
    return ax
