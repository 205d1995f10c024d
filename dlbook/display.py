"""Show dlbook's own source in the book, and put computed numbers into the prose."""
import inspect
import numbers
import re
import textwrap

__all__ = ["show_source", "human", "glue", "glued"]

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def human(value, spec=".3g"):
    """Format a number for reading: ``spec`` as in ``format``, e-notation as a power of ten.

    ``human(1.758e-4, ".2e")`` is ``'1.76 × 10⁻⁴'``; a number that ``spec`` prints without an
    exponent is returned as ``format`` prints it (``human(0.25, ".2g")`` is ``'0.25'``). Plain
    text with Unicode superscripts, so it reads the same in the HTML book and in Jupyter.

    Examples
    --------
    >>> human(1.6e5, ".1e"), human(-3.4e-4, ".1e"), human(1e-18, ".0e"), human(12.5, ".3g")
    ('1.6 × 10⁵', '−3.4 × 10⁻⁴', '10⁻¹⁸', '12.5')
    """
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"value must be a real number, got {type(value).__name__}")
    if not isinstance(spec, str):
        raise TypeError(f"spec must be a format specification str, got {type(spec).__name__}")
    text = format(value, spec)
    match = re.fullmatch(r"(-?)(\d+(?:\.\d+)?)e([-+]\d+)", text)
    if match is None:
        return text.replace("-", "−") if text.startswith("-") else text
    sign, mantissa, exponent = match.groups()
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    sign = "−" if sign else ""
    return f"{sign}{power}" if mantissa == "1" else f"{sign}{mantissa} × {power}"


#: Every value glued in this kernel, by name. The prose quotes one as an inline expression,
#: ``{eval}`glued["name"]```, which JupyterLab (with jupyterlab-myst) evaluates when the Markdown
#: cell runs, and which the HTML book shows from the glued record.
glued = {}


def glue(name, value):
    """Record ``value`` under ``name`` for the prose, and keep it in :data:`glued`.

    The record is a cell output of MyST-NB's ``glue`` that is invisible in both renderers (its
    MIME type is MyST-NB's); nbval compares it with the stored one, so every number the prose
    quotes is checked whenever the chapter runs. Returns ``None``, so a cell that ends with a
    ``glue`` call shows nothing.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    from myst_nb import glue as record
    record(name, value, display=False)
    glued[name] = value


#: A Sphinx role in a docstring: ``:func:`dlbook.no_grad```, ``:math:`W^l```, ``:class:`~a.B```.
_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|attr|data|mod|obj|exc|math|ref|doc|term):"
                   r"`(~?)([^`]+)`")


def _plain_role(match):
    tilde, target = match.groups()
    return target.rsplit(".", 1)[-1] if tilde else target


def show_source(obj):
    """Return the source of a dlbook function, class or method as a highlighted code block.

    In Jupyter and in the HTML book it renders with syntax highlighting. The docstrings' Sphinx
    roles are shown as their plain text (``:math:`W^l``` as ``W^l``, ``:func:`~dlbook.no_grad```
    as ``no_grad``); everything else is the source exactly. Its plain-text form (what nbval
    compares) is that text, so a change in the library without re-executing the chapter fails
    the tests.
    """
    from IPython.display import Code
    try:
        source = inspect.getsource(obj)
    except (TypeError, OSError) as exc:
        raise TypeError(f"cannot show the source of {obj!r}: {exc}") from None
    return Code(_ROLE.sub(_plain_role, textwrap.dedent(source)), language="python")
