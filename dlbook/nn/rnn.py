r"""Recurrent layers with backpropagation through time: RNN, LSTM, GRU and their cells.

Names, constructor arguments, parameter names and layouts, shapes and equations are PyTorch's,
so a ``state_dict`` moves between the two libraries unchanged. Shapes use the book's symbols:
T time steps, N batch, D input features, H hidden units.

The recurrences (:math:`\sigma` the logistic sigmoid, :math:`\odot` the elementwise product,
every row of the batch independently):

* RNN: :math:`h_t = \phi(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`, :math:`\phi` = tanh or
  ReLU.
* LSTM, gates stacked in the order i, f, g, o (rows of ``weight_ih`` and ``weight_hh``):

  .. math::
      i = \sigma(\cdot),\ f = \sigma(\cdot),\ g = \tanh(\cdot),\ o = \sigma(\cdot), \quad
      c_t = f \odot c_{t-1} + i \odot g, \quad h_t = o \odot \tanh(c_t),

  each :math:`(\cdot)` being that gate's rows of :math:`W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} +
  b_{hh}`. With ``proj_size`` = P > 0 the hidden state is projected,
  :math:`h_t = W_{hr}(o \odot \tanh c_t)`, and has P entries.
* GRU, gates in the order r, z, n; the reset gate acts *after* the hidden matmul:

  .. math::
      r = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}), \quad
      z = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}),

      n = \tanh\big(W_{in} x_t + b_{in} + r \odot (W_{hn} h_{t-1} + b_{hn})\big), \quad
      h_t = (1 - z) \odot n + z \odot h_{t-1}.

Backpropagation through time
----------------------------
The forward pass of a layer does the input-to-hidden products of all T steps in one matmul and
then loops over time for the recurrent product; it keeps every gate activation and state in the
call's context. The backward pass walks the steps in reverse, carrying :math:`\partial C/\partial
h` (and :math:`\partial C/\partial c`) from each step to the one before, stores the gradient of
every step's gate pre-activations, and then forms all weight gradients and the input gradient
with one matmul each — the sums over time and over the batch of the per-step outer products.
Nothing is recomputed in the backward pass.

Truncated backpropagation through time
--------------------------------------
``h_n`` is a plain array, so passing it as the next chunk's ``hx`` starts that chunk from the
carried state without linking the two graphs. The next chunk's ``backward`` returns the gradient
with respect to that initial state; discarding it (not passing it on as the previous chunk's
``grad_h_n``) is exactly ``h.detach()`` in PyTorch, and passing it on backpropagates through both
chunks.
"""
import math
import numbers
import warnings

import numpy as np

from .._validation import (as_float_array, check_array_range, check_bool, check_option,
                           check_positive_int, check_probability, check_scalar)
from ..autograd import check_grad_shape
from ..random import as_generator
from .modules import Module, Parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU"]

_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


# --------------------------------------------------------------------------- elementwise
def _sigmoid_(a):
    r"""Replace ``a`` by :math:`\sigma(a) = 1/(1+e^{-a})` in place and return it.

    For :math:`a < -709`, :math:`e^{-a}` overflows to inf and the result is exactly 0, the
    correct limit, so the overflow warning is silenced for this one exponential.
    """
    np.negative(a, out=a)
    with np.errstate(over="ignore"):
        np.exp(a, out=a)
    a += 1.0
    np.reciprocal(a, out=a)
    return a


def _sigmoid_derivative_(grad, s):
    """``grad *= s (1 - s)`` in place: the gradient through a sigmoid with saved output ``s``."""
    grad *= s
    grad -= grad * s


# ----------------------------------------------------------------- one layer, one direction
def _time_steps(T, reverse):
    """The order of the steps, and where the previous / new state of step t sit in a state array.

    States are kept in a (T + 1)-long array in time order: for the forward direction the initial
    state is at index 0 and step t reads index t and writes t + 1; for the reverse direction the
    initial state is at index T and step t reads index t + 1 and writes t. Either way the
    states before the T steps and after them are contiguous slices, so the weight gradients
    need no copies.
    """
    if reverse:
        return range(T - 1, -1, -1), 1, 0
    return range(T), 0, 1


def _input_gates(x, w, add_hidden_bias):
    """:math:`x_t W_{ih}^T + b_{ih}` (``+ b_{hh}`` when it is purely additive) for all T steps at
    once: one (T·N, D) × (D, G·H) matmul, shape (T, N, G·H)."""
    T, N, D = x.shape
    gates = x.reshape(T * N, D) @ w["weight_ih"].T
    if w["bias_ih"] is not None:
        gates += (w["bias_ih"] + w["bias_hh"]) if add_hidden_bias else w["bias_ih"]
    return gates.reshape(T, N, -1)


def _parameter_gradients(x, h_prev, d_input_gates, d_hidden_gates, w):
    """Weight, bias and input gradients from the per-step gate gradients, one matmul each.

    ``d_input_gates`` (T, N, G·H) is the gradient of :math:`W_{ih} x_t + b_{ih}`,
    ``d_hidden_gates`` that of :math:`W_{hh} h_{t-1} + b_{hh}` (the same array except in the
    GRU); the sums run over time and over the batch.
    """
    T, N, D = x.shape
    d_in = d_input_gates.reshape(T * N, -1)
    d_hid = d_hidden_gates.reshape(T * N, -1)
    grads = {"weight_ih": d_in.T @ x.reshape(T * N, D),
             "weight_hh": d_hid.T @ h_prev.reshape(T * N, -1)}
    if w["bias_ih"] is not None:
        grads["bias_ih"] = d_in.sum(axis=0)
        grads["bias_hh"] = (grads["bias_ih"].copy() if d_hidden_gates is d_input_gates
                            else d_hid.sum(axis=0))
    dx = (d_in @ w["weight_ih"]).reshape(T, N, D)
    return dx, grads


def _incoming(dout_t, dh, valid_t):
    """The gradient reaching a step's new state, and the part of ``dh`` that skips the step.

    ``dout_t`` is the gradient of the step's output, ``dh`` that of the state carried to the next
    step. Rows past their sequence's end (``valid_t`` False) only carried the previous state
    forward and output zeros, so their whole ``dh`` skips the step.
    """
    d_new = dout_t + dh
    if valid_t is None:
        return d_new, None
    d_new *= valid_t
    return d_new, dh * ~valid_t


def _rnn_forward(x, h0, w, valid, reverse, nonlinearity):
    """Elman RNN over one sequence in one direction. Returns (outputs, h_T, cache)."""
    T, N, _ = x.shape
    H = w["weight_hh"].shape[0]
    pre = _input_gates(x, w, add_hidden_bias=True)
    steps, prev, new = _time_steps(T, reverse)
    states = np.empty((T + 1, N, H))
    states[T if reverse else 0] = h0
    w_hh_t = w["weight_hh"].T
    for t in steps:
        h_prev, h = states[t + prev], states[t + new]
        np.matmul(h_prev, w_hh_t, out=h)
        h += pre[t]
        if nonlinearity == "tanh":
            np.tanh(h, out=h)
        else:
            np.maximum(h, 0.0, out=h)
        if valid is not None:
            np.copyto(h, h_prev, where=~valid[t])
    cache = (x, states, w, valid, reverse, nonlinearity)
    return states[new:new + T], states[0 if reverse else T], cache


def _rnn_backward(cache, dout, dh):
    x, states, w, valid, reverse, nonlinearity = cache
    T = x.shape[0]
    steps, prev, new = _time_steps(T, reverse)
    dpre = np.empty_like(dout)
    w_hh = w["weight_hh"]
    for t in reversed(steps):
        d, skip = _incoming(dout[t], dh, None if valid is None else valid[t])
        h = states[t + new]
        if nonlinearity == "tanh":
            d *= 1.0 - h * h
        else:
            d *= h > 0.0
        dpre[t] = d
        dh = d @ w_hh
        if skip is not None:
            dh += skip
    dx, grads = _parameter_gradients(x, states[prev:prev + T], dpre, dpre, w)
    return dx, dh, None, grads


def _lstm_forward(x, h0, c0, w, valid, reverse):
    """LSTM over one sequence in one direction. Returns (outputs, (h_T, c_T), cache)."""
    T, N, _ = x.shape
    w_hr = w.get("weight_hr")
    H = w["weight_ih"].shape[0] // 4
    P = H if w_hr is None else w_hr.shape[0]
    gates = _input_gates(x, w, add_hidden_bias=True)     # pre-activations, then activations
    steps, prev, new = _time_steps(T, reverse)
    h_states, c_states = np.empty((T + 1, N, P)), np.empty((T + 1, N, H))
    start = T if reverse else 0
    h_states[start], c_states[start] = h0, c0
    tanh_c = np.empty((T, N, H))
    cell_out = None if w_hr is None else np.empty((T, N, H))     # o ⊙ tanh(c), before W_hr
    w_hh_t = w["weight_hh"].T
    for t in steps:
        a = gates[t]
        a += h_states[t + prev] @ w_hh_t
        _sigmoid_(a[:, :2 * H])                                  # i, f
        np.tanh(a[:, 2 * H:3 * H], out=a[:, 2 * H:3 * H])        # g
        _sigmoid_(a[:, 3 * H:])                                  # o
        i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        c_prev, c = c_states[t + prev], c_states[t + new]
        np.multiply(f, c_prev, out=c)
        c += i * g
        np.tanh(c, out=tanh_c[t])
        h = h_states[t + new]
        if w_hr is None:
            np.multiply(o, tanh_c[t], out=h)
        else:
            np.multiply(o, tanh_c[t], out=cell_out[t])
            np.matmul(cell_out[t], w_hr.T, out=h)
        if valid is not None:
            past_end = ~valid[t]
            np.copyto(h, h_states[t + prev], where=past_end)
            np.copyto(c, c_prev, where=past_end)
    end = 0 if reverse else T
    cache = (x, h_states, c_states, gates, tanh_c, cell_out, w, valid, reverse)
    return h_states[new:new + T], (h_states[end], c_states[end]), cache


def _lstm_backward(cache, dout, dh, dc):
    x, h_states, c_states, gates, tanh_c, cell_out, w, valid, reverse = cache
    T = x.shape[0]
    H = tanh_c.shape[2]
    w_hr = w.get("weight_hr")
    steps, prev, new = _time_steps(T, reverse)
    dgates = np.empty_like(gates)
    d_projected = None if w_hr is None else np.empty_like(dout)
    w_hh = w["weight_hh"]
    for t in reversed(steps):
        valid_t = None if valid is None else valid[t]
        dh_t, skip_h = _incoming(dout[t], dh, valid_t)
        dc_t, skip_c = (dc, None) if valid_t is None else (dc * valid_t, dc * ~valid_t)
        if w_hr is not None:                       # h = W_hr (o ⊙ tanh c)
            d_projected[t] = dh_t
            dh_t = dh_t @ w_hr
        a, da = gates[t], dgates[t]
        i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        tc = tanh_c[t]
        np.multiply(dh_t, tc, out=da[:, 3 * H:])                  # dC/do
        dc_t = dc_t + dh_t * o * (1.0 - tc * tc)                   # everything reaching c_t
        np.multiply(dc_t, g, out=da[:, :H])                        # dC/di
        np.multiply(dc_t, c_states[t + prev], out=da[:, H:2 * H])  # dC/df
        np.multiply(dc_t, i, out=da[:, 2 * H:3 * H])               # dC/dg
        _sigmoid_derivative_(da[:, :2 * H], a[:, :2 * H])
        da[:, 2 * H:3 * H] *= 1.0 - g * g
        _sigmoid_derivative_(da[:, 3 * H:], o)
        dc = dc_t * f
        dh = da @ w_hh
        if skip_h is not None:
            dh += skip_h
            dc += skip_c
    dx, grads = _parameter_gradients(x, h_states[prev:prev + T], dgates, dgates, w)
    if w_hr is not None:
        P = w_hr.shape[0]
        grads["weight_hr"] = d_projected.reshape(-1, P).T @ cell_out.reshape(-1, H)
    return dx, dh, dc, grads


def _gru_forward(x, h0, w, valid, reverse):
    """GRU over one sequence in one direction. Returns (outputs, h_T, cache)."""
    T, N, _ = x.shape
    H = w["weight_hh"].shape[1]
    gates = _input_gates(x, w, add_hidden_bias=False)    # W_i x + b_i, then r, z, n
    steps, prev, new = _time_steps(T, reverse)
    states = np.empty((T + 1, N, H))
    states[T if reverse else 0] = h0
    hidden_n = np.empty((T, N, H))                      # W_hn h_{t-1} + b_hn, reused by backward
    w_hh_t, b_hh = w["weight_hh"].T, w["bias_hh"]
    for t in steps:
        h_prev, h = states[t + prev], states[t + new]
        gh = h_prev @ w_hh_t
        if b_hh is not None:
            gh += b_hh
        a = gates[t]
        a[:, :2 * H] += gh[:, :2 * H]
        _sigmoid_(a[:, :2 * H])                                  # r, z
        r, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
        hidden_n[t] = gh[:, 2 * H:]
        n += r * hidden_n[t]
        np.tanh(n, out=n)
        np.subtract(h_prev, n, out=h)                            # h = n + z ⊙ (h_prev − n)
        h *= z
        h += n
        if valid is not None:
            np.copyto(h, h_prev, where=~valid[t])
    cache = (x, states, gates, hidden_n, w, valid, reverse)
    return states[new:new + T], states[0 if reverse else T], cache


def _gru_backward(cache, dout, dh):
    x, states, gates, hidden_n, w, valid, reverse = cache
    T = x.shape[0]
    H = hidden_n.shape[2]
    steps, prev, new = _time_steps(T, reverse)
    d_input_gates = np.empty_like(gates)
    d_hidden_gates = np.empty_like(gates)
    w_hh = w["weight_hh"]
    for t in reversed(steps):
        dh_t, skip = _incoming(dout[t], dh, None if valid is None else valid[t])
        a, di, dhid = gates[t], d_input_gates[t], d_hidden_gates[t]
        r, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
        dn = di[:, 2 * H:]
        np.multiply(dh_t, 1.0 - z, out=dn)
        np.subtract(states[t + prev], n, out=di[:, H:2 * H])     # dC/dz = dh ⊙ (h_prev − n)
        di[:, H:2 * H] *= dh_t
        dn *= 1.0 - n * n                                        # through the tanh
        np.multiply(dn, hidden_n[t], out=di[:, :H])              # dC/dr
        _sigmoid_derivative_(di[:, :2 * H], a[:, :2 * H])
        dhid[:, :2 * H] = di[:, :2 * H]
        np.multiply(dn, r, out=dhid[:, 2 * H:])                  # r gates the hidden part of n
        dh = dhid @ w_hh
        dh += dh_t * z
        if skip is not None:
            dh += skip
    dx, grads = _parameter_gradients(x, states[prev:prev + T], d_input_gates, d_hidden_gates, w)
    return dx, dh, None, grads


def _layer_forward(mode, x, h0, c0, w, valid, reverse, nonlinearity):
    """One layer in one direction: (outputs (T, N, H_out), (h_T, c_T or None), cache)."""
    if mode == "LSTM":
        return _lstm_forward(x, h0, c0, w, valid, reverse)
    if mode == "GRU":
        out, h, cache = _gru_forward(x, h0, w, valid, reverse)
    else:
        out, h, cache = _rnn_forward(x, h0, w, valid, reverse, nonlinearity)
    return out, (h, None), cache


def _layer_backward(mode, cache, dout, dh, dc):
    """Backward of :func:`_layer_forward`: (dx, dh_0, dc_0 or None, parameter gradients)."""
    if mode == "LSTM":
        return _lstm_backward(cache, dout, dh, dc)
    if mode == "GRU":
        return _gru_backward(cache, dout, dh)
    return _rnn_backward(cache, dout, dh)


# --------------------------------------------------------------------------- validation
def _check_state(value, shape, name, owner):
    """``value`` as a float64 array of exactly ``shape`` (a copy is never needed: it is read)."""
    arr = as_float_array(value, name)
    if arr.shape != shape:
        raise ValueError(f"{owner} expected {name} of shape {shape}, got shape {arr.shape}")
    return arr


def check_lengths(lengths, T, N):
    """``lengths`` as an int64 array of shape (N,) with values in [1, T], or a clear error."""
    arr = np.asarray(lengths)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"lengths must be an array of integers, got dtype {arr.dtype}")
    if arr.shape != (N,):
        raise ValueError(f"lengths must have shape (N,) = ({N},), one length per sequence, "
                         f"got shape {arr.shape}")
    check_array_range(arr, "lengths", min_val=1, max_val=T, what="sequence lengths")
    return arr.astype(np.int64)


def _valid_steps(lengths, T, N):
    """``lengths`` (N,) of ints in [1, T] -> ``valid`` (T, N, 1), True where t < lengths[n]."""
    arr = check_lengths(lengths, T, N)
    return (np.arange(T)[:, None] < arr[None, :])[:, :, None]


def _uniform(rng, bound, shape):
    return Parameter(rng.uniform(-bound, bound, shape))


# --------------------------------------------------------------------------- cells
class _CellBase(Module):
    """Shared parts of the cells: PyTorch's parameters and input checks."""

    mode = None

    def __init__(self, input_size, hidden_size, bias, generator):
        super().__init__()
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.bias = check_bool(bias, "bias")
        rng = as_generator(generator)
        gates, bound = _GATES[self.mode] * self.hidden_size, 1.0 / math.sqrt(self.hidden_size)
        self.weight_ih = _uniform(rng, bound, (gates, self.input_size))
        self.weight_hh = _uniform(rng, bound, (gates, self.hidden_size))
        if self.bias:
            self.bias_ih = _uniform(rng, bound, (gates,))
            self.bias_hh = _uniform(rng, bound, (gates,))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def _weights(self):
        return {name: None if getattr(self, name) is None else getattr(self, name).data
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}

    def _check_input(self, input):
        """(N, D) or unbatched (D,) -> ((1, N, D) float64, batched)."""
        x = as_float_array(input, "input")
        D = self.input_size
        if x.ndim not in (1, 2) or x.shape[-1] != D:
            raise ValueError(f"{type(self).__name__} expected input of shape (N, {D}) or ({D},), "
                             f"got shape {x.shape}")
        batched = x.ndim == 2
        return (x if batched else x[None])[None], batched

    def _check_hidden(self, value, name, N, batched):
        shape = (N, self.hidden_size) if batched else (self.hidden_size,)
        return _check_state(value, shape, name, type(self).__name__).reshape(N, -1)

    def _forward(self, input, h, c):
        """One step through the sequence code with T = 1; the context keeps its cache."""
        x, batched = self._check_input(input)
        N = x.shape[1]
        lstm = self.mode == "LSTM"
        zeros = np.zeros((N, self.hidden_size))
        h0 = zeros if h is None else self._check_hidden(h, "h" if lstm else "hx", N, batched)
        c0 = None
        if lstm:
            c0 = zeros if c is None else self._check_hidden(c, "c", N, batched)
        _, (h1, c1), cache = _layer_forward(self.mode, x, h0, c0, self._weights(), None, False,
                                            getattr(self, "nonlinearity", "tanh"))
        ctx = self.ctx
        ctx.cache, ctx.batched, ctx.has_hx = cache, batched, h is not None
        shape = (N, self.hidden_size) if batched else (self.hidden_size,)
        return h1.reshape(shape).copy(), (None if c1 is None else c1.reshape(shape).copy())

    def _backward(self, grad_h, grad_c):
        ctx = self.ctx
        N = ctx.cache[0].shape[1]
        shape = (N, self.hidden_size) if ctx.batched else (self.hidden_size,)
        name = type(self).__name__ + ".backward"
        dh = (np.zeros((N, self.hidden_size)) if grad_h is None
              else check_grad_shape(grad_h, np.empty(shape), name).reshape(N, -1))
        dc = None
        if self.mode == "LSTM":
            dc = (np.zeros((N, self.hidden_size)) if grad_c is None
                  else check_grad_shape(grad_c, np.empty(shape), name).reshape(N, -1))
        dx, dh0, dc0, grads = _layer_backward(self.mode, ctx.cache, dh[None],
                                              np.zeros_like(dh), dc)
        for pname, g in grads.items():
            getattr(self, pname).accumulate(g)
        in_shape = (N, self.input_size) if ctx.batched else (self.input_size,)
        dx = dx.reshape(in_shape)
        if not ctx.has_hx:
            return dx, None
        if self.mode == "LSTM":
            return dx, (dh0.reshape(shape), dc0.reshape(shape))
        return dx, dh0.reshape(shape)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s


class RNNCell(_CellBase):
    r"""One step of an Elman RNN: :math:`h' = \phi(W_{ih} x + b_{ih} + W_{hh} h + b_{hh})`.

    Parameters
    ----------
    input_size : int
        D, features of each input.
    hidden_size : int
        H, units of the hidden state.
    bias : bool, default True
        Learn ``bias_ih`` and ``bias_hh``.
    nonlinearity : {'tanh', 'relu'}, default 'tanh'
        :math:`\phi`.
    generator : numpy.random.Generator, int or None, keyword only
        Every parameter is drawn from :math:`U(-1/\sqrt H, 1/\sqrt H)`, PyTorch's default.

    Attributes
    ----------
    weight_ih : Parameter, shape (H, D)
    weight_hh : Parameter, shape (H, H)
    bias_ih, bias_hh : Parameter, shape (H,), or None

    Calling ``cell(input, hx=None)`` with ``input`` of shape (N, D) (or (D,), unbatched) and
    ``hx`` of shape (N, H) (or (H,); zeros when omitted) returns :math:`h'` of ``hx``'s shape.
    ``backward(grad_h)`` takes :math:`\partial C/\partial h'`, adds the parameter gradients
    (summed over the batch) into ``.grad`` and returns ``(d_input, d_hx)``; ``d_hx`` is None
    when ``hx`` was not passed. A cell called once per time step takes one ``backward`` per
    step, in reverse order.
    """

    mode = "RNN"

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", *,
                 generator=None):
        nonlinearity = check_option(nonlinearity, "nonlinearity", ("tanh", "relu"))
        super().__init__(input_size, hidden_size, bias, generator)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self._forward(input, hx, None)[0]

    def backward(self, grad_h):
        return self._backward(grad_h, None)


class LSTMCell(_CellBase):
    r"""One step of an LSTM (gates i, f, g, o):

    .. math::
        c' = f \odot c + i \odot g, \qquad h' = o \odot \tanh c'

    with :math:`(i, f, g, o) = (\sigma, \sigma, \tanh, \sigma)` applied to the four H-row blocks
    of :math:`W_{ih} x + b_{ih} + W_{hh} h + b_{hh}` (row-wise for a batch, as the code computes
    :math:`x W_{ih}^T`).

    Parameters
    ----------
    input_size, hidden_size : int
        D and H.
    bias : bool, default True
    generator : numpy.random.Generator, int or None, keyword only
        Parameters are drawn from :math:`U(-1/\sqrt H, 1/\sqrt H)`.

    Attributes
    ----------
    weight_ih : Parameter, shape (4H, D)
        Rows :math:`[W_{ii}; W_{if}; W_{ig}; W_{io}]`, PyTorch's layout.
    weight_hh : Parameter, shape (4H, H)
    bias_ih, bias_hh : Parameter, shape (4H,), or None

    ``cell(input, hx=None)`` with ``input`` (N, D) or (D,) and ``hx = (h, c)``, each (N, H) or
    (H,) (zeros when omitted), returns ``(h', c')``. ``backward(grad_h, grad_c=None)`` takes
    :math:`\partial C/\partial h'` and :math:`\partial C/\partial c'` (either may be None for
    zero), accumulates the parameter gradients and returns ``(d_input, (d_h, d_c))``, or
    ``(d_input, None)`` when ``hx`` was not passed.
    """

    mode = "LSTM"

    def __init__(self, input_size, hidden_size, bias=True, *, generator=None):
        super().__init__(input_size, hidden_size, bias, generator)

    def forward(self, input, hx=None):
        if hx is None:
            return self._forward(input, None, None)
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"LSTMCell expects hx=(h, c), a pair of arrays, got "
                            f"{type(hx).__name__}")
        return self._forward(input, hx[0], hx[1])

    def backward(self, grad_h, grad_c=None):
        return self._backward(grad_h, grad_c)


class GRUCell(_CellBase):
    r"""One step of a GRU (gates r, z, n), PyTorch's variant with the reset gate after the matmul:

    .. math::
        r = \sigma(\cdot),\ z = \sigma(\cdot), \quad
        n = \tanh\big(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn})\big), \quad
        h' = (1 - z) \odot n + z \odot h.

    Parameters
    ----------
    input_size, hidden_size : int
        D and H.
    bias : bool, default True
    generator : numpy.random.Generator, int or None, keyword only
        Parameters are drawn from :math:`U(-1/\sqrt H, 1/\sqrt H)`.

    Attributes
    ----------
    weight_ih : Parameter, shape (3H, D)
        Rows :math:`[W_{ir}; W_{iz}; W_{in}]`.
    weight_hh : Parameter, shape (3H, H)
    bias_ih, bias_hh : Parameter, shape (3H,), or None

    ``cell(input, hx=None)`` and ``backward(grad_h) -> (d_input, d_hx)`` as :class:`RNNCell`.
    """

    mode = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, *, generator=None):
        super().__init__(input_size, hidden_size, bias, generator)

    def forward(self, input, hx=None):
        return self._forward(input, hx, None)[0]

    def backward(self, grad_h):
        return self._backward(grad_h, None)


# --------------------------------------------------------------------------- sequence layers
class _RNNBase(Module):
    """Multi-layer, optionally bidirectional recurrent layer shared by RNN, LSTM and GRU."""

    mode = None

    def __init__(self, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                 bidirectional, proj_size, nonlinearity, generator):
        super().__init__()
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.bias = check_bool(bias, "bias")
        self.batch_first = check_bool(batch_first, "batch_first")
        self.bidirectional = check_bool(bidirectional, "bidirectional")
        self.dropout = check_probability(dropout, "dropout")
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn(f"dropout={self.dropout} has no effect with num_layers=1: dropout is "
                          "applied to the outputs of every recurrent layer but the last",
                          UserWarning, stacklevel=3)
        check_scalar(proj_size, "proj_size", numbers.Integral)
        if proj_size < 0 or (proj_size and proj_size >= self.hidden_size):
            raise ValueError(f"proj_size must be 0 or in [1, hidden_size) = [1, "
                             f"{self.hidden_size}), got {proj_size}")
        self.proj_size = int(proj_size)
        self.nonlinearity = nonlinearity
        self.generator = None if generator is None else as_generator(generator)
        rng = as_generator(None) if self.generator is None else self.generator

        H, gates = self.hidden_size, _GATES[self.mode] * self.hidden_size
        h_out = self.proj_size or H
        bound = 1.0 / math.sqrt(H)
        self._all_weights = []
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else h_out * self.num_directions
            for direction in range(self.num_directions):
                shapes = {"weight_ih": (gates, layer_input), "weight_hh": (gates, h_out)}
                if self.bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                if self.proj_size:
                    shapes["weight_hr"] = (self.proj_size, H)
                names = []
                for base, shape in shapes.items():
                    name = self._name(base, layer, direction)
                    setattr(self, name, _uniform(rng, bound, shape))
                    names.append(name)
                self._all_weights.append(names)

    # ----------------------------------------------------------------- internals
    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    @staticmethod
    def _name(base, layer, direction):
        return f"{base}_l{layer}" + ("_reverse" if direction else "")

    @property
    def all_weights(self):
        """The parameters of each layer and direction, as lists in PyTorch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """A no-op kept for PyTorch compatibility (NumPy arrays need no flattening)."""

    def _weights_of(self, layer, direction):
        """The arrays of one layer and direction, keyed without the suffix (None if absent)."""
        weights = {}
        for base in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"):
            p = getattr(self, self._name(base, layer, direction), None)
            weights[base] = None if p is None else p.data
        return weights

    def _check_input(self, input):
        """The input as a contiguous (T, N, D) float64 array, and whether it was batched."""
        x = as_float_array(input, "input")
        name, D = type(self).__name__, self.input_size
        layout = "(N, T, D)" if self.batch_first else "(T, N, D)"
        if x.ndim not in (2, 3) or x.shape[-1] != D:
            raise ValueError(f"{name} expected input of shape {layout} or unbatched (T, D) with "
                             f"D = input_size = {D}, got shape {x.shape}")
        batched = x.ndim == 3
        if not batched:
            x = x[:, None, :]
        elif self.batch_first:
            x = x.transpose(1, 0, 2)
        return np.ascontiguousarray(x), batched

    def _state_shape(self, N, batched, size):
        lead = self.num_layers * self.num_directions
        return (lead, N, size) if batched else (lead, size)

    def _check_hx(self, hx, N, batched):
        """(h_0, c_0) as (layers·directions, N, ·) arrays, None when hx is None."""
        name = type(self).__name__
        h_out = self.proj_size or self.hidden_size
        h_shape = self._state_shape(N, batched, h_out)
        if hx is None:
            return None, None
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"LSTM expects hx=(h_0, c_0), a pair of arrays, got "
                                f"{type(hx).__name__}")
            h0 = _check_state(hx[0], h_shape, "h_0", name)
            c0 = _check_state(hx[1], self._state_shape(N, batched, self.hidden_size), "c_0",
                              name)
            return h0.reshape(-1, N, h_out), c0.reshape(-1, N, self.hidden_size)
        if isinstance(hx, tuple):
            raise TypeError(f"{name} expects hx to be one array h_0, got a tuple (the pair "
                            "(h_0, c_0) is for LSTM)")
        return _check_state(hx, h_shape, "hx", name).reshape(-1, N, h_out), None

    def _dropout_mask(self, shape):
        rng = as_generator(self.generator)
        if self.dropout == 1.0:
            return np.zeros(shape)
        return (rng.random(shape) >= self.dropout) / (1.0 - self.dropout)

    # ----------------------------------------------------------------- forward / backward
    def forward(self, input, hx=None, *, lengths=None):
        x, batched = self._check_input(input)
        T, N, _ = x.shape
        h0, c0 = self._check_hx(hx, N, batched)
        valid = None
        if lengths is not None:
            if not batched:
                raise ValueError("lengths is for a batch of sequences; an unbatched (T, D) input "
                                 "is one sequence of length T")
            valid = _valid_steps(lengths, T, N)
        lstm = self.mode == "LSTM"
        H, h_out, dirs = self.hidden_size, self.proj_size or self.hidden_size, self.num_directions
        h_n = np.empty((self.num_layers * dirs, N, h_out))
        c_n = np.empty((self.num_layers * dirs, N, H)) if lstm else None
        layer_input, layers = x, []
        for layer in range(self.num_layers):
            mask = None
            if layer > 0 and self.training and self.dropout > 0.0:
                mask = self._dropout_mask(layer_input.shape)
                layer_input = layer_input * mask
            output = np.empty((T, N, dirs * h_out))
            caches = []
            for direction in range(dirs):
                k = layer * dirs + direction
                w = self._weights_of(layer, direction)
                start_h = np.zeros((N, h_out)) if h0 is None else h0[k]
                start_c = None if not lstm else np.zeros((N, H)) if c0 is None else c0[k]
                out, (h_last, c_last), cache = _layer_forward(
                    self.mode, layer_input, start_h, start_c, w, valid, direction == 1,
                    self.nonlinearity)
                block = output[:, :, direction * h_out:(direction + 1) * h_out]
                if valid is None:
                    block[...] = out
                else:
                    np.multiply(out, valid, out=block)          # zeros past each sequence's end
                h_n[k] = h_last
                if lstm:
                    c_n[k] = c_last
                caches.append(cache)
            layers.append((mask, caches))
            layer_input = output
        ctx = self.ctx
        ctx.layers, ctx.batched, ctx.has_hx, ctx.sizes = layers, batched, hx is not None, (T, N)
        output = layer_input
        if not batched:
            output, h_n = output[:, 0], h_n[:, 0]
            c_n = None if c_n is None else c_n[:, 0]
        elif self.batch_first:
            output = output.transpose(1, 0, 2)
        return output, ((h_n, c_n) if lstm else h_n)

    def backward(self, grad_output, grad_h_n=None, grad_c_n=None):
        name = f"{type(self).__name__}.backward"
        lstm = self.mode == "LSTM"
        if grad_c_n is not None and not lstm:
            raise TypeError(f"{type(self).__name__} has no cell state: grad_c_n is only for LSTM")
        ctx = self.ctx
        T, N = ctx.sizes
        H, h_out, dirs = self.hidden_size, self.proj_size or self.hidden_size, self.num_directions
        # the gradients, converted to the internal (T, N, ·) and (layers·dirs, N, ·) layouts
        if ctx.batched:
            out_shape = (N, T, dirs * h_out) if self.batch_first else (T, N, dirs * h_out)
        else:
            out_shape = (T, dirs * h_out)
        if grad_output is None:
            d_layer = np.zeros((T, N, dirs * h_out))
        else:
            d_layer = check_grad_shape(grad_output, np.empty(out_shape), name)
            if not ctx.batched:
                d_layer = d_layer[:, None, :]
            elif self.batch_first:
                d_layer = d_layer.transpose(1, 0, 2)

        def final_state_grad(grad, size, what):
            shape = self._state_shape(N, ctx.batched, size)
            if grad is None:
                return np.zeros((shape[0], N, size))
            if np.shape(grad) != shape:
                raise ValueError(f"{name}: grad_{what} must have the shape of {what}, {shape}, "
                                 f"got {np.shape(grad)}")
            return check_grad_shape(grad, np.empty(shape), name).reshape(-1, N, size)

        dh_n = final_state_grad(grad_h_n, h_out, "h_n")
        dc_n = final_state_grad(grad_c_n, H, "c_n") if lstm else None
        dh_0 = np.empty_like(dh_n)
        dc_0 = np.empty_like(dc_n) if lstm else None
        for layer in range(self.num_layers - 1, -1, -1):
            mask, caches = ctx.layers[layer]
            d_input = None
            for direction in range(dirs):
                k = layer * dirs + direction
                dout = d_layer[:, :, direction * h_out:(direction + 1) * h_out]
                dx, dh, dc, grads = _layer_backward(self.mode, caches[direction], dout, dh_n[k],
                                                    None if dc_n is None else dc_n[k])
                dh_0[k] = dh
                if lstm:
                    dc_0[k] = dc
                for base, g in grads.items():
                    getattr(self, self._name(base, layer, direction)).accumulate(g)
                d_input = dx if d_input is None else d_input + dx
            if mask is not None:
                d_input *= mask
            d_layer = d_input
        if not ctx.batched:
            d_layer, dh_0 = d_layer[:, 0], dh_0[:, 0]
            dc_0 = None if dc_0 is None else dc_0[:, 0]
        elif self.batch_first:
            d_layer = np.ascontiguousarray(d_layer.transpose(1, 0, 2))
        if not ctx.has_hx:
            return d_layer
        return d_layer, ((dh_0, dc_0) if lstm else dh_0)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        defaults = (("proj_size", 0), ("num_layers", 1), ("bias", True), ("batch_first", False),
                    ("dropout", 0.0), ("bidirectional", False))
        for attr, default in defaults:
            if getattr(self, attr) != default:
                s += f", {attr}={getattr(self, attr)}"
        if self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s


def _sequence_doc(gates, extra_parameters="", lstm=False):
    """The part of the RNN / LSTM / GRU docstrings the three share."""
    proj = lstm
    h_out = "H_out" if proj else "H"
    proj_text = ("    proj_size : int, default 0\n"
                 "        P > 0 projects each hidden state to P entries with ``weight_hr_l{k}``;\n"
                 "        then H_out = P (the states h and the outputs), else H_out = H.\n"
                 if proj else "")
    proj_attr = ("    weight_hr_l{k} : Parameter, shape (P, H), only with ``proj_size`` > 0\n"
                 if proj else "")
    hx_text = ("the pair (h_0, c_0): h_0 of shape (num_layers * num_directions, N, H_out), c_0\n"
               "      of shape (num_layers * num_directions, N, H)" if lstm else
               "h_0, of shape (num_layers * num_directions, N, H)")
    return f"""
    Parameters
    ----------
    input_size : int
        D, features of each input step.
    hidden_size : int
        H, units of each hidden state.
    num_layers : int, default 1
        Stacked layers; layer k > 0 reads the outputs of layer k - 1.
{extra_parameters}    bias : bool, default True
        Learn ``bias_ih_l{{k}}`` and ``bias_hh_l{{k}}``.
    batch_first : bool, default False
        Input and output as (N, T, ...) instead of (T, N, ...); states keep their layout.
    dropout : float, default 0.0
        Inverted dropout on the outputs of every layer but the last, in training mode only.
    bidirectional : bool, default False
        Add a second layer per level that reads the sequence backwards; the outputs of the two
        directions are concatenated along the features (num_directions = 2).
{proj_text}    generator : numpy.random.Generator, int or None, keyword only
        Draws the initial parameters, every one from :math:`U(-1/\\sqrt H, 1/\\sqrt H)` as in
        PyTorch, and afterwards the dropout masks. Without one the package-wide generator is
        used (:func:`dlbook.manual_seed`).

    Attributes
    ----------
    weight_ih_l{{k}} : Parameter
        Shape ({gates}, D) for k = 0, ({gates}, num_directions * {h_out}) for k > 0.
    weight_hh_l{{k}} : Parameter, shape ({gates}, {h_out})
    bias_ih_l{{k}}, bias_hh_l{{k}} : Parameter, shape ({gates},)
{proj_attr}
    The reverse direction's parameters carry the suffix ``_reverse``. All are registered in
    PyTorch's order, so ``state_dict()`` has PyTorch's keys and layouts.

    Calling
    -------
    ``output, {"(h_n, c_n)" if lstm else "h_n"} = m(input, hx=None, *, lengths=None)``

    * ``input``: (T, N, D), or (N, T, D) with ``batch_first``, or unbatched (T, D).
    * ``hx``: {hx_text};
      unbatched without the N axis; zeros when omitted.
    * ``output``: (T, N, num_directions * {h_out}) (batch-first or unbatched like the input),
      the last layer's hidden state at every step.
    * ``h_n``{", ``c_n``" if lstm else ""}: the final states of every layer and direction, shaped
      like ``hx``; with two directions, index 2k is layer k forwards and 2k + 1 backwards.

    Variable lengths
    ----------------
    ``lengths`` (N integers in [1, T]) gives each sequence's length in a zero-padded batch,
    with the semantics of PyTorch's ``pack_padded_sequence(..., enforce_sorted=False)``
    followed by ``pad_packed_sequence``: each step past a sequence's end outputs zeros (and a
    gradient arriving there is ignored), ``h_n`` is the state after each sequence's own last
    step, and the reverse direction of a bidirectional layer starts from its initial state at
    each sequence's own last step. The padding values never influence anything.

    Backward
    --------
    ``m.backward(grad_output, grad_h_n=None{", grad_c_n=None" if lstm else ""})`` takes the
    gradients of ``output`` and of the final states (None for zero), runs backpropagation through
    time over the whole sequence and all layers, **adds** every parameter's gradient (summed
    over time and batch) into its ``.grad``, and returns

    * ``d_input``, shaped like ``input``, when the call had no ``hx``;
    * ``(d_input, {"(d_h_0, d_c_0)" if lstm else "d_h_0"})`` when ``hx`` was given, each gradient
      shaped like its argument.

    Each call keeps its own context, so a module applied to several sequences takes one
    ``backward`` per call, in reverse order. ``h_n`` may be passed on as the next chunk's ``hx``
    (truncated backpropagation through time: see the module docstring).
    """


class RNN(_RNNBase):
    r"""Multi-layer Elman RNN: :math:`h_t = \phi(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`
    at every step, :math:`\phi` = tanh or ReLU; :math:`x_t` is the input (layer 0) or the
    previous layer's output.
    """

    mode = "RNN"

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, *, generator=None):
        nonlinearity = check_option(nonlinearity, "nonlinearity", ("tanh", "relu"))
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, nonlinearity, generator)


class LSTM(_RNNBase):
    r"""Multi-layer long short-term memory: the :class:`LSTMCell` recurrence over a sequence,
    gates i, f, g, o, with an optional projection of the hidden state (``proj_size``).
    """

    mode = "LSTM"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, *, generator=None):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, "tanh", generator)


class GRU(_RNNBase):
    r"""Multi-layer gated recurrent unit: the :class:`GRUCell` recurrence over a sequence,
    gates r, z, n, with the reset gate applied after the hidden matmul (PyTorch's variant).
    """

    mode = "GRU"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, *, generator=None):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, "tanh", generator)


RNN.__doc__ += _sequence_doc("H", """    nonlinearity : {'tanh', 'relu'}, default 'tanh'
        :math:`\\phi`.
""")
LSTM.__doc__ += _sequence_doc("4H", lstm=True)
GRU.__doc__ += _sequence_doc("3H")
