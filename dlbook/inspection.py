r"""Looking inside a trained network: shifted inputs, input gradients, feature maps.

Three small tools that the chapter on training a CNN uses to probe a model after training:

* :func:`shift_images` moves images by whole pixels and fills the uncovered border with zeros,
  to measure how a classifier copes with digits that are not centered;
* :func:`input_gradient` computes :math:`\partial z_{n, c_n} / \partial x_n`, the gradient of one
  output (a class score) with respect to the input, through the model's own ``backward``: the
  *saliency map* of :cite:t:`simonyan2014deep`;
* :func:`feature_maps` runs a :class:`~dlbook.nn.Sequential` layer by layer and keeps every
  intermediate output.

All three are vectorized over the batch; none changes the model's parameters, its gradients or
its training/evaluation mode.
"""
import numbers

import numpy as np

from ._validation import as_float_array, check_index_array, check_scalar
from .autograd import enable_grad, no_grad
from .nn import Module, Sequential

__all__ = ["shift_images", "input_gradient", "feature_maps"]


def _span(shift, size):
    """Source and destination slices along one axis for a shift by ``shift`` pixels."""
    if shift >= 0:
        return slice(0, max(size - shift, 0)), slice(min(shift, size), size)
    return slice(min(-shift, size), size), slice(0, max(size + shift, 0))


def shift_images(images, *, dy=0, dx=0):
    """Translate images by whole pixels, filling the uncovered border with zeros.

    Pixel ``(i, j)`` of the input moves to ``(i + dy, j + dx)``; pixels that leave the image are
    lost, and the rows and columns they leave behind are 0 (the background of the digits).
    Unlike ``np.roll`` nothing wraps around.

    Parameters
    ----------
    images : array_like, shape (..., H, W)
        Any number of leading axes, e.g. (N, H, W) or (N, C, H, W); the last two are the image.
    dy : int, default 0, keyword only
        Rows to move down (negative: up).
    dx : int, default 0, keyword only
        Columns to move right (negative: left). Both are keyword-only, so that a vertical and
        a horizontal shift cannot be swapped silently.

    Returns
    -------
    ndarray, float64, same shape as ``images``
        A new array; ``images`` is not modified. A shift of at least the image size gives zeros.

    Raises
    ------
    ValueError
        If ``images`` has fewer than two axes.
    TypeError
        If ``dy`` or ``dx`` is not an int.

    Examples
    --------
    >>> shift_images(np.arange(9.0).reshape(3, 3), dy=1, dx=-1)
    array([[0., 0., 0.],
           [1., 2., 0.],
           [4., 5., 0.]])
    """
    x = as_float_array(images, "images")
    if x.ndim < 2:
        raise ValueError(f"images must have at least two axes (..., H, W), got shape {x.shape}")
    dy, dx = check_scalar(dy, "dy", numbers.Integral), check_scalar(dx, "dx", numbers.Integral)
    (src_y, dst_y), (src_x, dst_x) = _span(dy, x.shape[-2]), _span(dx, x.shape[-1])
    out = np.zeros_like(x)
    out[..., dst_y, dst_x] = x[..., src_y, src_x]
    return out


def input_gradient(model, x, target):
    r"""Gradient of the output ``target`` with respect to the input, one map per sample.

    For a batch of inputs :math:`x_n` and outputs :math:`z_n = f(x_n)` (e.g. class scores, the
    logits before the softmax), returns :math:`\partial z_{n, c_n} / \partial x_n` for every
    sample, computed by one forward pass and one call of ``model.backward`` with a one-hot
    ``grad_output``. The samples do not interact (the model is put in evaluation mode, so
    batch normalization uses its running statistics), so summing the selected outputs over the
    batch and differentiating gives each sample its own gradient.

    The model's training/evaluation mode and its parameters' ``.grad`` are restored afterwards:
    probing a model does not disturb a training run in progress.

    Parameters
    ----------
    model : Module
        Maps an input batch of shape (N, ...) to outputs of shape (N, K).
    x : array_like, shape (N, ...)
        The inputs, e.g. (N, C, H, W) images.
    target : int or array_like of int, shape (N,)
        The output :math:`c_n` to differentiate for each sample, in ``[0, K)``; an int selects
        the same output for every sample.

    Returns
    -------
    ndarray, shape of ``x``
        The saliency maps (signed; take ``abs`` or square for display).

    Raises
    ------
    TypeError
        If ``model`` is not a Module or ``target`` does not hold integers.
    ValueError
        If the model's output is not (N, K) or a target is out of range.
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be a dlbook.nn.Module, got {type(model).__name__}")
    x = np.array(as_float_array(x, "x"), dtype=np.float64)
    if x.ndim < 1 or len(x) == 0:
        raise ValueError(f"x must be a non-empty batch of shape (N, ...), got shape {x.shape}")
    target = np.asarray(target)
    if target.size and not np.issubdtype(target.dtype, np.integer):
        raise TypeError(f"target must hold integer output indices, got dtype {target.dtype}")
    target = np.broadcast_to(target, (len(x),)) if target.ndim == 0 else target
    if target.shape != (len(x),):
        raise ValueError(f"target must be an int or have shape ({len(x)},), got shape "
                         f"{target.shape}")
    saved_grads = [(p, None if p.grad is None else p.grad.copy()) for p in model.parameters()]
    was_training = model.training
    model.eval()
    try:
        with no_grad():                                  # check the output shape first
            out_shape = np.shape(model(x[:1]))
        if len(out_shape) != 2 or out_shape[0] != 1:
            raise ValueError(f"the model must return outputs of shape (N, K), got shape "
                             f"{out_shape} for a batch of one")
        check_index_array(target, "target", out_shape[1], what="output indices")
        with enable_grad():                              # works inside no_grad() blocks too
            out = np.asarray(model(x))
            one_hot = np.zeros_like(out)
            one_hot[np.arange(len(x)), target] = 1.0
            grad = np.asarray(model.backward(one_hot), dtype=np.float64)
    finally:
        model.train(was_training)
        for p, g in saved_grads:
            p.grad = g
    return grad.reshape(x.shape)


def feature_maps(model, x):
    """The output of every layer of a Sequential, for one batch.

    Runs ``model`` layer by layer in evaluation mode under :func:`dlbook.no_grad` (nothing is
    stored for a backward pass) and restores its mode afterwards.

    Parameters
    ----------
    model : Sequential
    x : array_like, shape (N, ...)
        The input batch, e.g. (N, C, H, W).

    Returns
    -------
    list of (str, ndarray)
        One pair per layer, in order: the layer's name as ``repr`` prints it without arguments
        (``'Conv2d'``, ``'ReLU'``, ...) prefixed by its index, e.g. ``'0: Conv2d'``, and its
        output. The last entry is the model's output.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~dlbook.nn.Sequential`.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a dlbook.nn.Sequential (its layers are run one at a "
                        f"time), got {type(model).__name__}")
    out = as_float_array(x, "x")
    maps = []
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for i, layer in enumerate(model):
                out = layer(out)
                maps.append((f"{i}: {type(layer).__name__}", np.asarray(out)))
    finally:
        model.train(was_training)
    return maps
