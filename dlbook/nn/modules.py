r"""Layers and losses with PyTorch's names, parameter layouts and gradient accumulation.

A :class:`Module` caches what its backward pass needs during ``forward``; ``backward(grad_output)``
returns the gradient with respect to the module's input and **adds** the parameter gradients
into each :class:`Parameter`'s ``.grad`` (as ``loss.backward()`` does in PyTorch), so
``zero_grad()`` must be called between steps.

A loss is called as ``loss_fn(input, target)`` and returns a float; ``loss_fn.backward()`` then
returns d loss / d input, ready to be passed to ``model.backward``::

    loss = loss_fn(model(x), y)
    model.zero_grad()
    model.backward(loss_fn.backward())
    optimizer.step()
"""
import math

import numpy as np

from .. import functional as F
from .._validation import as_float_array, check_positive_int, check_probability
from ..random import default_generator

__all__ = [
    "Parameter", "Module", "Linear", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Maxout",
    "Softmax", "Dropout", "Sequential", "MSELoss", "CrossEntropyLoss", "BCELoss",
    "BCEWithLogitsLoss", "clip_grad_norm_",
]


class Parameter:
    """A trainable array: ``.data`` holds the value, ``.grad`` the accumulated gradient.

    ``.grad`` starts as None (no gradient yet), like PyTorch's.
    """

    def __init__(self, data):
        self.data = np.array(as_float_array(data, "data"), dtype=np.float64)
        self.grad = None

    @property
    def shape(self):
        return self.data.shape

    def accumulate(self, grad):
        """Add ``grad`` into ``.grad`` (creating it on first use)."""
        if grad.shape != self.data.shape:
            raise ValueError(f"gradient of shape {grad.shape} does not match parameter "
                             f"shape {self.data.shape}")
        if self.grad is None:
            self.grad = np.array(grad, dtype=np.float64)
        else:
            self.grad += grad

    def __repr__(self):
        return f"Parameter(shape={self.data.shape})"


class Module:
    """Base class: registers Parameters and sub-Modules assigned as attributes."""

    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"call Module.__init__() in {type(self).__name__}.__init__ "
                                 "before assigning attributes")
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def backward(self, grad_output):
        raise NotImplementedError(f"{type(self).__name__} does not define backward")

    def __call__(self, x):
        return self.forward(x)

    def named_parameters(self, prefix=""):
        """Yield ``(name, Parameter)`` pairs, this module's first, then its children's."""
        for name, p in self._parameters.items():
            yield prefix + name, p
        for mname, m in self._modules.items():
            yield from m.named_parameters(prefix + mname + ".")

    def parameters(self):
        """Every trainable Parameter of the module and its children, in definition order."""
        return [p for _, p in self.named_parameters()]

    def children(self):
        return list(self._modules.values())

    def zero_grad(self):
        """Reset every parameter's ``.grad`` to None."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode=True):
        """Set training mode (affects Dropout and BatchNorm) here and in all children."""
        object.__setattr__(self, "training", bool(mode))
        for m in self._modules.values():
            m.train(mode)
        return self

    def eval(self):
        """Set evaluation mode; equivalent to ``train(False)``."""
        return self.train(False)

    def extra_repr(self):
        return ""

    def __repr__(self):
        if not self._modules:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def _saved_input(self):
        x = getattr(self, "_input", None)
        if x is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return x


class Linear(Module):
    r"""Fully connected layer :math:`y = x W^\top + b`.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, default True
    generator : numpy.random.Generator, optional
        Initialisation draws :math:`U(-1/\sqrt{\text{in}}, 1/\sqrt{\text{in}})` for weight and
        bias, PyTorch's default.

    Attributes
    ----------
    weight : Parameter, shape (out_features, in_features) — the notes' :math:`W^l`
    bias : Parameter, shape (out_features,) or None
    """

    def __init__(self, in_features, out_features, bias=True, *, generator=None):
        super().__init__()
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        rng = generator if generator is not None else default_generator()
        bound = 1.0 / math.sqrt(self.in_features)
        self.weight = Parameter(rng.uniform(-bound, bound, (self.out_features, self.in_features)))
        self.bias = Parameter(rng.uniform(-bound, bound, self.out_features)) if bias else None

    def forward(self, x):
        x = as_float_array(x, "input")
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}) expected input "
                             f"with {self.in_features} features (shape (N, {self.in_features})), "
                             f"got shape {x.shape} with {x.shape[-1] if x.ndim else 0} features")
        self._input = x
        return F.linear(x, self.weight.data, None if self.bias is None else self.bias.data)

    def backward(self, grad_output):
        bias = None if self.bias is None else self.bias.data
        dx, dweight, dbias = F.linear_backward(grad_output, self._saved_input(),
                                               self.weight.data, bias)
        self.weight.accumulate(dweight)
        if self.bias is not None:
            self.bias.accumulate(dbias)
        return dx

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class _Elementwise(Module):
    """An activation with no parameters: forward ``_f(x)``, backward ``_df(g, x)``."""

    def forward(self, x):
        self._input = as_float_array(x, "input")
        return self._f(self._input)

    def backward(self, grad_output):
        return self._df(grad_output, self._saved_input())


class Sigmoid(_Elementwise):
    """Elementwise :func:`dlbook.functional.sigmoid`."""

    def _f(self, x):
        return F.sigmoid(x)

    def _df(self, g, x):
        return F.sigmoid_backward(g, x)


class Tanh(_Elementwise):
    """Elementwise :func:`dlbook.functional.tanh`."""

    def _f(self, x):
        return F.tanh(x)

    def _df(self, g, x):
        return F.tanh_backward(g, x)


class ReLU(_Elementwise):
    """Elementwise :func:`dlbook.functional.relu`."""

    def _f(self, x):
        return F.relu(x)

    def _df(self, g, x):
        return F.relu_backward(g, x)


class LeakyReLU(_Elementwise):
    """Elementwise :func:`dlbook.functional.leaky_relu` with ``negative_slope`` (default 0.01)."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = float(negative_slope)

    def _f(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def _df(self, g, x):
        return F.leaky_relu_backward(g, x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(_Elementwise):
    """Elementwise :func:`dlbook.functional.elu` with ``alpha`` (default 1.0)."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = float(alpha)

    def _f(self, x):
        return F.elu(x, self.alpha)

    def _df(self, g, x):
        return F.elu_backward(g, x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Softmax(Module):
    """:func:`dlbook.functional.softmax` along ``dim`` (default -1)."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        self._input = as_float_array(x, "input")
        return F.softmax(self._input, self.dim)

    def backward(self, grad_output):
        return F.softmax_backward(grad_output, self._saved_input(), self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Maxout(Module):
    r"""Maxout layer (Goodfellow et al., 2013): ``pool_size`` affine maps, elementwise maximum.

    .. math:: a_i = \max_{k} \big( x W_k^\top + b_k \big)_i

    Parameters
    ----------
    in_features, out_features : int
    pool_size : int
        k, the number of affine pieces per output unit.

    Attributes
    ----------
    weight : Parameter, shape (pool_size, out_features, in_features) — the notes' k×N^l×N^{l-1}
    bias : Parameter, shape (pool_size, out_features)

    ``forward(x)`` maps (N, in_features) to (N, out_features). The gradient flows only through
    the piece that attains the maximum (the first one on ties).
    """

    def __init__(self, in_features, out_features, pool_size, *, generator=None):
        super().__init__()
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        self.pool_size = check_positive_int(pool_size, "pool_size")
        rng = generator if generator is not None else default_generator()
        bound = 1.0 / math.sqrt(self.in_features)
        shape = (self.pool_size, self.out_features, self.in_features)
        self.weight = Parameter(rng.uniform(-bound, bound, shape))
        self.bias = Parameter(rng.uniform(-bound, bound, (self.pool_size, self.out_features)))

    def pieces(self, x):
        """The k pre-activations, shape (N, pool_size, out_features), before the maximum."""
        x = as_float_array(x, "input")
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Maxout expected input of shape (N, {self.in_features}), "
                             f"got {x.shape}")
        return np.einsum("ni,koi->nko", x, self.weight.data) + self.bias.data

    def forward(self, x):
        s = self.pieces(x)
        self._input = as_float_array(x, "input")
        self._argmax = np.argmax(s, axis=1)                      # (N, out)
        return np.take_along_axis(s, self._argmax[:, None, :], axis=1)[:, 0, :]

    def backward(self, grad_output):
        x = self._saved_input()
        g = as_float_array(grad_output, "grad_output")
        ds = np.zeros((x.shape[0], self.pool_size, self.out_features))
        np.put_along_axis(ds, self._argmax[:, None, :], g[:, None, :], axis=1)
        self.weight.accumulate(np.einsum("nko,ni->koi", ds, x))
        self.bias.accumulate(ds.sum(axis=0))
        return np.einsum("nko,koi->ni", ds, self.weight.data)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"pool_size={self.pool_size}")


class Dropout(Module):
    """Inverted dropout with drop probability ``p``; the identity in ``eval()`` mode."""

    def __init__(self, p=0.5, *, generator=None):
        super().__init__()
        self.p = check_probability(p)
        self.generator = generator

    def forward(self, x):
        out, self._mask = F.dropout(x, self.p, self.training, generator=self.generator)
        return out

    def backward(self, grad_output):
        if getattr(self, "_mask", None) is None:
            raise RuntimeError("Dropout.backward called before forward")
        return F.dropout_backward(grad_output, self._mask)

    def extra_repr(self):
        return f"p={self.p}"


class Sequential(Module):
    """A chain of modules: ``forward`` runs them in order, ``backward`` in reverse.

    Indexable (``model[0]``, ``model[-1]``, slices give a new Sequential) and iterable.
    """

    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential expects Module instances, argument {i} is "
                                f"{type(m).__name__}")
            setattr(self, str(i), m)

    def __getitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return Sequential(*mods[idx])
        return mods[idx]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def backward(self, grad_output):
        for m in reversed(list(self._modules.values())):
            grad_output = m.backward(grad_output)
        return grad_output


# --------------------------------------------------------------------------- losses
class _Loss:
    """Callable loss: ``loss(input, target) -> float``; ``backward() -> d loss / d input``."""

    def __init__(self, reduction="mean"):
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction
        self._saved = None

    def __call__(self, input, target):
        self._saved = (input, target)
        return self._loss(input, target, self.reduction)

    forward = __call__

    def backward(self, grad_output=1.0):
        if self._saved is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before the loss")
        return self._grad(grad_output, *self._saved, self.reduction)

    def __repr__(self):
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class MSELoss(_Loss):
    """:func:`dlbook.functional.mse_loss` as a module."""
    _loss = staticmethod(F.mse_loss)
    _grad = staticmethod(F.mse_loss_backward)


class CrossEntropyLoss(_Loss):
    """:func:`dlbook.functional.cross_entropy`: logits (N, V) and integer targets (N,)."""
    _loss = staticmethod(F.cross_entropy)
    _grad = staticmethod(F.cross_entropy_backward)


class BCELoss(_Loss):
    """:func:`dlbook.functional.binary_cross_entropy`: probabilities and 0/1 targets."""
    _loss = staticmethod(F.binary_cross_entropy)
    _grad = staticmethod(F.binary_cross_entropy_backward)


class BCEWithLogitsLoss(_Loss):
    """:func:`dlbook.functional.binary_cross_entropy_with_logits`: logits and 0/1 targets."""
    _loss = staticmethod(F.binary_cross_entropy_with_logits)
    _grad = staticmethod(F.binary_cross_entropy_with_logits_backward)


# --------------------------------------------------------------------------- utilities
def clip_grad_norm_(parameters, max_norm):
    r"""Rescale gradients in place so their joint L2 norm is at most ``max_norm``.

    As ``torch.nn.utils.clip_grad_norm_``: the factor is
    :math:`\min(1, \text{max\_norm} / (\lVert g\rVert + 10^{-6}))`, applied to every gradient.
    ``parameters`` is one Parameter or an iterable of them. Returns the norm before clipping.
    """
    if isinstance(parameters, Parameter):
        parameters = [parameters]
    params = [p for p in parameters if p.grad is not None]
    if max_norm <= 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    total = math.sqrt(sum(float(np.sum(p.grad ** 2)) for p in params))
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for p in params:
            p.grad *= scale
    return total
