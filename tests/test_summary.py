"""dlbook.summary: multiply-adds and parameters of the classic networks against hand-derived
totals (MobileNet-224 1.0: the paper's 569 M), a small network's table against numbers worked
out by hand, shapes against real forward passes, the printed table, and errors. (VGG-16's
summary is tested in test_models.py, next to the one VGG-16 the tests build.)"""
import numpy as np
import pytest

from dlbook.models import (BasicBlock, InceptionBlock, MOBILENET_V1_CONFIG, ResNet, alexnet,
                           lenet5, mobilenet_v1, resnet18)
from dlbook.nn.batchnorm2d import BatchNorm2d
from dlbook.nn.conv import Conv1d, Conv2d, ConvTranspose2d
from dlbook.nn.flatten import Flatten
from dlbook.nn.modules import Linear, Module, ReLU, Sequential, Tanh
from dlbook.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, LPPool2d, MaxPool2d
from dlbook.summary import LayerInfo, ModelSummary, register_shape_rule, summary


def test_mobilenet_mult_adds_are_the_papers_569_million():
    # by hand, layer by layer (paper's Table 1): D_out² · C_in/groups · k² · C_out
    size, c = 112, 32
    macs = size * size * 3 * 9 * 32                     # the full 3×3/2 convolution
    for out, stride in MOBILENET_V1_CONFIG:
        size //= stride
        macs += size * size * c * 9                     # depthwise 3×3
        macs += size * size * c * out                   # pointwise 1×1
        c = out
    macs += 1024 * 1000                                 # classifier
    assert macs == 568_740_352
    s = summary(mobilenet_v1(), (1, 3, 224, 224))
    assert s.total_mult_adds == macs
    assert s.total_params == s.trainable_params == 4_231_976
    assert s.output_size == (1, 1000)
    assert s.summary_list[-2].output_size == (1, 1024)  # after the global pooling, flattened


def test_alexnet_and_resnet18_totals():
    s = summary(alexnet(), (1, 3, 224, 224))
    by_hand = (55 * 55 * 64 * 3 * 121 + 27 * 27 * 192 * 64 * 25 + 13 * 13 * 384 * 192 * 9
               + 13 * 13 * 256 * 384 * 9 + 13 * 13 * 256 * 256 * 9
               + 9216 * 4096 + 4096 * 4096 + 4096 * 1000)
    assert s.total_mult_adds == by_hand == 714_188_480
    assert s.total_params == 61_100_840
    s = summary(resnet18(), [(2, 3, 224, 224)])          # torchinfo's list form; batch of 2
    per_image = 112 ** 2 * 64 * 3 * 49                  # conv1
    size, c_in = 56, 64
    for stage in range(4):
        c = 64 * 2 ** stage
        if stage:
            size //= 2
            per_image += size ** 2 * c * c_in            # 1×1 downsample
        per_image += size ** 2 * c * 9 * (c_in + 3 * c)  # four 3×3 convolutions
        c_in = c
    per_image += 512 * 1000
    assert per_image == 1_814_073_344                   # torchinfo's "1.81 G"
    assert s.total_mult_adds == 2 * per_image
    assert s.total_params == 11_689_512


def test_small_network_table_by_hand():
    net = Sequential(Conv2d(1, 4, 3, padding=1), ReLU(), MaxPool2d(2),
                     Conv2d(4, 8, 3, stride=2, groups=2), BatchNorm2d(8), Flatten(),
                     Linear(32, 10))
    s = summary(net, (2, 1, 12, 12))
    expected = [  # name, class, output shape, parameters, multiply-adds
        ("", "Sequential", (2, 10), 40 + 152 + 16 + 330, 10_368 + 1_152 + 640),
        ("0", "Conv2d", (2, 4, 12, 12), 4 * 9 + 4, 2 * 4 * 12 * 12 * 9),
        ("1", "ReLU", (2, 4, 12, 12), 0, 0),
        ("2", "MaxPool2d", (2, 4, 6, 6), 0, 0),
        ("3", "Conv2d", (2, 8, 2, 2), 8 * 2 * 9 + 8, 2 * 8 * 2 * 2 * (2 * 9)),
        ("4", "BatchNorm2d", (2, 8, 2, 2), 16, 0),
        ("5", "Flatten", (2, 32), 0, 0),
        ("6", "Linear", (2, 10), 330, 2 * 32 * 10),
    ]
    got = [(r.name, r.class_name, r.output_size, r.num_params, r.macs)
           for r in s.summary_list]
    assert got == expected
    assert [r.depth for r in s.summary_list] == [0] + [1] * 7
    assert s.total_params == 538 and s.total_mult_adds == 12_160
    assert s.total_input == 2 * 144 * 8
    assert s.total_param_bytes == 538 * 8
    text = str(s)
    for piece in ("Layer (name: type)", "├─3: Conv2d", "[2, 8, 2, 2]", "10,368",
                  "Total params: 538", "Trainable params: 538", "Non-trainable params: 0",
                  "Total mult-adds: 12,160 (12.16 K)", "Params size (MB): 0.00"):
        assert piece in text, piece
    assert repr(s) == text
    assert "<table>" in s._repr_html_() and "├─3: Conv2d" in s._repr_html_()
    assert summary(net, (2, 1, 12, 12), dtypes=[np.float32]).total_input == 2 * 144 * 4


def test_other_layers_by_hand():
    net = Sequential(ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1, groups=1),
                     AvgPool2d(3, stride=2, padding=1, ceil_mode=True), LPPool2d(2, 2),
                     AdaptiveAvgPool2d((None, 1)))
    rows = summary(net, (1, 3, 5, 6)).summary_list
    assert rows[1].output_size == (1, 4, 10, 12)
    assert rows[1].macs == 3 * 5 * 6 * 4 * 9            # each input pixel scatters 4·3·3
    # ceil((10 + 2 - 3)/2) + 1 = 6 and ceil((12 + 2 - 3)/2) + 1 = 7 (both last windows start
    # inside the input or its padding), then 2×2 windows, then one column
    assert [r.output_size for r in rows[2:]] == [(1, 4, 6, 7), (1, 4, 3, 3), (1, 4, 3, 1)]
    rows = summary(Conv1d(2, 6, 3, stride=2, padding="valid", groups=2), (3, 2, 11)).summary_list
    assert rows[0].output_size == (3, 6, 5) and rows[0].macs == 3 * 6 * 5 * 3


def _forward_shapes(model, x):
    """Output shape of every module call of a real forward pass, per module in call order
    (the shape the engine records in each saved context)."""
    model(x)
    shapes = {id(m): [ctx._output_shape for ctx in m._contexts] for m in model.modules()}
    model.clear_saved()
    return shapes


@pytest.mark.parametrize("build, shape", [
    (lambda: lenet5(generator=0), (2, 1, 32, 32)),
    (lambda: ResNet(BasicBlock, [1, 2, 1, 1], num_classes=5, width=4, generator=0),
     (2, 3, 40, 36)),
    (lambda: mobilenet_v1(6, width_mult=0.25, generator=0), (2, 3, 33, 40)),
    (lambda: Sequential(InceptionBlock(3, 2, 2, 3, 1, 2, 2), MaxPool2d(3, 2, ceil_mode=True),
                        Conv2d(9, 4, 3, padding="same", padding_mode="circular"), Tanh(),
                        ConvTranspose2d(4, 2, 2, stride=2)), (2, 3, 9, 8)),
])
def test_shapes_agree_with_a_forward_pass(rng, build, shape):
    model = build()
    actual = _forward_shapes(model, rng.normal(size=shape))
    s = summary(model, shape)
    seen = {}
    for row in s.summary_list:
        k = seen.setdefault(id(row.module), 0)
        assert row.output_size == actual[id(row.module)][k], row.name
        seen[id(row.module)] = k + 1
    assert seen == {key: len(v) for key, v in actual.items() if v}   # every call, once
    assert s.total_params == sum(p.data.size for p in model.parameters())


def test_depth_collapses_rows():
    model = resnet18()
    s = summary(model, (1, 3, 224, 224), depth=1)
    text = str(s)
    assert "conv2: Conv2d" not in text
    assert "├─layer4: Sequential" in text
    layer4 = next(r for r in s.summary_list if r.name == "layer4")
    assert f"{layer4.num_params:,}" in text and f"{layer4.macs:,}" in text
    assert layer4.num_params == 8_393_728
    assert len(summary(model, (1, 3, 224, 224), depth=0)._visible()) == 1


def test_register_shape_rule_for_a_custom_layer():
    class Double(Module):
        def forward(self, x):
            return np.concatenate([x, x], axis=1)

    net = Sequential(Linear(3, 4), Double())
    with pytest.raises(TypeError, match="in layer '1': summary has no shape rule for Double"):
        summary(net, (5, 3))
    register_shape_rule(Double, lambda m, shape: ((shape[0], 2 * shape[1]), 0))
    assert summary(net, (5, 3)).output_size == (5, 8)
    with pytest.raises(TypeError, match="module_type must be a Module subclass"):
        register_shape_rule(int, lambda m, s: (s, 0))


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"in layer 'features.6': Conv2d: the padded input size "
                                         r"4 is smaller than the dilated kernel size 5"):
        summary(lenet5(), (1, 1, 28, 28))
    with pytest.raises(ValueError, match=r"in layer 'conv1': Conv2d expected input of shape "
                                         r"\(N, 3, H, W\), got shape \(1, 1, 64, 64\)"):
        summary(resnet18(), (1, 1, 64, 64))
    block = BasicBlock(3, 4, stride=2)
    with pytest.raises(ValueError, match="residual branch gives shape"):
        summary(block, (1, 3, 8, 8))
    with pytest.raises(ValueError, match="input_size must be a shape of positive ints"):
        summary(lenet5(), (1, 0, 32, 32))
    with pytest.raises(ValueError, match="dtypes must be a list with one dtype"):
        summary(lenet5(), (1, 1, 32, 32), dtypes=[np.float32, np.float32])
    with pytest.raises(TypeError, match="model must be a dlbook.nn.Module"):
        summary(lambda x: x, (1, 3))
    assert isinstance(summary(lenet5(), (1, 1, 32, 32)), ModelSummary)
    assert isinstance(summary(lenet5(), (1, 1, 32, 32)).summary_list[0], LayerInfo)
