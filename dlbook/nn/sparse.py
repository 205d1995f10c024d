r"""Embedding lookup tables, as ``torch.nn.Embedding``."""
import numbers

import numpy as np

from .._validation import check_index_array, check_positive_int, check_scalar
from ..random import as_generator
from .modules import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    r"""A table of V learned vectors of size E, looked up by integer index.

    ``embedding(input)`` returns ``weight[input]``: row :math:`i` of the table for every index
    :math:`i` in ``input``. It is the product of one-hot vectors with the table, computed
    without forming them, and its backward is the matching scatter: the gradient of each output
    vector is **added** into the row it was read from, so an index that occurs k times in the
    batch receives the sum of its k gradients (summed, not averaged, over the batch).

    Parameters
    ----------
    num_embeddings : int
        V, the number of rows (the vocabulary size).
    embedding_dim : int
        E, the size of each vector.
    padding_idx : int or None, default None
        A row that stays zero: it is zeroed at initialization and never receives a gradient,
        so a padding token contributes nothing. Negative values count from the end, as in
        PyTorch (-1 is row V - 1).
    generator : numpy.random.Generator, int or None, keyword only
        Draws the initial table from :math:`\mathcal N(0, 1)`, PyTorch's default.

    Attributes
    ----------
    weight : Parameter, shape (V, E)

    Calling ``embedding(input)`` with an integer array of any shape S returns an array of shape
    S + (E,). ``backward(grad_output)`` (shape S + (E,)) adds into ``weight.grad`` — a dense
    (V, E) array — and returns None: integer indices have no gradient.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, *, generator=None):
        super().__init__()
        self.num_embeddings = check_positive_int(num_embeddings, "num_embeddings")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        if padding_idx is not None:
            V = self.num_embeddings
            check_scalar(padding_idx, "padding_idx", numbers.Integral)
            if not -V <= padding_idx < V:
                raise ValueError(f"padding_idx must be within num_embeddings: in [{-V}, {V}), "
                                 f"got {padding_idx}")
            padding_idx = int(padding_idx) % V
        self.padding_idx = padding_idx
        rng = as_generator(generator)
        self.weight = Parameter(rng.standard_normal((self.num_embeddings, self.embedding_dim)))
        if padding_idx is not None:
            self.weight.data[padding_idx] = 0.0

    def forward(self, input):
        indices = check_index_array(input, "input", self.num_embeddings)
        self.ctx.indices = indices.copy()
        return self.weight.data[indices]

    def backward(self, grad_output):
        indices = self.ctx.indices.reshape(-1)
        grad = grad_output.reshape(-1, self.embedding_dim)
        if self.padding_idx is not None:
            keep = indices != self.padding_idx
            indices, grad = indices[keep], grad[keep]
        dweight = np.zeros_like(self.weight.data)
        np.add.at(dweight, indices, grad)          # repeated indices add up
        self.weight.accumulate(dweight)
        return None

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s if self.padding_idx is None else s + f", padding_idx={self.padding_idx}"
