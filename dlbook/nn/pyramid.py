r"""Pyramidal recurrent networks: halve the time resolution between stacked recurrent layers.

A pyramidal RNN (the "pyramidal BLSTM" of Listen, Attend and Spell, Chan et al. 2016) reads a
long sequence, such as the frames of a speech signal, with a stack of (usually bidirectional)
recurrent layers and merges each pair of consecutive outputs before the next layer reads them,
so layer k runs over :math:`T / 2^k` steps. With outputs :math:`h_1, \dots, h_T` of a layer,
the next layer reads, for :math:`t = 1, \dots, \lceil T/2 \rceil`,

.. math::
    u_t = [\,h_{2t-1};\ h_{2t}\,] \quad (\text{``'concat'``, 2·D features}) \qquad\text{or}\qquad
    u_t = \tfrac12 (h_{2t-1} + h_{2t}) \quad (\text{``'mean'``, D features}).

PyTorch has no such layer; shapes and argument names follow its recurrent layers: time-major
(T, N, D) unless ``batch_first``, and ``lengths`` as in :class:`dlbook.nn.RNN`.

* :class:`PyramidalReduction` is the merge, a module with its backward.
* :class:`PyramidalRNN` stacks recurrent layers (RNN, LSTM or GRU) with a reduction between
  every two of them.
"""
import numbers

import numpy as np

from .._validation import as_float_array, check_bool, check_option, check_positive_int
from .modules import Module
from .rnn import GRU, LSTM, RNN, check_lengths

__all__ = ["PyramidalReduction", "PyramidalRNN", "pyramid_lengths"]

_MODES = ("concat", "mean")
_ODD = ("pad", "drop")
_RECURRENT = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}


def _reduced_steps(T, odd):
    """Steps after one reduction of T steps: ceil(T/2) with ``'pad'``, floor(T/2) with
    ``'drop'``."""
    return (T + 1) // 2 if odd == "pad" else T // 2


def pyramid_lengths(lengths, T, odd="pad"):
    """Sequence lengths after one pyramidal reduction of a batch padded to T steps.

    A sequence of length L keeps every pair that holds at least one of its steps,
    :math:`\\lceil L/2 \\rceil` pairs; with ``odd='drop'`` and odd T the last step of the batch
    is dropped, so the length is also capped at :math:`\\lfloor T/2 \\rfloor`.

    Parameters
    ----------
    lengths : array of int, shape (N,)
        Lengths in [1, T].
    T : int
        The padded length of the batch.
    odd : {'pad', 'drop'}, default 'pad'

    Returns
    -------
    ndarray of int64, shape (N,)
    """
    T = check_positive_int(T, "T")
    odd = check_option(odd, "odd", _ODD)
    arr = np.asarray(lengths)
    out_steps = _reduced_steps(T, odd)
    if out_steps < 1:
        raise ValueError(f"odd='drop' needs T >= 2 steps, got T = {T}")
    if arr.ndim != 1:
        raise ValueError(f"lengths must have shape (N,), one length per sequence, got shape "
                         f"{arr.shape}")
    arr = check_lengths(arr, T, arr.shape[0])
    return np.minimum((arr + 1) // 2, out_steps)


class PyramidalReduction(Module):
    r"""Merge each pair of consecutive time steps: (T, N, D) -> (⌈T/2⌉, N, 2·D or D).

    Step t of the output is built from input steps 2t and 2t + 1 (0-based): their
    concatenation (``'concat'``, the first step's features first) or their mean (``'mean'``).

    Parameters
    ----------
    mode : {'concat', 'mean'}, default 'concat'
    odd : {'pad', 'drop'}, default 'pad'
        What happens to the last step when T is odd: ``'pad'`` treats it as a pair with one
        missing partner (concatenated with zeros; in ``'mean'`` mode the output is the step
        itself), ``'drop'`` discards it (the reduction used in Listen, Attend and Spell).
    batch_first : bool, default False
        Input and output as (N, T, D) instead of (T, N, D).

    Calling
    -------
    ``output = m(input, *, lengths=None)``

    * ``input``: (T, N, D), or (N, T, D) with ``batch_first``, or unbatched (T, D).
    * ``lengths`` (N integers in [1, T]): the steps at or past a sequence's length are padding;
      they are treated as missing partners, so they never reach the output — in ``'concat'``
      mode their half of a pair is zero, in ``'mean'`` mode the mean runs over the valid steps
      only. The output lengths are :func:`pyramid_lengths` (``m.output_lengths``).
    * ``output``: (T', N, 2·D) for ``'concat'`` or (T', N, D) for ``'mean'``, with
      T' = ⌈T/2⌉ (``'pad'``) or ⌊T/2⌋ (``'drop'``).

    ``m.backward(grad_output)`` returns the gradient with respect to ``input``: each input step
    receives its half of the pair's gradient (``'concat'``) or its weight times the pair's
    gradient (``'mean'``); padded and dropped steps receive zero. The layer has no parameters.
    """

    def __init__(self, mode="concat", *, odd="pad", batch_first=False):
        super().__init__()
        self.mode = check_option(mode, "mode", _MODES)
        self.odd = check_option(odd, "odd", _ODD)
        self.batch_first = check_bool(batch_first, "batch_first")

    def output_lengths(self, lengths, T):
        """The lengths of the output sequences (see :func:`pyramid_lengths`)."""
        return pyramid_lengths(lengths, T, self.odd)

    def _weights(self, T, N, lengths):
        """Per-step weights, shape (2·T', N, 1): 1 or 0 (``'concat'``), 1/valid-count or 0
        (``'mean'``); steps past T (the padding step of odd T) have weight 0."""
        T_out = _reduced_steps(T, self.odd)
        limit = np.full(N, T) if lengths is None else lengths
        valid = (np.arange(2 * T_out)[:, None] < limit[None, :]).astype(np.float64)
        if self.mode == "mean":
            count = valid.reshape(T_out, 2, N).sum(axis=1, keepdims=True)
            valid = (valid.reshape(T_out, 2, N) / np.maximum(count, 1.0)).reshape(2 * T_out, N)
        return valid[:, :, None]

    def forward(self, input, *, lengths=None):
        x = as_float_array(input, "input")
        layout = "(N, T, D)" if self.batch_first else "(T, N, D)"
        if x.ndim not in (2, 3):
            raise ValueError(f"PyramidalReduction expected input of shape {layout} or unbatched "
                             f"(T, D), got shape {x.shape}")
        batched = x.ndim == 3
        if not batched:
            if lengths is not None:
                raise ValueError("lengths is for a batch of sequences; an unbatched (T, D) "
                                 "input is one sequence of length T")
            x = x[:, None, :]
        elif self.batch_first:
            x = x.transpose(1, 0, 2)
        T, N, D = x.shape
        T_out = _reduced_steps(T, self.odd)
        if T_out < 1:
            raise ValueError(f"odd='drop' needs T >= 2 steps, got T = {T}")
        if lengths is not None:
            lengths = check_lengths(lengths, T, N)
        w = self._weights(T, N, lengths)
        steps = np.zeros((2 * T_out, N, D))
        n_in = min(T, 2 * T_out)
        steps[:n_in] = x[:n_in]
        steps *= w
        pairs = steps.reshape(T_out, 2, N, D)
        if self.mode == "concat":
            out = pairs.transpose(0, 2, 1, 3).reshape(T_out, N, 2 * D)
        else:
            out = pairs.sum(axis=1)
        ctx = self.ctx
        ctx.weights, ctx.shape, ctx.batched = w, (T, N, D), batched
        if not batched:
            return out[:, 0]
        return out.transpose(1, 0, 2) if self.batch_first else out

    def backward(self, grad_output):
        ctx = self.ctx
        T, N, D = ctx.shape
        w = ctx.weights
        T_out = w.shape[0] // 2
        g = np.asarray(grad_output, dtype=np.float64)
        if not ctx.batched:
            g = g[:, None, :]
        elif self.batch_first:
            g = g.transpose(1, 0, 2)
        if self.mode == "concat":                      # (T', N, 2, D) -> (T', 2, N, D)
            d_steps = g.reshape(T_out, N, 2, D).transpose(0, 2, 1, 3).reshape(2 * T_out, N, D)
        else:                                          # every step of a pair gets the pair's
            d_steps = np.repeat(g, 2, axis=0)          # gradient, times its weight
        d_steps = d_steps * w
        dx = np.zeros((T, N, D))
        n_in = min(T, 2 * T_out)
        dx[:n_in] = d_steps[:n_in]
        if not ctx.batched:
            return dx[:, 0]
        return np.ascontiguousarray(dx.transpose(1, 0, 2)) if self.batch_first else dx

    def extra_repr(self):
        s = f"mode={self.mode!r}"
        if self.odd != "pad":
            s += f", odd={self.odd!r}"
        if self.batch_first:
            s += ", batch_first=True"
        return s


class PyramidalRNN(Module):
    r"""A stack of recurrent layers with a :class:`PyramidalReduction` between every two.

    Layer 0 reads the input (T steps); layer k > 0 reads the reduced outputs of layer k − 1,
    so it runs over about :math:`T/2^k` steps, and the output has about
    :math:`T/2^{L-1}` steps for L = ``num_layers``.

    Parameters
    ----------
    input_size : int
        D, features of each input step.
    hidden_size : int
        H, units of every layer's hidden state.
    num_layers : int, default 3
    cell : {'LSTM', 'GRU', 'RNN'}, default 'LSTM'
    bidirectional : bool, default True
    reduction : {'concat', 'mean'}, default 'concat'
    odd : {'pad', 'drop'}, default 'pad'
    generator : numpy.random.Generator, int or None, keyword only
        Draws the initial parameters of every layer (as :class:`dlbook.nn.RNN`).

    Attributes
    ----------
    layers : list of RNN, LSTM or GRU
        Registered as ``layer0``, ``layer1``, …; layer k > 0 has input size
        ``factor * num_directions * H``, factor 2 for ``'concat'`` and 1 for ``'mean'``.
    reductions : list of PyramidalReduction
        ``num_layers - 1`` of them, registered as ``reduce1``, ``reduce2``, …

    Calling
    -------
    ``output = m(input, *, lengths=None)``: ``input`` (T, N, D); ``output`` (T_L, N,
    num_directions * H), the last layer's outputs. With ``lengths``, every layer and reduction
    receives the lengths of its own input; ``m.output_lengths(lengths, T)`` gives the output's.
    ``m.backward(grad_output)`` backpropagates through all layers and returns d input.
    """

    def __init__(self, input_size, hidden_size, num_layers=3, cell="LSTM", bidirectional=True,
                 reduction="concat", odd="pad", *, generator=None):
        super().__init__()
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.cell = check_option(cell, "cell", tuple(_RECURRENT))
        self.reduction = check_option(reduction, "reduction", _MODES)
        self.odd = check_option(odd, "odd", _ODD)
        self.bidirectional = check_bool(bidirectional, "bidirectional")
        if generator is not None and isinstance(generator, numbers.Integral):
            generator = np.random.default_rng(generator)
        dirs = 2 if self.bidirectional else 1
        factor = 2 if self.reduction == "concat" else 1
        self.layers, self.reductions = [], []
        for k in range(self.num_layers):
            size = self.input_size if k == 0 else factor * dirs * self.hidden_size
            if k > 0:
                red = PyramidalReduction(self.reduction, odd=self.odd)
                self.add_module(f"reduce{k}", red)
                self.reductions.append(red)
            layer = _RECURRENT[self.cell](size, self.hidden_size, bidirectional=self.bidirectional,
                                          generator=generator)
            self.add_module(f"layer{k}", layer)
            self.layers.append(layer)

    def output_lengths(self, lengths, T):
        """The lengths of the output sequences of a batch of ``lengths`` padded to T steps."""
        T = check_positive_int(T, "T")
        if np.ndim(lengths) != 1:
            raise ValueError(f"lengths must have shape (N,), one length per sequence, got shape "
                             f"{np.shape(lengths)}")
        lengths = check_lengths(lengths, T, len(lengths))
        for _ in range(self.num_layers - 1):
            lengths = pyramid_lengths(lengths, T, self.odd)
            T = _reduced_steps(T, self.odd)
        return lengths

    def forward(self, input, *, lengths=None):
        x = as_float_array(input, "input")
        if x.ndim != 3 or x.shape[-1] != self.input_size:
            raise ValueError(f"PyramidalRNN expected input of shape (T, N, D) with D = "
                             f"input_size = {self.input_size}, got shape {x.shape}")
        for k, layer in enumerate(self.layers):
            if k > 0:
                red = self.reductions[k - 1]
                T = x.shape[0]
                x = red(x, lengths=lengths)
                if lengths is not None:
                    lengths = red.output_lengths(lengths, T)
            x, _ = layer(x, lengths=lengths)
        return x

    def backward(self, grad_output):
        g = grad_output
        for k in range(self.num_layers - 1, -1, -1):
            g = self.layers[k].backward(g)
            if k > 0:
                g = self.reductions[k - 1].backward(g)
        return g

    def extra_repr(self):
        return (f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
                f"cell={self.cell!r}, bidirectional={self.bidirectional}, "
                f"reduction={self.reduction!r}, odd={self.odd!r}")
