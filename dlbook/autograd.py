r"""How a forward pass and its backward pass meet: saved contexts, shaped like ``torch.autograd``.

An operation is a :class:`Function` with two static methods side by side::

    class Tanh(Function):
        @staticmethod
        def forward(ctx, input):
            output = np.tanh(input)
            ctx.save_for_backward(output)      # what the backward will need, and nothing more
            return output

        @staticmethod
        def backward(ctx, grad_output):
            output, = ctx.saved_tensors
            return grad_output * (1.0 - output * output)

The forward stores in its :class:`Context` whatever the backward needs, so the backward never
recomputes the forward. ``backward`` returns one gradient per input of ``forward`` (None for an
input that has no gradient, such as an integer target or a hyper-parameter), in the same order.

There is no tape: a :class:`dlbook.nn.Module` keeps one context per call on a stack, and
``module.backward`` takes the most recent one. Inside ``with no_grad():`` nothing is saved, which
is what evaluation loops want (no memory held for a backward pass that will never come).
"""
import contextlib

import numpy as np

__all__ = ["Context", "Function", "no_grad", "enable_grad", "is_grad_enabled",
           "check_grad_shape"]

_grad_enabled = True


class Context:
    """What one forward call left for its backward.

    ``save_for_backward(*arrays)`` stores arrays in ``saved_tensors``; any other attribute
    (a shape, an index array, a flag) may be set directly on the context.
    """

    def __init__(self):
        self.saved_tensors = ()

    def save_for_backward(self, *tensors):
        """Keep ``tensors`` for the backward pass (as ``ctx.saved_tensors``, in this order)."""
        self.saved_tensors = tensors

    def __repr__(self):
        names = sorted(k for k in vars(self) if k != "saved_tensors")
        return f"Context(saved={len(self.saved_tensors)}, attributes={names})"


class Function:
    """Base class of a differentiable operation: ``forward(ctx, *inputs)``, ``backward(ctx, *grads)``.

    ``Function.apply(*inputs)`` runs the forward with a fresh context and returns
    ``(output, ctx)``; pass that context to ``Function.backward``. Subclasses define both
    methods as ``@staticmethod``, as in ``torch.autograd.Function``.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` with a new :class:`Context`; return ``(output, ctx)``."""
        ctx = Context()
        return cls.forward(ctx, *args, **kwargs), ctx

    @classmethod
    def vjp(cls, grad_output, *args, **kwargs):
        """Run the forward on ``args``, then the backward with ``grad_output``.

        The stateless form behind ``functional``'s ``*_backward`` helpers: it recomputes the
        forward (a module never does; it keeps the context of its call). ``grad_output`` must
        have the shape of the forward's output.
        """
        output, ctx = cls.apply(*args, **kwargs)
        grad_output = check_grad_shape(grad_output, output, f"{cls.__name__}.backward")
        return cls.backward(ctx, grad_output)


def check_grad_shape(grad_output, output, where):
    """``grad_output`` as a float64 array of exactly the shape of ``output``, or a ``ValueError``.

    ``output`` is the forward's output or its shape (a tuple). A gradient never broadcasts: a
    gradient of the wrong shape is a bug upstream.
    """
    shape = output if isinstance(output, tuple) else np.shape(output)
    if type(grad_output) is np.ndarray and grad_output.dtype == np.float64 \
            and grad_output.shape == shape:
        return grad_output                                    # the common case, checked cheaply
    if not isinstance(grad_output, np.ndarray):
        try:
            grad_output = np.asarray(grad_output, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{where}: grad_output must be numeric, got "
                            f"{type(grad_output).__name__}") from None
    elif grad_output.dtype != np.float64:
        if not np.issubdtype(grad_output.dtype, np.number) or \
                np.issubdtype(grad_output.dtype, np.complexfloating):
            raise TypeError(f"{where}: grad_output must be a real array, got dtype "
                            f"{grad_output.dtype}")
        grad_output = grad_output.astype(np.float64)
    if grad_output.shape != shape:
        raise ValueError(f"{where}: grad_output has shape {grad_output.shape} but the output of "
                         f"the forward pass has shape {shape}")
    return grad_output


def is_grad_enabled():
    """True unless inside :func:`no_grad`."""
    return _grad_enabled


@contextlib.contextmanager
def _grad_mode(enabled):
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = enabled
    try:
        yield
    finally:
        _grad_enabled = previous


def no_grad():
    """Context manager, as ``torch.no_grad``: modules called inside save no contexts.

    Use it for evaluation, prediction and plotting; a backward of a call made inside it raises.
    """
    return _grad_mode(False)


def enable_grad():
    """Context manager that turns saving back on inside a :func:`no_grad` block."""
    return _grad_mode(True)
