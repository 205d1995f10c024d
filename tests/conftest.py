"""Shared fixtures for the dlbook unit, gradient, parity and property tests.

Only fixtures live here (nothing autouse), so the book checks in this folder are unaffected.
"""
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
