"""dlbook — the library the book *dlbook* is written around.

Submodules follow the libraries readers move on to: ``functional``, ``nn`` and ``optim`` are
shaped like PyTorch's; ``gradcheck`` and ``symbolic`` hold the book's numerical and symbolic
checks; ``data`` loads data that ships inside installed packages; ``decomposition`` is shaped
like scikit-learn's.
"""
from . import (data, decision, decomposition, diagnostics, estimation, functional, glm, gradcheck,
               information, model_selection, nn, objectives, optim, plotting, preprocessing,
               search, symbolic, training)
from .random import default_generator, manual_seed

__version__ = "0.1.0"
__all__ = ["data", "decision", "decomposition", "diagnostics", "estimation", "functional", "glm",
           "gradcheck", "information", "model_selection", "nn", "objectives", "optim", "plotting",
           "preprocessing", "search", "symbolic", "training", "manual_seed", "default_generator"]
# dlbook.widgets (ipywidgets explorers) and dlbook.exercises are imported on demand.
