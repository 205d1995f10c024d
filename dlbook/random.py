"""The package-wide random generator, seeded like ``torch.manual_seed``.

Modules that draw random numbers (weight initialization, dropout masks, minibatch order)
accept a ``generator=`` argument; without one they use the generator held here, so a single
``dlbook.manual_seed(0)`` at the top of a notebook makes the whole notebook reproducible.
"""
import numbers

import numpy as np

from ._validation import check_int

__all__ = ["manual_seed", "default_generator", "as_generator", "get_rng_state", "set_rng_state"]

_generator = np.random.default_rng(0)


def manual_seed(seed):
    """Reset the default generator to ``numpy.random.default_rng(seed)`` and return it."""
    global _generator
    _generator = np.random.default_rng(check_int(seed, "seed", 0))
    return _generator


def default_generator():
    """The generator used when no ``generator=`` is passed."""
    return _generator


def as_generator(generator, name="generator"):
    """The one way ``generator=`` arguments are read throughout dlbook.

    ``None`` gives the package-wide generator (see :func:`manual_seed`); a non-negative int
    gives a fresh ``numpy.random.default_rng(seed)``; a ``numpy.random.Generator`` is used as
    it is (and advanced by the caller's draws). Anything else raises ``TypeError``.
    """
    if generator is None:
        return _generator
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        return np.random.default_rng(check_int(generator, f"{name} seed", 0))
    raise TypeError(f"{name} must be None, a non-negative int seed or a numpy.random.Generator, "
                    f"got {type(generator).__name__}")


def get_rng_state(generator=None):
    """The state of ``generator`` (default: the package-wide one) as a plain dict.

    With :func:`set_rng_state` it lets a saved training run continue with the same random
    numbers (dropout masks, minibatch order) it would have drawn without the interruption.
    """
    return as_generator(generator).bit_generator.state


def set_rng_state(state, generator=None):
    """Restore a state returned by :func:`get_rng_state` into ``generator``, in place."""
    as_generator(generator).bit_generator.state = state
