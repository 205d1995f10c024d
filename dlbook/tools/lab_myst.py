"""The MyST dialect of the chapters: what JupyterLab renders, and its Sphinx equivalents.

The chapters are written in the MyST that JupyterLab renders with the jupyterlab-myst extension,
so a reader who runs a notebook sees what the HTML reader sees. Four constructs of that dialect
have a Sphinx counterpart with more to offer (a checked record, a bibliography entry, a number
resolved across pages); :func:`translate_notebook` rewrites a notebook's Markdown into it, and
the book's Sphinx extension ``book/_ext/lab_syntax.py`` applies it when Sphinx reads a chapter:

* ``{eval}`glued["key"]``` (an inline expression, evaluated by JupyterLab in the kernel) becomes
  ``{glue:text}`key```, the record that :func:`dlbook.display.glue` stored in the notebook and
  that nbval compares. Any other inline expression is an error: the HTML book has no kernel.
* ``[(Author, 1997)](cite:key)`` and ``[Author (1997)](citet:key)`` become ``{cite:p}`key``` and
  ``{cite:t}`key```: a linked citation and a bibliography entry.
* ``[(21.6)](eq:label)`` (an equation of another chapter) becomes ``{eq}`label```, so the number
  is Sphinx's own; ``tests/test_book.py`` checks that the text JupyterLab shows agrees with it.
* A Markdown cell that is only a caption block, ``:::{figure}`` without an image, with ``:name:``
  and ``:alt:``, captions the figure that the code cell before it displays. JupyterLab renders
  the block as a numbered caption under that output; here it becomes the code cell's MyST-NB
  figure options (``mystnb.figure`` and ``mystnb.image``), so the output itself is the numbered
  figure, and the block is dropped.

Only the standard library is needed.
"""

import re


class DialectError(ValueError):
    """A construct of the chapters' MyST that the HTML book cannot show."""


INLINE = re.compile(r"\{eval\}`([^`]+)`")
GLUED = re.compile(r'glued\["([^"\\]+)"\]')
LINK = re.compile(r"\[([^\]]*)\]\((cite|citet|eq):([^)\s]+)\)")
ROLE = {"cite": "cite:p", "citet": "cite:t", "eq": "eq"}
CAPTION = re.compile(r":::\{figure\}[ \t]*\n((?::[\w-]+:.*\n)*)\s*\n(.*?)\n:::", re.S)


def _inline(match, where):
    found = GLUED.fullmatch(match.group(1).strip())
    if found is None:
        raise DialectError(f"{where}: the inline expression {{eval}}`{match.group(1)}` is not "
                           'of the form glued["key"]; the HTML book can only show glued values')
    return f"{{glue:text}}`{found.group(1)}`"


def inline_expressions(source):
    """The distinct inline expressions of a Markdown cell's source, in order of appearance."""
    return list(dict.fromkeys(INLINE.findall(source)))


def translate_markdown(source, where="notebook"):
    """The Markdown ``source`` with inline expressions and the link forms as Sphinx roles."""
    source = INLINE.sub(lambda m: _inline(m, where), source)
    return LINK.sub(lambda m: f"{{{ROLE[m.group(2)]}}}`{m.group(3)}`", source)


def caption_block(source):
    """``(options, caption)`` if a Markdown cell is exactly a caption block, else ``None``."""
    found = CAPTION.fullmatch(source.strip())
    if found is None:
        return None
    options = dict(re.findall(r"^:([\w-]+):[ \t]*(.*)$", found.group(1), re.M))
    return options, found.group(2).strip()


def image_outputs(cell):
    """The outputs of a code cell that show a PNG figure."""
    return [o for o in cell.get("outputs", [])
            if o.get("output_type") in ("display_data", "execute_result")
            and "image/png" in o.get("data", {})]


def translate_notebook(nb, where="notebook"):
    """Rewrite a notebook (nbformat 4 JSON, as a dict) in place; return it."""
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            cells.append(cell)
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        source = translate_markdown(source, where)
        block = caption_block(source)
        if block is None:
            cell["source"] = source
            cells.append(cell)
            continue
        options, caption = block
        previous = cells[-1] if cells else None
        if (previous is None or previous["cell_type"] != "code"
                or len(image_outputs(previous)) != 1 or "name" not in options
                or "alt" not in options or not caption):
            raise DialectError(f"{where}: the caption block {options.get('name', '?')!r} must "
                               "have :name:, :alt: and a caption, and follow a code cell that "
                               "displays exactly one figure")
        mystnb = previous.setdefault("metadata", {}).setdefault("mystnb", {})
        mystnb["figure"] = {"name": options["name"], "caption": caption}
        mystnb["image"] = {"alt": options["alt"]}
    nb["cells"] = cells
    return nb


