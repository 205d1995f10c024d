"""Layers, losses and initialisers with PyTorch's names and parameter layouts.

See :mod:`dlbook.nn.modules` for the layers and losses, :mod:`dlbook.nn.normalization` for batch
normalisation and :mod:`dlbook.nn.init` for the weight initialisers.
"""
from . import init
from .modules import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Dropout, ELU, LeakyReLU,
                      Linear, Maxout, Module, MSELoss, Parameter, ReLU, Sequential, Sigmoid,
                      Softmax, Tanh, clip_grad_norm_)
from .normalization import BatchNorm1d

__all__ = [
    "Parameter", "Module", "Linear", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Maxout",
    "Softmax", "Dropout", "BatchNorm1d", "Sequential", "MSELoss", "CrossEntropyLoss", "BCELoss",
    "BCEWithLogitsLoss", "clip_grad_norm_", "init",
]
