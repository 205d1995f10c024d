"""Optimizers with PyTorch's names, hyper-parameter names, defaults and update rules."""
from . import lr_scheduler
from .adaptive import Adadelta, Adagrad, Adam, Adamax, AdamW, RMSprop
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax",
           "lr_scheduler"]
