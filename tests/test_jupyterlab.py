"""The chapters in JupyterLab, as a reader runs them there (marked ``book`` and ``browser``).

A JupyterLab server (with the ``jupyterlab-myst`` extension of requirements.txt) serves a copy of
``book/`` from 127.0.0.1, with its own settings, workspaces, config, data and runtime folders
in a temporary directory, so nothing in the home directory is read or changed. Chromium, driven
by Playwright as in test_book.py, opens a chapter, runs every cell (``notebook:run-all-cells``,
through ``window.jupyterapp``, which the server exposes) and checks what a reader then sees:

- no cell ends in an exception, no ``{eval}`` expression fails, no KaTeX error;
- every figure is there: each ``<img>`` has loaded, there are as many image outputs as the
  stored notebook has ``image/png`` outputs, and every caption block (a markdown cell that is
  ``:::{figure}`` with ``:name:`` and ``:alt:``) renders as a numbered caption under the image
  output of the code cell before it;
- every ``{eval}`` was evaluated in this run (the stored results are cleared first);
- no MyST shows as raw text and none is left unprocessed: jupyterlab-myst (2.7) shows an
  unknown directive as a red "Unknown Directive" box; a missing citation or cross-reference,
  bad math or an unevaluated expression as a yellow ``span.text-yellow-600`` (its error
  marker); a failed expression as its exception (stderr); but an unknown role
  (``{glue:text}``) as its bare content with no marker at all, so the test also reads each
  cell's rendered MyST tree for ``mystRole``/``mystDirective`` nodes, the ones no plugin
  handled;
- in the momentum chapter, moving a slider of the live explorer redraws its figure;
- the browser console has no "Unsatisfied version" warning (a lab extension built for
  another JupyterLab, as jupyterlab_widgets 3.0.17 is for 4.6).

Skipped, like the other browser tests, when Playwright, Chromium or jupyterlab-myst is missing,
unless DLBOOK_REQUIRE_BROWSER=1.
"""
import contextlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from test_book import _require, browser  # noqa: F401 (browser: the module-scoped fixture)

pytestmark = [pytest.mark.book, pytest.mark.browser]

BOOK = Path(__file__).resolve().parents[1] / "book"
CHAPTERS = ["training/02_momentum.ipynb", "feedforward/02_backprop.ipynb",
            "language/01_ngrams.ipynb"]
#: Chapters with a live explorer (``dlbook.widgets.explore``) whose slider the test moves.
EXPLORERS = {"training/02_momentum.ipynb"}

#: User settings of the test's JupyterLab: every cell stays in the page (JupyterLab 4 leaves
#: cells outside the viewport out of it by default), and no news or update prompt.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                   "checkForUpdates": False},
}
SERVER_START_TIMEOUT = 90     # seconds
OPEN_TIMEOUT = 60_000         # milliseconds, for the page and the kernel
RUN_TIMEOUT = 120_000         # milliseconds, for Run All Cells

#: Text that must not appear in the rendered markdown: MyST that was shown instead of rendered.
RAW_MYST = ["{glue", "{eval}", "{eq}", "{ref}", "{numref}", "{cite", "{doc}", "{prf:", "```",
            ":::", "$$"]
RAW_TARGET = re.compile(r"^\s*\([\w:.-]+\)=", re.MULTILINE)      # a (label)= line
NUMBERED_CAPTION = re.compile(r"^Figure\s+\d+:")
EVAL = re.compile(r"\{eval\}`([^`]+)`")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serving(url, token):
    request = urllib.request.Request(f"{url}/api/status",
                                     headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(proc):
    """SIGTERM to the server's process group (it shuts its kernels down), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on a copy of book/; yields its URL, its token and the copy."""
    _require(importlib.util.find_spec("jupyterlab_myst") is not None,
             "jupyterlab-myst is not installed (pip install -r requirements.txt)")
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "book"
    shutil.copytree(BOOK, root, ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    settings = tmp / "settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ,
               JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               IPYTHONDIR=str(tmp / "ipython"))
    port, token = _free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--ServerApp.allow_root=True",
               "--LabApp.expose_app_in_browser=True",
               # nothing is fetched from the internet: no update check, no PyPI extension manager
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]
    log_path = tmp / "server.log"
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command, env=env, cwd=root, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while not _serving(url, token):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(0.5)
            yield url, token, root
        finally:
            _stop(proc)


# ------------------------------------------------------------------ in the page (JavaScript)
OPENED = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  return Boolean(panel && panel.content && panel.sessionContext && panel.content.widgets.length);
}"""

KERNEL_READY = """async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.context.ready;
  await panel.sessionContext.ready;
  return panel.sessionContext.session.kernel.name;
}"""

#: Clears the outputs and the stored {eval} results first, so that every number shown afterwards
#: was computed in this run (jupyterlab-myst evaluates a markdown cell's expressions when the
#: cell runs and stores them in its metadata).
RUN_ALL = """async () => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
  notebook.widgets.filter(cell => cell.model.type === 'markdown')
    .forEach(cell => cell.model.deleteMetadata('user_expressions'));
  window.dlbookRunAll = undefined;
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(
    ok => { window.dlbookRunAll = String(ok); },
    error => { window.dlbookRunAll = 'error: ' + error; });
}"""

RUN_FINISHED = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return window.dlbookRunAll !== undefined && kernel && kernel.status === 'idle';
}"""

#: After the kernel is idle: images are decoded, and jupyterlab-myst, which evaluates a markdown
#: cell's expressions only after the cell has run, has stored and shown every result.
SETTLED = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  const evaluated = cells.every(cell => cell.model.type !== 'markdown' ||
    (cell.model.getMetadata('user_expressions') || []).filter(e => e.result).length >=
    (cell.model.sharedModel.getSource().match(/\\{eval\\}`[^`]+`/g) || []).length);
  // after an error the kernel aborts the expressions still queued: nothing more will come
  const stopped = window.dlbookRunAll !== 'true';
  return (stopped || evaluated &&
          !document.querySelector('.jp-MarkdownCell [title^="Unexecuted inline expression"]')) &&
    [...document.querySelectorAll('.jp-Notebook img')]
      .every(img => img.complete && img.naturalWidth > 0);
}"""

#: What the reader sees, cell by cell. Solutions and other dropdowns are opened first, as a
#: reader would, so that their text is checked too.
STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const notebook = panel.content;
  notebook.node.querySelectorAll('.jp-MarkdownCell details').forEach(d => { d.open = true; });
  const unprocessed = (node, found) => {
    if (!node) return found;
    if (node.type === 'mystRole' || node.type === 'mystDirective') {
      found.push(`${node.type === 'mystRole' ? 'role' : 'directive'} {${node.name}}`);
    }
    (node.children || []).forEach(child => unprocessed(child, found));
    return found;
  };
  const texts = (root, selector, read) => [...root.querySelectorAll(selector)].map(read);
  // The text a reader sees, each formula replaced by [math]: KaTeX keeps a MathML copy of every
  // formula for screen readers, and its text, such as "(z)=", would read as raw markup.
  const visibleText = element => {
    const copy = element.cloneNode(true);
    copy.querySelectorAll('.katex').forEach(math => math.replaceWith('[math]'));
    Object.assign(copy.style, {position: 'absolute', left: '-20000px',
                               width: `${element.clientWidth}px`});
    document.body.appendChild(copy);
    const text = copy.innerText;
    copy.remove();
    return text;
  };
  const cells = notebook.widgets.map((cell, index) => {
    const model = cell.model;
    const info = {index, type: model.type};
    if (model.type === 'code') {
      const outputs = model.outputs.toJSON();
      info.count = model.executionCount;
      info.errors = outputs.filter(o => o.output_type === 'error')
        .map(o => `${o.ename}: ${o.evalue}`);
      // image outputs of the cell itself, not the ones inside a widget's output area
      info.images = [...cell.node.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="image/png"]')]
        .filter(el => !el.closest('.jupyter-widgets')).length;
    } else if (model.type === 'markdown') {
      const myst = cell.node.querySelector('.myst');
      info.rendered = cell.rendered;
      info.source = model.sharedModel.getSource();
      info.text = myst ? visibleText(myst) : null;
      info.unprocessed = unprocessed(cell.fragmentMDAST, []);
      info.mystErrors = texts(cell.node, '.myst .text-yellow-600',
                              e => `${e.title}: ${e.textContent}`);
      info.unknownDirectives = texts(cell.node, '.myst summary', e => e.textContent)
        .filter(t => t.includes('Unknown Directive'));
      info.captions = texts(cell.node, '.myst figure figcaption', e => e.innerText.trim());
      info.expressions = (model.getMetadata('user_expressions') || []).map(e => ({
        expression: e.expression,
        status: e.result ? e.result.status : null,
        error: e.result ? `${e.result.ename}: ${e.result.evalue}` : null}));
    }
    return info;
  });
  const kernel = panel.sessionContext.session.kernel;
  return {
    runAll: window.dlbookRunAll,
    kernel: kernel.status,
    cells,
    images: texts(notebook.node, 'img', img => ({
      src: img.src.slice(0, 80), loaded: img.complete && img.naturalWidth > 0})),
    // a failed {eval} shows its exception as stderr inside the rendered markdown
    expressionErrors: texts(notebook.node, '.myst-RenderedExpressionError, ' +
                            '.jp-MarkdownCell .myst [data-mime-type*="stderr"]',
                            e => e.textContent),
    katexErrors: texts(notebook.node, '.katex-error', e => e.title || e.textContent),
  };
}"""

EXPLORER_IMAGE = """() => {
  const img = document.querySelector('.jp-Notebook .widget-interact .jp-OutputArea img');
  return img && img.complete && img.naturalWidth > 0 ? img.src : null;
}"""

SHUT_DOWN_KERNEL = """async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.sessionContext.shutdown();
}"""


def _stored_images(notebook):
    return sum("image/png" in output.get("data", {})
               for cell in notebook["cells"] if cell["cell_type"] == "code"
               for output in cell.get("outputs", []))


def _is_caption_block(cell):
    return cell["cell_type"] == "markdown" and "".join(cell["source"]).lstrip().startswith(
        ":::{figure}")


def _check(state, stored):
    """The problems a reader would see in the run notebook, as lines of text."""
    problems = []
    cells = state["cells"]
    if len(cells) != len(stored["cells"]):
        return [f"JupyterLab shows {len(cells)} cells, the file has {len(stored['cells'])}"]
    code = [c for c in cells if c["type"] == "code"]
    markdown = [c for c in cells if c["type"] == "markdown"]
    problems += [f"cell {c['index']}: {error}" for c in code for error in c["errors"]]
    if not any(c["errors"] for c in code):
        problems += [f"cell {c['index']}: did not run" for c in code if c["count"] is None]
    problems += [f"{{eval}} failed: {text}" for text in state["expressionErrors"]]
    problems += [f"KaTeX error: {text}" for text in state["katexErrors"]]
    problems += [f"image not loaded: {img['src']}" for img in state["images"]
                 if not img["loaded"]]
    shown, expected = sum(c["images"] for c in code), _stored_images(stored)
    if shown != expected:
        problems.append(f"{shown} image outputs shown, the stored notebook has {expected}")
    for cell in markdown:
        where = f"markdown cell {cell['index']}"
        if not cell["rendered"] or cell["text"] is None:
            problems.append(f"{where}: not rendered")
            continue
        problems += [f"{where}: raw {raw!r} in the rendered text" for raw in RAW_MYST
                     if raw in cell["text"]]
        problems += [f"{where}: raw target {m.group().strip()!r} in the rendered text"
                     for m in RAW_TARGET.finditer(cell["text"])]
        problems += [f"{where}: unprocessed {name}" for name in cell["unprocessed"]]
        results = {e["expression"]: e for e in cell["expressions"]}
        for expression in EVAL.findall(cell["source"]):
            result = results.get(expression)
            if result is None or result["status"] is None:
                problems.append(f"{where}: {{eval}}`{expression}` was not evaluated")
            elif result["status"] != "ok":
                problems.append(f"{where}: {{eval}}`{expression}` failed: {result['error']}")
        problems += [f"{where}: jupyterlab-myst error marker {text!r}"
                     for text in cell["mystErrors"]]
        problems += [f"{where}: {text}" for text in cell["unknownDirectives"]]
        if _is_caption_block(stored["cells"][cell["index"]]):
            if not any(NUMBERED_CAPTION.match(c) for c in cell["captions"]):
                problems.append(f"{where}: caption block not rendered as a numbered caption "
                                f"(captions: {cell['captions']})")
            before = cells[cell["index"] - 1] if cell["index"] else None
            if before is None or before["type"] != "code" or not before["images"]:
                problems.append(f"{where}: caption block does not follow a code cell's "
                                "image output")
    return problems


def _move_explorer_slider(page):
    """Press ArrowRight on the explorer's first slider; return its image before and after."""
    page.wait_for_function(EXPLORER_IMAGE, timeout=30_000)
    before = page.evaluate(EXPLORER_IMAGE)
    handle = page.locator(".jp-Notebook .widget-interact .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.keyboard.press("ArrowRight")
    try:
        page.wait_for_function(f"() => {{ const src = ({EXPLORER_IMAGE})(); "
                               f"return src !== null && src !== {json.dumps(before)}; }}",
                               timeout=30_000)
    except Exception:  # noqa: BLE001 - reported by the assertion below
        pass
    return before, page.evaluate(EXPLORER_IMAGE)


@contextlib.contextmanager
def _run_in_jupyterlab(browser, jupyterlab, path):
    """Open ``path`` (relative to the served book) in a fresh page and workspace, run all its
    cells; yield the page, what it shows (STATE) and the browser console's lines."""
    url, token, _ = jupyterlab
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    try:
        page.goto(f"{url}/lab/tree/{path}?reset&token={token}")
        page.wait_for_function(OPENED, timeout=OPEN_TIMEOUT)
        page.evaluate(KERNEL_READY)
        page.evaluate(RUN_ALL)
        page.wait_for_function(RUN_FINISHED, timeout=RUN_TIMEOUT, polling=250)
        try:
            page.wait_for_function(SETTLED, timeout=20_000, polling=250)
        except Exception:  # noqa: BLE001 - what is missing is reported by _check
            pass
        yield page, page.evaluate(STATE), console
    finally:
        try:
            page.evaluate(SHUT_DOWN_KERNEL)
        except Exception:  # noqa: BLE001 - the server's shutdown ends it anyway
            pass
        page.close()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: Path(c).stem)
def test_chapter_runs_and_renders_in_jupyterlab(browser, jupyterlab, chapter):
    stored = json.loads((BOOK / chapter).read_text())
    with _run_in_jupyterlab(browser, jupyterlab, chapter) as (page, state, console):
        problems = _check(state, stored)
        assert not problems, f"{chapter} in JupyterLab:\n" + "\n".join(problems[:40])

        if chapter in EXPLORERS:
            before, after = _move_explorer_slider(page)
            assert before is not None and after not in (None, before), (
                f"{chapter}: moving the explorer's slider did not redraw its figure")

        unsatisfied = [line for line in console if "Unsatisfied version" in line]
        assert not unsatisfied, "lab extensions built for another JupyterLab:\n" + "\n".join(
            unsatisfied[:10])


#: A 1x1 PNG, the stored output of a figure that the code no longer draws.
_PIXEL = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
          "AAAABJRU5ErkJggg==")


def _broken_notebook():
    """One of each problem the chapter test looks for, with the message it should give."""
    png = new_output("display_data", data={"image/png": _PIXEL, "text/plain": "<Figure>"})
    cells = [
        new_markdown_cell("# Broken\n\nGlued {glue:text}`x`, unknown {nosuchrole}`y`, "
                          "cited {cite}`nobody2000`, referenced {ref}`no-such-label`, "
                          "shown raw `:::`, and bad math $\\frac{1}{$.\n\n"
                          "```{glue:figure} fig-x\n:name: fig-x\n\nCaption.\n```"),
        new_code_cell("glued = {'a': '1'}"),
        new_markdown_cell("Missing {eval}`glued[\"b\"]`."),
        new_code_cell("print('no figure here')", outputs=[png]),
        new_markdown_cell(":::{figure}\n:name: fig-orphan\n:alt: nothing\n\nNo image above.\n:::"),
        new_code_cell("1 / 0"),
    ]
    expected = [
        "cell 5: ZeroDivisionError", "unprocessed role {glue:text}",
        "unprocessed role {nosuchrole}", "unprocessed directive {glue:figure}",
        "glue:figure - Unknown Directive", "Citation Not Found", "Cross Reference Not Found",
        "macro argument",                                   # KaTeX's message for the bad math
        "raw ':::'",
        # jupyterlab-myst sends a cell's expressions to the kernel after the cell has run, so
        # behind the code cells already queued: the error in cell 5 makes the kernel abort them
        "{eval}`glued[\"b\"]` was not evaluated",
        "0 image outputs shown, the stored notebook has 1",
        "markdown cell 4: caption block does not follow",
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {
        "display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}}), expected


def test_checks_find_each_kind_of_problem(browser, jupyterlab):
    """The chapter test's checks fire on a notebook with one of each problem (so that a change
    in how jupyterlab-myst marks them cannot make the chapter test pass vacuously)."""
    notebook, expected = _broken_notebook()
    nbformat.write(notebook, jupyterlab[2] / "broken.ipynb")
    with _run_in_jupyterlab(browser, jupyterlab, "broken.ipynb") as (_, state, _console):
        problems = _check(state, json.loads(nbformat.writes(notebook)))
    report = "\n".join(problems)
    missed = [text for text in expected if text not in report]
    assert not missed, f"not reported: {missed}\nreported:\n{report}"
