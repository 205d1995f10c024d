"""dlbook.inspection: zero-fill shifts, input gradients (finite differences, torch parity),
layer-by-layer feature maps, and the errors for bad inputs."""
import numpy as np
import pytest

import dlbook
from dlbook import nn
from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.inspection import feature_maps, input_gradient, shift_images


def loop_shift(img, dy, dx):
    """Pixel-by-pixel reference for one (H, W) image."""
    out = np.zeros_like(img)
    H, W = img.shape
    for i in range(H):
        for j in range(W):
            if 0 <= i + dy < H and 0 <= j + dx < W:
                out[i + dy, j + dx] = img[i, j]
    return out


def small_cnn(seed=0, bn=False):
    gen = np.random.default_rng(seed)
    layers = [nn.Conv2d(2, 3, 3, padding=1, generator=gen)]
    if bn:
        layers.append(nn.BatchNorm2d(3))
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3 * 3 * 3, 4, generator=gen)]
    return nn.Sequential(*layers)


@pytest.mark.parametrize("dy,dx", [(0, 0), (1, 0), (0, -2), (-3, 2), (4, 1), (7, -7), (-9, 0)])
def test_shift_matches_loop(dy, dx):
    rng = np.random.default_rng(1)
    imgs = rng.normal(size=(3, 2, 7, 6))
    got = shift_images(imgs, dy=dy, dx=dx)
    want = np.array([[loop_shift(c, dy, dx) for c in im] for im in imgs])
    assert got.shape == imgs.shape and np.array_equal(got, want)


def test_shift_does_not_modify_input_and_composes_on_interior():
    rng = np.random.default_rng(2)
    img = rng.normal(size=(8, 8))
    before = img.copy()
    back = shift_images(shift_images(img, dy=2, dx=-1), dy=-2, dx=1)
    assert np.array_equal(img, before)
    assert np.array_equal(back[:6, 1:], img[:6, 1:])    # what survived both shifts
    assert np.all(back[6:] == 0) and np.all(back[:, :1] == 0)


def test_shift_accepts_integer_images_and_numpy_ints():
    out = shift_images(np.arange(9).reshape(3, 3), dy=np.int64(1))
    assert out.dtype == np.float64
    assert np.array_equal(out, [[0, 0, 0], [0, 1, 2], [3, 4, 5]])


@pytest.mark.parametrize("bad", [1.0, 0.5, True, "1", None])
def test_shift_rejects_non_integer_shifts(bad):
    with pytest.raises(TypeError, match="dy must be an int"):
        shift_images(np.zeros((4, 4)), dy=bad)


def test_shift_is_keyword_only():
    with pytest.raises(TypeError):
        shift_images(np.zeros((4, 4)), 1, 0)


def test_shift_rejects_1d_input():
    with pytest.raises(ValueError, match="at least two axes"):
        shift_images(np.zeros(5), dy=1)


def test_input_gradient_matches_finite_differences():
    model = small_cnn()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 2, 6, 6))
    target = np.array([0, 3, 1])
    grad = input_gradient(model, x, target)
    for n in range(3):
        xn = x[n:n + 1].copy()

        def score():
            with dlbook.no_grad():
                return float(model(xn)[0, target[n]])

        assert relative_error(grad[n:n + 1], numerical_gradient(score, xn)) < 1e-6


def test_input_gradient_int_target_and_per_sample_independence():
    model = small_cnn(1)
    x = np.random.default_rng(4).normal(size=(4, 2, 6, 6))
    together = input_gradient(model, x, 2)
    alone = np.concatenate([input_gradient(model, x[n:n + 1], 2) for n in range(4)])
    assert np.allclose(together, alone, rtol=1e-12, atol=1e-14)


def test_input_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    model = small_cnn(2)
    x = np.random.default_rng(5).normal(size=(2, 2, 6, 6))
    target = np.array([1, 3])
    ref = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                              torch.nn.Linear(27, 4)).to(torch.float64)
    ref[0].weight.data = torch.tensor(model[0].weight.data)
    ref[0].bias.data = torch.tensor(model[0].bias.data)
    ref[4].weight.data = torch.tensor(model[4].weight.data)
    ref[4].bias.data = torch.tensor(model[4].bias.data)
    xt = torch.tensor(x, requires_grad=True)
    ref(xt)[torch.arange(2), torch.tensor(target)].sum().backward()
    assert np.allclose(input_gradient(model, x, target), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_input_gradient_restores_mode_and_parameter_grads():
    model = small_cnn(3, bn=True)
    x = np.random.default_rng(6).normal(size=(5, 2, 6, 6))
    model.train()
    model.zero_grad()
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(model(x), np.array([0, 1, 2, 3, 0]))
    model.backward(loss_fn.backward())
    grads = [p.grad.copy() for p in model.parameters()]
    running = model[1].running_mean.copy()
    input_gradient(model, x, 1)
    assert model.training
    assert all(np.array_equal(p.grad, g) for p, g in zip(model.parameters(), grads))
    assert np.array_equal(model[1].running_mean, running)    # evaluated in eval mode
    fresh = small_cnn(4)
    input_gradient(fresh, x, 0)
    assert all(p.grad is None for p in fresh.parameters())


def test_input_gradient_works_inside_no_grad():
    model = small_cnn(5)
    x = np.random.default_rng(7).normal(size=(2, 2, 6, 6))
    with dlbook.no_grad():
        inside = input_gradient(model, x, 0)
    assert np.array_equal(inside, input_gradient(model, x, 0))


def test_input_gradient_bad_inputs():
    model = small_cnn()
    x = np.zeros((2, 2, 6, 6))
    with pytest.raises(TypeError, match="Module"):
        input_gradient(lambda z: z, x, 0)
    with pytest.raises(TypeError, match="integer"):
        input_gradient(model, x, 1.0)
    with pytest.raises(ValueError, match="shape \\(2,\\)"):
        input_gradient(model, x, [0, 1, 2])
    with pytest.raises(ValueError, match="\\[0, 4\\)"):
        input_gradient(model, x, [0, 4])
    with pytest.raises(ValueError, match="\\(N, K\\)"):
        input_gradient(nn.Sequential(nn.Conv2d(2, 1, 1)), x, 0)
    # a failed call leaves the model usable
    assert input_gradient(model, x, 0).shape == x.shape


def test_feature_maps_chain_to_the_output():
    model = small_cnn(6, bn=True)
    model.train()
    x = np.random.default_rng(8).normal(size=(3, 2, 6, 6))
    maps = feature_maps(model, x)
    assert [name for name, _ in maps] == ["0: Conv2d", "1: BatchNorm2d", "2: ReLU",
                                          "3: MaxPool2d", "4: Flatten", "5: Linear"]
    assert [m.shape for _, m in maps][-3:] == [(3, 3, 3, 3), (3, 27), (3, 4)]
    assert model.training
    model.eval()
    with dlbook.no_grad():
        assert np.array_equal(maps[-1][1], model(x))


def test_feature_maps_needs_sequential():
    with pytest.raises(TypeError, match="Sequential"):
        feature_maps(nn.Linear(2, 2), np.zeros((1, 2)))
