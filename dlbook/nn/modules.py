r"""Layers and losses with PyTorch's names, parameter layouts and gradient accumulation.

How forward and backward meet
-----------------------------
Calling a module runs its ``forward`` with a fresh :class:`~dlbook.autograd.Context`
(``self.ctx``) in which the forward saves what its backward will need. Each call pushes its
context on the module's own stack; each ``backward`` pops the most recent one and sees it as
``self.ctx``. So a module called k times in one forward pass — a shared activation, a tied
weight, a recurrent cell at every time step — takes k backward calls, in reverse order, each
with the context of its own call. ``backward`` returns the gradient with respect to the
module's input (one per input for a module with several inputs) and **adds** parameter
gradients into each :class:`Parameter`'s ``.grad``, so the contributions of a parameter used
in several places add up, as the chain rule says; ``zero_grad()`` resets them.

A loss is a module too: ``loss_fn(input, target)`` returns a float (an array for
``reduction='none'``) and ``loss_fn.backward()`` returns d loss / d input::

    loss = loss_fn(model(x), y)
    model.zero_grad()
    model.backward(loss_fn.backward())
    optimizer.step()

Forward calls that will never be backpropagated (evaluation, plotting) belong inside
``with dlbook.no_grad():``, which saves no context — otherwise the next ``backward`` would pop
the context of the most recent call, whichever it was.
"""
import collections
import functools
import math

import numpy as np

from .. import functional as F
from .._validation import (as_float_array, check_bool, check_positive_int, check_probability,
                           check_reduction)
from ..autograd import Context, check_grad_shape, is_grad_enabled
from ..random import as_generator

__all__ = [
    "Parameter", "Module", "Identity", "Linear", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU",
    "Maxout", "Softmax", "LogSoftmax", "Dropout", "Sequential", "MSELoss", "CrossEntropyLoss",
    "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
]


class Parameter:
    """A trainable array: ``.data`` holds the value, ``.grad`` the accumulated gradient.

    ``.grad`` starts as None (no gradient yet), like PyTorch's. Parameters compare and hash by
    identity, so they can key an optimizer's state.
    """

    def __init__(self, data):
        self.data = np.array(as_float_array(data, "data"), dtype=np.float64)
        self.grad = None

    @property
    def shape(self):
        return self.data.shape

    def accumulate(self, grad):
        """Add ``grad`` into ``.grad`` (creating it on first use)."""
        grad = np.asarray(grad, dtype=np.float64)
        if grad.shape != self.data.shape:
            raise ValueError(f"gradient of shape {grad.shape} does not match parameter "
                             f"shape {self.data.shape}")
        if self.grad is None:
            self.grad = grad.copy()
        else:
            self.grad += grad

    def __repr__(self):
        return f"Parameter(shape={self.data.shape})"


_IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


# Contexts pushed (popped) by the forward (backward) passes in progress, in order, so that a
# call that raises can leave every module's stack exactly as it found it.
_pushed, _popped = [], []
_depth = {"forward": 0, "backward": 0}


def _wrap_forward(forward):
    """Give each call of ``forward`` its own context (see the module docstring)."""

    @functools.wraps(forward)
    def call(self, *args, **kwargs):
        state = self.__dict__
        if state["_depth"] and not state["_new_call"]:  # super().forward(...): the same call
            return forward(self, *args, **kwargs)
        state["_new_call"] = False
        ctx = Context()
        start = len(_pushed)
        self._active.append(ctx)
        state["_depth"] += 1
        _depth["forward"] += 1
        try:
            output = forward(self, *args, **kwargs)
        except BaseException:
            for module, pushed in reversed(_pushed[start:]):   # undo the sub-modules' calls
                if module._contexts and module._contexts[-1] is pushed:
                    module._contexts.pop()
            del _pushed[start:]
            raise
        finally:
            _depth["forward"] -= 1
            state["_depth"] -= 1
            self._active.pop()
        if is_grad_enabled():
            ctx._output_shape = (np.shape(output)
                                 if isinstance(output, (np.ndarray, float, np.floating)) else None)
            self._contexts.append(ctx)
            _pushed.append((self, ctx))
        if not _depth["forward"]:
            _pushed.clear()
        return output

    return call


def _wrap_backward(backward):
    """Pop the most recent context for ``backward`` and check the incoming gradient's shape."""

    @functools.wraps(backward)
    def call(self, *grads, **kwargs):
        state = self.__dict__
        if state["_depth"]:                            # super().backward(...): the same call
            return backward(self, *grads, **kwargs)
        if not self._contexts:
            raise RuntimeError(
                f"{type(self).__name__}.backward called more often than its forward: no saved "
                "call is left (each forward call allows one backward; calls made under "
                "dlbook.no_grad() save nothing)")
        ctx = self._contexts.pop()
        start = len(_popped)
        self._active.append(ctx)
        state["_depth"] += 1
        _depth["backward"] += 1
        try:
            if grads and getattr(ctx, "_output_shape", None) is not None:
                grads = (check_grad_shape(grads[0], ctx._output_shape,
                                          f"{type(self).__name__}.backward"),) + grads[1:]
            grad_input = backward(self, *grads, **kwargs)
        except BaseException:
            for module, popped in reversed(_popped[start:]):   # give the sub-modules theirs back
                module._contexts.append(popped)
            del _popped[start:]
            self._contexts.append(ctx)                 # the call can be backpropagated again
            raise
        finally:
            _depth["backward"] -= 1
            state["_depth"] -= 1
            self._active.pop()
        _popped.append((self, ctx))
        if not _depth["backward"]:
            _popped.clear()
        return grad_input

    return call


class Module:
    """Base class of layers and losses: parameters, buffers, sub-modules and saved contexts.

    Subclasses define ``forward(self, ...)`` and ``backward(self, grad_output, ...)``; inside
    both, ``self.ctx`` is the context of the call being processed (a forward stores into it, the
    matching backward reads from it). Parameters, buffers (:meth:`register_buffer`) and
    sub-modules assigned as attributes are registered by name, in order.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "forward" in cls.__dict__:
            cls.forward = _wrap_forward(cls.__dict__["forward"])
        if "backward" in cls.__dict__:
            cls.backward = _wrap_backward(cls.__dict__["backward"])

    def __init__(self):
        for name, value in (("_parameters", {}), ("_buffers", {}), ("_non_persistent", set()),
                            ("_modules", {}), ("training", True), ("_contexts", []),
                            ("_active", []), ("_depth", 0), ("_new_call", False)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"call Module.__init__() in {type(self).__name__}.__init__ "
                                 "before assigning attributes")
        if name in self._buffers:
            self._buffers[name] = None if value is None else np.asarray(value)
            object.__setattr__(self, name, self._buffers[name])
            return
        # replacing a registered parameter or module keeps its place in the order (as torch)
        if isinstance(value, Parameter):
            self._modules.pop(name, None)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._parameters.pop(name, None)
            self._modules[name] = value
        elif value is None and (name in self._parameters or name in self._modules):
            (self._parameters if name in self._parameters else self._modules)[name] = None
        else:
            self._parameters.pop(name, None)
            self._modules.pop(name, None)
        object.__setattr__(self, name, value)

    # ----------------------------------------------------------------- calling
    def __call__(self, *args, **kwargs):
        self.__dict__["_new_call"] = True
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def backward(self, *grad_outputs, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define backward")

    @property
    def ctx(self):
        """The context of the call in progress (inside ``forward`` or ``backward`` only)."""
        if not self._active:
            raise RuntimeError(f"{type(self).__name__}.ctx exists only while forward or "
                               "backward runs")
        return self._active[-1]

    @property
    def saved_calls(self):
        """How many forward calls of this module are waiting for their backward."""
        return len(self._contexts)

    def clear_saved(self):
        """Drop every saved context here and in all sub-modules (e.g. after an interrupted pass)."""
        for m in self.modules():
            m._contexts.clear()

    # ----------------------------------------------------------------- registration
    def register_parameter(self, name, param):
        """Register ``param`` (a :class:`Parameter` or None) under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot register {type(param).__name__} as parameter {name!r} "
                            "(expected a dlbook.nn.Parameter or None)")
        setattr(self, name, param)
        if param is None:
            self._parameters[name] = None

    def register_buffer(self, name, tensor, persistent=True):
        """Register an array that is state but not a parameter (e.g. BatchNorm's running mean).

        Buffers are in :meth:`state_dict` (unless ``persistent=False``) and are not trained.
        """
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"buffer name must be a non-empty string without '.', got {name!r}")
        if name in self._parameters or name in self._modules:
            raise KeyError(f"attribute {name!r} already exists")
        self._buffers[name] = None if tensor is None else np.asarray(tensor)
        if not persistent:
            self._non_persistent.add(name)
        object.__setattr__(self, name, self._buffers[name])

    def add_module(self, name, module):
        """Register ``module`` as a child under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module")
        setattr(self, name, module)

    # ----------------------------------------------------------------- traversal
    def named_modules(self, prefix=""):
        """Yield ``(name, module)`` for this module and every descendant, each once."""
        seen = set()

        def walk(module, pre):
            if id(module) in seen:
                return
            seen.add(id(module))
            yield pre, module
            for name, child in module._modules.items():
                if child is not None:
                    yield from walk(child, pre + ("." if pre else "") + name)

        yield from walk(self, prefix)

    def modules(self):
        return [m for _, m in self.named_modules()]

    def named_children(self):
        return [(n, m) for n, m in self._modules.items() if m is not None]

    def children(self):
        return [m for _, m in self.named_children()]

    def named_parameters(self, prefix="", recurse=True):
        """Yield ``(name, Parameter)`` pairs, each parameter once (a tied weight appears once)."""
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mname, m in modules:
            for name, p in m._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (mname + "." if mname else "") + name, p

    def parameters(self, recurse=True):
        """Every trainable Parameter of the module and its children, in definition order."""
        return [p for _, p in self.named_parameters(recurse=recurse)]

    def named_buffers(self, prefix="", recurse=True):
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mname, m in modules:
            for name, b in m._buffers.items():
                if b is not None:
                    yield (mname + "." if mname else "") + name, b

    def buffers(self, recurse=True):
        return [b for _, b in self.named_buffers(recurse=recurse)]

    def apply(self, fn):
        """Call ``fn(m)`` on every sub-module (children first) and on this module."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ----------------------------------------------------------------- state
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered dict of every parameter and persistent buffer, as copies, by dotted name.

        PyTorch hands out references (and ``copy.deepcopy`` is the idiom for a snapshot);
        NumPy arrays are updated in place by the optimizers, so dlbook returns copies: a
        state dict is a snapshot. ``keep_vars=True`` returns the Parameters themselves.
        """
        out = collections.OrderedDict() if destination is None else destination
        seen = set()
        for mname, m in self.named_modules():
            base = prefix + (mname + "." if mname else "")
            for name, p in m._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    out[base + name] = p if keep_vars else p.data.copy()
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent:
                    out[base + name] = b.copy()
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays from ``state_dict`` into the parameters and buffers, in place.

        Parameters keep their identity (an optimizer holding them stays valid). With
        ``strict=True`` a missing or unexpected key raises ``KeyError``; a shape mismatch always
        raises ``ValueError`` naming both shapes. Returns ``(missing_keys, unexpected_keys)``.
        """
        if not isinstance(state_dict, collections.abc.Mapping):
            raise TypeError(f"state_dict must be a mapping, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"Error(s) in loading state_dict for {type(self).__name__}: "
                           f"missing keys {missing}, unexpected keys {unexpected}")
        owners = {}
        for mname, m in self.named_modules():
            for name in m._buffers:
                owners[(mname + "." if mname else "") + name] = (m, name)
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = np.asarray(state_dict[key])
            current = target.data if isinstance(target, Parameter) else target
            if value.shape != current.shape:
                raise ValueError(f"size mismatch for {key}: copying an array of shape "
                                 f"{value.shape}, the shape in the model is {current.shape}")
            if isinstance(target, Parameter):
                target.data[...] = value
            else:
                module, name = owners[key]
                setattr(module, name, value.astype(current.dtype, copy=True))
        return _IncompatibleKeys(missing, unexpected)

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's ``.grad``: to None (default) or to zeros in place."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad[...] = 0.0

    def train(self, mode=True):
        """Set training mode (affects Dropout and BatchNorm) here and in all children."""
        mode = check_bool(mode, "mode")
        object.__setattr__(self, "training", mode)
        for m in self.children():
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
        lines = [f"  ({name}): " + repr(m).replace("\n", "\n  ")
                 for name, m in self._modules.items()]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


class Identity(Module):
    """Returns its input unchanged; a placeholder that keeps a layer's name in a container."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input

    def backward(self, grad_output):
        return grad_output


class Linear(Module):
    r"""Fully connected layer :math:`y = x W^\top + b`.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, default True
    generator : numpy.random.Generator, int or None
        Initialization draws :math:`U(-1/\sqrt{\text{in}}, 1/\sqrt{\text{in}})` for weight and
        bias, PyTorch's default.

    Attributes
    ----------
    weight : Parameter, shape (out_features, in_features) — the book's :math:`W^l`
    bias : Parameter, shape (out_features,) or None
    """

    def __init__(self, in_features, out_features, bias=True, *, generator=None):
        super().__init__()
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        rng = as_generator(generator)
        bound = 1.0 / math.sqrt(self.in_features)
        self.weight = Parameter(rng.uniform(-bound, bound, (self.out_features, self.in_features)))
        self.bias = Parameter(rng.uniform(-bound, bound, self.out_features)) if bias else None

    def forward(self, input):
        x = as_float_array(input, "input")
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}) expected input "
                             f"with {self.in_features} features (shape (N, {self.in_features})), "
                             f"got shape {x.shape} with {x.shape[-1] if x.ndim else 0} features")
        bias = None if self.bias is None else self.bias.data
        return F.LinearFunction.forward(self.ctx, x, self.weight.data, bias)

    def backward(self, grad_output):
        dinput, dweight, dbias = F.LinearFunction.backward(self.ctx, grad_output)
        self.weight.accumulate(dweight)
        if self.bias is not None:
            self.bias.accumulate(dbias)
        return dinput

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class _Activation(Module):
    """A parameter-free module that runs ``function`` (an autograd Function) on its input."""

    function = None

    def _options(self):
        return ()

    def forward(self, input):
        return self.function.forward(self.ctx, input, *self._options())

    def backward(self, grad_output):
        return self.function.backward(self.ctx, grad_output)


class Sigmoid(_Activation):
    """Elementwise :func:`dlbook.functional.sigmoid`."""
    function = F.SigmoidFunction


class Tanh(_Activation):
    """Elementwise :func:`dlbook.functional.tanh`."""
    function = F.TanhFunction


class ReLU(_Activation):
    """Elementwise :func:`dlbook.functional.relu`."""
    function = F.ReLUFunction

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)

    def _options(self):
        return (self.inplace,)


class LeakyReLU(_Activation):
    """Elementwise :func:`dlbook.functional.leaky_relu` with ``negative_slope`` (default 0.01)."""
    function = F.LeakyReLUFunction

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = float(negative_slope), bool(inplace)

    def _options(self):
        return (self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(_Activation):
    """Elementwise :func:`dlbook.functional.elu` with ``alpha`` (default 1.0)."""
    function = F.ELUFunction

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = float(alpha), bool(inplace)

    def _options(self):
        return (self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Softmax(_Activation):
    """:func:`dlbook.functional.softmax` along ``dim`` (default -1)."""
    function = F.SoftmaxFunction

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def _options(self):
        return (self.dim,)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """:func:`dlbook.functional.log_softmax` along ``dim`` (default -1)."""
    function = F.LogSoftmaxFunction


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
    weight : Parameter, shape (pool_size, out_features, in_features)
    bias : Parameter, shape (pool_size, out_features)

    ``forward(input)`` maps (N, in_features) to (N, out_features). The gradient flows only
    through the piece that attains the maximum (the first one on ties).
    """

    def __init__(self, in_features, out_features, pool_size, *, generator=None):
        super().__init__()
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        self.pool_size = check_positive_int(pool_size, "pool_size")
        rng = as_generator(generator)
        bound = 1.0 / math.sqrt(self.in_features)
        shape = (self.pool_size, self.out_features, self.in_features)
        self.weight = Parameter(rng.uniform(-bound, bound, shape))
        self.bias = Parameter(rng.uniform(-bound, bound, (self.pool_size, self.out_features)))

    def pieces(self, input):
        """The k pre-activations, shape (N, pool_size, out_features), before the maximum."""
        x = as_float_array(input, "input")
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Maxout expected input of shape (N, {self.in_features}), "
                             f"got {x.shape}")
        return np.einsum("ni,koi->nko", x, self.weight.data) + self.bias.data

    def forward(self, input):
        s = self.pieces(input)
        argmax = np.argmax(s, axis=1)                      # (N, out): the winning piece
        self.ctx.save_for_backward(as_float_array(input, "input"), argmax)
        return np.take_along_axis(s, argmax[:, None, :], axis=1)[:, 0, :]

    def backward(self, grad_output):
        x, argmax = self.ctx.saved_tensors
        ds = np.zeros((x.shape[0], self.pool_size, self.out_features))
        np.put_along_axis(ds, argmax[:, None, :], grad_output[:, None, :], axis=1)
        self.weight.accumulate(np.einsum("nko,ni->koi", ds, x))
        self.bias.accumulate(ds.sum(axis=0))
        return np.einsum("nko,koi->ni", ds, self.weight.data)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"pool_size={self.pool_size}")


class Dropout(Module):
    """Inverted dropout with drop probability ``p``; the identity in ``eval()`` mode.

    ``generator`` (a numpy Generator or an int seed, read once here) draws the masks; without
    one the package-wide generator is used, so :func:`dlbook.manual_seed` controls them.
    """

    def __init__(self, p=0.5, inplace=False, *, generator=None):
        super().__init__()
        self.p = check_probability(p)
        self.inplace = bool(inplace)
        self.generator = None if generator is None else as_generator(generator)

    def forward(self, input):
        return F.DropoutFunction.forward(self.ctx, input, self.p, self.training, self.inplace,
                                         self.generator)

    def backward(self, grad_output):
        return F.DropoutFunction.backward(self.ctx, grad_output)

    def extra_repr(self):
        return f"p={self.p}"


class Sequential(Module):
    """A chain of modules: ``forward`` runs them in order, ``backward`` in reverse.

    The same module may appear several times (a shared activation, a tied layer): each
    appearance is a separate call with its own context, and the backward visits them in
    reverse, so a shared parameter receives the sum of its contributions.
    Indexable (``model[0]``, ``model[-1]``, slices give a new Sequential) and iterable.
    """

    def __init__(self, *args):
        super().__init__()
        for i, m in enumerate(args):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential expects Module instances, argument {i} is "
                                f"{type(m).__name__}")
            self._modules[str(i)] = m
            object.__setattr__(self, str(i), m)

    def __getitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return Sequential(*mods[idx])
        return mods[idx]

    def __setitem__(self, idx, module):
        """Replace the module at position ``idx`` (e.g. a new classifier head), in place."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential holds Module instances, got {type(module).__name__}")
        names = list(self._modules)
        setattr(self, names[idx], module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def forward(self, input):
        for m in self._modules.values():
            input = m(input)
        return input

    def backward(self, grad_output):
        for m in reversed(list(self._modules.values())):
            grad_output = m.backward(grad_output)
        return grad_output


# --------------------------------------------------------------------------- losses
def _optional_array(value, name):
    return None if value is None else as_float_array(value, name).copy()


class _Loss(Module):
    """A loss module: ``loss(input, target)`` -> float (array for ``'none'``);
    ``backward(grad_output=1.0)`` -> d loss / d input (the target is a constant)."""

    function = None

    def __init__(self, reduction="mean"):
        super().__init__()
        check_reduction(reduction)
        self.reduction = reduction

    def _options(self):
        return {"reduction": self.reduction}

    def forward(self, input, target):
        return self.function.forward(self.ctx, input, target, **self._options())

    def backward(self, grad_output=1.0):
        grad_output = check_grad_shape(grad_output, self.ctx._output_shape,
                                       f"{type(self).__name__}.backward")
        return self.function.backward(self.ctx, grad_output)[0]

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """:func:`dlbook.functional.mse_loss` as a module."""
    function = F.MSELossFunction


class CrossEntropyLoss(_Loss):
    """:func:`dlbook.functional.cross_entropy` as a module: logits (N, C), (C,) or (N, C, d...),
    class-index or class-probability targets, per-class ``weight``, ``ignore_index`` and
    ``label_smoothing`` exactly as ``torch.nn.CrossEntropyLoss``."""
    function = F.CrossEntropyFunction

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        self.register_buffer("weight", _optional_array(weight, "weight"))
        self.ignore_index = int(ignore_index)
        self.label_smoothing = F._check_smoothing(label_smoothing)

    def _options(self):
        return {"weight": self.weight, "ignore_index": self.ignore_index,
                "reduction": self.reduction, "label_smoothing": self.label_smoothing}


class NLLLoss(_Loss):
    """:func:`dlbook.functional.nll_loss` as a module (input: log-probabilities)."""
    function = F.NLLLossFunction

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _optional_array(weight, "weight"))
        self.ignore_index = int(ignore_index)

    def _options(self):
        return {"weight": self.weight, "ignore_index": self.ignore_index,
                "reduction": self.reduction}


class BCELoss(_Loss):
    """:func:`dlbook.functional.binary_cross_entropy`: probabilities and targets in [0, 1]."""
    function = F.BCEFunction

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _optional_array(weight, "weight"))

    def _options(self):
        return {"weight": self.weight, "reduction": self.reduction}


class BCEWithLogitsLoss(_Loss):
    """:func:`dlbook.functional.binary_cross_entropy_with_logits`: logits and targets in [0, 1],
    with ``weight`` and ``pos_weight`` as ``torch.nn.BCEWithLogitsLoss``."""
    function = F.BCEWithLogitsFunction

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.register_buffer("weight", _optional_array(weight, "weight"))
        self.register_buffer("pos_weight", _optional_array(pos_weight, "pos_weight"))

    def _options(self):
        return {"weight": self.weight, "reduction": self.reduction, "pos_weight": self.pos_weight}
