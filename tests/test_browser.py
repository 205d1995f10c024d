"""The built HTML book in a real browser: mathematics typeset, nothing wider than its column.

Runs Debian's ``chromium`` through Playwright (no browser download). Marked ``browser`` and
``book``; skipped when Playwright or Chromium is missing, unless ``DLBOOK_REQUIRE_BROWSER=1``
(set by CI), which turns the skip into a failure.

For every page of the table of contents, served over HTTP from 127.0.0.1:

* MathJax finishes typesetting with no error (``mjx-merror``);
* at 1280 px no display equation is wider than the text column, once ``fit-math.js`` has set
  the slightly wide ones smaller (to at most 75 %): a longer one must be broken into lines;
* at 420 px no display equation reaches past the column (a wide one scrolls inside it);
* no JavaScript error is logged, and every image loads.
"""
import functools
import http.server
import os
import shutil
import threading

import pytest

from dlbook.tools.check_notebooks import toc_entries

pytestmark = [pytest.mark.book, pytest.mark.browser]

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
    if (math.getBoundingClientRect().width > box.clientWidth + 1) found.wide.push(name);
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
