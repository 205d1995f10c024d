r"""``BatchNorm2d``: batch normalization of images, one mean and variance per channel.

It is :class:`~dlbook.nn.BatchNorm1d` with different axes: for an input (N, C, H, W) the
statistics of channel :math:`c` are taken over the :math:`N H W` values
:math:`x_{n,c,h,w}` — every sample and every position — so one feature map shares one
:math:`\gamma_c, \beta_c`, as a convolution shares one kernel over the positions.
"""
from .normalization import BatchNorm1d

__all__ = ["BatchNorm2d"]


class BatchNorm2d(BatchNorm1d):
    r"""Normalize each channel over the batch and the spatial positions, then scale and shift:

    .. math::
        \hat x_{nchw} = \frac{x_{nchw} - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}}, \qquad
        y_{nchw} = \gamma_c \hat x_{nchw} + \beta_c

    with :math:`\mu_c, \sigma^2_c` the mean and biased variance over :math:`n, h, w` in training
    mode (the running estimates use the unbiased variance, over :math:`NHW - 1`), and the running
    estimates in evaluation mode, exactly as ``torch.nn.BatchNorm2d``. The gradients of
    :math:`\gamma` and :math:`\beta` are summed over the batch and the positions.

    Parameters
    ----------
    num_features : int
        C, the number of channels.
    eps : float, default 1e-5
    momentum : float or None, default 0.1
        ``running = (1 - momentum) * running + momentum * batch_stat``; None: cumulative average.
    affine : bool, default True
        Learn ``weight`` (:math:`\gamma`, ones) and ``bias`` (:math:`\beta`, zeros).
    track_running_stats : bool, default True
        Keep ``running_mean``, ``running_var`` and ``num_batches_tracked`` (buffers, in the
        state dict); without them batch statistics are used in evaluation mode too.
    bias : bool, default True (keyword only)
        With ``affine``, whether to learn :math:`\beta`.

    ``forward(input)`` takes (N, C, H, W) and returns the same shape.
    """

    def _axes(self, x):
        c = self.num_features
        if x.ndim != 4 or x.shape[1] != c:
            raise ValueError(f"BatchNorm2d({c}) expected input of shape (N, {c}, H, W), got "
                             f"shape {x.shape}")
        if self.training and x.size // c <= 1:
            raise ValueError("BatchNorm2d needs more than 1 value per channel in training mode "
                             f"(N·H·W > 1), got input of shape {x.shape}")
        return (0, 2, 3)

    def _bcast(self, v, x):
        return v[:, None, None]
