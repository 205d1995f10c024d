r"""A per-layer table of a network — output shapes, parameters, multiply-adds — shaped like
torchinfo's ``summary``, computed from shapes alone.

``summary(model, input_size)`` never runs a forward pass: it walks the model's structure and
propagates the input *shape* through each layer with that layer's output-shape rule (the same
size formulas as the layer's forward), so even VGG-16 on a 224×224 image is summarized in
milliseconds. A layer that cannot take the shape it receives raises ``ValueError`` naming the
layer, so ``summary`` is also a quick check that a network is wired consistently.

How the walk goes
-----------------
Containers are walked, not evaluated: a :class:`~dlbook.nn.Sequential` (and every network of
:mod:`dlbook.models`, each a Sequential of named stages) passes the shape through its children in
order; a :class:`~dlbook.models.BasicBlock` through ``conv1 … bn2``, then its ``downsample``
from the block's input, then its ``relu`` again (one row per call, as in the forward); an
:class:`~dlbook.models.InceptionBlock` sends the same shape into its four branches and adds
their channels. A leaf layer has a rule ``(module, input_shape) -> (output_shape, macs)``;
:func:`register_shape_rule` adds one for a layer of your own.

How multiply-adds are counted
-----------------------------
Only the weights of convolutions and linear layers, as the MobileNet paper counts (its 569 M
for MobileNet-224 1.0 is ``summary(mobilenet_v1(), (1, 3, 224, 224)).total_mult_adds`` =
568,740,352). Counts are for the whole input, batch included:

* ``Conv1d``/``Conv2d``: (number of output elements) × (C_in/groups) × (kernel area) — every
  output element is a dot product of that length;
* ``ConvTranspose2d``: (number of input elements) × (C_out/groups) × (kernel area) — every input
  element scatters a scaled kernel; the same count as the convolution it is the adjoint of;
* ``Linear``: (number of rows) × in_features × out_features; ``Maxout``: the same times
  ``pool_size``;
* bias additions, BatchNorm, pooling, activations, dropout, flatten, the additions of residual
  shortcuts and concatenations: 0.
"""
import dataclasses
import math
import numbers

import numpy as np

from ._conv import _pool_geometry
from ._validation import check_scalar
from .models.inception import InceptionBlock
from .models.resnet import BasicBlock
from .nn.batchnorm2d import BatchNorm2d
from .nn.conv import Conv1d, Conv2d, ConvTranspose2d
from .nn.flatten import Flatten
from .nn.modules import (Dropout, Identity, Linear, Maxout, Module, Sequential, _Activation)
from .nn.normalization import BatchNorm1d
from .nn.pooling import AdaptiveAvgPool2d, AvgPool2d, LPPool2d, MaxPool2d

__all__ = ["summary", "ModelSummary", "LayerInfo", "register_shape_rule"]


# --------------------------------------------------------------------------- leaf rules
def _fail(module, shape, expected):
    raise ValueError(f"{type(module).__name__} expected input of shape {expected}, got shape "
                     f"{tuple(shape)}")


def _conv_sizes(sizes, kernel, stride, pads, dilation, module, shape):
    out = []
    for n, k, s, (lo, hi), d in zip(sizes, kernel, stride, pads, dilation):
        padded, extent = n + lo + hi, d * (k - 1) + 1
        if padded < extent:
            raise ValueError(f"{type(module).__name__}: the padded input size {padded} is "
                             f"smaller than the dilated kernel size {extent}, so input shape "
                             f"{tuple(shape)} gives an empty output")
        out.append((padded - extent) // s + 1)
    return tuple(out)


def _conv_rule(module, shape):
    n = module._n
    if len(shape) not in (n + 1, n + 2) or shape[-n - 1] != module.in_channels:
        layout = "H, W" if n == 2 else "L"
        _fail(module, shape, f"(N, {module.in_channels}, {layout})")
    sizes = _conv_sizes(shape[-n:], module.kernel_size, module.stride, module._pads(),
                        module.dilation, module, shape)
    out = tuple(shape[:-n - 1]) + (module.out_channels,) + sizes
    per_output = module.in_channels // module.groups * math.prod(module.kernel_size)
    return out, math.prod(out) * per_output


def _conv_transpose_rule(module, shape):
    if len(shape) not in (3, 4) or shape[-3] != module.in_channels:
        _fail(module, shape, f"(N, {module.in_channels}, H, W)")
    sizes = tuple((h - 1) * s - 2 * p + d * (k - 1) + o + 1 for h, s, p, d, k, o in zip(
        shape[-2:], module.stride, module.padding, module.dilation, module.kernel_size,
        module.output_padding))
    if min(sizes) < 1:
        raise ValueError(f"ConvTranspose2d: input shape {tuple(shape)} gives an empty output "
                         f"size {sizes}")
    out = tuple(shape[:-3]) + (module.out_channels,) + sizes
    per_input = module.out_channels // module.groups * math.prod(module.kernel_size)
    return out, math.prod(shape) * per_input


def _linear_rule(module, shape):
    if len(shape) < 1 or shape[-1] != module.in_features:
        _fail(module, shape, f"(N, {module.in_features})")
    rows = math.prod(shape[:-1])
    return tuple(shape[:-1]) + (module.out_features,), rows * module.in_features * \
        module.out_features


def _maxout_rule(module, shape):
    if len(shape) != 2 or shape[1] != module.in_features:
        _fail(module, shape, f"(N, {module.in_features})")
    macs = shape[0] * module.pool_size * module.in_features * module.out_features
    return (shape[0], module.out_features), macs


def _same_shape(module, shape):
    return tuple(shape), 0


def _batchnorm1d_rule(module, shape):
    if len(shape) not in (2, 3) or shape[1] != module.num_features:
        _fail(module, shape, f"(N, {module.num_features}) or (N, {module.num_features}, T)")
    return tuple(shape), 0


def _batchnorm2d_rule(module, shape):
    if len(shape) != 4 or shape[1] != module.num_features:
        _fail(module, shape, f"(N, {module.num_features}, H, W)")
    return tuple(shape), 0


def _check_image(module, shape):
    if len(shape) not in (3, 4):
        _fail(module, shape, "(N, C, H, W)")


def _pool_rule(module, shape):
    _check_image(module, shape)
    name = type(module).__name__
    padding = getattr(module, "padding", 0)
    dilation = getattr(module, "dilation", 1)
    *_, sizes = _pool_geometry(name, tuple(shape[-2:]), module.kernel_size, module.stride,
                               padding, dilation, module.ceil_mode)
    return tuple(shape[:-2]) + tuple(sizes), 0


def _adaptive_rule(module, shape):
    _check_image(module, shape)
    size = module.output_size
    if not isinstance(size, (tuple, list)):
        size = (size, size)
    sizes = tuple(n if s is None else s for n, s in zip(shape[-2:], size))
    return tuple(shape[:-2]) + sizes, 0


def _flatten_rule(module, shape):
    return module.output_shape(shape), 0


_LEAF_RULES = {
    Conv1d: _conv_rule, Conv2d: _conv_rule, ConvTranspose2d: _conv_transpose_rule,
    Linear: _linear_rule, Maxout: _maxout_rule,
    BatchNorm2d: _batchnorm2d_rule, BatchNorm1d: _batchnorm1d_rule,
    MaxPool2d: _pool_rule, AvgPool2d: _pool_rule, LPPool2d: _pool_rule,
    AdaptiveAvgPool2d: _adaptive_rule, Flatten: _flatten_rule,
    _Activation: _same_shape, Dropout: _same_shape, Identity: _same_shape,
}


def register_shape_rule(module_type, rule):
    """Teach :func:`summary` a leaf layer: ``rule(module, input_shape)`` returns
    ``(output_shape, macs)`` (a tuple of ints and an int). Subclasses of ``module_type`` use it
    too unless they have a rule of their own."""
    if not (isinstance(module_type, type) and issubclass(module_type, Module)):
        raise TypeError(f"module_type must be a Module subclass, got {module_type!r}")
    if not callable(rule):
        raise TypeError(f"rule must be callable, got {type(rule).__name__}")
    _LEAF_RULES[module_type] = rule


# --------------------------------------------------------------------------- container rules
def _chain(module, shape, visit):
    for name, child in module.named_children():
        shape = visit(name, child, shape)
    return shape


def _basic_block(block, shape, visit):
    out = shape
    for name in ("conv1", "bn1", "relu", "conv2", "bn2"):
        out = visit(name, getattr(block, name), out)
    shortcut = shape if block.downsample is None else visit("downsample", block.downsample,
                                                            shape)
    if tuple(shortcut) != tuple(out):
        raise ValueError(f"BasicBlock: the residual branch gives shape {tuple(out)} but the "
                         f"shortcut gives {tuple(shortcut)} for input shape {tuple(shape)}")
    return visit("relu", block.relu, out)


def _inception(block, shape, visit):
    if len(shape) not in (3, 4) or shape[-3] != block.in_channels:
        _fail(block, shape, f"(N, {block.in_channels}, H, W)")
    outs = [visit(f"branch{k}", branch, shape) for k, branch in enumerate(block.branches(), 1)]
    if len({o[:-3] + o[-2:] for o in outs}) != 1:
        raise ValueError(f"InceptionBlock: the branches give shapes {outs}, which differ in "
                         f"more than the channels")
    first = outs[0]
    return first[:-3] + (sum(o[-3] for o in outs),) + first[-2:]


_CONTAINER_RULES = {Sequential: _chain, BasicBlock: _basic_block, InceptionBlock: _inception}


def _lookup(rules, module):
    for cls in type(module).__mro__:
        if cls in rules:
            return rules[cls]
    return None


# --------------------------------------------------------------------------- the table
@dataclasses.dataclass
class LayerInfo:
    """One row of a :class:`ModelSummary`: one call of one module.

    Attributes
    ----------
    name : str
        Dotted path from the model ("layer1.0.conv1"; "" for the model itself).
    var_name : str
        The attribute name in its parent ("conv1").
    class_name : str
    depth : int
        0 for the model, 1 for its children, ...
    output_size : tuple of int
    num_params : int
        Parameters of the module, its sub-modules included (each parameter once).
    macs : int
        Multiply-adds of this call (for a container: of the calls inside it).
    is_leaf : bool
        True for a layer without sub-modules.
    module : Module
    """

    name: str
    var_name: str
    class_name: str
    depth: int
    output_size: tuple = ()
    num_params: int = 0
    macs: int = 0
    is_leaf: bool = True
    module: Module = dataclasses.field(default=None, repr=False)


def _count(module):
    return sum(p.data.size for p in module.parameters())


def _walk(module, name, var_name, depth, shape, rows):
    row = LayerInfo(name, var_name, type(module).__name__, depth, module=module,
                    num_params=_count(module))
    rows.append(row)
    start = len(rows)
    leaf_rule = _lookup(_LEAF_RULES, module)
    container_rule = None if leaf_rule else _lookup(_CONTAINER_RULES, module)
    where = f"layer {name!r} " if name else ""
    try:
        if leaf_rule is not None:
            out, macs = leaf_rule(module, tuple(shape))
        elif container_rule is not None:
            def visit(child_name, child, child_shape):
                path = f"{name}.{child_name}" if name else child_name
                return _walk(child, path, child_name, depth + 1, child_shape, rows)
            out = container_rule(module, tuple(shape), visit)
            macs = sum(r.macs for r in rows[start:] if r.is_leaf)
        else:
            raise TypeError(f"summary has no shape rule for {type(module).__name__}; give it "
                            "one with register_shape_rule(type, rule) from dlbook.summary, or "
                            "build the model from Sequential containers")
    except (TypeError, ValueError) as exc:
        if where and not str(exc).startswith("in layer"):
            raise type(exc)(f"in layer {name!r}: {exc}") from None
        raise
    row.output_size = tuple(int(s) for s in out)
    row.macs = int(macs)
    row.is_leaf = leaf_rule is not None
    return row.output_size


def _readable(n):
    """``n`` in G, M or K, whichever keeps at least one digit before the point."""
    for scale, unit in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if n >= scale:
            return f"{n / scale:.2f} {unit}"
    return str(n)


def _format_int(n):
    return f"{n:,}" if n else "--"


class ModelSummary:
    """What :func:`summary` returns: the rows and the totals, printed as a table.

    Attributes
    ----------
    summary_list : list of LayerInfo
        One row per module call, in forward order.
    total_params : int
        Every parameter of the model, each once.
    trainable_params : int
        Equal to ``total_params``: every dlbook Parameter is trained.
    total_mult_adds : int
        Multiply-adds of all convolutions and linear layers (see the module docstring).
    input_size : tuple of int
    output_size : tuple of int
    total_input : int
        Bytes of the input (with ``dtypes``).
    total_output_bytes : int
        Bytes of every leaf layer's output (float64), forward only.
    total_param_bytes : int
        Bytes of the parameters (float64).
    """

    def __init__(self, model, rows, input_size, dtype, depth):
        self.summary_list = rows
        self.depth = depth
        self.input_size = tuple(input_size)
        self.output_size = rows[0].output_size
        self.total_params = _count(model)
        self.trainable_params = self.total_params
        self.total_mult_adds = sum(r.macs for r in rows if r.is_leaf)
        self.total_input = math.prod(input_size) * dtype.itemsize
        self.total_output_bytes = sum(math.prod(r.output_size) * 8 for r in rows if r.is_leaf)
        self.total_param_bytes = self.total_params * 8

    # the table
    def _visible(self):
        """The rows up to ``depth``, each with its four displayed fields."""
        shown = [r for r in self.summary_list if r.depth <= self.depth]
        table = []
        for k, r in enumerate(shown):
            expanded = k + 1 < len(shown) and shown[k + 1].depth > r.depth
            if r.depth == 0:
                label = r.class_name
            else:
                label = "│    " * (r.depth - 1) + ("└─" if r.depth > 1 else "├─") + \
                    f"{r.var_name}: {r.class_name}"
            params = "--" if expanded else _format_int(r.num_params)
            macs = "--" if expanded else _format_int(r.macs)
            table.append((label, str(list(r.output_size)), params, macs))
        return table

    def _footer(self):
        mb = 1e6
        passes = 2 * self.total_output_bytes
        total = self.total_input + passes + self.total_param_bytes
        return [
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.total_params - self.trainable_params:,}",
            f"Total mult-adds: {self.total_mult_adds:,} ({_readable(self.total_mult_adds)})",
            None,
            f"Input size (MB): {self.total_input / mb:.2f}",
            f"Forward/backward pass size (MB): {passes / mb:.2f}",
            f"Params size (MB): {self.total_param_bytes / mb:.2f}",
            f"Estimated total size (MB): {total / mb:.2f}",
        ]

    def __str__(self):
        header = ("Layer (name: type)", "Output shape", "Param #", "Mult-adds")
        table = self._visible()
        widths = [max(len(header[i]), *(len(row[i]) for row in table)) + 3 for i in range(4)]
        rule_width = sum(widths)

        def line(cells):
            return (cells[0].ljust(widths[0]) + cells[1].ljust(widths[1])
                    + cells[2].rjust(widths[2] - 3) + " " * 3 + cells[3].rjust(widths[3] - 3))

        out = ["=" * rule_width, line(header), "=" * rule_width]
        out += [line(row) for row in table]
        out.append("=" * rule_width)
        out += ["-" * rule_width if f is None else f for f in self._footer()]
        out.append("=" * rule_width)
        return "\n".join(out)

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        import html
        cells = "".join(
            "<tr>" + f"<td style='text-align:left;white-space:pre'>{html.escape(a)}</td>"
            + f"<td style='text-align:left'>{html.escape(b)}</td>"
            + f"<td>{c}</td><td>{d}</td></tr>" for a, b, c, d in self._visible())
        footer = "<br>".join(html.escape(f) for f in self._footer() if f is not None)
        return ("<table><thead><tr><th style='text-align:left'>Layer (name: type)</th>"
                "<th style='text-align:left'>Output shape</th><th>Param #</th>"
                f"<th>Mult-adds</th></tr></thead><tbody>{cells}</tbody></table><p>{footer}</p>")


def _check_input_size(input_size):
    if isinstance(input_size, list) and len(input_size) == 1 and \
            isinstance(input_size[0], (tuple, list)):
        input_size = input_size[0]
    if not isinstance(input_size, (tuple, list)) or not input_size or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0
            for s in input_size):
        raise ValueError("summary: input_size must be a shape of positive ints with the batch "
                         f"first, e.g. (1, 3, 224, 224), got {input_size!r}")
    return tuple(int(s) for s in input_size)


def summary(model, input_size, *, dtypes=None, depth=3):
    """Per-layer output shapes, parameters and multiply-adds of ``model`` for an input of
    ``input_size``, from shapes alone (no forward pass), as ``torchinfo.summary``.

    Parameters
    ----------
    model : Module
        Built from dlbook layers, Sequential containers and the blocks of
        :mod:`dlbook.models` (others: :func:`register_shape_rule`).
    input_size : tuple of int
        The input's shape, batch first, e.g. ``(1, 3, 224, 224)`` (or a list holding that one
        tuple, as torchinfo accepts); multiply-adds are counted for the whole batch.
    dtypes : list of one numpy dtype, optional
        The input's dtype, for the input size in bytes (default float64).
    depth : int, default 3
        Rows nested deeper are not printed (their counts are in their parents' rows); the
        totals always cover the whole model.

    Returns
    -------
    ModelSummary
        ``print`` it for the table; ``.total_params``, ``.trainable_params``,
        ``.total_mult_adds``, ``.summary_list`` hold the numbers.

    Raises
    ------
    ValueError
        If a layer cannot take the shape it receives (the message names the layer).
    TypeError
        If a module has no shape rule.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: model must be a dlbook.nn.Module, got "
                        f"{type(model).__name__}")
    shape = _check_input_size(input_size)
    if dtypes is None:
        dtype = np.dtype(np.float64)
    else:
        if not isinstance(dtypes, (list, tuple)) or len(dtypes) != 1:
            raise ValueError(f"summary: dtypes must be a list with one dtype (one per input; "
                             f"models here take one input), got {dtypes!r}")
        dtype = np.dtype(dtypes[0])
    check_scalar(depth, "depth", numbers.Integral, min_val=0)
    rows = []
    _walk(model, "", "", 0, shape, rows)
    return ModelSummary(model, rows, shape, dtype, int(depth))
