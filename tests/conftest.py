"""Shared fixtures for the dlbook unit, gradient, parity and property tests.

Only fixtures live here (nothing autouse). ``html_build`` is shared by the book checks and the
browser tests, so the book is built once per run.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dlbook.random


@pytest.fixture
def rng(request):
    """A float64 generator seeded from the test's name, so each test sees its own fixed data."""
    seed = sum(request.node.nodeid.encode()) % (2 ** 32)
    return np.random.default_rng(seed)


@pytest.fixture
def torch():
    """PyTorch, or a clean skip when it is not installed (CI installs it)."""
    return pytest.importorskip("torch")


@pytest.fixture
def restore_default_generator():
    """Put dlbook's package-wide generator back after a test that reseeds it."""
    saved = dlbook.random._generator
    yield
    dlbook.random._generator = saved


@pytest.fixture(scope="session")
def html_build(tmp_path_factory):
    """Build the HTML book once per test run, with Sphinx warnings as errors.

    Returns the finished process and the folder of the built HTML. To check an existing build
    instead (while working on the checks themselves), point ``DLBOOK_PREBUILT_HTML`` at its
    ``_build/html`` folder; the warning check then has no log to read.
    """
    prebuilt = os.environ.get("DLBOOK_PREBUILT_HTML")
    if prebuilt:
        return subprocess.CompletedProcess(["prebuilt"], 0, "", ""), Path(prebuilt)
    root = Path(__file__).resolve().parents[1]
    jb = (shutil.which("jupyter-book", path=os.path.dirname(sys.executable))
          or shutil.which("jupyter-book"))
    if jb is None:
        pytest.fail("jupyter-book is not installed (pip install -r requirements.txt)")
    out = tmp_path_factory.mktemp("book")
    proc = subprocess.run([jb, "build", str(root), "--path-output", str(out), "--all",
                           "-W", "-n", "--keep-going"], capture_output=True, text=True, cwd=root)
    return proc, out / "_build" / "html"
