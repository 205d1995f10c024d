"""dlbook — the library the book *dlbook* is written around.

Submodules follow the libraries readers move on to: ``functional``, ``nn`` and ``optim`` are
shaped like PyTorch's; ``gradcheck`` and ``symbolic`` hold the book's numerical and symbolic
checks; ``data`` loads data that ships inside installed packages; ``decomposition`` is shaped
like scikit-learn's.

Submodules are imported when first used, so ``import dlbook.functional`` costs only NumPy
(no matplotlib, SymPy or SciPy).
"""
import importlib

from .autograd import enable_grad, no_grad
from .random import default_generator, manual_seed
from .serialization import load, save
from .summary import summary  # the function; dlbook.summary.register_shape_rule etc. via the module

__version__ = "0.1.0"

_SUBMODULES = ("autograd", "base", "data", "decision", "decomposition", "diagnostics",
               "discriminant_analysis", "estimation", "exceptions", "functional", "glm",
               "gradcheck", "information", "linear_model", "lm", "metrics", "model_selection",
               "models", "nn", "objectives",
               "optim", "plotting", "preprocessing", "random", "sampling", "search",
               "serialization", "symbolic", "training")

__all__ = list(_SUBMODULES) + ["manual_seed", "default_generator", "no_grad", "enable_grad",
                               "save", "load", "summary"]
# dlbook.widgets (ipywidgets explorers) and dlbook.exercises are imported on demand too.


def __getattr__(name):
    if name in _SUBMODULES or name in ("widgets", "exercises", "display", "tools"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
