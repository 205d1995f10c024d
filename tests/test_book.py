"""Checks of the book as a whole: table of contents, static notebook checks, HTML build."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK_CHECK = ROOT.parent / "shared" / "tools" / "book-check"

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from offline_mathjax import mathjax_es5  # noqa: E402

LOCAL_MATHJAX = mathjax_es5() is not None


def toc_entries():
    """Every ``file:``/``root:`` entry of _toc.yml, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                entries.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return entries


def resolve(entry):
    for suffix in ("", ".ipynb", ".md"):
        path = ROOT / (entry + suffix)
        if path.is_file():
            return path
    return None


def notebooks():
    return sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_every_toc_entry_exists():
    missing = [e for e in toc_entries() if resolve(e) is None]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc():
    listed = {resolve(e) for e in toc_entries()}
    unlisted = [str(p.relative_to(ROOT)) for p in notebooks() if p not in listed]
    assert not unlisted, f"notebooks missing from _toc.yml: {unlisted}"


def test_there_are_chapters():
    assert len(notebooks()) >= 6


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_notebook_is_a_stored_fresh_run(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), \
        f"{path.name} was not executed top to bottom in a fresh kernel: {counts}"
    assert any(c["outputs"] for c in code), f"{path.name} has no stored outputs"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_notebook_has_checks_and_exercises(path):
    """A chapter proves something (asserts), has exercises with solutions, and cites sources."""
    nb = json.loads(path.read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert re.search(r"\bassert", code), f"{path.name} asserts nothing"
    assert text.count("{exercise}") >= 2, f"{path.name} needs at least two exercises"
    assert text.count("{solution-start}") >= 2, f"{path.name} needs hidden solutions"
    assert "{cite" in text, f"{path.name} cites nothing"


@pytest.mark.skipif(not BOOK_CHECK.exists(), reason="shared/tools/book-check is not beside this checkout")
def test_book_check_passes():
    out = subprocess.run([sys.executable, str(BOOK_CHECK), str(ROOT)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


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
    for entry in toc_entries():
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
    for nb in notebooks():
        text = (html / nb.relative_to(ROOT).with_suffix(".html")).read_text()
        assert "solution" in text and "dropdown" in text, f"{nb.name}: exercise solutions not hidden"
