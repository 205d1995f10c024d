"""Optimizers with PyTorch's names, hyper-parameter names, defaults and update rules."""
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD"]
