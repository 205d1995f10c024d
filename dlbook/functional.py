r"""Stateless operations, named and shaped as in ``torch.nn.functional``.

Each operation is a :class:`~dlbook.autograd.Function` — ``forward(ctx, ...)`` and
``backward(ctx, grad_output)`` side by side, the forward saving in ``ctx`` exactly what the
backward needs — plus two plain functions built on it:

* ``op(input, ...)``, PyTorch's function (``relu``, ``linear``, ``cross_entropy`` ...), which
  runs the forward and returns its output;
* ``op_backward(grad_output, input, ...)``, the vector–Jacobian product as a stateless call. It
  runs the forward again to obtain the context, so use it to *show* a derivative; the modules in
  :mod:`dlbook.nn` keep the context of each call and never recompute.

``grad_output`` is :math:`\partial C/\partial y` for the forward's output ``y`` and must have
exactly ``y``'s shape (a loss with reduction ``'mean'`` or ``'sum'`` has a scalar output).
A backward returns :math:`\partial C/\partial x` for each input, in the order of the inputs
(None where an input has no gradient, e.g. a class-index target).

Arrays are float64. Shapes use the book's symbols: N batch, D features, C classes.
"""
import numpy as np

from ._validation import (as_float_array, as_index_array, check_array_range, check_dim,
                          check_ndim, check_probability, check_reduction, check_same_shape,
                          check_scalar)
from .autograd import Function
from .random import as_generator

__all__ = [
    "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "relu", "relu_backward",
    "leaky_relu", "leaky_relu_backward", "elu", "elu_backward",
    "softmax", "softmax_backward", "log_softmax", "log_softmax_backward",
    "linear", "linear_backward", "dropout",
    "mse_loss", "mse_loss_backward", "cross_entropy", "cross_entropy_backward",
    "nll_loss", "nll_loss_backward",
    "binary_cross_entropy", "binary_cross_entropy_backward",
    "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_backward",
    "SigmoidFunction", "TanhFunction", "ReLUFunction", "LeakyReLUFunction", "ELUFunction",
    "SoftmaxFunction", "LogSoftmaxFunction", "LinearFunction", "DropoutFunction",
    "MSELossFunction", "CrossEntropyFunction", "NLLLossFunction", "BCEFunction",
    "BCEWithLogitsFunction",
]


def _write(result, input, inplace):
    """Return ``result``, or copy it into ``input`` and return ``input`` when ``inplace``."""
    if not inplace:
        return result
    if not isinstance(input, np.ndarray) or input.dtype != np.float64:
        raise TypeError("inplace=True needs a float64 ndarray input")
    input[...] = result
    return input


# --------------------------------------------------------------------------- activations
class SigmoidFunction(Function):
    r""":math:`\sigma(x) = 1/(1+e^{-x})`; backward :math:`g\,\sigma(1-\sigma)` from the saved output."""

    @staticmethod
    def forward(ctx, input):
        x = as_float_array(input, "input")
        e = np.exp(-np.abs(x))                       # never overflows
        output = np.where(x >= 0, 1.0, e) / (1.0 + e)
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        s, = ctx.saved_tensors
        return grad_output * s * (1.0 - s)


def sigmoid(input):
    r"""Logistic sigmoid :math:`\sigma(x) = 1/(1+e^{-x})`, elementwise.

    Computed as :math:`e^{\min(x,0)}/(1+e^{-|x|})`, so no exponential ever overflows:
    ``sigmoid(-1000)`` is 0.0 and ``sigmoid(1000)`` is 1.0, without warnings.

    Parameters
    ----------
    input : ndarray, any shape

    Returns
    -------
    ndarray, same shape as ``input``
    """
    return SigmoidFunction.apply(input)[0]


def sigmoid_backward(grad_output, input):
    r"""Gradient of :func:`sigmoid`: ``grad_output * s * (1 - s)`` with ``s = sigmoid(input)``."""
    return SigmoidFunction.vjp(grad_output, input)


class TanhFunction(Function):
    r""":math:`\tanh x`; backward :math:`g(1-\tanh^2 x)` from the saved output."""

    @staticmethod
    def forward(ctx, input):
        output = np.tanh(as_float_array(input, "input"))
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        t, = ctx.saved_tensors
        return grad_output * (1.0 - t * t)


def tanh(input):
    r"""Hyperbolic tangent, elementwise; ``input`` of any shape."""
    return TanhFunction.apply(input)[0]


def tanh_backward(grad_output, input):
    r"""Gradient of :func:`tanh`: ``grad_output * (1 - tanh(input)**2)``."""
    return TanhFunction.vjp(grad_output, input)


class ReLUFunction(Function):
    r""":math:`\max(x, 0)`; the derivative is 1 where the output is positive, else 0."""

    @staticmethod
    def forward(ctx, input, inplace=False):
        x = as_float_array(input, "input")
        output = _write(np.maximum(x, 0.0), input, inplace)
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        output, = ctx.saved_tensors
        return grad_output * (output > 0)


def relu(input, inplace=False):
    r"""Rectified linear unit :math:`\max(x, 0)`, elementwise; ``input`` of any shape.

    ``inplace=True`` overwrites ``input`` (a float64 array) and returns it.
    """
    return ReLUFunction.apply(input, inplace)[0]


def relu_backward(grad_output, input):
    r"""Gradient of :func:`relu`; at ``input == 0`` the derivative is taken as 0 (as PyTorch)."""
    return ReLUFunction.vjp(grad_output, input)


class LeakyReLUFunction(Function):
    r"""``x`` where ``x > 0``, else ``negative_slope * x``; the sign pattern is saved."""

    @staticmethod
    def forward(ctx, input, negative_slope=0.01, inplace=False):
        x = as_float_array(input, "input")
        positive = x > 0
        ctx.save_for_backward(positive)
        ctx.negative_slope = float(negative_slope)
        return _write(np.where(positive, x, negative_slope * x), input, inplace)

    @staticmethod
    def backward(ctx, grad_output):
        positive, = ctx.saved_tensors
        return grad_output * np.where(positive, 1.0, ctx.negative_slope)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    r"""Leaky ReLU: ``x`` where ``x > 0``, else ``negative_slope * x``; any shape."""
    return LeakyReLUFunction.apply(input, negative_slope, inplace)[0]


def leaky_relu_backward(grad_output, input, negative_slope=0.01):
    r"""Gradient of :func:`leaky_relu` (slope 1 for ``x > 0``, ``negative_slope`` otherwise)."""
    return LeakyReLUFunction.vjp(grad_output, input, negative_slope)


class ELUFunction(Function):
    r"""``x`` for ``x > 0``, :math:`\alpha(e^x-1)` otherwise; for ``x <= 0`` the derivative
    :math:`\alpha e^x` equals output + :math:`\alpha`, so only the output and the sign are saved."""

    @staticmethod
    def forward(ctx, input, alpha=1.0, inplace=False):
        x = as_float_array(input, "input")
        positive = x > 0
        output = _write(np.where(positive, x, alpha * np.expm1(np.minimum(x, 0.0))), input,
                        inplace)
        ctx.save_for_backward(output, positive)
        ctx.alpha = float(alpha)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        output, positive = ctx.saved_tensors
        return grad_output * np.where(positive, 1.0, output + ctx.alpha)


def elu(input, alpha=1.0, inplace=False):
    r"""Exponential linear unit: ``x`` for ``x > 0``, :math:`\alpha(e^x - 1)` otherwise."""
    return ELUFunction.apply(input, alpha, inplace)[0]


def elu_backward(grad_output, input, alpha=1.0):
    r"""Gradient of :func:`elu`: 1 for ``x > 0``, :math:`\alpha e^x` otherwise."""
    return ELUFunction.vjp(grad_output, input, alpha)


# --------------------------------------------------------------------------- softmax
def _log_softmax(x, dim, with_softmax=False):
    """log softmax of ``x`` along ``dim``; with ``with_softmax`` also the softmax itself, from
    the same exponentials: ``(log_softmax, softmax)``."""
    with np.errstate(over="ignore"):  # x - max < -1.8e308 rounds to -inf, whose exp is exactly 0
        shifted = x - np.max(x, axis=dim, keepdims=True)
    e = np.exp(shifted)
    total = np.sum(e, axis=dim, keepdims=True)
    shifted -= np.log(total)
    if with_softmax:
        e /= total
        return shifted, e
    return shifted


def _check_softmax_input(input, dim):
    x = as_float_array(input, "input")
    dim = check_dim(dim, x.ndim)
    if x.size == 0 and x.ndim and x.shape[dim] == 0:
        raise ValueError(f"softmax needs at least one entry along dim {dim}, got shape {x.shape}")
    return x, dim


class SoftmaxFunction(Function):
    r"""Softmax along ``dim``; backward :math:`s \odot (g - \langle g, s\rangle)` from the saved
    output, never forming the C×C Jacobian."""

    @staticmethod
    def forward(ctx, input, dim=-1):
        x, dim = _check_softmax_input(input, dim)
        with np.errstate(over="ignore"):
            shifted = x - np.max(x, axis=dim, keepdims=True)
        e = np.exp(shifted)
        output = e / np.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(output)
        ctx.dim = dim
        return output

    @staticmethod
    def backward(ctx, grad_output):
        s, = ctx.saved_tensors
        return s * (grad_output - np.sum(grad_output * s, axis=ctx.dim, keepdims=True))


def softmax(input, dim=-1):
    r"""Softmax along ``dim``: :math:`e^{x_i - m} / \sum_j e^{x_j - m}` with :math:`m=\max_j x_j`.

    Subtracting the maximum leaves the result unchanged and keeps every exponent
    :math:`\le 0`, so logits of :math:`\pm 10^4` give exact one-hot rows, not NaN.

    Parameters
    ----------
    input : ndarray, shape (..., C, ...)
    dim : int, default -1
        The axis that is normalized to sum to one.
    """
    return SoftmaxFunction.apply(input, dim)[0]


def softmax_backward(grad_output, input, dim=-1):
    r"""Gradient of :func:`softmax`: the Jacobian-vector product
    :math:`s \odot (g - \langle g, s\rangle)`, never forming the C×C Jacobian."""
    return SoftmaxFunction.vjp(grad_output, input, dim)


class LogSoftmaxFunction(Function):
    r"""Log-softmax (log-sum-exp form); backward :math:`g - e^{o}\sum_j g_j` from the saved output."""

    @staticmethod
    def forward(ctx, input, dim=-1):
        x, dim = _check_softmax_input(input, dim)
        output = _log_softmax(x, dim)
        ctx.save_for_backward(output)
        ctx.dim = dim
        return output

    @staticmethod
    def backward(ctx, grad_output):
        output, = ctx.saved_tensors
        return grad_output - np.exp(output) * np.sum(grad_output, axis=ctx.dim, keepdims=True)


def log_softmax(input, dim=-1):
    r"""Log of :func:`softmax`, computed as :math:`x - m - \log\sum_j e^{x_j - m}` (log-sum-exp)."""
    return LogSoftmaxFunction.apply(input, dim)[0]


def log_softmax_backward(grad_output, input, dim=-1):
    r"""Gradient of :func:`log_softmax`: :math:`g - s \sum_j g_j`."""
    return LogSoftmaxFunction.vjp(grad_output, input, dim)


# --------------------------------------------------------------------------- linear
def _check_linear(input, weight, bias):
    x = as_float_array(input, "input")
    weight = as_float_array(weight, "weight")
    check_ndim(weight, "weight", 2, "(out_features, in_features)")
    if x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear expected input with {weight.shape[1]} features in its last "
                         f"dimension (shape (N, {weight.shape[1]})), got shape {x.shape}")
    if bias is not None:
        bias = as_float_array(bias, "bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"bias must have shape ({weight.shape[0]},), got {bias.shape}")
    return x, weight, bias


class LinearFunction(Function):
    r"""Affine map :math:`y = x W^\top + b`; the backward sums over the batch.

    With :math:`\delta` = ``grad_output`` of shape (N, out): ``dinput = δ W``,
    ``dweight = δᵀ x`` (the batch sum of the outer products :math:`\delta_n x_n^\top`) and
    ``dbias = Σ_n δ_n``. Returns ``(dinput, dweight, dbias)``; ``dbias`` is None without a bias.
    """

    @staticmethod
    def forward(ctx, input, weight, bias=None):
        x, weight, bias = _check_linear(input, weight, bias)
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        y = x @ weight.T
        return y if bias is None else y + bias

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        g2 = grad_output.reshape(-1, weight.shape[0])
        dinput = grad_output @ weight
        dweight = g2.T @ x.reshape(-1, weight.shape[1])
        dbias = g2.sum(axis=0) if ctx.has_bias else None
        return dinput, dweight, dbias


def linear(input, weight, bias=None):
    r"""Affine map :math:`y = x W^\top + b`, the row-major form of :math:`z = Wa + b`.

    Parameters
    ----------
    input : ndarray, shape (N, in_features)  (any leading dimensions are allowed)
    weight : ndarray, shape (out_features, in_features)
    bias : ndarray, shape (out_features,), optional

    Returns
    -------
    ndarray, shape (N, out_features)
    """
    return LinearFunction.apply(input, weight, bias)[0]


def linear_backward(grad_output, input, weight, bias=None):
    r"""Gradients of :func:`linear`, **summed** over the batch: ``(dinput, dweight, dbias)``."""
    return LinearFunction.vjp(grad_output, input, weight, bias)


# --------------------------------------------------------------------------- dropout
class DropoutFunction(Function):
    r"""Inverted dropout; the mask (0 or :math:`1/(1-p)` per element) is saved for the backward."""

    @staticmethod
    def forward(ctx, input, p=0.5, training=True, inplace=False, generator=None):
        x = as_float_array(input, "input")
        p = check_probability(p)
        if not training or p == 0.0:
            mask = None
            output = x if inplace else x.copy()
        else:
            if p == 1.0:
                mask = np.zeros_like(x)
            else:
                mask = (as_generator(generator).random(x.shape) >= p) / (1.0 - p)
            output = _write(x * mask, input, inplace)
        ctx.save_for_backward(mask)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        mask, = ctx.saved_tensors
        return grad_output if mask is None else grad_output * mask


def dropout(input, p=0.5, training=True, inplace=False, *, generator=None):
    r"""Inverted dropout: zero each element with probability ``p``, scale survivors by 1/(1-p).

    In expectation the output equals the input, so nothing needs rescaling at inference;
    with ``training=False`` the input is returned unchanged (a copy).

    Parameters
    ----------
    input : ndarray, any shape
    p : float in [0, 1]
        Probability of dropping an element.
    training : bool
    inplace : bool
    generator : numpy.random.Generator, int or None
        Source of the mask; None uses :func:`dlbook.random.default_generator`.

    Returns
    -------
    ndarray, same shape as ``input``. The backward (:class:`DropoutFunction`, or the module
    :class:`dlbook.nn.Dropout`) multiplies the incoming gradient by the same mask.
    """
    return DropoutFunction.apply(input, p, training, inplace, generator)[0]


# --------------------------------------------------------------------------- losses
def _reduce(values, reduction, denominator=None):
    """Apply ``reduction`` to per-element losses; ``'mean'`` divides by ``denominator``
    (default: the number of elements). Scalars come back as Python floats."""
    if reduction == "none":
        return values
    total = float(np.sum(values))
    if reduction == "sum":
        return total
    count = values.size if denominator is None else denominator
    with np.errstate(invalid="ignore", divide="ignore"):   # an empty batch gives NaN, as torch
        return float(np.float64(total) / count)


def _reduction_scale(grad_output, reduction, denominator):
    """The factor d(reduced loss)/d(element loss) times ``grad_output``, broadcastable."""
    if reduction == "none":
        return grad_output
    if reduction == "sum":
        return grad_output
    with np.errstate(invalid="ignore", divide="ignore"):
        return grad_output / denominator


def _check_weight(weight, shape, name="weight"):
    if weight is None:
        return None
    weight = as_float_array(weight, name)
    try:
        np.broadcast_shapes(weight.shape, shape)
    except ValueError:
        raise ValueError(f"{name} of shape {weight.shape} does not broadcast to the input's "
                         f"shape {shape}") from None
    return weight


class MSELossFunction(Function):
    r"""Squared error; backward :math:`2 w(\hat y - y)`, divided by the element count for
    ``'mean'``. Returns ``(dinput, None)``: the target is treated as a constant."""

    @staticmethod
    def forward(ctx, input, target, reduction="mean", weight=None):
        input = as_float_array(input, "input")
        target = as_float_array(target, "target")
        check_same_shape(input, target, "input", "target")
        check_reduction(reduction)
        if weight is not None:
            weight = as_float_array(weight, "weight")
            check_same_shape(input, weight, "input", "weight")
        diff = input - target
        per_element = diff * diff if weight is None else weight * diff * diff
        ctx.save_for_backward(diff, weight)
        ctx.reduction = reduction
        ctx.count = input.size if weight is None else float(np.sum(weight))
        return _reduce(per_element, reduction, ctx.count)

    @staticmethod
    def backward(ctx, grad_output):
        diff, weight = ctx.saved_tensors
        d = 2.0 * diff if weight is None else 2.0 * weight * diff
        return d * _reduction_scale(grad_output, ctx.reduction, ctx.count), None


def mse_loss(input, target, reduction="mean", weight=None):
    r"""Squared error :math:`\frac1M\sum_i w_i(\hat y_i - y_i)^2` over all M elements (``'mean'``).

    PyTorch's convention: no factor ½ (a ½ in front only rescales the gradient by 2).
    Positional arguments follow ``torch.nn.functional.mse_loss`` without its deprecated
    ``size_average`` and ``reduce``; pass ``reduction`` by name.

    Parameters
    ----------
    input, target : ndarray, same shape
    reduction : {'mean', 'sum', 'none'}
    weight : ndarray of the input's shape, optional
        A factor per element; ``'mean'`` then divides by the sum of the weights (PyTorch's
        weighted mean).
    """
    return MSELossFunction.apply(input, target, reduction, weight)[0]


def mse_loss_backward(grad_output, input, target, reduction="mean", weight=None):
    r"""d loss / d input for :func:`mse_loss`: :math:`2(\hat y - y)/M` for ``'mean'``."""
    return MSELossFunction.vjp(grad_output, input, target, reduction, weight)[0]


def _rows(a):
    """(N, C, d1, ...) -> (N·d1·..., C); (C,) -> (1, C); (N, C) unchanged."""
    if a.ndim == 1:
        return a[None, :]
    return np.moveaxis(a, 1, -1).reshape(-1, a.shape[1])


def _unrows(rows, shape):
    """Inverse of :func:`_rows` for an array of the input's ``shape``."""
    if len(shape) == 1:
        return rows[0]
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return np.moveaxis(rows.reshape(moved), -1, 1)


class _Coefficients:
    r"""The N×C matrix :math:`A` of :func:`_class_coefficients`.

    For class-index targets without label smoothing :math:`A` has one nonzero per row,
    :math:`w_{y_m}` at column :math:`y_m`; it is then kept as those two vectors and never formed,
    so a loss over a large vocabulary gathers and scatters one entry per row. Otherwise it is a
    dense array.
    """

    def __init__(self, dense=None, column=None, value=None):
        self.dense, self.column, self.value = dense, column, value

    def row_dot(self, M):
        r""":math:`\sum_c A_{mc} M_{mc}` for every row m."""
        if self.dense is not None:
            return np.sum(self.dense * M, axis=1)
        picked = M[np.arange(M.shape[0]), self.column]
        with np.errstate(invalid="ignore"):       # an ignored row (weight 0) at a -inf entry
            return np.where(self.value == 0, 0.0, self.value * picked)

    def row_sum(self):
        r""":math:`\sum_c A_{mc}` for every row m, as a column."""
        if self.dense is not None:
            return np.sum(self.dense, axis=1, keepdims=True)
        return self.value[:, None]

    def subtract_from(self, M):
        """:math:`M - A`, computed in place in ``M``."""
        if self.dense is not None:
            M -= self.dense
        else:
            M[np.arange(M.shape[0]), self.column] -= self.value
        return M


def _class_coefficients(input, target, weight, ignore_index, label_smoothing, what):
    r"""Write a classification loss as :math:`\ell_m = -\sum_c A_{mc}\,\log p_{mc}` over rows m.

    Returns ``(A, loss_shape, mean_denominator)`` with ``A`` a :class:`_Coefficients`. For class
    indices :math:`y_m`: :math:`A_{mc} = (1-\varepsilon) w_{y_m}[c = y_m] + \varepsilon w_c / C`
    (a zero row where :math:`y_m` = ``ignore_index``) and ``'mean'`` divides by
    :math:`\sum_m w_{y_m}`; for class probabilities
    :math:`A = w \odot ((1-\varepsilon) y + \varepsilon/C)` and ``'mean'`` divides by the number
    of rows — PyTorch's conventions in both cases.
    """
    if input.ndim == 0:
        raise ValueError(f"{what} expected input of shape (C,), (N, C) or (N, C, d1, ...), "
                         "got a scalar")
    n_classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    w = None
    if weight is not None:
        w = as_float_array(weight, "weight")
        if w.shape != (n_classes,):
            raise ValueError(f"weight must have shape ({n_classes},) (one per class), "
                             f"got {w.shape}")
    t = np.asarray(target)
    if np.issubdtype(t.dtype, np.floating):                # class probabilities
        if what != "cross_entropy":
            raise TypeError(f"{what} target must hold integer class indices, got dtype {t.dtype}")
        if t.shape != input.shape:
            raise ValueError(f"probability targets must have the input's shape {input.shape}, "
                             f"got {t.shape}")
        probs = _rows(t.astype(np.float64))
        A = (1.0 - label_smoothing) * probs + label_smoothing / n_classes
        if w is not None:
            A = A * w
        return (_Coefficients(dense=A), input.shape[:1] + input.shape[2:] if input.ndim > 1 else (),
                probs.shape[0])
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"target must hold integer class indices or float class probabilities, "
                        f"got dtype {t.dtype}")
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if t.shape != expected:
        layout = "()" if input.ndim == 1 else f"{expected} (one class index per row of input)"
        raise ValueError(f"target must have shape {layout}, got {t.shape}")
    flat = t.reshape(-1)
    valid = flat != ignore_index
    as_index_array(flat[valid], "target", n_classes)
    safe = np.where(valid, flat, 0)
    w_rows = (np.ones(flat.shape[0]) if w is None else w[safe]) * valid
    denominator = float(np.sum(w_rows))
    if not label_smoothing:
        return _Coefficients(column=safe, value=w_rows), expected, denominator
    A = np.zeros((flat.shape[0], n_classes))
    A[np.arange(flat.shape[0]), safe] = (1.0 - label_smoothing) * w_rows
    A += (label_smoothing / n_classes) * (np.ones(n_classes) if w is None else w) \
        * valid[:, None]
    return _Coefficients(dense=A), expected, denominator


def _check_smoothing(label_smoothing):
    return check_scalar(label_smoothing, "label_smoothing", min_val=0, max_val=1)


class CrossEntropyFunction(Function):
    r"""Cross-entropy of logits; backward :math:`(\sum_c A_{mc})\,\mathrm{softmax}(z_m) - A_m`
    per row (the book's :math:`\delta^L = a - y` for one-hot targets), scaled by the reduction.
    For class indices without label smoothing, :math:`A` has one nonzero per row (the target's
    weight), so the loss gathers one log-probability per row and the backward subtracts one
    entry per row. Returns ``(dinput, None)``."""

    @staticmethod
    def forward(ctx, input, target, weight=None, ignore_index=-100, reduction="mean",
                label_smoothing=0.0):
        input = as_float_array(input, "input")
        check_reduction(reduction)
        eps = _check_smoothing(label_smoothing)
        A, loss_shape, denominator = _class_coefficients(input, target, weight, ignore_index,
                                                         eps, "cross_entropy")
        logp, p = _log_softmax(_rows(input), 1, with_softmax=True)
        losses = -A.row_dot(logp)
        ctx.save_for_backward(A, p)
        ctx.shape, ctx.reduction, ctx.denominator = input.shape, reduction, denominator
        return _reduce(losses.reshape(loss_shape), reduction, denominator)

    @staticmethod
    def backward(ctx, grad_output):
        A, p = ctx.saved_tensors
        scale = _reduction_scale(grad_output, ctx.reduction, ctx.denominator)
        if ctx.reduction == "none":
            scale = np.reshape(scale, (-1, 1))
        d = A.subtract_from(A.row_sum() * p)
        d *= scale
        return _unrows(d, ctx.shape), None


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    r"""Cross-entropy of logits against class indices or class probabilities.

    For a row with logits :math:`z` and class index :math:`r`, the loss is
    :math:`-w_r\log\mathrm{softmax}(z)_r`; computed from :func:`log_softmax`, so it is finite
    for any finite logits. ``'mean'`` divides by :math:`\sum_n w_{r_n}` over the rows whose
    target is not ``ignore_index`` (by N when there are no weights) — PyTorch's rule.

    Parameters
    ----------
    input : ndarray, shape (N, C), (C,) or (N, C, d1, ...)
        Unnormalized scores (logits), not probabilities.
    target : ndarray
        Integer class indices of shape (N,), () or (N, d1, ...), or float class probabilities of
        the input's shape.
    weight : ndarray, shape (C,), optional
        A weight per class.
    ignore_index : int, default -100
        Rows with this target contribute nothing (index targets only).
    reduction : {'mean', 'sum', 'none'}
    label_smoothing : float in [0, 1], default 0
        Mixes the target with the uniform distribution: :math:`(1-\varepsilon) y + \varepsilon/C`.
    """
    return CrossEntropyFunction.apply(input, target, weight, ignore_index, reduction,
                                      label_smoothing)[0]


def cross_entropy_backward(grad_output, input, target, weight=None, ignore_index=-100,
                           reduction="mean", label_smoothing=0.0):
    r"""d loss / d logits for :func:`cross_entropy`: :math:`(\mathrm{softmax}(z) - y)/N` for
    ``'mean'`` with one-hot :math:`y` — the book's :math:`\delta^L = a - y`."""
    return CrossEntropyFunction.vjp(grad_output, input, target, weight, ignore_index,
                                    reduction, label_smoothing)[0]


class NLLLossFunction(Function):
    r"""Negative log-likelihood of log-probabilities: :math:`-w_{y}\,x_{y}` per row; the
    backward puts :math:`-w_y` (scaled by the reduction) at the target position."""

    @staticmethod
    def forward(ctx, input, target, weight=None, ignore_index=-100, reduction="mean"):
        input = as_float_array(input, "input")
        check_reduction(reduction)
        A, loss_shape, denominator = _class_coefficients(input, target, weight, ignore_index,
                                                         0.0, "nll_loss")
        rows = _rows(input)
        losses = -A.row_dot(rows)
        ctx.save_for_backward(A)
        ctx.rows_shape = rows.shape
        ctx.shape, ctx.reduction, ctx.denominator = input.shape, reduction, denominator
        return _reduce(losses.reshape(loss_shape), reduction, denominator)

    @staticmethod
    def backward(ctx, grad_output):
        A, = ctx.saved_tensors
        scale = _reduction_scale(grad_output, ctx.reduction, ctx.denominator)
        if ctx.reduction == "none":
            scale = np.reshape(scale, (-1, 1))
        d = A.subtract_from(np.zeros(ctx.rows_shape))          # -A
        d *= scale
        return _unrows(d, ctx.shape), None


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    r"""Negative log-likelihood of log-probabilities (e.g. the output of :func:`log_softmax`).

    ``cross_entropy(z, y)`` equals ``nll_loss(log_softmax(z, dim=1), y)``. Shapes, ``weight``,
    ``ignore_index`` and the ``'mean'`` rule as in :func:`cross_entropy` (index targets only).
    """
    return NLLLossFunction.apply(input, target, weight, ignore_index, reduction)[0]


def nll_loss_backward(grad_output, input, target, weight=None, ignore_index=-100,
                      reduction="mean"):
    r"""d loss / d input for :func:`nll_loss`."""
    return NLLLossFunction.vjp(grad_output, input, target, weight, ignore_index, reduction)[0]


def _check_binary(input, target, weight, probabilities):
    p = as_float_array(input, "input")
    y = as_float_array(target, "target")
    check_same_shape(p, y, "input", "target")
    check_array_range(y, "target", 0, 1, what="probabilities")
    if probabilities:
        try:
            check_array_range(p, "input", 0, 1, what="probabilities")
        except ValueError as exc:
            raise ValueError(f"{exc}; for logits use binary_cross_entropy_with_logits") from None
    return p, y, _check_weight(weight, p.shape)


class BCEFunction(Function):
    r"""Binary cross-entropy of probabilities, each log clamped at -100 as in PyTorch; backward
    :math:`w(p-y)/\max(p(1-p), 10^{-12})`. Returns ``(dinput, None)``."""

    @staticmethod
    def forward(ctx, input, target, weight=None, reduction="mean"):
        p, y, w = _check_binary(input, target, weight, probabilities=True)
        check_reduction(reduction)
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100.0)
            log_1mp = np.maximum(np.log1p(-p), -100.0)
        losses = -(y * log_p + (1.0 - y) * log_1mp)
        ctx.save_for_backward(p, y, w)
        ctx.reduction, ctx.count = reduction, p.size
        return _reduce(losses if w is None else w * losses, reduction)

    @staticmethod
    def backward(ctx, grad_output):
        p, y, w = ctx.saved_tensors
        d = (p - y) / np.maximum(p * (1.0 - p), 1e-12)
        if w is not None:
            d = w * d
        return d * _reduction_scale(grad_output, ctx.reduction, ctx.count), None


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    r"""Binary cross-entropy of probabilities:
    :math:`-w[y\log p + (1-y)\log(1-p)]`, each log clamped at -100 as in PyTorch.

    Parameters
    ----------
    input : ndarray, values in [0, 1]
        Probabilities (e.g. a sigmoid output).
    target : ndarray, same shape, values in [0, 1]
    weight : ndarray broadcastable to ``input``, optional
    reduction : {'mean', 'sum', 'none'}
    """
    return BCEFunction.apply(input, target, weight, reduction)[0]


def binary_cross_entropy_backward(grad_output, input, target, weight=None, reduction="mean"):
    r"""d loss / d input for :func:`binary_cross_entropy`: :math:`(p-y)/(p(1-p))`, with the
    denominator clamped at 1e-12 as in PyTorch."""
    return BCEFunction.vjp(grad_output, input, target, weight, reduction)[0]


class BCEWithLogitsFunction(Function):
    r"""Binary cross-entropy of logits with ``pos_weight`` :math:`q`:
    :math:`\ell = (1-y)z + (1 + (q-1)y)\,\mathrm{softplus}(-z)`, times ``weight``; backward
    :math:`(1-y) - (1 + (q-1)y)\,\sigma(-z)`, which is :math:`\sigma(z) - y` when :math:`q = 1`."""

    @staticmethod
    def forward(ctx, input, target, weight=None, reduction="mean", pos_weight=None):
        z, y, w = _check_binary(input, target, weight, probabilities=False)
        check_reduction(reduction)
        q = _check_weight(pos_weight, z.shape, "pos_weight")
        log_weight = 1.0 if q is None else 1.0 + (q - 1.0) * y
        softplus_neg = np.maximum(-z, 0.0) + np.log1p(np.exp(-np.abs(z)))   # log(1 + e^{-z})
        losses = (1.0 - y) * z + log_weight * softplus_neg
        ctx.save_for_backward(z, y, w, log_weight)
        ctx.reduction, ctx.count = reduction, z.size
        return _reduce(losses if w is None else w * losses, reduction)

    @staticmethod
    def backward(ctx, grad_output):
        z, y, w, log_weight = ctx.saved_tensors
        e = np.exp(-np.abs(z))
        sigmoid_neg = np.where(z >= 0, e, 1.0) / (1.0 + e)                  # σ(-z)
        d = (1.0 - y) - log_weight * sigmoid_neg
        if w is not None:
            d = w * d
        return d * _reduction_scale(grad_output, ctx.reduction, ctx.count), None


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    r"""Binary cross-entropy of logits :math:`z`: :math:`\max(z,0) - zy + \log(1+e^{-|z|})`.

    Algebraically equal to ``binary_cross_entropy(sigmoid(z), y)`` but exact for large
    :math:`|z|`, where the sigmoid rounds to 0 or 1. ``pos_weight`` (broadcast along the last
    dimension, one per class) multiplies the positive term :math:`-y\log\sigma(z)`.
    """
    return BCEWithLogitsFunction.apply(input, target, weight, reduction, pos_weight)[0]


def binary_cross_entropy_with_logits_backward(grad_output, input, target, weight=None,
                                              reduction="mean", pos_weight=None):
    r"""d loss / d logits: :math:`\sigma(z) - y` per element (divided by M for ``'mean'``)."""
    return BCEWithLogitsFunction.vjp(grad_output, input, target, weight, reduction,
                                     pos_weight)[0]


from ._attention import *  # noqa: E402,F401,F403  attention, layer normalization, GELU
from ._attention import __all__ as _attention_all  # noqa: E402
from ._conv import *  # noqa: E402,F401,F403  convolution and pooling (NCHW)
from ._conv import __all__ as _conv_all  # noqa: E402

__all__ += _conv_all + _attention_all
