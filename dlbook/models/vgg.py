r"""VGG (Simonyan & Zisserman, 2015): stacks of 3×3 convolutions between 2×2 max poolings."""
from .._validation import check_positive_int, check_probability
from ..nn import init
from ..nn.batchnorm2d import BatchNorm2d
from ..nn.conv import Conv2d
from ..nn.flatten import Flatten
from ..nn.modules import Dropout, Linear, ReLU, Sequential
from ..nn.pooling import AdaptiveAvgPool2d, MaxPool2d
from ..random import as_generator
from ._stages import Stages

__all__ = ["VGG", "vgg16", "VGG16_CONFIG"]

#: Configuration "D" of the paper's Table 1: output channels of each 3×3 convolution, "M" for a
#: 2×2 max pooling with stride 2. Thirteen convolutions + three linear layers = 16 weight layers.
VGG16_CONFIG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                512, 512, 512, "M")


class VGG(Stages):
    r"""A VGG network for 3×224×224 images, laid out as ``torchvision.models.VGG``.

    ``features``: for each entry of ``config``, a 3×3 convolution (padding 1, so the size is
    kept) followed by ReLU (and BatchNorm2d before the ReLU with ``batch_norm=True``), or a 2×2
    max pooling with stride 2 for "M" — 512 × 7 × 7 for a 224×224 input. ``avgpool``:
    adaptive average pooling to 7×7. ``flatten``. ``classifier``: linear 25088 → 4096, ReLU,
    dropout, linear 4096 → 4096, ReLU, dropout, linear 4096 → num_classes.

    Initialization as torchvision's: convolution weights He-normal with fan_out
    (``kaiming_normal_(mode='fan_out', nonlinearity='relu')``) and zero biases, linear weights
    :math:`N(0, 0.01^2)` and zero biases, BatchNorm :math:`\gamma = 1, \beta = 0`.

    Parameters
    ----------
    config : sequence of int or "M"
    num_classes : int, default 1000
    dropout : float, default 0.5
    batch_norm : bool, default False
    generator : numpy.random.Generator, int or None, keyword only
        Draws the initial weights and the dropout masks.
    """

    def __init__(self, config, num_classes=1000, dropout=0.5, batch_norm=False, *,
                 generator=None):
        super().__init__()
        num_classes = check_positive_int(num_classes, "num_classes")
        dropout = check_probability(dropout, "dropout")
        rng = as_generator(generator)
        layers, channels = [], 3
        for entry in config:
            if entry == "M":
                layers.append(MaxPool2d(2, stride=2))
                continue
            width = check_positive_int(entry, "config entries")
            layers.append(Conv2d(channels, width, 3, padding=1, generator=rng))
            if batch_norm:
                layers.append(BatchNorm2d(width))
            layers.append(ReLU())
            channels = width
        self.features = Sequential(*layers)
        self.avgpool = AdaptiveAvgPool2d((7, 7))
        self.flatten = Flatten(1)
        self.classifier = Sequential(
            Linear(channels * 7 * 7, 4096, generator=rng), ReLU(), Dropout(dropout, generator=rng),
            Linear(4096, 4096, generator=rng), ReLU(), Dropout(dropout, generator=rng),
            Linear(4096, num_classes, generator=rng))
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=rng)
                init.zeros_(m.bias)
            elif isinstance(m, Linear):
                init.normal_(m.weight, 0.0, 0.01, generator=rng)
                init.zeros_(m.bias)


def vgg16(num_classes=1000, dropout=0.5, *, generator=None):
    """VGG-16 (configuration D, without batch normalization): 138,357,544 parameters for 1000
    classes — 1.1 GB in float64."""
    return VGG(VGG16_CONFIG, num_classes, dropout, generator=generator)
