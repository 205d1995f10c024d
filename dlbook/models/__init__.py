r"""Classic convolutional networks built from :mod:`dlbook.nn`, each with a ``generator=``
keyword for its initial weights.

=====================  ==============================================  ===============
builder                network                                         parameters
=====================  ==============================================  ===============
:func:`lenet5`         LeNet-5, 1×32×32 input, tanh, average pooling   61,706
:func:`alexnet`        AlexNet (torchvision's one-tower form)          61,100,840
:func:`vgg16`          VGG-16 (configuration D)                        138,357,544
:func:`resnet18`       ResNet-18 (:class:`BasicBlock`)                 11,689,512
:func:`resnet34`       ResNet-34                                       21,797,672
:func:`mobilenet_v1`   MobileNet v1, width multiplier 1.0              4,231,976
=====================  ==============================================  ===============

(for 10 classes for LeNet-5, 1000 for the others), and :class:`InceptionBlock`, GoogLeNet's
module. Where torchvision has the network, the children have torchvision's names
(``features``/``avgpool``/``classifier``; ``conv1``/``bn1``/``layer1`` … ``layer4``/``fc``),
so the state dict keys are the same. Each network is a :class:`~dlbook.nn.Sequential` whose
children are named stages run in order (a ``flatten`` child stands where torchvision's
``forward`` calls ``torch.flatten``; it has no parameters). Assigning to a stage replaces it
in place (``model.fc = Linear(512, 10)``), as in torchvision. :func:`dlbook.summary.summary`
gives the per-layer shapes, parameters and multiply-adds without running a forward pass.
"""
from .alexnet import AlexNet, alexnet
from .inception import InceptionBlock
from .lenet import LeNet5, lenet5
from .mobilenet import (MOBILENET_V1_CONFIG, DepthwiseSeparableConv, MobileNetV1,
                        mobilenet_v1)
from .resnet import BasicBlock, ResNet, resnet18, resnet34
from .vgg import VGG, VGG16_CONFIG, vgg16

__all__ = ["LeNet5", "lenet5", "AlexNet", "alexnet", "VGG", "VGG16_CONFIG", "vgg16",
           "BasicBlock", "ResNet", "resnet18", "resnet34", "InceptionBlock",
           "DepthwiseSeparableConv", "MobileNetV1", "mobilenet_v1", "MOBILENET_V1_CONFIG"]
