"""Show dlbook's own source in the book, so text and library cannot drift apart."""
import inspect
import textwrap

__all__ = ["show_source"]


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
