r"""``Flatten``: merge a range of axes into one, as ``torch.nn.Flatten`` (e.g. the feature maps
of a convolutional stack into the feature vector a :class:`~dlbook.nn.Linear` layer reads)."""
import numbers

import numpy as np

from .._validation import as_float_array, check_scalar
from .modules import Module

__all__ = ["Flatten"]


class Flatten(Module):
    """Reshape axes ``start_dim`` … ``end_dim`` (inclusive) into one axis; the backward
    reshapes the gradient back to the input's shape.

    Parameters
    ----------
    start_dim : int, default 1
        The default keeps the batch axis: (N, C, H, W) becomes (N, C·H·W).
    end_dim : int, default -1

    ``forward(input)`` returns a view of ``input`` when NumPy can reshape without copying.
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = check_scalar(start_dim, "start_dim", numbers.Integral)
        self.end_dim = check_scalar(end_dim, "end_dim", numbers.Integral)

    def output_shape(self, shape):
        """The shape ``forward`` returns for an input of ``shape`` (ValueError if the dims do
        not fit)."""
        shape = tuple(shape)
        ndim = max(len(shape), 1)
        for name, dim in (("start_dim", self.start_dim), ("end_dim", self.end_dim)):
            if not -ndim <= dim < ndim:
                raise ValueError(f"Flatten: {name}={dim} is out of range for an input with "
                                 f"{len(shape)} dimensions (shape {shape})")
        start, end = self.start_dim % ndim, self.end_dim % ndim
        if start > end:
            raise ValueError(f"Flatten: start_dim ({self.start_dim}) comes after end_dim "
                             f"({self.end_dim}) for an input of shape {shape}")
        if not shape:
            return (1,)
        return shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:]

    def forward(self, input):
        x = as_float_array(input, "input")
        self.ctx.input_shape = x.shape
        return x.reshape(self.output_shape(x.shape))

    def backward(self, grad_output):
        return np.reshape(grad_output, self.ctx.input_shape)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
