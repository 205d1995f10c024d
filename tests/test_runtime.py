"""dlbook.runtime: the malloc setting for long training loops."""
import platform

import pytest

from dlbook.runtime import retain_freed_memory


def test_retain_freed_memory_applies_on_glibc():
    applied = retain_freed_memory(64 * 2 ** 20)
    assert isinstance(applied, bool)
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert applied


@pytest.mark.parametrize("bad, error", [(1.5, TypeError), ("1", TypeError), (True, TypeError),
                                        (-1, ValueError), (2 ** 31, ValueError)])
def test_retain_freed_memory_rejects_bad_sizes(bad, error):
    with pytest.raises(error, match="pad_bytes"):
        retain_freed_memory(bad)
