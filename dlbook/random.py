"""The package-wide random generator, seeded like ``torch.manual_seed``.

Modules that draw random numbers (weight initialisation, dropout masks, minibatch order)
accept a ``generator=`` argument; without one they use the generator held here, so a single
``dlbook.manual_seed(0)`` at the top of a notebook makes the whole notebook reproducible.
"""
import numbers

import numpy as np

__all__ = ["manual_seed", "default_generator"]

_generator = np.random.default_rng(0)


def manual_seed(seed):
    """Reset the default generator to ``numpy.random.default_rng(seed)`` and return it."""
    global _generator
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise TypeError(f"seed must be a non-negative int, got {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator():
    """The generator used when no ``generator=`` is passed."""
    return _generator
