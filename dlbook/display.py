"""Show dlbook's own source in the book, and format numbers for the prose."""
import inspect
import numbers
import re
import textwrap

__all__ = ["show_source", "human"]

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


def show_source(obj):
    """Return the source of a dlbook function, class or method as a highlighted code block.

    In Jupyter and in the HTML book it renders with syntax highlighting; its plain-text form
    (what nbval compares) is the source itself, so a change in the library without re-executing
    the chapter fails the tests.
    """
    from IPython.display import Code
    try:
        source = inspect.getsource(obj)
    except (TypeError, OSError) as exc:
        raise TypeError(f"cannot show the source of {obj!r}: {exc}") from None
    return Code(textwrap.dedent(source), language="python")
