"""dlbook.models: parameter counts against hand-derived totals, torchvision's state dict names,
forward shapes, gradients of the residual and Inception blocks (finite differences and parity
with hand-built torch twins), a gradient-checked backward through LeNet-5, initialisation, and
errors. VGG-16 (1.1 GB in float64) is built once for the whole file."""
import gc

import numpy as np
import pytest

from dlbook import no_grad
from dlbook.gradcheck import check_gradient, check_module
from dlbook.models import (AlexNet, BasicBlock, DepthwiseSeparableConv, InceptionBlock,
                           MOBILENET_V1_CONFIG, ResNet, VGG16_CONFIG, alexnet, lenet5,
                           mobilenet_v1, resnet18, resnet34, vgg16)
from dlbook.nn.batchnorm2d import BatchNorm2d
from dlbook.nn.conv import Conv2d
from dlbook.nn.modules import CrossEntropyLoss, Linear, Sequential
from dlbook.summary import summary
from reference import assert_parity, tt


def n_params(model):
    return sum(p.data.size for p in model.parameters())


def conv(c_in, c_out, k, bias=True, groups=1):
    """Parameters of a k×k convolution, by hand."""
    return c_out * (c_in // groups) * k * k + (c_out if bias else 0)


def linear(d_in, d_out):
    return d_in * d_out + d_out


@pytest.fixture(scope="module")
def vgg():
    model = vgg16(generator=0)
    yield model
    del model
    gc.collect()


# --------------------------------------------------------------------------- parameter counts
def test_lenet5_parameter_count():
    by_hand = conv(1, 6, 5) + conv(6, 16, 5) + conv(16, 120, 5) + linear(120, 84) \
        + linear(84, 10)
    assert by_hand == 61_706
    assert n_params(lenet5()) == by_hand


def test_alexnet_parameter_count_and_names():
    model = alexnet(generator=0)
    by_hand = (conv(3, 64, 11) + conv(64, 192, 5) + conv(192, 384, 3) + conv(384, 256, 3)
               + conv(256, 256, 3) + linear(256 * 6 * 6, 4096) + linear(4096, 4096)
               + linear(4096, 1000))
    assert by_hand == 61_100_840
    assert n_params(model) == by_hand
    keys = [f"features.{i}.{p}" for i in (0, 3, 6, 8, 10) for p in ("weight", "bias")] + \
        [f"classifier.{i}.{p}" for i in (1, 4, 6) for p in ("weight", "bias")]
    assert list(model.state_dict()) == keys           # torchvision's AlexNet keys


def test_vgg16_parameter_count_names_and_init(vgg):
    widths = [c for c in VGG16_CONFIG if c != "M"]
    by_hand = sum(conv(a, b, 3) for a, b in zip([3] + widths[:-1], widths)) \
        + linear(512 * 7 * 7, 4096) + linear(4096, 4096) + linear(4096, 1000)
    assert by_hand == 138_357_544
    assert n_params(vgg) == by_hand
    conv_at = (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)   # torchvision's indices
    keys = [f"features.{i}.{p}" for i in conv_at for p in ("weight", "bias")] + \
        [f"classifier.{i}.{p}" for i in (0, 3, 6) for p in ("weight", "bias")]
    assert [name for name, _ in vgg.named_parameters()] == keys
    # torchvision's initialisation: He-normal (fan_out) convolutions, N(0, 0.01²) linear
    w = vgg.features[28].weight.data
    assert abs(w.std() / np.sqrt(2 / (512 * 9)) - 1) < 0.02
    assert abs(vgg.classifier[0].weight.data[:64].std() / 0.01 - 1) < 0.02
    assert not np.any(vgg.features[0].bias.data) and not np.any(vgg.classifier[6].bias.data)


def test_vgg16_summary_without_a_forward_pass(vgg):
    s = summary(vgg, (1, 3, 224, 224))
    sizes = [224] * 2 + [112] * 2 + [56] * 3 + [28] * 3 + [14] * 3     # per 3×3 convolution
    widths = [c for c in VGG16_CONFIG if c != "M"]
    by_hand = sum(d * d * b * a * 9 for d, a, b in zip(sizes, [3] + widths[:-1], widths)) \
        + 25088 * 4096 + 4096 * 4096 + 4096 * 1000
    assert s.total_mult_adds == by_hand == 15_470_264_320       # torchinfo's "15.47 G"
    assert s.total_params == 138_357_544
    features = next(r for r in s.summary_list if r.name == "features")
    assert features.output_size == (1, 512, 7, 7)


def test_vgg16_forward_on_a_small_image(vgg, rng):
    vgg.eval()
    with no_grad():
        y = vgg(rng.normal(size=(1, 3, 32, 32)))
    assert y.shape == (1, 1000) and np.all(np.isfinite(y))


def _resnet_by_hand(blocks):
    total = conv(3, 64, 7, bias=False) + 2 * 64
    c_in = 64
    for stage, n in enumerate(blocks):
        c = 64 * 2 ** stage
        for b in range(n):
            total += conv(c_in, c, 3, bias=False) + conv(c, c, 3, bias=False) + 4 * c
            if c_in != c:                              # the 1×1 downsample shortcut + BN
                total += conv(c_in, c, 1, bias=False) + 2 * c
            c_in = c
    return total + linear(512, 1000)


def test_resnet_parameter_counts_and_names():
    model = resnet18(generator=0)
    assert _resnet_by_hand([2, 2, 2, 2]) == 11_689_512 == n_params(model)
    keys = list(model.state_dict())
    assert len(keys) == 122                            # as torchvision's resnet18
    assert keys[:6] == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
                        "bn1.running_var", "bn1.num_batches_tracked"]
    assert "layer2.0.downsample.0.weight" in keys and "layer4.1.bn2.running_var" in keys
    assert "layer1.0.downsample.0.weight" not in keys
    assert keys[-2:] == ["fc.weight", "fc.bias"]
    assert _resnet_by_hand([3, 4, 6, 3]) == 21_797_672 == n_params(resnet34(generator=0))


def test_mobilenet_parameter_counts():
    def by_hand(alpha, classes=1000):
        c = int(32 * alpha)
        total = conv(3, c, 3, bias=False) + 2 * c
        for out, _ in MOBILENET_V1_CONFIG:
            out = int(out * alpha)
            total += conv(c, c, 3, bias=False, groups=c) + 2 * c + conv(c, out, 1, bias=False) \
                + 2 * out
            c = out
        return total + linear(c, classes)

    assert by_hand(1.0) == 4_231_976 == n_params(mobilenet_v1(generator=0))
    assert by_hand(0.5, 10) == n_params(mobilenet_v1(10, width_mult=0.5, generator=0))


def test_inception_3a_parameter_count():
    block = InceptionBlock(192, 64, 96, 128, 16, 32, 32, generator=0)
    weights = 192 * 64 + 192 * 96 + 96 * 128 * 9 + 192 * 16 + 16 * 32 * 25 + 192 * 32
    assert weights == 163_328                          # the paper's "159K" (K = 1024)
    assert n_params(block) == weights + 64 + 96 + 128 + 16 + 32 + 32
    assert block.out_channels == 256
    assert block.branch3[2].kernel_size == (5, 5)      # the paper's 5×5, not torchvision's 3×3


# --------------------------------------------------------------------------- forward shapes
def test_forward_shapes_of_small_models(rng):
    y = lenet5(generator=0)(rng.normal(size=(4, 1, 32, 32)))
    assert y.shape == (4, 10)
    model = resnet18(generator=0).eval()
    with no_grad():
        assert model(rng.normal(size=(1, 3, 32, 32))).shape == (1, 1000)
    model = mobilenet_v1(7, width_mult=0.25, generator=0)
    with no_grad():
        assert model(rng.normal(size=(2, 3, 32, 32))).shape == (2, 7)
    block = InceptionBlock(6, 2, 3, 4, 2, 3, 2, generator=0)
    assert block(rng.normal(size=(2, 6, 5, 5))).shape == (2, 11, 5, 5)
    assert block(rng.normal(size=(6, 5, 5))).shape == (11, 5, 5)        # unbatched


def test_small_resnet_trains_end_to_end(rng):
    """A narrow ResNet-18: one forward/backward in training mode fills every gradient."""
    model = ResNet(BasicBlock, [2, 2, 2, 2], num_classes=3, width=4, generator=0)
    x, target = rng.normal(size=(2, 3, 32, 32)), np.array([0, 2])
    loss_fn = CrossEntropyLoss()
    loss_fn(model(x), target)
    dx = model.backward(loss_fn.backward())
    assert dx.shape == x.shape
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())
    assert all(m.saved_calls == 0 for m in model.modules())


def test_replacing_a_stage_keeps_the_order(rng):
    """The fine-tuning idioms: a grayscale first convolution and a 10-class head."""
    model = ResNet(BasicBlock, [1, 1, 1, 1], width=4, generator=0)
    order = [name for name, _ in model.named_children()]
    model.conv1 = Conv2d(1, 4, 7, stride=2, padding=3, bias=False, generator=rng)
    model.fc = Linear(32, 10, generator=rng)
    assert [name for name, _ in model.named_children()] == order
    y = model(rng.normal(size=(2, 1, 32, 32)))
    assert y.shape == (2, 10)
    assert model.backward(np.ones_like(y)).shape == (2, 1, 32, 32)
    assert summary(model, (2, 1, 32, 32)).output_size == (2, 10)
    assert list(model.state_dict())[0] == "conv1.weight"


# --------------------------------------------------------------------------- gradients
def test_lenet5_backward_matches_finite_differences(rng):
    model = lenet5(generator=rng)
    x, target = rng.normal(size=(2, 1, 32, 32)), np.array([3, 7])
    loss_fn = CrossEntropyLoss()
    loss_fn(model(x), target)
    model.zero_grad()
    dx = model.backward(loss_fn.backward())

    def loss():
        with no_grad():
            return loss_fn(model(x), target)

    # a few entries of each parameter (finite differences on all 61,706 would take minutes)
    for name, p in model.named_parameters():
        flat, grad = p.data.reshape(-1), p.grad.reshape(-1)
        for i in rng.choice(flat.size, size=min(4, flat.size), replace=False):
            entry = flat[i:i + 1]                      # a view: perturbed in place
            check_gradient(loss, entry, grad[i:i + 1], name=f"{name}[{i}]")
    window = x[:, :, 10:13, 10:13]                     # and a patch of the input
    patch = np.ascontiguousarray(window)

    def loss_of_patch():
        z = x.copy()
        z[:, :, 10:13, 10:13] = patch
        with no_grad():
            return loss_fn(model(z), target)

    check_gradient(loss_of_patch, patch, dx[:, :, 10:13, 10:13], name="input patch")


@pytest.mark.parametrize("stride, planes, mode", [(1, 3, "train"), (2, 4, "train"),
                                                   (2, 4, "eval")])
def test_basic_block_gradients(rng, stride, planes, mode):
    inplanes = 3
    downsample = None
    if stride != 1 or planes != inplanes:
        downsample = Sequential(Conv2d(inplanes, planes, 1, stride=stride, bias=False,
                                       generator=rng), BatchNorm2d(planes))
    block = BasicBlock(inplanes, planes, stride, downsample, generator=rng)
    for m in block.modules():                          # non-trivial gamma, beta, statistics
        if isinstance(m, BatchNorm2d):
            m.weight.data[...] = rng.uniform(0.5, 1.5, m.num_features)
            m.bias.data[...] = rng.normal(size=m.num_features)
            m.running_mean[...] = rng.normal(size=m.num_features)
            m.running_var[...] = rng.uniform(0.5, 2.0, m.num_features)
    block.train(mode == "train")
    errors = check_module(block, rng.normal(size=(2, inplanes, 5, 5)), generator=rng)
    assert len(errors) == 1 + len(block.parameters())


def test_inception_and_depthwise_blocks_gradients(rng):
    check_module(InceptionBlock(3, 2, 2, 3, 1, 2, 2, generator=rng),
                 rng.normal(size=(2, 3, 5, 4)), generator=rng)
    check_module(DepthwiseSeparableConv(3, 4, stride=2, generator=rng),
                 rng.normal(size=(2, 3, 5, 5)), generator=rng)


def _torch_basic_block(torch, inplanes, planes, stride):
    """torchvision's BasicBlock, written out (torchvision is not a dependency)."""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or inplanes != planes:
                self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride,
                                                          bias=False), nn.BatchNorm2d(planes))

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            identity = x if self.downsample is None else self.downsample(x)
            return self.relu(out + identity)

    return Block().to(torch.float64)


def _torch_inception(torch, c, ch1, ch3r, ch3, ch5r, ch5, proj):
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.branch1 = nn.Sequential(nn.Conv2d(c, ch1, 1), nn.ReLU())
            self.branch2 = nn.Sequential(nn.Conv2d(c, ch3r, 1), nn.ReLU(),
                                         nn.Conv2d(ch3r, ch3, 3, padding=1), nn.ReLU())
            self.branch3 = nn.Sequential(nn.Conv2d(c, ch5r, 1), nn.ReLU(),
                                         nn.Conv2d(ch5r, ch5, 5, padding=2), nn.ReLU())
            self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(c, proj, 1),
                                         nn.ReLU())

        def forward(self, x):
            return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x),
                              self.branch4(x)], 1)

    return Block().to(torch.float64)


def _parity(torch, model, ref, x, rng, steps=1):
    ref.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    assert list(model.state_dict()) == list(ref.state_dict())
    for _ in range(steps):
        model.zero_grad()
        ref.zero_grad()
        y = model(x)
        g = rng.normal(size=y.shape)
        xt = tt(x, True)
        yt = ref(xt)
        yt.backward(tt(g))
        assert_parity(y, yt)
        assert_parity(model.backward(g), xt.grad)
        named = dict(ref.named_parameters())
        for name, p in model.named_parameters():
            assert_parity(p.grad, named[name].grad)
        for name, b in ref.named_buffers():
            assert_parity(model.state_dict()[name], b)


@pytest.mark.parametrize("stride, planes", [(1, 4), (2, 6)])
def test_basic_block_parity_with_torch(torch, rng, stride, planes):
    downsample = None
    if stride != 1 or planes != 4:
        downsample = Sequential(Conv2d(4, planes, 1, stride=stride, bias=False),
                                BatchNorm2d(planes))
    block = BasicBlock(4, planes, stride, downsample, generator=rng)
    _parity(torch, block, _torch_basic_block(torch, 4, planes, stride),
            rng.normal(size=(3, 4, 6, 6)), rng, steps=3)


def test_inception_parity_with_torch(torch, rng):
    sizes = (5, 3, 2, 4, 2, 3, 2)
    block = InceptionBlock(*sizes, generator=rng)
    _parity(torch, block, _torch_inception(torch, *sizes), rng.normal(size=(2, 5, 6, 7)), rng)


# --------------------------------------------------------------------------- init and errors
def test_resnet_initialisation_and_reproducibility():
    model = ResNet(BasicBlock, [1, 1, 1, 1], width=16, zero_init_residual=True, generator=3)
    w = model.layer4[0].conv2.weight.data                    # (128, 128, 3, 3)
    assert abs(w.std() / np.sqrt(2 / (128 * 9)) - 1) < 0.03  # He-normal, fan_out
    assert np.all(model.bn1.weight.data == 1) and np.all(model.bn1.bias.data == 0)
    assert np.all(model.layer1[0].bn2.weight.data == 0)      # zero_init_residual
    again = ResNet(BasicBlock, [1, 1, 1, 1], width=16, zero_init_residual=True, generator=3)
    for (name, a), b in zip(model.state_dict().items(), again.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    np.testing.assert_array_equal(lenet5(generator=1).features[0].weight.data,
                                  lenet5(generator=1).features[0].weight.data)


def test_model_errors(rng):
    with pytest.raises(ValueError, match="num_classes must be a positive int, got 0"):
        lenet5(0)
    with pytest.raises(ValueError, match=r"dropout must be a real number in \[0, 1\]"):
        AlexNet(dropout=1.5)
    with pytest.raises(ValueError, match="width_mult must be a positive real number, got -1"):
        mobilenet_v1(width_mult=-1)
    with pytest.raises(ValueError, match="layers must give the number of blocks of 4 stages"):
        ResNet(BasicBlock, [2, 2, 2])
    with pytest.raises(ValueError, match="block must be BasicBlock"):
        ResNet(Linear, [2, 2, 2, 2])
    with pytest.raises(TypeError, match="downsample must be a Module or None"):
        BasicBlock(3, 3, downsample=lambda x: x)
    with pytest.raises(ValueError, match="ch5x5 must be a positive int"):
        InceptionBlock(3, 1, 1, 1, 1, 0, 1)
    block = BasicBlock(3, 4, stride=2, generator=0)          # no downsample: shapes differ
    with pytest.raises(ValueError, match=r"residual branch gives shape \(2, 4, 3, 3\) but the "
                                         r"shortcut gives \(2, 3, 5, 5\)"):
        block(rng.normal(size=(2, 3, 5, 5)))
    assert all(m.saved_calls == 0 for m in block.modules())  # the failed call left nothing
    with pytest.raises(ValueError, match=r"InceptionBlock expected input of shape \(N, 3, H, W\)"):
        InceptionBlock(3, 1, 1, 1, 1, 1, 1)(rng.normal(size=(2, 4, 5, 5)))
