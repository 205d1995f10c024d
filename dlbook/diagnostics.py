r"""Measurements of how signals and gradients travel through a deep network.

Backpropagation multiplies one factor per layer, so in a deep network the gradient reaching
the first layers can be many orders of magnitude smaller (vanishing) or larger (exploding) than
the gradient at the last layer. The functions here measure that, layer by layer:

- :func:`layer_gradient_norms` — :math:`\lVert \partial C/\partial W^l \rVert` of every
  :class:`~dlbook.nn.Linear` layer after a backward pass (or of the bias gradient, which is
  :math:`\sum_n \delta^l_n`, the error signal itself);
- :func:`measure_gradient_norms` — the same after running forward and backward on a batch;
- :func:`total_gradient_norm` — the joint norm that :func:`dlbook.nn.clip_grad_norm_` clips;
- :func:`activation_statistics` — mean and standard deviation of each layer's output.

Norms are Frobenius (L2 over all entries). Nothing here changes a parameter.
"""

import numpy as np

from . import nn
from ._validation import as_float_array, check_option
from .autograd import no_grad

__all__ = ["linear_layers", "layer_gradient_norms", "measure_gradient_norms",
           "total_gradient_norm", "activation_statistics"]


def _check_module(model, name="model"):
    if not isinstance(model, nn.Module):
        raise TypeError(f"{name} must be a dlbook.nn.Module, got {type(model).__name__}")


def linear_layers(model):
    """The :class:`~dlbook.nn.Linear` layers of ``model``, in the order the forward pass uses them.

    Parameters
    ----------
    model : dlbook.nn.Module
        A single ``Linear``, a ``Sequential`` or any module whose sub-modules are registered as
        attributes (they are visited depth first, in the order they were assigned).

    Returns
    -------
    list of dlbook.nn.Linear
        Possibly empty.
    """
    _check_module(model)
    if isinstance(model, nn.Linear):
        return [model]
    layers = []
    for child in model.children():
        layers.extend(linear_layers(child))
    return layers


def layer_gradient_norms(model, *, parameter="weight"):
    r"""Frobenius norm of the gradient of each Linear layer, read after a backward pass.

    For layer :math:`l` with ``weight`` :math:`W^l` of shape (N_l, N_{l-1}) the value is
    :math:`\lVert \partial C/\partial W^l \rVert_F = \big(\sum_{i,j} (\partial C/\partial
    W^l_{ij})^2\big)^{1/2}`. With ``parameter="bias"`` it is
    :math:`\lVert \partial C/\partial b^l \rVert_2 = \lVert \sum_n \delta^l_n \rVert_2`, the
    size of the error signal :math:`\delta^l = \partial C/\partial z^l` summed over the batch.
    Whether the batch is summed or averaged is decided by the loss's ``reduction``.

    Parameters
    ----------
    model : dlbook.nn.Module
        Its Linear layers must hold gradients, i.e. ``model.backward(...)`` has run since the
        last ``zero_grad()``.
    parameter : {"weight", "bias"}, default "weight"

    Returns
    -------
    ndarray, shape (L,)
        One norm per Linear layer, first layer first (float64).

    Raises
    ------
    TypeError
        If ``model`` is not a dlbook module.
    ValueError
        If ``parameter`` is not "weight" or "bias", the model has no Linear layer, a layer has
        no bias (with ``parameter="bias"``) or a gradient is missing.
    """
    _check_module(model)
    check_option(parameter, "parameter", ("weight", "bias"))
    layers = linear_layers(model)
    if not layers:
        raise ValueError(f"{type(model).__name__} has no Linear layer to measure")
    norms = np.empty(len(layers))
    for i, layer in enumerate(layers):
        p = getattr(layer, parameter)
        if p is None:
            raise ValueError(f"Linear layer {i} ({layer.extra_repr()}) has no bias")
        if p.grad is None:
            raise ValueError(f"Linear layer {i} ({layer.extra_repr()}) has no {parameter} "
                             "gradient: run a forward pass and model.backward(...) first")
        norms[i] = np.sqrt(np.sum(p.grad * p.grad))
    return norms


def measure_gradient_norms(model, loss_fn, input, target, *, parameter="weight"):
    r"""Run forward and backward on one batch and return :func:`layer_gradient_norms`.

    Calls ``model.zero_grad()`` first, so the norms belong to this batch alone; the gradients
    stay in the parameters' ``.grad`` afterwards (no parameter is updated).

    Parameters
    ----------
    model : dlbook.nn.Module
    loss_fn : callable
        A dlbook loss such as :class:`~dlbook.nn.CrossEntropyLoss`: ``loss_fn(output, target)``
        returns the cost and ``loss_fn.backward()`` returns :math:`\partial C/\partial` output.
    input : ndarray, shape (N, D)
    target : ndarray
        Whatever ``loss_fn`` expects, e.g. shape (N,) integer classes.
    parameter : {"weight", "bias"}, default "weight"

    Returns
    -------
    ndarray, shape (L,)
        One norm per Linear layer, first layer first.
    """
    _check_module(model)
    if not (callable(loss_fn) and hasattr(loss_fn, "backward")):
        raise TypeError("loss_fn must be a dlbook loss (callable, with a backward() method), "
                        f"got {type(loss_fn).__name__}")
    model.zero_grad()
    loss_fn(model(input), target)
    model.backward(loss_fn.backward())
    return layer_gradient_norms(model, parameter=parameter)


def total_gradient_norm(parameters):
    r"""Joint L2 norm :math:`\lVert g \rVert = (\sum_p \lVert \partial C/\partial p \rVert_F^2)^{1/2}`.

    The norm that :func:`dlbook.nn.clip_grad_norm_` compares with ``max_norm``: all gradients
    are treated as one long vector. Parameters without a gradient are skipped.

    Parameters
    ----------
    parameters : iterable of dlbook.nn.Parameter
        For example ``model.parameters()``.

    Returns
    -------
    float
        0.0 when no parameter has a gradient.
    """
    total = 0.0
    for i, p in enumerate(parameters):
        if not isinstance(p, nn.Parameter):
            raise TypeError(f"parameters must hold dlbook.nn.Parameter objects, item {i} is "
                            f"{type(p).__name__}")
        if p.grad is not None:
            total += float(np.sum(p.grad * p.grad))
    return float(np.sqrt(total))


def activation_statistics(model, x, *, layer_types=None):
    r"""Mean and standard deviation of the outputs of a Sequential's layers in one forward pass.

    The modules of ``model`` are run one after the other on ``x``; after each module whose type
    is selected, the mean and the (population) standard deviation over all N × N_l entries of
    its output are recorded. By default every module that is not a
    :class:`~dlbook.nn.Linear` is selected — the activations :math:`a^l`; pass
    ``layer_types=(dlbook.nn.Linear,)`` for the pre-activations :math:`z^l`.

    The forward pass runs in the model's current mode (``train()`` or ``eval()``) and, like any
    forward pass, overwrites what the modules cached for a backward pass.

    Parameters
    ----------
    model : dlbook.nn.Sequential
    x : ndarray, shape (N, D)
        A batch of N inputs with D features.
    layer_types : type or tuple of types, optional
        Subclasses of :class:`dlbook.nn.Module` whose outputs are recorded.

    Returns
    -------
    dict
        ``"index"`` : ndarray of int, shape (M,) — position of each recorded module in
        ``model``; ``"mean"`` and ``"std"`` : ndarray, shape (M,) — float64 statistics of those
        modules' outputs, in forward order.

    Raises
    ------
    TypeError
        If ``model`` is not a Sequential, ``x`` is not numeric or ``layer_types`` holds
        something that is not a Module subclass.
    ValueError
        If ``x`` is not 2-d or is empty.
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be a dlbook.nn.Sequential, got {type(model).__name__}")
    x = as_float_array(x, "x")
    if x.ndim != 2 or x.size == 0:
        raise ValueError(f"x must have shape (N, D) with N, D > 0, got shape {x.shape}")
    if layer_types is not None:
        types = layer_types if isinstance(layer_types, tuple) else (layer_types,)
        if not types or not all(isinstance(t, type) and issubclass(t, nn.Module) for t in types):
            raise TypeError("layer_types must be a Module subclass or a non-empty tuple of them, "
                            f"got {layer_types!r}")

        def selected(m):
            return isinstance(m, types)
    else:
        def selected(m):
            return not isinstance(m, nn.Linear)
    index, mean, std = [], [], []
    for i, module in enumerate(model):
        with no_grad():                                  # a look at activations, no backward
            x = module(x)
        if selected(module):
            index.append(i)
            mean.append(np.mean(x))
            std.append(np.std(x))
    return {"index": np.array(index, dtype=np.int64), "mean": np.array(mean, dtype=np.float64),
            "std": np.array(std, dtype=np.float64)}
