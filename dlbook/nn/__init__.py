"""Layers, losses, initializers and gradient utilities with PyTorch's names and layouts.

See :mod:`dlbook.nn.modules` for the module base class (saved contexts, state dicts), layers and
losses, :mod:`dlbook.nn.normalization` and :mod:`dlbook.nn.batchnorm2d` for batch normalization,
:mod:`dlbook.nn.conv`, :mod:`dlbook.nn.pooling` and :mod:`dlbook.nn.flatten` for convolutional
networks, :mod:`dlbook.nn.attention` and
:mod:`dlbook.nn.transformer` for attention and Transformer blocks, :mod:`dlbook.nn.rnn` and
:mod:`dlbook.nn.sparse` for recurrent layers and embeddings, :mod:`dlbook.nn.init` for the
weight initializers and :mod:`dlbook.nn.utils` for gradient clipping.
"""
from . import init, utils
from .attention import MultiheadAttention
from .batchnorm2d import BatchNorm2d
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .flatten import Flatten
from .modules import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Dropout, ELU, Identity,
                      LeakyReLU, Linear, LogSoftmax, Maxout, Module, MSELoss, NLLLoss, Parameter,
                      ReLU, Sequential, Sigmoid, Softmax, Tanh)
from .normalization import BatchNorm1d
from .pooling import AdaptiveAvgPool2d, AvgPool2d, LPPool2d, MaxPool2d
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .sparse import Embedding
from .transformer import (GELU, LayerNorm, PositionalEmbedding, SinusoidalPositionalEncoding,
                          TransformerEncoderLayer, generate_square_subsequent_mask)
from .utils import clip_grad_norm_, clip_grad_value_

__all__ = [
    "Parameter", "Module", "Identity", "Linear", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU",
    "Maxout", "Softmax", "LogSoftmax", "Dropout", "BatchNorm1d", "Sequential", "MSELoss",
    "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "clip_grad_norm_",
    "clip_grad_value_", "init", "utils", "GELU", "LayerNorm", "MultiheadAttention",
    "TransformerEncoderLayer", "SinusoidalPositionalEncoding", "PositionalEmbedding",
    "generate_square_subsequent_mask", "RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU",
    "Embedding", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "LPPool2d",
    "AdaptiveAvgPool2d", "Flatten", "BatchNorm2d",
]
