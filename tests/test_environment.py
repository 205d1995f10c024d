"""CI sets DLBOOK_REQUIRE_TORCH=1 so that parity tests cannot be skipped silently there."""
import importlib.util
import os

import pytest


@pytest.mark.skipif(os.environ.get("DLBOOK_REQUIRE_TORCH") != "1",
                    reason="only enforced where DLBOOK_REQUIRE_TORCH=1 (CI)")
def test_reference_libraries_are_installed():
    assert importlib.util.find_spec("torch") is not None, \
        "PyTorch is required for the parity tests: pip install -r requirements-test.txt"
    assert importlib.util.find_spec("sklearn") is not None
    assert importlib.util.find_spec("nltk") is not None, \
        "NLTK is required for the language-model parity tests: pip install -r requirements-test.txt"
