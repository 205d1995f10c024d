r"""Synthetic sequence tasks that need a long memory: the adding problem and the copy task.

Both generators are vectorized (no Python loop over samples or steps), draw everything from one
``generator`` and return arrays in the batch-first layout ``(N, T, D)``, the layout of
``dlbook.nn.RNN(..., batch_first=True)`` (and of PyTorch with ``batch_first=True``).

* :func:`adding_problem` — a regression target that depends on two inputs far apart in time
  (Hochreiter & Schmidhuber 1997, experiment 4; the variant with values in [0, 1] and one marker
  in each half of the sequence is the one used by later papers on long memories).
* :class:`LastStepModel` — a recurrent layer read out by a linear layer at the last step, the
  model both tasks need.
* :func:`copy_task` — a few cued symbols shown at the start must be named after a long delay
  filled with blanks or with distracting symbols.
"""

import numpy as np

from ._validation import check_bool, check_int, check_positive_int
from .nn.modules import Linear, Module
from .random import as_generator

__all__ = ["adding_problem", "copy_task", "adding_baseline_mse", "LastStepModel"]


def adding_problem(n_samples, length, *, generator=None):
    r"""The adding problem: sum the two marked numbers of a sequence.

    Each sequence has ``length`` = T steps and two input channels. Channel 0 holds numbers drawn
    independently from U(0, 1); channel 1 is a marker that is 1 at exactly two steps and 0
    elsewhere, one step drawn uniformly from the first half ``[0, T // 2)`` and one from the
    second half ``[T // 2, T)``. The target is the sum of the two marked numbers,

    .. math:: y_n = \sum_{t} x_{n,t,0}\, x_{n,t,1} \in (0, 2).

    Predicting the constant 1 (the mean of the target) gives the mean squared error
    1/6 (:func:`adding_baseline_mse`): a model must beat it clearly to have solved the task,
    which needs a memory of about T/2 steps.

    Parameters
    ----------
    n_samples : int
        N, number of sequences.
    length : int
        T, steps per sequence, at least 2.
    generator : numpy.random.Generator, int or None, keyword only
        Source of randomness (the package-wide generator when None).

    Returns
    -------
    x : ndarray, shape (N, T, 2)
        Numbers (channel 0) and markers (channel 1), float64.
    y : ndarray, shape (N,)
        The sums of the marked numbers, float64.
    """
    N = check_positive_int(n_samples, "n_samples")
    T = check_positive_int(length, "length")
    if T < 2:
        raise ValueError(f"length must be at least 2 (one marker in each half), got {T}")
    rng = as_generator(generator)
    half = T // 2
    x = np.zeros((N, T, 2))
    x[:, :, 0] = rng.random((N, T))
    rows = np.arange(N)
    first = rng.integers(0, half, size=N)
    second = rng.integers(half, T, size=N)
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    y = x[rows, first, 0] + x[rows, second, 0]
    return x, y


def adding_baseline_mse():
    r"""Mean squared error of the best constant prediction on :func:`adding_problem`: 1/6.

    The target is the sum of two independent U(0, 1) numbers, with mean 1 and variance
    :math:`2 \cdot 1/12 = 1/6`; the best constant is the mean and its error is the variance.
    """
    return 1.0 / 6.0


def copy_task(n_samples, delay, *, n_symbols=8, n_copy=1, distractors=False, generator=None):
    r"""The copy task: remember ``n_copy`` symbols across ``delay`` further steps.

    Each sequence has T = ``n_copy + delay`` steps and ``n_symbols + 1`` input channels. The
    first ``n_copy`` steps show symbols drawn uniformly from ``0 .. n_symbols - 1`` (one-hot in
    channels ``0 .. n_symbols - 1``) together with a cue, channel ``n_symbols`` = 1, that marks
    them as the ones to remember. The remaining ``delay`` steps carry no cue; they are blank
    (all zeros), or, with ``distractors=True``, show further random symbols that must be
    ignored. After the last step the model must name the cued symbols, so the information has
    to survive ``delay`` steps. Guessing gives accuracy ``1 / n_symbols`` and cross-entropy
    :math:`\ln(\text{n\_symbols})` per symbol.

    Parameters
    ----------
    n_samples : int
        N, number of sequences.
    delay : int
        Steps after the cued symbols, at least 1.
    n_symbols : int, default 8
        Size of the alphabet, at least 2.
    n_copy : int, default 1
        Symbols to remember.
    distractors : bool, default False
        Fill the delay with random uncued symbols instead of blanks.
    generator : numpy.random.Generator, int or None, keyword only
        Source of randomness (the package-wide generator when None).

    Returns
    -------
    x : ndarray, shape (N, n_copy + delay, n_symbols + 1)
        The inputs, float64; channel ``n_symbols`` is the cue.
    y : ndarray, shape (N, n_copy), or (N,) when ``n_copy`` is 1
        The cued symbols, int64.
    """
    N = check_positive_int(n_samples, "n_samples")
    delay = check_positive_int(delay, "delay")
    V = check_int(n_symbols, "n_symbols", 2)
    K = check_positive_int(n_copy, "n_copy")
    distractors = check_bool(distractors, "distractors")
    rng = as_generator(generator)
    T = K + delay
    symbols = rng.integers(0, V, size=(N, T if distractors else K))
    x = np.zeros((N, T, V + 1))
    steps = symbols.shape[1]
    x[np.arange(N)[:, None], np.arange(steps)[None, :], symbols] = 1.0
    x[:, :K, V] = 1.0
    y = symbols[:, 0] if K == 1 else symbols[:, :K]
    return x, y.astype(np.int64)


class LastStepModel(Module):
    r"""A batch-first recurrent layer whose output at the last step is read out linearly.

    ``y = head(rnn(x)[0][:, -1])``: the model for tasks with one answer per sequence (the adding
    problem, the copy task). The read-out sees the last layer's hidden state after step T only,
    so everything the answer needs must be carried there by the recurrence.

    Parameters
    ----------
    rnn : dlbook.nn.RNN, LSTM or GRU
        Built with ``batch_first=True`` and one direction; its ``hidden_size`` (or
        ``proj_size``) is the read-out's input size.
    out_features : int
        Outputs of the linear read-out ``head``.
    generator : numpy.random.Generator, int or None, keyword only
        Draws the read-out's initial parameters.

    Calling ``model(x)`` with ``x`` of shape (N, T, D) returns (N, out_features);
    ``backward(grad_output)`` backpropagates through the read-out and through time, accumulates
    every parameter's gradient and returns the gradient with respect to ``x``.
    """

    def __init__(self, rnn, out_features, *, generator=None):
        super().__init__()
        for attr in ("batch_first", "bidirectional", "hidden_size"):
            if not hasattr(rnn, attr):
                raise TypeError(f"rnn must be a dlbook.nn.RNN, LSTM or GRU, got "
                                f"{type(rnn).__name__}")
        if not rnn.batch_first or rnn.bidirectional:
            raise ValueError("rnn must be built with batch_first=True and bidirectional=False")
        self.rnn = rnn
        self.head = Linear(getattr(rnn, "proj_size", 0) or rnn.hidden_size,
                           check_positive_int(out_features, "out_features"), generator=generator)

    def forward(self, x):
        output, _ = self.rnn(x)
        self.ctx.output_shape = output.shape
        return self.head(output[:, -1])

    def backward(self, grad_output):
        d_last = self.head.backward(grad_output)
        d_output = np.zeros(self.ctx.output_shape)
        d_output[:, -1] = d_last
        return self.rnn.backward(d_output)
