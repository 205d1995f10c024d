r"""LeNet-5 (LeCun, Bottou, Bengio & Haffner, 1998), in the form textbooks usually give it."""
from .._validation import check_positive_int
from ..nn.conv import Conv2d
from ..nn.flatten import Flatten
from ..nn.modules import Linear, Sequential, Tanh
from ..nn.pooling import AvgPool2d
from ..random import as_generator
from ._stages import Stages

__all__ = ["LeNet5", "lenet5"]


class LeNet5(Stages):
    r"""LeNet-5 on a 1×32×32 image: three 5×5 convolutions with tanh, two 2×2 average poolings,
    two fully connected layers.

    =========  ==========================  ==============
    layer      operation                   output shape
    =========  ==========================  ==============
    C1         conv 5×5, 6 maps, tanh      6 × 28 × 28
    S2         average pool 2×2            6 × 14 × 14
    C3         conv 5×5, 16 maps, tanh     16 × 10 × 10
    S4         average pool 2×2            16 × 5 × 5
    C5         conv 5×5, 120 maps, tanh    120 × 1 × 1
    F6         linear 120 → 84, tanh       84
    output     linear 84 → num_classes     num_classes
    =========  ==========================  ==============

    The variant: this is the modern simplification of the 1998 network. The paper's S2/S4
    layers multiply each pooled sum by a trainable coefficient and add a trainable bias before a
    sigmoid; here they are plain average poolings. Its C3 connects each of the 16 maps to only a
    subset of the 6 S2 maps (a fixed table); here every map sees all 6. Its squashing function
    is the scaled :math:`1.7159\tanh(2x/3)`; here :math:`\tanh`. Its output layer is a set of
    Euclidean RBF units; here a linear layer whose outputs are logits for
    :class:`~dlbook.nn.CrossEntropyLoss`. 61,706 parameters for 10 classes.

    Children (run in this order, so this is a :class:`~dlbook.nn.Sequential` with named
    stages): ``features`` (C1 … C5), ``flatten``, ``classifier`` (F6, output).
    """

    def __init__(self, num_classes=10, *, generator=None):
        super().__init__()
        num_classes = check_positive_int(num_classes, "num_classes")
        rng = as_generator(generator)
        self.features = Sequential(
            Conv2d(1, 6, 5, generator=rng), Tanh(), AvgPool2d(2),
            Conv2d(6, 16, 5, generator=rng), Tanh(), AvgPool2d(2),
            Conv2d(16, 120, 5, generator=rng), Tanh())
        self.flatten = Flatten(1)
        self.classifier = Sequential(Linear(120, 84, generator=rng), Tanh(),
                                     Linear(84, num_classes, generator=rng))


def lenet5(num_classes=10, *, generator=None):
    """:class:`LeNet5` for (N, 1, 32, 32) images (e.g. 28×28 MNIST digits padded by 2)."""
    return LeNet5(num_classes, generator=generator)
