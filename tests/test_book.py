"""Checks of the book as a whole: table of contents, static notebook checks, the HTML build,
what its pages show, and the pages in a browser.

Every test here carries the ``book`` marker: ``python -m pytest tests -m "not book"`` leaves
them out for a fast run of the library's tests. The browser test also carries ``browser``.
"""
import base64
import functools
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from dlbook.tools import check_notebooks as checks
from dlbook.tools.check_notebooks import notebooks, toc_entries

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from offline_mathjax import mathjax_es5  # noqa: E402

LOCAL_MATHJAX = mathjax_es5() is not None


def test_toc_and_notebooks_agree():
    """Every _toc.yml entry exists and every notebook under book/ is listed."""
    problems = checks.toc_problems(ROOT)
    assert not problems, "\n".join(problems)


def test_there_are_chapters():
    assert len(notebooks(ROOT)) >= 6


@pytest.mark.parametrize("path", notebooks(ROOT), ids=lambda p: p.stem)
def test_notebook_static_checks(path):
    """A fresh run stored with outputs; no unexpected errors, nothing machine-specific, no
    software versions in figures, under 3 MB (see dlbook/tools/check_notebooks.py)."""
    problems = checks.notebook_problems(path, ROOT)
    assert not problems, "\n".join(problems)
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", notebooks(ROOT), ids=lambda p: p.stem)
def test_notebook_has_checks_and_exercises(path):
    """A chapter proves something (asserts), has exercises with solutions, and cites sources."""
    nb = json.loads(path.read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert re.search(r"\bassert", code), f"{path.name} asserts nothing"
    assert text.count("{exercise}") >= 2, f"{path.name} needs at least two exercises"
    assert text.count("{solution-start}") >= 2, f"{path.name} needs hidden solutions"
    assert re.search(r"\]\(citet?:", text), f"{path.name} cites nothing"


def _png(**savefig_kwargs):
    buffer = io.BytesIO()
    Figure(figsize=(1, 1)).savefig(buffer, format="png", **savefig_kwargs)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def test_static_checks_find_each_kind_of_problem(tmp_path):
    """The checker itself: a notebook with one instance of every problem, and clean cells."""
    def cell(count, outputs, tags=(), source="x"):
        return {"cell_type": "code", "execution_count": count, "source": source,
                "metadata": {"tags": list(tags)}, "outputs": outputs}

    def stream(text):
        return {"output_type": "stream", "name": "stdout", "text": text}

    def error(name):
        return {"output_type": "error", "ename": name, "evalue": "", "traceback": []}

    def glued(png):
        return {"output_type": "display_data", "metadata": {},
                "data": {"application/papermill.record/image/png": png}}

    cells = [
        cell(1, [stream("loss 0.1250\n"), glued(_png(metadata={"Software": None}))]),
        cell(2, [error("ValueError")], tags=["raises-exception"]),
        cell(3, [stream("epoch 1 took 2.5 s\n")]),                   # 2: timing
        cell(5, [stream("saved to /home/reader/fig.png\n")]),        # 3: path; count 5 != 4
        cell(5, [stream("<object object at 0x7f3a2c1b9e40>\n")]),   # 4: address
        cell(6, [error("ZeroDivisionError")]),                       # 5: untagged error
        cell(7, [glued(_png())]),                                    # 6: matplotlib version
        cell(8, [], source="# NBVAL_IGNORE_OUTPUT\nx"),              # 7: plumbing comment
        cell(9, [], source="threadpool_limits(1)"),                   # 8: visible set-up
        cell(10, [], tags=["remove-input"], source="threadpool_limits(1)"),
    ]
    path = tmp_path / "chapter.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": checks.KERNELSPEC},
                                "nbformat": 4, "nbformat_minor": 5}))
    report = "\n".join(checks.notebook_problems(path, tmp_path))
    for expected in ["execution counts [1, 2, 3, 5, 5, 6, 7, 8, 9, 10]",
                     "cell 2: output shows a timing", "cell 3: output shows an absolute path",
                     "cell 4: output shows a memory", "cell 5: stored error ZeroDivisionError",
                     "cell 6: a figure stores", "cell 7: an nbval comment",
                     "cell 8: sets BLAS threads"]:
        assert expected in report, f"{expected!r} not reported:\n{report}"
    assert "cell 0" not in report and "cell 1" not in report and "cell 9" not in report
    assert len(report.splitlines()) == 8
    path.write_text(json.dumps({"cells": cells[:2], "metadata": {"kernelspec": {
        "display_name": "Python 3", "language": "python", "name": "python3"}, "widgets": {}},
        "nbformat": 4, "nbformat_minor": 5}))
    report = "\n".join(checks.notebook_problems(path, tmp_path))
    assert "kernelspec" in report and "widget state" in report and len(report.splitlines()) == 2


def test_html_build_has_no_warnings(html_build):
    proc, _ = html_build
    log = proc.stdout + proc.stderr
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert proc.returncode == 0 and not warnings, "\n".join(warnings[:40]) or log[-3000:]


def test_html_pages_are_complete(html_build):
    proc, html = html_build
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    for entry in toc_entries(ROOT):
        page = html / (entry + ".html")
        assert page.is_file(), f"no HTML page for {entry}"
        text = page.read_text()
        has_math = 'class="math' in text
        if has_math:
            assert "mathjax" in text.lower(), f"{page.name} has mathematics but does not load MathJax"
        for src in re.findall(r'<img[^>]+src="([^"]+)"', text):
            if not src.startswith(("http:", "https:", "data:")):
                assert (page.parent / src).resolve().is_file(), f"{page.name}: missing image {src}"
        assert "could not find" not in text.lower()
        if LOCAL_MATHJAX and has_math:
            scripts = re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', text)
            assert scripts, f"{page.name} does not load MathJax"
            assert all((page.parent / s).resolve().is_file() for s in scripts), \
                f"{page.name}: MathJax is not served from the book itself: {scripts}"
    for nb in notebooks(ROOT):
        text = (html / nb.relative_to(ROOT).with_suffix(".html")).read_text()
        assert "solution" in text and "dropdown" in text, f"{nb.name}: exercise solutions not hidden"


def test_equation_links_show_sphinx_numbers(html_build):
    """An equation of another chapter is quoted as ``[(21.6)](eq:label)``: JupyterLab shows the
    text, the HTML book Sphinx's number. They must agree."""
    proc, html = html_build
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    numbers = {}
    for page in html.rglob("*.html"):
        text = page.read_text()
        for found in re.finditer(r'id="equation-([\w:-]+)"', text):
            number = re.search(r'class="eqno">(\([^<]*\))', text[found.end():found.end() + 3000])
            if number:
                numbers[found.group(1)] = number.group(1)
    links = 0
    for nb in notebooks(ROOT):
        cells = json.loads(nb.read_text())["cells"]
        for cell in cells:
            for shown, label in re.findall(r"\[([^\]]*)\]\(eq:([^)\s]+)\)", "".join(cell["source"])):
                links += 1
                assert numbers.get(label) == shown, (
                    f"{nb.name}: [{shown}](eq:{label}) but the HTML book numbers it "
                    f"{numbers.get(label)}")
    assert links > 20, f"only {links} links to equations of other chapters found"


class _ReaderText(HTMLParser):
    """The text a reader sees on a page (outside code, scripts and typeset mathematics), and
    every id attribute."""

    SKIP_TAGS = {"script", "style", "pre", "code"}

    def __init__(self):
        super().__init__()
        self.ids, self.text, self._stack, self._skipping = Counter(), [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        classes = (attrs.get("class") or "").split()
        skip = tag in self.SKIP_TAGS or "math" in classes or "highlight" in classes
        if tag in ("br", "img", "hr", "meta", "link", "input", "col"):
            return
        self._stack.append((tag, skip))
        self._skipping += skip

    def handle_endtag(self, tag):
        while self._stack:
            name, skip = self._stack.pop()
            self._skipping -= skip
            if name == tag:
                break

    def handle_data(self, data):
        if not self._skipping:
            self.text.append(data)


#: What a reader must never see in the prose of a page, with the reason.
PROSE_PROBLEMS = {
    r"\\(?:frac|mathbf|mathrm|alpha|beta|sigma|sum|hat|left|right)\b": "raw LaTeX outside mathematics",
    r"\$[^$\s][^$]{0,60}\$": "a formula in dollars that was not typeset",
    r"\b(Exercise|Proposition|Theorem|Definition|Figure|Fig\.|Table|Equation)\s+\1\b":
        "a reference word doubled",
    r"\(\(\d+\.\d+\)\)": "an equation number in double parentheses",
    r"(?<![\w.])-?\d\.\d+e[-+]\d+\b": "a number in e-notation",
    r"\|\s*:?[-–—]+:?\s*\|": "a Markdown table shown as text",  # dashes as smartquotes leave them
}


def test_html_reads_cleanly(html_build):
    """No raw LaTeX or e-notation in prose, no doubled reference words, no test plumbing in
    visible code, no id used twice on a page."""
    proc, html = html_build
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    problems = []
    for entry in toc_entries(ROOT):
        page = html / (entry + ".html")
        source = page.read_text()
        reader = _ReaderText()
        reader.feed(source)
        text = " ".join(reader.text)
        for pattern, why in PROSE_PROBLEMS.items():
            for match in re.finditer(pattern, text):
                problems.append(f"{entry}: {why}: {match.group(0)!r}")
        for plumbing in ("NBVAL", "threadpool_limits", "papermill"):
            if plumbing in source:
                problems.append(f"{entry}: test or set-up plumbing visible: {plumbing}")
        repeated = sorted(name for name, count in reader.ids.items() if count > 1)
        if repeated:
            problems.append(f"{entry}: ids used more than once: {repeated[:5]}")
    assert not problems, "\n".join(problems[:60])


# --------------------------------------------------------------------------- in a browser
# The built book in Chromium, driven by Playwright with Debian's browser (no browser
# download); marked ``browser``. Skipped when Playwright or Chromium is missing, unless
# DLBOOK_REQUIRE_BROWSER=1 (set by CI), which turns the skip into a failure. For every page of
# the table of contents, served over HTTP from 127.0.0.1: MathJax finishes without an error
# (mjx-merror); at 1280 px no display equation of the text is wider than the column once fit-math.js
# has set the slightly wide ones smaller (to at most 75 %), so a longer one must be broken into
# lines; at 420 px none reaches past the column (a wide one scrolls inside it); no JavaScript
# error is logged and every image loads. These tests live in this module so that, when the
# suite runs in parallel, the one HTML build serves both.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _require(condition, reason):
    if not condition:
        if os.environ.get("DLBOOK_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "Playwright is not installed (pip install -r requirements-test.txt)")
    _require(CHROMIUM is not None, "no chromium on PATH (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def served_book(html_build):
    proc, html = html_build
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


#: Measures one page after MathJax has finished. Widths are compared with a 1 px tolerance.
MEASURE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  if (window.dlbookFitMath) window.dlbookFitMath();
  const article = document.querySelector('article.bd-article') || document.body;
  const column = article.getBoundingClientRect();
  const found = {errors: document.querySelectorAll('mjx-merror').length, wide: [], clipped: [],
                 images: [], equations: 0, scaled: 0};
  for (const box of document.querySelectorAll('mjx-container[display="true"]')) {
    found.equations++;
    const math = box.querySelector('mjx-math');
    const where = box.closest('[id]');
    const name = (where && where.id) || box.textContent.slice(0, 40);
    if (box.dataset.scaled) found.scaled++;
    // Formulas that a code cell prints (SymPy results) may scroll; those of the text may not.
    const printed = box.closest('.cell_output, .output');
    if (!printed && math.getBoundingClientRect().width > box.clientWidth + 1) found.wide.push(name);
    if (box.getBoundingClientRect().right > column.right + 1) found.clipped.push(name);
  }
  for (const img of document.images) {
    if (!img.complete || img.naturalWidth === 0) found.images.push(img.getAttribute('src'));
  }
  return found;
}"""

#: Messages the theme logs on a first visit, before a colour mode is stored; not errors.
BENIGN = ("Got invalid theme mode",)


def _measure(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(50)
    return page.evaluate(MEASURE)


@pytest.mark.browser
def test_pages_typeset_and_fit(browser, served_book):
    problems = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith(BENIGN) else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    total = scaled = 0
    for entry in toc_entries():
        errors.clear()
        page.goto(f"{served_book}/{entry}.html", wait_until="load")
        wide = _measure(page, 1280)
        narrow = _measure(page, 420)
        total += wide["equations"]
        scaled += wide["scaled"]
        if wide["errors"]:
            problems.append(f"{entry}: {wide['errors']} MathJax errors")
        if wide["wide"]:
            problems.append(f"{entry}: wider than the column at 1280 px: {wide['wide']}")
        if narrow["clipped"]:
            problems.append(f"{entry}: past the column at 420 px: {narrow['clipped']}")
        if wide["images"]:
            problems.append(f"{entry}: images that did not load: {wide['images']}")
        if errors:
            problems.append(f"{entry}: JavaScript errors: {errors[:3]}")
    page.close()
    assert total > 300, f"only {total} display equations found: is MathJax running?"
    print(f"{total} display equations; {scaled} set smaller to fit the column at 1280 px")
    assert not problems, "\n".join(problems)


def test_markdown_checks_find_each_kind_of_problem():
    """The JupyterLab-dialect rules of the static checks, one instance of each problem."""
    def md(source, results=None):
        meta = {} if results is None else {"user_expressions": [
            {"expression": e, "result": {"status": "ok", "data": {"text/plain": v}}}
            for e, v in results]}
        return {"cell_type": "markdown", "source": source, "metadata": meta}

    def code(outputs):
        return {"cell_type": "code", "source": "x", "metadata": {}, "outputs": outputs}

    record = {"output_type": "display_data", "metadata": {"scrapbook": {"name": "k"}},
              "data": {"application/papermill.record/text/plain": "'7'"}}
    figure = {"output_type": "display_data", "metadata": {},
              "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}}
    widget = {"output_type": "display_data", "metadata": {},
              "data": {"application/vnd.jupyter.widget-view+json": {}, "text/plain": "w"}}
    nb = {"cells": [
        md('Early: {eval}`glued["k"]`.', [('glued["k"]', "'7'")]),      # before its glue
        code([record]),
        md('Fine: {eval}`glued["k"]`.', [('glued["k"]', "'7'")]),
        md('Stale: {eval}`glued["k"]`.', [('glued["k"]', "'8'")]),
        md("{glue:text}`k` {cite}`gers2000` {ref}`sec-x` $\\E[x]$ {eq}`eq-elsewhere`"),
        code([figure]),                                                  # no caption after it
        code([figure]),
        md(":::{figure}\n:name: fig-a\n:alt: the map init-eq-map\n\nA caption.\n:::"),
        code([widget]),
    ]}
    report = "\n".join(checks.markdown_problems(nb, "nb"))
    for expected in ("before the code cell that glues it", "not the glued value",
                     "a glue role", "a {cite} role", "without its text", "the macro \\E",
                     "names a label of another chapter", "shows 1 figures",
                     "alt text reads 'init-eq-map'", "stores a widget's output"):
        assert expected in report, f"missing {expected!r} in:\n{report}"
    assert "position 2" not in report                                   # the fine cell
