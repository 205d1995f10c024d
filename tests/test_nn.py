"""dlbook.nn: module gradients (finite differences), PyTorch parity, accumulation semantics,
container behaviour and error messages."""
import numpy as np
import pytest

from dlbook import nn
from dlbook.gradcheck import check_module
from reference import (assert_grad_close, assert_parity, away_from_zero, central_difference,
                       tlong, tt)

ACTIVATION_MODULES = [
    ("Sigmoid", lambda: nn.Sigmoid(), lambda t: t.nn.Sigmoid()),
    ("Tanh", lambda: nn.Tanh(), lambda t: t.nn.Tanh()),
    ("ReLU", lambda: nn.ReLU(), lambda t: t.nn.ReLU()),
    ("LeakyReLU", lambda: nn.LeakyReLU(), lambda t: t.nn.LeakyReLU()),
    ("LeakyReLU(0.3)", lambda: nn.LeakyReLU(0.3), lambda t: t.nn.LeakyReLU(0.3)),
    ("ELU", lambda: nn.ELU(), lambda t: t.nn.ELU()),
    ("ELU(1.5)", lambda: nn.ELU(alpha=1.5), lambda t: t.nn.ELU(alpha=1.5)),
    ("Softmax", lambda: nn.Softmax(), lambda t: t.nn.Softmax(dim=-1)),
    ("Softmax(0)", lambda: nn.Softmax(dim=0), lambda t: t.nn.Softmax(dim=0)),
]
ACT_IDS = [a[0] for a in ACTIVATION_MODULES]

LOSS_CLASSES = ["MSELoss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss"]


def _loss_data(name, rng, n=6, c=4):
    if name == "MSELoss":
        return rng.normal(size=(n, c)), rng.normal(size=(n, c))
    if name == "CrossEntropyLoss":
        return rng.normal(size=(n, c)) * 2, rng.integers(0, c, n)
    if name == "BCELoss":
        return rng.uniform(0.05, 0.95, (n, c)), rng.integers(0, 2, (n, c)).astype(float)
    return rng.normal(size=(n, c)) * 3, rng.integers(0, 2, (n, c)).astype(float)


def _mlp(rng, sizes=(4, 6, 3), act=nn.Tanh):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b, generator=rng))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def _torch_copy(torch, model):
    """A torch.nn.Sequential with the same layers and weights as a dlbook Sequential."""
    mods = []
    for m in model:
        if isinstance(m, nn.Linear):
            tl = torch.nn.Linear(m.in_features, m.out_features, bias=m.bias is not None,
                                 dtype=torch.float64)
            with torch.no_grad():
                tl.weight.copy_(tt(m.weight.data))
                if m.bias is not None:
                    tl.bias.copy_(tt(m.bias.data))
            mods.append(tl)
        else:
            mods.append({nn.Tanh: torch.nn.Tanh, nn.ReLU: torch.nn.ReLU,
                         nn.Sigmoid: torch.nn.Sigmoid}[type(m)]() if not isinstance(m, nn.Softmax)
                        else torch.nn.Softmax(dim=m.dim))
    return torch.nn.Sequential(*mods)


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(bias, seed):
    rng = np.random.default_rng(seed)
    n, i, o = (int(v) for v in rng.integers(1, 6, 3))
    layer = nn.Linear(i, o, bias=bias, generator=rng)
    errors = check_module(layer, rng.normal(size=(n, i)), generator=rng)
    assert set(errors) == ({"input", "weight", "bias"} if bias else {"input", "weight"})


@pytest.mark.parametrize("name,make,_", ACTIVATION_MODULES, ids=ACT_IDS)
def test_activation_module_gradcheck(name, make, _, rng):
    x = away_from_zero(rng.normal(size=(int(rng.integers(1, 5)), int(rng.integers(1, 6)))) * 2)
    assert check_module(make(), x, generator=rng) == {"input": pytest.approx(0, abs=1e-6)}


@pytest.mark.parametrize("pool_size", [1, 2, 4])
def test_maxout_gradcheck(pool_size, rng):
    layer = nn.Maxout(5, 3, pool_size, generator=rng)
    errors = check_module(layer, rng.normal(size=(7, 5)), generator=rng)
    assert set(errors) == {"input", "weight", "bias"}


def test_sequential_gradcheck(rng):
    model = nn.Sequential(nn.Linear(4, 6, generator=rng), nn.Tanh(),
                          nn.Maxout(6, 5, 2, generator=rng), nn.ELU(),
                          nn.Linear(5, 3, bias=False, generator=rng), nn.Softmax())
    errors = check_module(model, rng.normal(size=(5, 4)), generator=rng)
    assert list(errors) == ["input", "0.weight", "0.bias", "2.weight", "2.bias", "4.weight"]


@pytest.mark.parametrize("p", [0.0, 0.4])
def test_dropout_module_gradient_with_fixed_mask(p, rng):
    drop = nn.Dropout(p)
    x, r = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))

    def cost(z):
        drop.generator = np.random.default_rng(3)  # the same mask on every call
        return np.sum(drop(z) * r)

    cost(x)
    assert_grad_close(drop.backward(r), central_difference(cost, x))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", LOSS_CLASSES)
def test_loss_module_gradient(name, reduction, rng):
    loss_fn = getattr(nn, name)(reduction=reduction)
    x, target = _loss_data(name, rng)
    value = loss_fn(x, target)
    assert isinstance(value, float)
    numeric = central_difference(lambda z: getattr(nn, name)(reduction=reduction)(z, target), x)
    assert_grad_close(loss_fn.backward(), numeric)
    loss_fn(x, target)                      # each call of the loss allows one backward
    assert_grad_close(loss_fn.backward(2.5), 2.5 * numeric)


def test_end_to_end_parameter_gradient_through_loss(rng):
    """d loss / d weight for Sequential + CrossEntropyLoss, by central differences."""
    model = _mlp(rng, (3, 5, 4))
    x, y = rng.normal(size=(8, 3)), rng.integers(0, 4, 8)
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(model(x), y)
    model.zero_grad()
    model.backward(loss_fn.backward())
    for p in model.parameters():
        def cost(z, p=p):
            saved = p.data
            p.data = z
            try:
                return loss_fn(model(x), y)
            finally:
                p.data = saved
        assert_grad_close(p.grad, central_difference(cost, p.data))


# --------------------------------------------------------------------------- PyTorch parity
@pytest.mark.parametrize("bias", [True, False])
def test_linear_parity(torch, bias, rng):
    layer = nn.Linear(5, 3, bias=bias, generator=rng)
    ref = _torch_copy(torch, nn.Sequential(layer))[0]
    x, r = rng.normal(size=(7, 5)), rng.normal(size=(7, 3))
    xt = tt(x, True)
    yt = ref(xt)
    yt.backward(tt(r))
    assert_parity(layer(x), yt)
    assert_parity(layer.backward(r), xt.grad)
    assert_parity(layer.weight.grad, ref.weight.grad)
    if bias:
        assert_parity(layer.bias.grad, ref.bias.grad)
    else:
        assert layer.bias is None and ref.bias is None


@pytest.mark.parametrize("name,make,ref", ACTIVATION_MODULES, ids=ACT_IDS)
def test_activation_module_parity(torch, name, make, ref, rng):
    m, tm = make(), ref(torch)
    x, r = rng.normal(size=(4, 6)) * 3, rng.normal(size=(4, 6))
    xt = tt(x, True)
    yt = tm(xt)
    yt.backward(tt(r))
    assert_parity(m(x), yt)
    assert_parity(m.backward(r), xt.grad)


def _torch_maxout(torch, x, weight, bias):
    """Maxout from torch ops: the k affine pieces by einsum, then the maximum over k."""
    pieces = torch.einsum("ni,koi->nko", x, weight) + bias
    return pieces.max(dim=1).values


@pytest.mark.parametrize("pool_size", [1, 3])
def test_maxout_parity(torch, pool_size, rng):
    layer = nn.Maxout(4, 5, pool_size, generator=rng)
    x, r = rng.normal(size=(6, 4)), rng.normal(size=(6, 5))
    xt, wt, bt = tt(x, True), tt(layer.weight.data, True), tt(layer.bias.data, True)
    yt = _torch_maxout(torch, xt, wt, bt)
    yt.backward(tt(r))
    assert_parity(layer(x), yt)
    assert_parity(layer.backward(r), xt.grad)
    assert_parity(layer.weight.grad, wt.grad)
    assert_parity(layer.bias.grad, bt.grad)
    assert layer.pieces(x).shape == (6, pool_size, 5)


def test_maxout_with_one_piece_is_linear(rng):
    m = nn.Maxout(3, 2, 1, generator=rng)
    lin = nn.Linear(3, 2, generator=rng)
    lin.weight.data[...] = m.weight.data[0]
    lin.bias.data[...] = m.bias.data[0]
    x, r = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(m(x), lin(x))
    np.testing.assert_allclose(m.backward(r), lin.backward(r))
    np.testing.assert_allclose(m.weight.grad[0], lin.weight.grad)


def test_maxout_tie_sends_gradient_to_first_piece(rng):
    m = nn.Maxout(3, 2, 3, generator=rng)
    m.weight.data[:] = m.weight.data[0]
    m.bias.data[:] = m.bias.data[0]
    x, r = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    m(x)
    m.backward(r)
    np.testing.assert_allclose(m.weight.grad[0], r.T @ x)
    assert not m.weight.grad[1:].any() and not m.bias.grad[1:].any()


def test_sequential_parity(torch, rng):
    model = nn.Sequential(nn.Linear(4, 6, generator=rng), nn.Tanh(),
                          nn.Linear(6, 5, generator=rng), nn.ReLU(),
                          nn.Linear(5, 3, bias=False, generator=rng), nn.Softmax(dim=1))
    ref = _torch_copy(torch, model)
    x, r = rng.normal(size=(8, 4)), rng.normal(size=(8, 3))
    xt = tt(x, True)
    yt = ref(xt)
    yt.backward(tt(r))
    assert_parity(model(x), yt)
    assert_parity(model.backward(r), xt.grad)
    ours, theirs = list(model.named_parameters()), list(ref.named_parameters())
    assert [n for n, _ in ours] == [n for n, _ in theirs]
    for (_, p), (_, q) in zip(ours, theirs):
        assert_parity(p.grad, q.grad)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", LOSS_CLASSES)
def test_loss_module_parity(torch, name, reduction, rng):
    loss_fn = getattr(nn, name)(reduction=reduction)
    ref = getattr(torch.nn, name)(reduction=reduction)
    x, target = _loss_data(name, rng)
    xt = tt(x, True)
    lt = ref(xt, tlong(target) if name == "CrossEntropyLoss" else tt(target))
    lt.backward()
    assert_parity(loss_fn(x, target), lt)
    assert_parity(loss_fn.backward(), xt.grad)


def test_training_step_parity_mlp_cross_entropy(torch, rng):
    """Model + loss + backward together: parameter gradients equal torch's autograd."""
    model = _mlp(rng, (5, 7, 4), act=nn.Sigmoid)
    ref = _torch_copy(torch, model)
    x, y = rng.normal(size=(10, 5)), rng.integers(0, 4, 10)
    loss_fn = nn.CrossEntropyLoss()
    loss = loss_fn(model(x), y)
    model.zero_grad()
    model.backward(loss_fn.backward())
    lt = torch.nn.CrossEntropyLoss()(ref(tt(x)), tlong(y))
    lt.backward()
    assert_parity(loss, lt)
    for p, q in zip(model.parameters(), ref.parameters()):
        assert_parity(p.grad, q.grad)


@pytest.mark.parametrize("max_norm", [0.05, 1.0, 1e6])
def test_clip_grad_norm_parity(torch, max_norm, rng):
    shapes = [(3, 4), (4,), (2, 2, 2)]
    ours = [nn.Parameter(rng.normal(size=s)) for s in shapes]
    for p in ours:
        p.grad = rng.normal(size=p.shape)
    theirs = [tt(p.data, True) for p in ours]
    for q, p in zip(theirs, ours):
        q.grad = tt(p.grad)
    ours.append(nn.Parameter(np.ones(2)))            # no gradient: ignored by both
    theirs.append(tt(np.ones(2), True))
    total = nn.clip_grad_norm_(ours, max_norm)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm)
    assert_parity(total, total_t)
    for p, q in zip(ours[:-1], theirs[:-1]):
        assert_parity(p.grad, q.grad)
    assert ours[-1].grad is None
    clipped = np.sqrt(sum(np.sum(p.grad ** 2) for p in ours[:-1]))
    assert clipped == pytest.approx(min(total, max_norm), rel=1e-5)


def test_clip_grad_norm_hand_computed():
    p = nn.Parameter(np.zeros(2))
    p.grad = np.array([3.0, 4.0])                   # norm 5
    assert nn.clip_grad_norm_([p], 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad, np.array([0.6, 0.8]) * 5 / (5 + 1e-6))
    with pytest.raises(ValueError, match="max_norm"):
        nn.clip_grad_norm_([p], 0.0)


# --------------------------------------------------------------------------- dropout module
def test_dropout_module_train_and_eval(rng):
    drop = nn.Dropout(0.25, generator=rng)
    x = np.ones((200, 100))
    y = drop(x)
    assert set(np.unique(y)) <= {0.0, 1.0 / 0.75}
    assert abs(np.mean(y == 0) - 0.25) < 0.02
    np.testing.assert_array_equal(drop.backward(np.ones_like(x)), y)   # same mask
    drop.eval()
    np.testing.assert_array_equal(drop(x), x)
    np.testing.assert_array_equal(drop.backward(2 * np.ones_like(x)), 2 * np.ones_like(x))


def test_dropout_eval_parity(torch, rng):
    x = rng.normal(size=(3, 4))
    assert_parity(nn.Dropout(0.5).eval()(x), torch.nn.Dropout(0.5).eval()(tt(x)))


# --------------------------------------------------------------------------- accumulation
def test_backward_accumulates_and_zero_grad_resets(rng):
    model = _mlp(rng)
    x, r = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    for p in model.parameters():
        assert p.grad is None
    model(x)
    model.backward(r)
    first = [p.grad.copy() for p in model.parameters()]
    model(x)
    model.backward(r)
    for p, g in zip(model.parameters(), first):
        np.testing.assert_allclose(p.grad, 2 * g, rtol=1e-14)
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_accumulation_matches_torch(torch, rng):
    layer = nn.Linear(3, 2, generator=rng)
    ref = _torch_copy(torch, nn.Sequential(layer))[0]
    for _ in range(2):
        x, r = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
        layer(x)
        layer.backward(r)
        ref(tt(x)).backward(tt(r))
    assert_parity(layer.weight.grad, ref.weight.grad)
    assert_parity(layer.bias.grad, ref.bias.grad)


def test_parameter_accumulate_shape_mismatch():
    p = nn.Parameter(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        p.accumulate(np.zeros((3, 2)))
    p.accumulate(np.ones((2, 3)))
    p.accumulate(np.ones((2, 3)))
    np.testing.assert_array_equal(p.grad, 2.0)
    assert p.shape == (2, 3) and "Parameter" in repr(p)


def test_parameter_copies_its_data():
    a = np.zeros(3)
    p = nn.Parameter(a)
    a[0] = 1.0
    assert p.data[0] == 0.0 and p.data.dtype == np.float64
    g = np.ones(3)
    p.accumulate(g)
    p.accumulate(g)
    assert g[0] == 1.0            # the first gradient was copied, not aliased


def test_train_eval_recurse(rng):
    inner = nn.Sequential(nn.Linear(2, 2, generator=rng), nn.Dropout(0.5))
    model = nn.Sequential(inner, nn.ReLU(), nn.Dropout(0.1))
    assert model.eval() is model
    assert not any(m.training for m in [model, inner, inner[0], inner[1], model[1], model[2]])
    model.train()
    assert all(m.training for m in [model, inner, inner[0], inner[1], model[1], model[2]])
    model.train(False)
    assert not inner[1].training


# --------------------------------------------------------------------------- containers
def test_sequential_indexing_slicing_len_iteration(rng):
    mods = [nn.Linear(3, 4, generator=rng), nn.ReLU(), nn.Linear(4, 2, generator=rng), nn.Tanh()]
    model = nn.Sequential(*mods)
    assert len(model) == 4
    assert model[0] is mods[0] and model[-1] is mods[-1] and model[2] is mods[2]
    assert list(model) == mods
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    assert list(head) == mods[:2]
    assert list(model[::2]) == [mods[0], mods[2]]
    x = rng.normal(size=(5, 3))
    np.testing.assert_allclose(model[2:](model[:2](x)), model(x))
    with pytest.raises(IndexError):
        model[4]


def test_parameters_order_and_names(rng):
    model = nn.Sequential(nn.Linear(3, 4, generator=rng), nn.ReLU(),
                          nn.Linear(4, 2, bias=False, generator=rng),
                          nn.Maxout(2, 2, 2, generator=rng))
    names = [n for n, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "3.weight", "3.bias"]
    expected = [model[0].weight, model[0].bias, model[2].weight, model[3].weight, model[3].bias]
    assert all(a is b for a, b in zip(model.parameters(), expected))
    assert len(model.parameters()) == 5


def test_custom_module_registers_attributes(rng):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3, 4, generator=rng)
            self.act = nn.Tanh()
            self.fc2 = nn.Linear(4, 2, generator=rng)
            self.scale = 2.0

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))

    net = Net()                               # PyTorch's naming: attribute.parameter
    assert [n for n, _ in net.named_parameters()] == \
        ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    np.testing.assert_allclose(net(np.ones((1, 3))).shape, (1, 2))
    assert net.children() == [net.fc1, net.act, net.fc2]
    net.fc2 = nn.ReLU()                       # replacing a submodule drops its parameters
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight", "fc1.bias"]


def test_module_without_init_and_abstract_methods():
    class Bad(nn.Module):
        def __init__(self):
            self.w = 1

    with pytest.raises(AttributeError, match="Module.__init__"):
        Bad()
    m = nn.Module()
    with pytest.raises(NotImplementedError):
        m(np.zeros(2))
    with pytest.raises(NotImplementedError):
        m.backward(np.zeros(2))


def test_repr_mentions_layers(rng):
    text = repr(nn.Sequential(nn.Linear(3, 4, generator=rng), nn.Dropout(0.2)))
    assert "Linear(in_features=3, out_features=4, bias=True)" in text
    assert "Dropout(p=0.2)" in text
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"


# --------------------------------------------------------------------------- errors
def test_linear_wrong_feature_count_message():
    with pytest.raises(ValueError, match=r"(?s)Linear\(3, 2\).*\b3\b.*\(4, 5\).*\b5 features"):
        nn.Linear(3, 2)(np.zeros((4, 5)))


def test_maxout_wrong_shape_message():
    with pytest.raises(ValueError, match=r"\(N, 3\).*\(4, 5\)"):
        nn.Maxout(3, 2, 2)(np.zeros((4, 5)))


@pytest.mark.parametrize("make", [lambda: nn.Linear(2, 2), nn.Sigmoid, nn.Tanh, nn.ReLU,
                                  nn.LeakyReLU, nn.ELU, nn.Softmax, lambda: nn.Maxout(2, 2, 2),
                                  nn.Dropout, lambda: nn.Sequential(nn.Linear(2, 2), nn.ReLU())])
def test_backward_before_forward(make):
    with pytest.raises(RuntimeError, match="backward called more often than its forward"):
        make().backward(np.zeros((1, 2)))


@pytest.mark.parametrize("name", LOSS_CLASSES)
def test_loss_backward_before_call_and_bad_reduction(name):
    with pytest.raises(RuntimeError, match="backward called more often than its forward"):
        getattr(nn, name)().backward()
    with pytest.raises(ValueError, match="reduction.*'avg'"):
        getattr(nn, name)(reduction="avg")


@pytest.mark.parametrize("p", [-0.5, 1.01])
def test_dropout_module_bad_probability(p):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        nn.Dropout(p)


def test_bad_layer_sizes():
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 2)
    with pytest.raises(TypeError, match="out_features"):
        nn.Linear(2, 2.5)
    with pytest.raises(ValueError, match="pool_size"):
        nn.Maxout(2, 2, 0)
    with pytest.raises(TypeError, match="argument 1"):
        nn.Sequential(nn.ReLU(), "relu")


def test_cross_entropy_loss_module_target_errors():
    loss_fn = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="probability targets"):
        loss_fn(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError):
        loss_fn(np.zeros((2, 3)), np.array([0, 3]))

