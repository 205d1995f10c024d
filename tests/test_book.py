"""Checks of the book as a whole: table of contents, static notebook checks, HTML build.

Every test here carries the ``book`` marker: ``python -m pytest tests -m "not book"`` leaves
them out for a fast run of the library's tests.
"""
import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
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
    assert "{cite" in text, f"{path.name} cites nothing"


def _png(**savefig_kwargs):
    buffer = io.BytesIO()
    Figure(figsize=(1, 1)).savefig(buffer, format="png", **savefig_kwargs)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def test_static_checks_find_each_kind_of_problem(tmp_path):
    """The checker itself: a notebook with one instance of every problem, and clean cells."""
    def cell(count, outputs, tags=()):
        return {"cell_type": "code", "execution_count": count, "source": "x",
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
    ]
    path = tmp_path / "chapter.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    report = "\n".join(checks.notebook_problems(path, tmp_path))
    for expected in ["execution counts [1, 2, 3, 5, 5, 6, 7]", "cell 2: output shows a timing",
                     "cell 3: output shows an absolute path", "cell 4: output shows a memory",
                     "cell 5: stored error ZeroDivisionError", "cell 6: a figure stores"]:
        assert expected in report, f"{expected!r} not reported:\n{report}"
    assert "cell 0" not in report and "cell 1" not in report
    assert len(report.splitlines()) == 6


@pytest.fixture(scope="module")
def html_build(tmp_path_factory):
    """Build the HTML book once, with Sphinx warnings as errors."""
    jb = shutil.which("jupyter-book", path=os.path.dirname(sys.executable)) or shutil.which("jupyter-book")
    if jb is None:
        pytest.fail("jupyter-book is not installed (pip install -r requirements.txt)")
    out = tmp_path_factory.mktemp("book")
    proc = subprocess.run([jb, "build", str(ROOT), "--path-output", str(out), "--all",
                           "-W", "-n", "--keep-going"], capture_output=True, text=True, cwd=ROOT)
    return proc, out / "_build" / "html"


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
