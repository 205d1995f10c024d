r"""Batch normalization (Ioffe & Szegedy, 2015) with PyTorch's parameters and running statistics."""

import numpy as np

from .._validation import as_float_array, check_positive_int, check_scalar
from .modules import Module, Parameter

__all__ = ["BatchNorm1d"]


class BatchNorm1d(Module):
    r"""Normalize each feature over the batch, then scale and shift:

    .. math::
        \hat x_{nd} = \frac{x_{nd} - \mu_d}{\sqrt{\sigma_d^2 + \epsilon}}, \qquad
        y_{nd} = \gamma_d \hat x_{nd} + \beta_d

    In training mode :math:`\mu_d, \sigma^2_d` are the batch mean and the *biased* batch variance
    (divided by N), and the running estimates are updated as
    ``running = (1 - momentum) * running + momentum * batch_stat`` with the *unbiased* variance
    (divided by N − 1), exactly as PyTorch. ``momentum=None`` uses a cumulative average. In
    evaluation mode the running estimates are used and the layer is a fixed affine map.

    Parameters
    ----------
    num_features : int
        D, the number of features (channels).
    eps : float, default 1e-5
    momentum : float or None, default 0.1
    affine : bool, default True
        Learn :math:`\gamma` (``weight``, ones) and :math:`\beta` (``bias``, zeros).
    bias : bool, default True (keyword only)
        With ``affine``, whether to learn :math:`\beta`; False keeps only the scale.
    track_running_stats : bool, default True

    Input of shape (N, D) or (N, D, T); statistics are taken over every axis except D.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, *, bias=True):
        super().__init__()
        self.num_features = check_positive_int(num_features, "num_features")
        check_scalar(eps, "eps", min_val=0)
        if momentum is not None:
            check_scalar(momentum, "momentum", min_val=0, max_val=1)
        self.eps, self.momentum = float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self.weight = Parameter(np.ones(num_features)) if affine else None
        self.bias = Parameter(np.zeros(num_features)) if affine and bias else None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features))
            self.register_buffer("running_var", np.ones(num_features))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def _axes(self, x):
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d({self.num_features}) expected input of shape "
                             f"(N, {self.num_features}) or (N, {self.num_features}, T), "
                             f"got {x.shape}")
        return (0,) if x.ndim == 2 else (0, 2)

    def _bcast(self, v, x):
        return v if x.ndim == 2 else v[:, None]

    def forward(self, input):
        x = as_float_array(input, "input")
        axes = self._axes(x)
        use_batch = self.training or not self.track_running_stats
        if use_batch:
            count = x.size // self.num_features
            if count <= 1 and self.training:
                raise ValueError(f"{type(self).__name__} needs more than 1 value per feature in "
                                 f"training mode, got input of shape {x.shape}")
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)
            if self.training and self.track_running_stats:
                self.num_batches_tracked = self.num_batches_tracked + 1
                m = (1.0 / float(self.num_batches_tracked) if self.momentum is None
                     else self.momentum)
                unbiased = var * count / (count - 1)
                self.running_mean = (1 - m) * self.running_mean + m * mean
                self.running_var = (1 - m) * self.running_var + m * unbiased
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = (x - self._bcast(mean, x)) * self._bcast(inv_std, x)
        self.ctx.save_for_backward(x_hat, inv_std)
        self.ctx.use_batch, self.ctx.axes = use_batch, axes
        if not self.affine:
            return x_hat
        out = x_hat * self._bcast(self.weight.data, x)
        return out if self.bias is None else out + self._bcast(self.bias.data, x)

    def backward(self, grad_output):
        x_hat, inv_std = self.ctx.saved_tensors
        use_batch, axes = self.ctx.use_batch, self.ctx.axes
        g = grad_output
        gamma = self.weight.data if self.affine else np.ones(self.num_features)
        if self.affine:
            self.weight.accumulate(np.sum(g * x_hat, axis=axes))
        if self.bias is not None:
            self.bias.accumulate(np.sum(g, axis=axes))
        dx_hat = g * self._bcast(gamma, g)
        if not use_batch:   # fixed statistics: an affine map
            return dx_hat * self._bcast(inv_std, g)
        # batch statistics depend on x: subtract the mean of dx_hat and its projection on x_hat
        mean_dx_hat = np.mean(dx_hat, axis=axes, keepdims=True)
        mean_dx_hat_xhat = np.mean(dx_hat * x_hat, axis=axes, keepdims=True)
        return (dx_hat - mean_dx_hat - x_hat * mean_dx_hat_xhat) * self._bcast(inv_std, g)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")
