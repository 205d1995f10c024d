r"""The Inception module of GoogLeNet (Szegedy et al., 2015): four branches side by side."""
import numpy as np

from .._validation import as_float_array, check_positive_int
from ..nn.conv import Conv2d
from ..nn.modules import Module, ReLU, Sequential
from ..nn.pooling import MaxPool2d
from ..random import as_generator

__all__ = ["InceptionBlock"]


class InceptionBlock(Module):
    r"""GoogLeNet's Inception module (the paper's Figure 2b, "with dimension reductions").

    Four branches read the same input and their outputs are concatenated along the channels:

    * ``branch1``: 1×1 convolution to ``ch1x1`` maps, ReLU;
    * ``branch2``: 1×1 convolution to ``ch3x3red`` maps, ReLU, 3×3 convolution (padding 1) to
      ``ch3x3`` maps, ReLU;
    * ``branch3``: 1×1 convolution to ``ch5x5red`` maps, ReLU, **5×5** convolution (padding 2)
      to ``ch5x5`` maps, ReLU;
    * ``branch4``: 3×3 max pooling (stride 1, padding 1), 1×1 convolution to ``pool_proj``
      maps, ReLU.

    Every branch keeps H×W, so the output has ``ch1x1 + ch3x3 + ch5x5 + pool_proj`` channels
    (:attr:`out_channels`). The 1×1 "reductions" make the expensive 3×3 and 5×5 convolutions
    cheap: they see only a few channels.

    This follows the paper: convolutions with biases and ReLU, and a 5×5 convolution in the
    third branch. torchvision's GoogLeNet differs on both points — its branch 3 uses a 3×3
    convolution (a known slip it keeps for its pretrained weights) and every convolution is
    bias-free and followed by BatchNorm. Each branch here is a
    :class:`~dlbook.nn.Sequential`, so the state dict keys are ``branch2.0.weight``,
    ``branch2.2.weight`` …

    Backward: the output gradient is split along the channels into the four branches' parts;
    each branch backpropagates its part, and since all four read the same input, the input
    gradient is the **sum** of the four branch input gradients.

    Parameters
    ----------
    in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj : int
        The columns of the paper's Table 1, e.g. inception (3a) is
        ``InceptionBlock(192, 64, 96, 128, 16, 32, 32)``.
    generator : numpy.random.Generator, int or None, keyword only

    ``forward(input)``: (N, in_channels, H, W) or (in_channels, H, W) to
    (N, out_channels, H, W) (or (out_channels, H, W)).
    """

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, *,
                 generator=None):
        super().__init__()
        sizes = dict(in_channels=in_channels, ch1x1=ch1x1, ch3x3red=ch3x3red, ch3x3=ch3x3,
                     ch5x5red=ch5x5red, ch5x5=ch5x5, pool_proj=pool_proj)
        for name, value in sizes.items():
            check_positive_int(value, name)
        rng = as_generator(generator)
        self.in_channels = in_channels
        self.branch1 = Sequential(Conv2d(in_channels, ch1x1, 1, generator=rng), ReLU())
        self.branch2 = Sequential(Conv2d(in_channels, ch3x3red, 1, generator=rng), ReLU(),
                                  Conv2d(ch3x3red, ch3x3, 3, padding=1, generator=rng), ReLU())
        self.branch3 = Sequential(Conv2d(in_channels, ch5x5red, 1, generator=rng), ReLU(),
                                  Conv2d(ch5x5red, ch5x5, 5, padding=2, generator=rng), ReLU())
        self.branch4 = Sequential(MaxPool2d(3, stride=1, padding=1),
                                  Conv2d(in_channels, pool_proj, 1, generator=rng), ReLU())
        self.split_sizes = (ch1x1, ch3x3, ch5x5, pool_proj)

    @property
    def out_channels(self):
        """Channels of the output: the four branches' outputs side by side."""
        return sum(self.split_sizes)

    def branches(self):
        """The four branches, in the order their outputs are concatenated."""
        return [self.branch1, self.branch2, self.branch3, self.branch4]

    def forward(self, input):
        x = as_float_array(input, "input")
        if x.ndim not in (3, 4) or x.shape[-3] != self.in_channels:
            c = self.in_channels
            raise ValueError(f"InceptionBlock expected input of shape (N, {c}, H, W) or "
                             f"({c}, H, W), got shape {x.shape}")
        return np.concatenate([branch(x) for branch in self.branches()], axis=-3)

    def backward(self, grad_output):
        cuts = np.cumsum(self.split_sizes)[:-1]
        parts = np.split(grad_output, cuts, axis=-3)
        grads = [branch.backward(g) for branch, g in zip(reversed(self.branches()),
                                                          reversed(parts))]
        return sum(grads[1:], grads[0])

    def extra_repr(self):
        return f"in_channels={self.in_channels}, out_channels={self.out_channels}"
