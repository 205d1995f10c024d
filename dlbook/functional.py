r"""Stateless operations, named and shaped as in ``torch.nn.functional``.

Every forward function ``f(x, ...)`` has a partner ``f_backward(grad_output, x, ...)`` written
directly below it. ``grad_output`` is :math:`\partial C/\partial y` for the forward's output
``y``; the backward returns :math:`\partial C/\partial x` for each input, in the order of the
inputs. Losses take ``grad_output`` as a scalar (1.0 when the loss is the final cost).

Arrays are float64. Shapes use the book's symbols: N batch, D features, V classes.
"""
import numpy as np

from ._validation import (as_float_array, as_index_array, check_dim, check_ndim,
                          check_probability, check_reduction, check_same_shape)

__all__ = [
    "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "relu", "relu_backward",
    "leaky_relu", "leaky_relu_backward", "elu", "elu_backward",
    "softmax", "softmax_backward", "log_softmax", "log_softmax_backward",
    "linear", "linear_backward", "dropout", "dropout_backward",
    "mse_loss", "mse_loss_backward", "cross_entropy", "cross_entropy_backward",
    "binary_cross_entropy", "binary_cross_entropy_backward",
    "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_backward",
]


# --------------------------------------------------------------------------- activations
def sigmoid(x):
    r"""Logistic sigmoid :math:`\sigma(x) = 1/(1+e^{-x})`, elementwise.

    Computed as :math:`e^{\min(x,0)}/(1+e^{-|x|})`, so no exponential ever overflows:
    ``sigmoid(-1000)`` is 0.0 and ``sigmoid(1000)`` is 1.0, without warnings.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    ndarray, same shape as ``x``
    """
    x = as_float_array(x, "x")
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid_backward(grad_output, x):
    r"""Gradient of :func:`sigmoid`: ``grad_output * s * (1 - s)`` with ``s = sigmoid(x)``."""
    s = sigmoid(x)
    return as_float_array(grad_output, "grad_output") * s * (1.0 - s)


def tanh(x):
    r"""Hyperbolic tangent, elementwise; ``x`` of any shape."""
    return np.tanh(as_float_array(x, "x"))


def tanh_backward(grad_output, x):
    r"""Gradient of :func:`tanh`: ``grad_output * (1 - tanh(x)**2)``."""
    t = tanh(x)
    return as_float_array(grad_output, "grad_output") * (1.0 - t * t)


def relu(x):
    r"""Rectified linear unit :math:`\max(x, 0)`, elementwise; ``x`` of any shape."""
    x = as_float_array(x, "x")
    return np.maximum(x, 0.0)


def relu_backward(grad_output, x):
    r"""Gradient of :func:`relu`; at ``x == 0`` the derivative is taken as 0 (as PyTorch)."""
    x = as_float_array(x, "x")
    return as_float_array(grad_output, "grad_output") * (x > 0)


def leaky_relu(x, negative_slope=0.01):
    r"""Leaky ReLU: ``x`` where ``x > 0``, else ``negative_slope * x``; any shape."""
    x = as_float_array(x, "x")
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_backward(grad_output, x, negative_slope=0.01):
    r"""Gradient of :func:`leaky_relu` (slope 1 for ``x > 0``, ``negative_slope`` otherwise)."""
    x = as_float_array(x, "x")
    return as_float_array(grad_output, "grad_output") * np.where(x > 0, 1.0, negative_slope)


def elu(x, alpha=1.0):
    r"""Exponential linear unit: ``x`` for ``x > 0``, :math:`\alpha(e^x - 1)` otherwise."""
    x = as_float_array(x, "x")
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_backward(grad_output, x, alpha=1.0):
    r"""Gradient of :func:`elu`: 1 for ``x > 0``, :math:`\alpha e^x` otherwise."""
    x = as_float_array(x, "x")
    slope = np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))
    return as_float_array(grad_output, "grad_output") * slope


# --------------------------------------------------------------------------- softmax
def softmax(x, dim=-1):
    r"""Softmax along ``dim``: :math:`e^{x_i - m} / \sum_j e^{x_j - m}` with :math:`m=\max_j x_j`.

    Subtracting the maximum leaves the result unchanged and keeps every exponent
    :math:`\le 0`, so logits of :math:`\pm 10^4` give exact one-hot rows, not NaN.

    Parameters
    ----------
    x : ndarray, shape (..., V, ...)
    dim : int, default -1
        The axis that is normalised to sum to one.
    """
    x = as_float_array(x, "x")
    dim = check_dim(dim, x.ndim)
    with np.errstate(over="ignore"):  # x - max < -1.8e308 rounds to -inf, whose exp is exactly 0
        shifted = x - np.max(x, axis=dim, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=dim, keepdims=True)


def softmax_backward(grad_output, x, dim=-1):
    r"""Gradient of :func:`softmax`: the Jacobian-vector product
    :math:`s \odot (g - \langle g, s\rangle)`, never forming the V×V Jacobian."""
    s = softmax(x, dim)
    g = as_float_array(grad_output, "grad_output")
    return s * (g - np.sum(g * s, axis=dim, keepdims=True))


def log_softmax(x, dim=-1):
    r"""Log of :func:`softmax`, computed as :math:`x - m - \log\sum_j e^{x_j - m}` (log-sum-exp)."""
    x = as_float_array(x, "x")
    dim = check_dim(dim, x.ndim)
    with np.errstate(over="ignore"):  # a log-probability below -1.8e308 rounds to -inf
        shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def log_softmax_backward(grad_output, x, dim=-1):
    r"""Gradient of :func:`log_softmax`: :math:`g - s \sum_j g_j`."""
    g = as_float_array(grad_output, "grad_output")
    return g - softmax(x, dim) * np.sum(g, axis=dim, keepdims=True)


# --------------------------------------------------------------------------- linear
def _check_linear(x, weight, bias):
    x = as_float_array(x, "x")
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


def linear(x, weight, bias=None):
    r"""Affine map :math:`y = x W^\top + b`, the row-major form of the notes' :math:`z = Wa + b`.

    Parameters
    ----------
    x : ndarray, shape (N, in_features)  (any leading dimensions are allowed)
    weight : ndarray, shape (out_features, in_features)
    bias : ndarray, shape (out_features,), optional

    Returns
    -------
    ndarray, shape (N, out_features)
    """
    x, weight, bias = _check_linear(x, weight, bias)
    y = x @ weight.T
    return y if bias is None else y + bias


def linear_backward(grad_output, x, weight, bias=None):
    r"""Gradients of :func:`linear`, **summed** over the batch (and any leading dimensions).

    With :math:`\delta` = ``grad_output`` of shape (N, out): ``dx = δ W``,
    ``dweight = δᵀ x`` (the batch sum of the outer products :math:`\delta_n x_n^\top`), and
    ``dbias = Σ_n δ_n``. Returns ``(dx, dweight, dbias)``; ``dbias`` is None without a bias.
    """
    x, weight, bias = _check_linear(x, weight, bias)
    g = as_float_array(grad_output, "grad_output")
    expected = x.shape[:-1] + (weight.shape[0],)
    if g.shape != expected:
        raise ValueError(f"grad_output must have shape {expected}, got {g.shape}")
    g2 = g.reshape(-1, weight.shape[0])
    x2 = x.reshape(-1, weight.shape[1])
    dx = g @ weight
    dweight = g2.T @ x2
    dbias = None if bias is None else g2.sum(axis=0)
    return dx, dweight, dbias


# --------------------------------------------------------------------------- dropout
def dropout(x, p=0.5, training=True, *, generator=None):
    r"""Inverted dropout: zero each element with probability ``p``, scale survivors by 1/(1-p).

    In expectation the output equals the input, so nothing needs rescaling at inference;
    with ``training=False`` the input is returned unchanged.

    Parameters
    ----------
    x : ndarray, any shape
    p : float in [0, 1]
        Probability of dropping an element.
    training : bool
    generator : numpy.random.Generator, optional
        Source of the mask; defaults to :func:`dlbook.random.default_generator`.

    Returns
    -------
    out : ndarray, same shape as ``x``
    mask : ndarray, same shape; the factor each element was multiplied by (0 or 1/(1-p)).
        Pass it to :func:`dropout_backward`.
    """
    from .random import default_generator
    x = as_float_array(x, "x")
    p = check_probability(p)
    if not training or p == 0.0:
        return x.copy(), np.ones_like(x)
    if p == 1.0:
        return np.zeros_like(x), np.zeros_like(x)
    rng = generator if generator is not None else default_generator()
    mask = (rng.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask


def dropout_backward(grad_output, mask):
    r"""Gradient of :func:`dropout`: the same mask multiplies the incoming gradient."""
    return as_float_array(grad_output, "grad_output") * mask


# --------------------------------------------------------------------------- losses
def _reduce(values, reduction):
    check_reduction(reduction)
    if reduction == "mean":
        return float(np.mean(values))
    if reduction == "sum":
        return float(np.sum(values))
    return values


def _reduce_backward(grad_output, shape, count, reduction):
    check_reduction(reduction)
    g = np.asarray(grad_output, dtype=np.float64)
    if reduction == "none":
        if g.shape != shape:
            raise ValueError(f"grad_output must have shape {shape} for reduction='none', "
                             f"got {g.shape}")
        return g
    if g.ndim != 0:
        raise ValueError(f"grad_output must be a scalar for reduction={reduction!r}, "
                         f"got shape {g.shape}")
    scale = g / count if reduction == "mean" else g
    return np.broadcast_to(scale, shape)


def mse_loss(input, target, reduction="mean"):
    r"""Squared error :math:`\frac1M\sum_i (\hat y_i - y_i)^2` over all M elements (``'mean'``).

    PyTorch's convention: no factor ½ (the notes' ½ only rescales the gradient by 2).

    Parameters
    ----------
    input, target : ndarray, same shape
    reduction : {'mean', 'sum', 'none'}
    """
    input = as_float_array(input, "input")
    target = as_float_array(target, "target")
    check_same_shape(input, target, "input", "target")
    return _reduce((input - target) ** 2, reduction)


def mse_loss_backward(grad_output, input, target, reduction="mean"):
    r"""d loss / d input for :func:`mse_loss`: :math:`2(\hat y - y)/M` for ``'mean'``."""
    input = as_float_array(input, "input")
    target = as_float_array(target, "target")
    check_same_shape(input, target, "input", "target")
    g = _reduce_backward(grad_output, input.shape, input.size, reduction)
    return 2.0 * (input - target) * g


def _check_logits_targets(input, target):
    input = as_float_array(input, "input")
    check_ndim(input, "input", 2, "(N, V) of logits")
    target = as_index_array(target, "target", input.shape[1])
    if target.shape != (input.shape[0],):
        raise ValueError(f"target must have shape ({input.shape[0]},) (one class index per "
                         f"row of input), got {target.shape}")
    return input, target


def cross_entropy(input, target, reduction="mean"):
    r"""Cross-entropy of logits against integer classes: :math:`-\log \mathrm{softmax}(z)_{r}`.

    Computed from :func:`log_softmax`, so it is finite for any finite logits.
    ``'mean'`` averages over the N rows.

    Parameters
    ----------
    input : ndarray, shape (N, V)
        Unnormalised scores (logits), not probabilities.
    target : ndarray of int, shape (N,)
        Class index :math:`r_n \in [0, V)` of each row.
    reduction : {'mean', 'sum', 'none'}
    """
    input, target = _check_logits_targets(input, target)
    nll = -log_softmax(input, dim=1)[np.arange(input.shape[0]), target]
    return _reduce(nll, reduction)


def cross_entropy_backward(grad_output, input, target, reduction="mean"):
    r"""d loss / d logits for :func:`cross_entropy`: :math:`(\mathrm{softmax}(z) - y)/N`
    for ``'mean'``, with :math:`y` the one-hot target — the book's :math:`\delta^L = a - y`."""
    input, target = _check_logits_targets(input, target)
    n = input.shape[0]
    g = _reduce_backward(grad_output, (n,), n, reduction)
    d = softmax(input, dim=1)
    d[np.arange(n), target] -= 1.0
    return d * g[:, None]


def binary_cross_entropy(input, target, reduction="mean"):
    r"""Binary cross-entropy of probabilities:
    :math:`-[y\log p + (1-y)\log(1-p)]`, each log clamped at -100 as in PyTorch.

    Parameters
    ----------
    input : ndarray, values in [0, 1]
        Probabilities (e.g. a sigmoid output).
    target : ndarray, same shape, values in [0, 1]
    reduction : {'mean', 'sum', 'none'}
    """
    p = as_float_array(input, "input")
    y = as_float_array(target, "target")
    check_same_shape(p, y, "input", "target")
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError("binary_cross_entropy expects input probabilities in [0, 1]; "
                         "for logits use binary_cross_entropy_with_logits")
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100.0)
        log_1mp = np.maximum(np.log1p(-p), -100.0)
    return _reduce(-(y * log_p + (1.0 - y) * log_1mp), reduction)


def binary_cross_entropy_backward(grad_output, input, target, reduction="mean"):
    r"""d loss / d input for :func:`binary_cross_entropy`: :math:`(p-y)/(p(1-p))`, with the
    denominator clamped at 1e-12 as in PyTorch."""
    p = as_float_array(input, "input")
    y = as_float_array(target, "target")
    check_same_shape(p, y, "input", "target")
    g = _reduce_backward(grad_output, p.shape, p.size, reduction)
    return g * (p - y) / np.maximum(p * (1.0 - p), 1e-12)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    r"""Binary cross-entropy of logits :math:`z`: :math:`\max(z,0) - zy + \log(1+e^{-|z|})`.

    Algebraically equal to ``binary_cross_entropy(sigmoid(z), y)`` but exact for large
    :math:`|z|`, where the sigmoid rounds to 0 or 1.
    """
    z = as_float_array(input, "input")
    y = as_float_array(target, "target")
    check_same_shape(z, y, "input", "target")
    return _reduce(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))), reduction)


def binary_cross_entropy_with_logits_backward(grad_output, input, target, reduction="mean"):
    r"""d loss / d logits: :math:`\sigma(z) - y` per element (divided by M for ``'mean'``)."""
    z = as_float_array(input, "input")
    y = as_float_array(target, "target")
    check_same_shape(z, y, "input", "target")
    g = _reduce_backward(grad_output, z.shape, z.size, reduction)
    return g * (sigmoid(z) - y)
