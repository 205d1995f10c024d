r"""Residual networks (He, Zhang, Ren & Sun, 2016) with the basic two-convolution block."""
from .._validation import as_float_array, check_positive_int
from ..nn import init
from ..nn.batchnorm2d import BatchNorm2d
from ..nn.conv import Conv2d
from ..nn.flatten import Flatten
from ..nn.modules import Linear, Module, ReLU, Sequential
from ..nn.pooling import AdaptiveAvgPool2d, MaxPool2d
from ..random import as_generator
from ._stages import Stages

__all__ = ["BasicBlock", "ResNet", "resnet18", "resnet34"]


class BasicBlock(Module):
    r"""The residual block of ResNet-18/34: :math:`y = \mathrm{relu}(F(x) + S(x))`.

    The residual branch is :math:`F(x) = \mathrm{bn_2}(\mathrm{conv_2}(\mathrm{relu}(
    \mathrm{bn_1}(\mathrm{conv_1}(x)))))` with 3×3 bias-free convolutions (the first one with
    ``stride``); the shortcut :math:`S` is the identity, or ``downsample`` (in ResNet a strided
    1×1 convolution and a BatchNorm2d) when the shapes differ.

    Backward: the gradient :math:`g` of the sum (after the last ReLU's backward) flows into
    *both* branches, and since :math:`x` feeds both, its gradient is the sum
    :math:`\partial C/\partial x = F'(x)^\top g + S'(x)^\top g` — with the identity shortcut the
    second term is :math:`g` itself, the "gradient highway" that keeps deep networks trainable.
    The same ``relu`` module is called twice per forward (as in torchvision), so its two saved
    calls are popped in reverse order.

    Parameters
    ----------
    inplanes, planes : int
        Input and output channels.
    stride : int, default 1
    downsample : Module or None
        Needed when ``stride != 1`` or ``inplanes != planes``.
    generator : numpy.random.Generator, int or None, keyword only

    Children (torchvision's names): ``conv1``, ``bn1``, ``relu``, ``conv2``, ``bn2``,
    ``downsample``.
    """

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, *, generator=None):
        super().__init__()
        if downsample is not None and not isinstance(downsample, Module):
            raise TypeError(f"BasicBlock: downsample must be a Module or None, got "
                            f"{type(downsample).__name__}")
        rng = as_generator(generator)
        self.conv1 = Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False,
                            generator=rng)
        self.bn1 = BatchNorm2d(planes)
        self.relu = ReLU()
        self.conv2 = Conv2d(planes, planes, 3, padding=1, bias=False, generator=rng)
        self.bn2 = BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, input):
        x = as_float_array(input, "input")
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        if identity.shape != out.shape:
            raise ValueError(f"BasicBlock: the residual branch gives shape {out.shape} but the "
                             f"shortcut gives {identity.shape} (input shape "
                             f"{x.shape}); pass a downsample module that maps the input to "
                             f"the branch's shape")
        return self.relu(out + identity)

    def backward(self, grad_output):
        g = self.relu.backward(grad_output)         # the second ReLU: gradient of the sum
        d_branch = self.conv1.backward(self.bn1.backward(self.relu.backward(
            self.conv2.backward(self.bn2.backward(g)))))
        d_shortcut = g if self.downsample is None else self.downsample.backward(g)
        return d_branch + d_shortcut


class ResNet(Stages):
    r"""A residual network for 3×224×224 images, laid out as ``torchvision.models.ResNet``.

    ``conv1`` (7×7/2, 64 maps, bias-free), ``bn1``, ``relu``, ``maxpool`` (3×3/2, padding 1) —
    64 × 56 × 56; ``layer1`` … ``layer4``: ``layers[i]`` blocks each, with 64, 128, 256, 512
    channels, the first block of layers 2–4 halving the size (stride 2, with a 1×1/2
    convolution + BatchNorm2d shortcut) — 512 × 7 × 7; ``avgpool`` (global average);
    ``flatten``; ``fc`` (linear 512 → num_classes). The children run in this order (a
    :class:`~dlbook.nn.Sequential` with named stages); the state dict keys equal torchvision's.

    Initialization as torchvision's: convolutions He-normal with fan_out
    (``kaiming_normal_(mode='fan_out', nonlinearity='relu')``), BatchNorm
    :math:`\gamma = 1, \beta = 0`, ``fc`` PyTorch's default; ``zero_init_residual=True`` sets
    each block's last :math:`\gamma` to 0, so every block starts as the identity.

    Parameters
    ----------
    block : type
        :class:`BasicBlock`.
    layers : sequence of 4 ints
        Blocks per stage, [2, 2, 2, 2] for ResNet-18.
    num_classes : int, default 1000
    zero_init_residual : bool, default False
    width : int, default 64
        Channels of the first stage (doubled at each later stage); 64 is ResNet. A smaller
        width gives a cheap model of the same shape for experiments and tests.
    generator : numpy.random.Generator, int or None, keyword only
    """

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, width=64, *,
                 generator=None):
        super().__init__()
        if block is not BasicBlock:
            raise ValueError(f"ResNet: block must be BasicBlock, got {block!r}")
        layers = tuple(layers)
        if len(layers) != 4:
            raise ValueError(f"ResNet: layers must give the number of blocks of 4 stages, got "
                             f"{layers!r}")
        num_classes = check_positive_int(num_classes, "num_classes")
        width = check_positive_int(width, "width")
        rng = as_generator(generator)
        self.inplanes = width
        self.conv1 = Conv2d(3, width, 7, stride=2, padding=3, bias=False, generator=rng)
        self.bn1 = BatchNorm2d(width)
        self.relu = ReLU()
        self.maxpool = MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, width, layers[0], 1, rng)
        self.layer2 = self._make_layer(block, 2 * width, layers[1], 2, rng)
        self.layer3 = self._make_layer(block, 4 * width, layers[2], 2, rng)
        self.layer4 = self._make_layer(block, 8 * width, layers[3], 2, rng)
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.flatten = Flatten(1)
        self.fc = Linear(8 * width * block.expansion, num_classes, generator=rng)
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=rng)
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, BasicBlock):
                    init.zeros_(m.bn2.weight)

    def _make_layer(self, block, planes, blocks, stride, rng):
        blocks = check_positive_int(blocks, "blocks per stage")
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = Sequential(
                Conv2d(self.inplanes, planes * block.expansion, 1, stride=stride, bias=False,
                       generator=rng),
                BatchNorm2d(planes * block.expansion))
        stage = [block(self.inplanes, planes, stride, downsample, generator=rng)]
        self.inplanes = planes * block.expansion
        stage += [block(self.inplanes, planes, generator=rng) for _ in range(1, blocks)]
        return Sequential(*stage)


def resnet18(num_classes=1000, *, zero_init_residual=False, generator=None):
    """ResNet-18: :class:`ResNet` with ``BasicBlock`` and [2, 2, 2, 2] — 11,689,512 parameters
    for 1000 classes."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, zero_init_residual,
                  generator=generator)


def resnet34(num_classes=1000, *, zero_init_residual=False, generator=None):
    """ResNet-34: :class:`ResNet` with ``BasicBlock`` and [3, 4, 6, 3] — 21,797,672 parameters
    for 1000 classes."""
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes, zero_init_residual,
                  generator=generator)
