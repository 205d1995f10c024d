"""Static checks of the book's notebooks: what a re-run under nbval cannot see.

Usage::

    python -m dlbook.tools.check_notebooks                  # _toc.yml and every notebook
    python -m dlbook.tools.check_notebooks book/feedforward/02_backprop.ipynb

What is checked:

- ``_toc.yml`` lists every notebook under ``book/``, and every entry it lists exists;
- a notebook was stored from one run in a fresh kernel: its code cells carry the execution
  counts 1, 2, 3, ... (so its outputs are a valid reference for nbval);
- it has stored outputs at all (otherwise nbval compares nothing);
- no stored error, unless the cell is tagged ``raises-exception``;
- nothing machine-specific in the outputs: memory addresses, absolute paths, timings;
- no stored PNG names the software that drew it (``dlbook.plotting.use_book_style`` removes
  matplotlib's version from figures, so a library upgrade alone does not change them);
- it is smaller than 3 MB;
- its Markdown is the MyST that JupyterLab renders (``dlbook.tools.lab_myst``): no glue roles,
  no roles that only Sphinx resolves (citations, equations and figures of other chapters,
  cross-references without their text), no macros that only the HTML book defines;
- every inline expression quotes a glued value, computed by an earlier code cell, and its stored
  result is the glued record that nbval compares;
- every figure a code cell shows is captioned by the caption block right after it, and that cell
  shows nothing else that the figure would swallow.

Cells are numbered as nbval numbers them: code cells only, from 0. Exit status 1 when a check
fails. This module needs only the standard library and PyYAML.
"""
import argparse
import base64
import binascii
import json
import re
import struct
import sys
from pathlib import Path

import yaml

from dlbook.tools.lab_myst import (CAPTION, GLUED, caption_block, image_outputs,
                                   inline_expressions)

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 3_000_000
#: Tags that allow a stored error output (nbval expects the error when it re-runs the cell).
ERROR_TAGS = {"raises-exception", "nbval-raises-exception"}

MEMORY_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
ABSOLUTE_PATH = re.compile(
    r"(?<![\w.~-])/(?:home|root|tmp|work|Users|usr|opt|var|private|mnt|srv)/"
    r"|\b[A-Z]:\\(?:Users|Windows|Program Files|ProgramData)\\|site-packages")
TIMING = re.compile(
    r"\b\d+(?:\.\d+)? ?(?:ms|µs|us|ns|sec|secs|seconds)\b"   # 12 ms, 3.1 µs, 2 seconds
    r"|\b\d+\.\d+ ?s\b(?!')"                                # 1.5 s (not the derivative s')
    r"|\bWall time\b|\bCPU times\b|\d ?it/s\b|\bs/it\b")    # %time and progress bars
MACHINE_SPECIFIC = (("a memory address", MEMORY_ADDRESS), ("an absolute path", ABSOLUTE_PATH),
                    ("a timing", TIMING))
EMBEDDED_PNG = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
TEXT_MIME = re.compile(r"(?:^|/)text/[\w.+-]+$")          # text/plain, glue's .../text/plain


# --------------------------------------------------------------------------- table of contents

def toc_entries(root=ROOT):
    """The ``root`` and every ``file`` entry of ``_toc.yml``, in reading order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    entries = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                entries.append(node["file"])
            for key, value in node.items():
                if key != "root":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({key: value for key, value in toc.items() if key != "root"})
    return entries


def resolve(entry, root=ROOT):
    """The file a ``_toc.yml`` entry names (it may omit the suffix), or None."""
    for suffix in ("", ".ipynb", ".md"):
        path = root / (entry + suffix)
        if path.is_file():
            return path
    return None


def notebooks(root=ROOT):
    """Every notebook under ``book/``, sorted."""
    return sorted(p for p in (root / "book").rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def toc_problems(root=ROOT):
    entries = toc_entries(root)
    problems = [f"_toc.yml: {entry!r} names no file" for entry in entries
                if resolve(entry, root) is None]
    listed = {resolve(entry, root) for entry in entries}
    problems += [f"{path.relative_to(root)}: not in _toc.yml, so no reader sees it"
                 for path in notebooks(root) if path not in listed]
    return problems


# --------------------------------------------------------------------------- one notebook

def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)


def _output_texts(output):
    """The text of an output that nbval compares (tracebacks are not compared)."""
    if output.get("output_type") == "stream":
        yield _text(output.get("text", ""))
    elif output.get("output_type") == "error":
        yield _text(output.get("evalue", ""))
    for mime, value in output.get("data", {}).items():
        if TEXT_MIME.search(mime):
            yield _text(value)


def _output_pngs(output):
    """The PNG images of an output, decoded: shown, glued, or embedded in HTML."""
    for mime, value in output.get("data", {}).items():
        if mime.endswith("image/png"):
            yield _text(value)
        elif mime.endswith("text/html"):
            yield from EMBEDDED_PNG.findall(_text(value))


def png_text_keys(data):
    """The keywords of the text chunks (tEXt, zTXt, iTXt) of a PNG file's bytes."""
    keys = []
    pos = 8                                              # after the PNG signature
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            chunk = data[pos + 8:pos + 8 + length]
            keys.append(chunk.split(b"\0", 1)[0].decode("latin-1"))
        pos += 12 + length                               # length, type, data, CRC
    return keys


#: The kernel that ``ipykernel`` installs, as a notebook must name it to open unmodified.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
#: The MIME type of a live ipywidget's output.
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: Tags that keep a cell's code out of the HTML book.
HIDDEN_TAGS = {"remove-input", "remove-cell"}


def notebook_problems(path, root=ROOT):
    """Everything wrong with one stored notebook, one message per finding."""
    path = Path(path).resolve()
    try:
        name = path.relative_to(root)
    except ValueError:
        name = path.name
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        return [f"{name}: not a valid notebook ({exc})"]
    code = [cell for cell in nb.get("cells", []) if cell.get("cell_type") == "code"]
    problems = []
    if path.stat().st_size > MAX_BYTES:
        problems.append(f"{name}: {path.stat().st_size / 1e6:.1f} MB; keep notebooks under "
                        f"{MAX_BYTES / 1e6:.0f} MB (a stored log or image is too large)")

    ran = [cell for cell in code if _text(cell.get("source", "")).strip()]
    counts = [cell.get("execution_count") for cell in ran]
    if counts != list(range(1, len(ran) + 1)):
        problems.append(f"{name}: execution counts {counts} are not 1, 2, 3, ...; re-execute it "
                        "from a fresh kernel (python -m dlbook.tools.execute)")
    if ran and not any(cell.get("outputs") for cell in code):
        problems.append(f"{name}: no stored outputs, so nbval would compare nothing")

    kernel = nb.get("metadata", {}).get("kernelspec", {})
    if kernel != KERNELSPEC:
        problems.append(f"{name}: kernelspec {kernel} differs from the installed kernel's "
                        f"{KERNELSPEC}, so Jupyter marks the notebook modified on opening; "
                        "re-execute it with python -m dlbook.tools.execute")
    if "widgets" in nb.get("metadata", {}):
        problems.append(f"{name}: stores widget state, which changes on every run; "
                        "re-execute it with python -m dlbook.tools.execute")

    for k, cell in enumerate(code):
        where = f"{name} cell {k}"
        tags = set(cell.get("metadata", {}).get("tags", []))
        source = _text(cell.get("source", ""))
        if "NBVAL_" in source:
            problems.append(f"{where}: an nbval comment in the code a reader sees; use the cell "
                            "tag nbval-ignore-output (or nbval-skip) instead")
        if "threadpool_limits" in source and not tags & HIDDEN_TAGS:
            problems.append(f"{where}: sets BLAS threads in a visible cell; move the set-up into "
                            "a cell tagged remove-input")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and not tags & ERROR_TAGS:
                problems.append(f"{where}: stored error {output.get('ename')}; fix it, or tag "
                                "the cell raises-exception if the error is the lesson")
            for text in _output_texts(output):
                for what, pattern in MACHINE_SPECIFIC:
                    found = pattern.search(text)
                    if found:
                        problems.append(f"{where}: output shows {what} ({found.group(0)!r}), "
                                        "which differs from machine to machine")
            for encoded in _output_pngs(output):
                try:
                    keys = png_text_keys(base64.b64decode(encoded))
                except (binascii.Error, struct.error):
                    problems.append(f"{where}: a stored PNG does not decode")
                    continue
                if "Software" in keys:
                    problems.append(f"{where}: a figure stores the version of the software that "
                                    "drew it; call dlbook.plotting.use_book_style() in the first "
                                    "cell and re-execute")
    return problems + markdown_problems(nb, name)


LABEL_DEFINITIONS = (re.compile(r"\$\$[ \t]*\(([\w:-]+)\)"), re.compile(r"^\(([\w:-]+)\)=", re.M),
                     re.compile(r"^:(?:name|label):[ \t]*(\S+)", re.M))
#: Markdown that JupyterLab's MyST renderer cannot show, and what to write instead.
LAB_UNRENDERED = (
    (re.compile(r"\{glue(?::\w+)?\}"), "a glue role or directive",
     'quote the value as {eval}`glued["key"]`; show a figure as the cell\'s output with a '
     "caption block after it"),
    (re.compile(r"\{cite(?::\w+)?\}`"), "a {cite} role",
     "write the citation as [(Author, 1997)](cite:key) or [Author (1997)](citet:key)"),
    (re.compile(r"\{(?:ref|doc)\}`[^`<]*`"), "a {ref} or {doc} without its text",
     "give the text: {ref}`Title <label>`"),
    (re.compile(r"\\E(?![A-Za-z])"), "the macro \\E, which only the HTML book defines",
     "write \\mathbb{E}"),
)
#: What alt text must not contain: an equation or figure label, a LaTeX command or brace.
ALT_PLUMBING = re.compile(r"\b[a-z]+-(?:eq|fig|sec)-[\w-]+|\btfrac|\\[A-Za-z]+|[{}]")
SAME_NOTEBOOK_ROLE = re.compile(r"\{(eq|numref|prf:ref)\}`(?:[^`<]*<)?([^`>]+)>?`")


def _glue_records(cells):
    """``{key: (cell index, text/plain)}`` of every value a code cell glued."""
    records = {}
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            key = output.get("metadata", {}).get("scrapbook", {}).get("name")
            text = output.get("data", {}).get("application/papermill.record/text/plain")
            if key is not None and text is not None:
                records[key] = (index, _text(text))
    return records


def markdown_problems(nb, name):
    """What JupyterLab would show wrongly, or what the HTML book would not check, in the prose."""
    cells = nb.get("cells", [])
    markdown = [_text(c.get("source", "")) for c in cells if c.get("cell_type") == "markdown"]
    labels = {m for text in markdown for pattern in LABEL_DEFINITIONS
              for m in pattern.findall(text)}
    records = _glue_records(cells)
    problems = []
    for index, cell in enumerate(cells):
        source = _text(cell.get("source", ""))
        where = f"{name} Markdown cell at position {index}"
        if cell.get("cell_type") == "code":
            figures = image_outputs(cell)
            widget = any(WIDGET_MIME in o.get("data", {}) for o in cell.get("outputs", []))
            if widget:
                problems.append(f"{name} cell at position {index}: stores a widget's output, "
                                "which Jupyter shows as text until the cell runs; re-execute it "
                                "with python -m dlbook.tools.execute")
            following = cells[index + 1] if index + 1 < len(cells) else {}
            captioned = (following.get("cell_type") == "markdown"
                         and caption_block(_text(following.get("source", ""))) is not None)
            if figures and not widget and (len(figures) != 1 or not captioned):
                problems.append(f"{name} cell at position {index}: shows {len(figures)} figures; "
                                "a figure cell shows one figure and is followed by its caption "
                                "block (:::{figure} with :name:, :alt: and the caption)")
            shown = [o for o in cell.get("outputs", [])
                     if o.get("output_type") in ("display_data", "execute_result")
                     and "scrapbook" not in o.get("metadata", {}) and o not in figures]
            if figures and captioned and shown:
                problems.append(f"{name} cell at position {index}: a figure cell also displays "
                                f"{sorted(shown[0].get('data', {}))}, which the numbered figure "
                                "would swallow; display it from another cell")
            continue
        if cell.get("cell_type") != "markdown":
            continue
        for pattern, what, instead in LAB_UNRENDERED:
            found = pattern.search(source)
            if found:
                problems.append(f"{where}: {what} ({found.group(0)!r}), which JupyterLab shows "
                                f"raw; {instead}")
        for role, label in SAME_NOTEBOOK_ROLE.findall(source):
            if label not in labels:
                problems.append(f"{where}: {{{role}}}`{label}` names a label of another chapter, "
                                "which JupyterLab cannot resolve; write [(number)](eq:label) for "
                                "an equation, or a {ref} with its text")
        if source.lstrip().startswith(":::{figure}") and CAPTION.fullmatch(source.strip()) is None:
            problems.append(f"{where}: a figure block that is not exactly a caption block")
        block = caption_block(source)
        if block is not None:
            found = ALT_PLUMBING.search(block[0].get("alt", ""))
            if found:
                problems.append(f"{where}: the figure's alt text reads {found.group(0)!r}, a label "
                                "or LaTeX that a screen reader would spell out; describe it in words")
        expressions = inline_expressions(source)
        stored = cell.get("metadata", {}).get("user_expressions", [])
        if [e.get("expression") for e in stored] != expressions:
            problems.append(f"{where}: stored inline-expression results do not match its "
                            "expressions; re-execute it with python -m dlbook.tools.execute")
            continue
        for entry in stored:
            found = GLUED.fullmatch(entry["expression"].strip())
            result = entry.get("result", {})
            if found is None:
                problems.append(f"{where}: the inline expression {entry['expression']!r} is not "
                                'glued["key"], which the HTML book cannot show')
            elif found.group(1) not in records:
                problems.append(f"{where}: quotes {found.group(1)!r}, which no code cell glues")
            elif records[found.group(1)][0] > index:
                problems.append(f"{where}: quotes {found.group(1)!r} before the code cell that "
                                "glues it, so it fails in JupyterLab's Run All; move the prose "
                                "after that cell")
            elif result.get("status") != "ok" or _text(result.get("data", {}).get(
                    "text/plain", "")) != records[found.group(1)][1]:
                problems.append(f"{where}: the stored result of {entry['expression']!r} is not "
                                "the glued value; re-execute it with python -m dlbook.tools.execute")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to check (default: _toc.yml and every notebook)")
    args = parser.parse_args(argv)
    if args.notebooks:
        paths, problems = args.notebooks, []
    else:
        paths, problems = notebooks(), toc_problems()
    for path in paths:
        problems += notebook_problems(path)
    for problem in problems:
        print(problem)
    print(f"{len(paths)} notebooks checked, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
