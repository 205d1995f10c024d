r"""Gradient clipping, as ``torch.nn.utils``."""
import math

import numpy as np

from .._validation import check_scalar
from .modules import Parameter

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters):
    if isinstance(parameters, Parameter):
        parameters = [parameters]
    params = list(parameters)
    for p in params:
        if not isinstance(p, Parameter):
            raise TypeError(f"expected dlbook.nn.Parameter objects, got {type(p).__name__}")
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    r"""Rescale gradients in place so their joint ``norm_type``-norm is at most ``max_norm``.

    As ``torch.nn.utils.clip_grad_norm_``: the norm is taken over all gradients together
    (``float('inf')`` gives the largest absolute entry), and every gradient is multiplied by
    :math:`\min(1, \text{max\_norm} / (\lVert g\rVert + 10^{-6}))`. ``parameters`` is one
    Parameter or an iterable of them. Returns the total norm before clipping.
    """
    check_scalar(max_norm, "max_norm", min_val=0, include_boundaries="neither")
    norm_type = check_scalar(float(norm_type), "norm_type", min_val=0,   # float('inf') too
                             include_boundaries="neither")
    params = _with_grads(parameters)
    if not params:
        return 0.0
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(p.grad))) if p.grad.size else 0.0 for p in params)
    else:
        total = float(sum(np.sum(np.abs(p.grad) ** norm_type) for p in params)) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is "
                           f"non-finite ({total}), so it cannot be clipped")
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for p in params:
            p.grad *= scale
    return total


def clip_grad_value_(parameters, clip_value):
    r"""Clamp every gradient entry to :math:`[-\text{clip\_value}, \text{clip\_value}]`, in place.

    Unlike :func:`clip_grad_norm_` this changes the gradient's direction whenever some entries
    are clipped and others are not.
    """
    check_scalar(clip_value, "clip_value", min_val=0, include_boundaries="neither")
    for p in _with_grads(parameters):
        np.clip(p.grad, -clip_value, clip_value, out=p.grad)
