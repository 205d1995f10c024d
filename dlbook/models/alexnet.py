r"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012), in torchvision's single-tower form."""
from .._validation import check_positive_int, check_probability
from ..nn.conv import Conv2d
from ..nn.flatten import Flatten
from ..nn.modules import Dropout, Linear, ReLU, Sequential
from ..nn.pooling import AdaptiveAvgPool2d, MaxPool2d
from ..random import as_generator
from ._stages import Stages

__all__ = ["AlexNet", "alexnet"]


class AlexNet(Stages):
    r"""AlexNet for 3×224×224 images, layer for layer as ``torchvision.models.AlexNet``.

    ``features``: conv 11×11/4 (64 maps, padding 2), ReLU, max pool 3×3/2; conv 5×5 (192,
    padding 2), ReLU, max pool 3×3/2; three 3×3 convs (384, 256, 256, padding 1) with ReLU;
    max pool 3×3/2 — 256 × 6 × 6 for a 224×224 input. ``avgpool``: adaptive average pooling
    to 6×6 (the identity at 224×224; it lets other input sizes reach the classifier).
    ``flatten``. ``classifier``: dropout, linear 9216 → 4096, ReLU, dropout, linear
    4096 → 4096, ReLU, linear 4096 → num_classes.

    This is the one-GPU variant torchvision ships (64/192 maps in the first two layers, as in
    Krizhevsky's 2014 "one weird trick" paper) rather than the 2012 paper's two-tower network
    (96/256 maps, local response normalization). 61,100,840 parameters for 1000 classes
    (the state dict keys equal torchvision's). Weights keep PyTorch's default initialization,
    as torchvision's AlexNet does.
    """

    def __init__(self, num_classes=1000, dropout=0.5, *, generator=None):
        super().__init__()
        num_classes = check_positive_int(num_classes, "num_classes")
        dropout = check_probability(dropout, "dropout")
        rng = as_generator(generator)
        self.features = Sequential(
            Conv2d(3, 64, 11, stride=4, padding=2, generator=rng), ReLU(),
            MaxPool2d(3, stride=2),
            Conv2d(64, 192, 5, padding=2, generator=rng), ReLU(),
            MaxPool2d(3, stride=2),
            Conv2d(192, 384, 3, padding=1, generator=rng), ReLU(),
            Conv2d(384, 256, 3, padding=1, generator=rng), ReLU(),
            Conv2d(256, 256, 3, padding=1, generator=rng), ReLU(),
            MaxPool2d(3, stride=2))
        self.avgpool = AdaptiveAvgPool2d((6, 6))
        self.flatten = Flatten(1)
        self.classifier = Sequential(
            Dropout(dropout, generator=rng), Linear(256 * 6 * 6, 4096, generator=rng),
            ReLU(),
            Dropout(dropout, generator=rng), Linear(4096, 4096, generator=rng),
            ReLU(),
            Linear(4096, num_classes, generator=rng))


def alexnet(num_classes=1000, dropout=0.5, *, generator=None):
    """:class:`AlexNet`; ``generator`` draws the initial weights and the dropout masks."""
    return AlexNet(num_classes, dropout, generator=generator)
