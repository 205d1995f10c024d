r"""MobileNet (Howard et al., 2017): depthwise separable convolutions."""
from .._validation import check_positive_int, check_scalar
from ..nn.batchnorm2d import BatchNorm2d
from ..nn.conv import Conv2d
from ..nn.flatten import Flatten
from ..nn.modules import Linear, ReLU, Sequential
from ..nn.pooling import AdaptiveAvgPool2d
from ..random import as_generator
from ._stages import Stages

__all__ = ["DepthwiseSeparableConv", "MobileNetV1", "mobilenet_v1", "MOBILENET_V1_CONFIG"]

#: The paper's Table 1 after the first convolution: (output channels, stride) of each
#: depthwise separable block. The last depthwise layer has stride 1 (the table's "s2" on a
#: 7×7 input that stays 7×7 is a misprint).
MOBILENET_V1_CONFIG = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
                       (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


class DepthwiseSeparableConv(Stages):
    r"""A depthwise 3×3 convolution and a pointwise 1×1 convolution, each followed by BatchNorm
    and ReLU (the paper's Figure 3).

    The depthwise convolution (``groups = in_channels``) filters each channel on its own with
    one 3×3 kernel; the pointwise convolution mixes the channels. For :math:`M` input and
    :math:`N` output channels on a :math:`D_F \times D_F` output, the multiply-adds are
    :math:`D_F^2 M (9 + N)` instead of a full 3×3 convolution's :math:`9 D_F^2 M N` — a factor
    :math:`1/N + 1/9` of the cost. Both convolutions are bias-free (BatchNorm's :math:`\beta`
    is the bias).

    Children, run in this order: ``depthwise``, ``bn1``, ``relu1``, ``pointwise``, ``bn2``,
    ``relu2``.
    """

    def __init__(self, in_channels, out_channels, stride=1, *, generator=None):
        super().__init__()
        rng = as_generator(generator)
        self.depthwise = Conv2d(in_channels, in_channels, 3, stride=stride, padding=1,
                                groups=in_channels, bias=False, generator=rng)
        self.bn1 = BatchNorm2d(in_channels)
        self.relu1 = ReLU()
        self.pointwise = Conv2d(in_channels, out_channels, 1, bias=False, generator=rng)
        self.bn2 = BatchNorm2d(out_channels)
        self.relu2 = ReLU()


class MobileNetV1(Stages):
    r"""MobileNet v1 for 3×224×224 images (the paper's Table 1).

    ``features``: a full 3×3 convolution with stride 2 to 32 maps (bias-free, BatchNorm,
    ReLU), then the 13 :class:`DepthwiseSeparableConv` blocks of
    :data:`MOBILENET_V1_CONFIG` — 1024 × 7 × 7 for a 224×224 input; ``avgpool`` (global
    average pooling); ``flatten``; ``classifier`` (linear 1024 → num_classes). The children run
    in this order.

    ``width_mult`` is the paper's width multiplier :math:`\alpha`: every layer has
    ``int(alpha * channels)`` channels (at least 1). The paper's resolution multiplier is just
    the input size.

    MobileNet-224 1.0 has 4,231,976 parameters (counting BatchNorm's :math:`\gamma, \beta`) and
    568,740,352 multiply-adds in its convolutions and linear layer — the paper's 4.2 M and
    569 M (see :func:`dlbook.summary.summary`). Weights keep PyTorch's default initialization.

    Parameters
    ----------
    num_classes : int, default 1000
    width_mult : float, default 1.0
    generator : numpy.random.Generator, int or None, keyword only
    """

    def __init__(self, num_classes=1000, width_mult=1.0, *, generator=None):
        super().__init__()
        num_classes = check_positive_int(num_classes, "num_classes")
        check_scalar(width_mult, "width_mult", min_val=0, include_boundaries="neither")
        rng = as_generator(generator)

        def width(channels):
            return max(1, int(channels * width_mult))

        channels = width(32)
        layers = [Sequential(Conv2d(3, channels, 3, stride=2, padding=1, bias=False,
                                    generator=rng),
                             BatchNorm2d(channels), ReLU())]
        for out, stride in MOBILENET_V1_CONFIG:
            layers.append(DepthwiseSeparableConv(channels, width(out), stride, generator=rng))
            channels = width(out)
        self.features = Sequential(*layers)
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.flatten = Flatten(1)
        self.classifier = Linear(channels, num_classes, generator=rng)


def mobilenet_v1(num_classes=1000, width_mult=1.0, *, generator=None):
    """:class:`MobileNetV1` with width multiplier ``width_mult``."""
    return MobileNetV1(num_classes, width_mult, generator=generator)
