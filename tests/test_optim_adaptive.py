"""dlbook.optim's adaptive optimizers (Adagrad, RMSprop, Adadelta, Adam, AdamW, Adamax):
step-by-step parity with torch.optim for every hyper-parameter, on non-quadratic objectives,
with several parameters and parameter groups; defaults; skipped parameters; per-parameter
state; argument validation."""
import inspect
import math

import numpy as np
import pytest

from dlbook import nn, optim
from reference import assert_parity, rosenbrock_grad, tanh_mlp_pair, train_side_by_side, tt

STEPS = 100
STEP_RTOL, STEP_ATOL = 1e-9, 1e-12
NAMES = ["Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax"]

# every hyper-parameter of every optimizer, alone and combined (lr is given explicitly,
# except for Adadelta whose lr is one of the options under test)
OPTIONS = {
    "Adagrad": [dict(lr=0.05), dict(lr=0.05, lr_decay=0.01), dict(lr=0.05, weight_decay=0.1),
                dict(lr=0.05, initial_accumulator_value=0.5), dict(lr=0.05, eps=1e-3),
                dict(lr=0.1, lr_decay=0.05, weight_decay=0.05, initial_accumulator_value=0.1,
                     eps=1e-6)],
    "RMSprop": [dict(lr=1e-3), dict(lr=1e-3, alpha=0.9), dict(lr=1e-3, eps=1e-3),
                dict(lr=1e-3, weight_decay=0.1), dict(lr=1e-3, momentum=0.9),
                dict(lr=1e-3, centered=True),
                dict(lr=2e-3, alpha=0.95, eps=1e-6, weight_decay=0.01, momentum=0.5,
                     centered=True)],
    "Adadelta": [dict(), dict(rho=0.5), dict(eps=1e-3), dict(weight_decay=0.1), dict(lr=0.5),
                 dict(lr=2.0, rho=0.95, eps=1e-4, weight_decay=0.01)],
    "Adam": [dict(lr=1e-2), dict(lr=1e-2, betas=(0.5, 0.9)), dict(lr=1e-2, eps=1e-3),
             dict(lr=1e-2, weight_decay=0.1), dict(lr=1e-2, amsgrad=True),
             dict(lr=2e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, amsgrad=True)],
    "AdamW": [dict(lr=1e-2), dict(lr=1e-2, weight_decay=0.1), dict(lr=1e-2, weight_decay=0.0),
              dict(lr=1e-2, amsgrad=True),
              dict(lr=2e-2, betas=(0.7, 0.95), eps=1e-5, weight_decay=0.2, amsgrad=True)],
    "Adamax": [dict(lr=2e-2), dict(lr=2e-2, betas=(0.5, 0.9)), dict(lr=2e-2, eps=1e-3),
               dict(lr=2e-2, weight_decay=0.1),
               dict(lr=5e-2, betas=(0.8, 0.99), eps=1e-5, weight_decay=0.05)],
}
CASES = [(name, opts) for name in NAMES for opts in OPTIONS[name]]
CASE_IDS = [name + "-" + ("-".join(f"{k}{v}" for k, v in opts.items()) or "default")
            for name, opts in CASES]
# the MLP runs (the costlier objective) take each optimizer's first and last settings: the
# defaults (Adadelta) or lr alone, and every option changed at once
MLP_CASES = [(name, OPTIONS[name][i]) for name in NAMES for i in (0, -1)]
MLP_IDS = [name + "-" + ("-".join(f"{k}{v}" for k, v in opts.items()) or "default")
           for name, opts in MLP_CASES]

# state entries that dlbook and torch both keep under the same name
STATE_KEYS = ["step", "sum", "square_avg", "momentum_buffer", "grad_avg", "acc_delta",
              "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "exp_inf"]


def _pair(torch, name, options, dl_params, t_params, split):
    """The dlbook and torch optimizers of ``name`` over the same parameter groups: the
    parameter lists are cut at ``split``; the second group gets half the learning rate."""
    lr = options.get("lr", 1.0)

    def groups(ps):
        return [{"params": ps[:split]}, {"params": ps[split:], "lr": 0.5 * lr}]

    opt = getattr(optim, name)(groups(dl_params), **options)
    opt_t = getattr(torch.optim, name)(groups(t_params), **options)
    return opt, opt_t


def _compare(dl_params, t_params):
    """Every parameter agrees with torch at rtol 1e-9 (one vectorised check per step; the
    detailed assert_allclose report only on failure)."""
    ours = np.concatenate([p.data.ravel() for p in dl_params])
    theirs = np.concatenate([q.detach().numpy().ravel() for q in t_params])
    if not np.all(np.abs(ours - theirs) <= STEP_ATOL + STEP_RTOL * np.abs(theirs)):
        assert_parity(ours, theirs, rtol=STEP_RTOL, atol=STEP_ATOL)


def _compare_state(opt, opt_t, dl_params, t_params):
    for p, q in zip(dl_params, t_params):
        ours, theirs = opt.state[p], opt_t.state[q]
        shared = [k for k in STATE_KEYS if k in ours and k in theirs]
        assert "step" in shared and len(shared) >= 2
        for key in shared:
            assert_parity(ours[key], theirs[key], rtol=1e-8, atol=1e-12)


def _rosenbrock(x):
    """Extended Rosenbrock, sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 (torch, for autograd)."""
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_parity_rosenbrock(torch, name, options):
    """Two Parameters in two groups. Both runs get their gradient from the same hand-derived
    formula at their own point (checked against autograd at the start), so that only the
    optimizers differ: on this curved valley a rounding difference in the gradient alone would
    be amplified beyond 1e-9 by some of the oscillating runs."""
    x0 = [np.array([-1.2, 1.0]), np.array([1.0, 1.2, 0.5])]
    dl_params = [nn.Parameter(a) for a in x0]
    t_params = [tt(a, True) for a in x0]
    _rosenbrock(torch.cat(t_params)).backward()
    np.testing.assert_allclose(rosenbrock_grad(np.concatenate(x0)),
                               np.concatenate([q.grad.numpy() for q in t_params]), rtol=1e-13)
    opt, opt_t = _pair(torch, name, options, dl_params, t_params, split=1)
    for _ in range(STEPS):
        g = rosenbrock_grad(np.concatenate([p.data for p in dl_params]))
        opt.zero_grad()
        dl_params[0].accumulate(g[:2])
        dl_params[1].accumulate(g[2:])
        opt.step()
        g_t = rosenbrock_grad(torch.cat(t_params).detach().numpy())
        t_params[0].grad, t_params[1].grad = tt(g_t[:2]), tt(g_t[2:])
        opt_t.step()
        _compare(dl_params, t_params)
    _compare_state(opt, opt_t, dl_params, t_params)
    # the run went somewhere: the parameters moved away from the start
    assert not np.allclose(np.concatenate([p.data for p in dl_params]), np.concatenate(x0))


@pytest.mark.parametrize("name, options", MLP_CASES, ids=MLP_IDS)
def test_parity_tanh_mlp(torch, name, options, rng):
    """Six Parameters in two groups; dlbook's gradients from its own backward, torch's from
    autograd; cycling minibatches of a non-linear regression."""
    model, ref, X, Y = tanh_mlp_pair(torch, rng)
    dl_params, t_params = model.parameters(), list(ref.parameters())
    opt, opt_t = _pair(torch, name, options, dl_params, t_params, split=2)
    losses = train_side_by_side(torch, model, ref, opt, opt_t, X, Y, STEPS,
                                lambda: _compare(dl_params, t_params), STEP_RTOL, STEP_ATOL)
    _compare_state(opt, opt_t, dl_params, t_params)
    assert all(math.isfinite(v) for v in losses)


def test_groups_override_other_hyper_parameters(torch, rng):
    """A group may override any hyper-parameter, not only lr (here betas, weight decay,
    amsgrad), exactly as in torch."""
    model, ref, _, _ = tanh_mlp_pair(torch, rng)
    X = rng.normal(size=(32, 3))
    Y = np.tanh(X[:, :2] * 2)

    def groups(ps):
        return [{"params": ps[0:2], "lr": 0.02, "betas": (0.5, 0.9)},
                {"params": ps[2:4], "weight_decay": 0.2, "amsgrad": True},
                {"params": ps[4:], "eps": 1e-4}]

    dl_params, t_params = model.parameters(), list(ref.parameters())
    opt = optim.Adam(groups(dl_params), lr=0.01)
    opt_t = torch.optim.Adam(groups(t_params), lr=0.01)
    loss_fn = nn.MSELoss()
    for k in range(STEPS):
        idx = slice((8 * k) % 32, (8 * k) % 32 + 8)     # cycling minibatches
        loss_fn(model(X[idx]), Y[idx])
        opt.zero_grad()
        model.backward(loss_fn.backward())
        opt.step()
        opt_t.zero_grad()
        torch.nn.functional.mse_loss(ref(tt(X[idx])), tt(Y[idx])).backward()
        opt_t.step()
        _compare(dl_params, t_params)
    for g, gt in zip(opt.param_groups, opt_t.param_groups):
        for key in ("lr", "betas", "eps", "weight_decay", "amsgrad"):
            assert tuple(np.atleast_1d(g[key])) == tuple(np.atleast_1d(gt[key])), key


# --------------------------------------------------------------------------- defaults

@pytest.mark.parametrize("name", NAMES)
def test_defaults_equal_torch_signature(torch, name):
    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    shared = [k for k in ours if k in theirs and k != "params"]
    assert "lr" in shared and len(shared) >= 3
    for key in shared:
        assert ours[key].default == theirs[key].default, key
    # and the values the constructed optimizers actually hold
    opt = getattr(optim, name)([nn.Parameter(np.zeros(2))])
    opt_t = getattr(torch.optim, name)([tt(np.zeros(2), True)])
    for key in shared:
        assert opt.param_groups[0][key] == opt_t.param_groups[0][key], key
        assert opt.defaults[key] == opt_t.defaults[key], key


# --------------------------------------------------------------------------- skipping, state

@pytest.mark.parametrize("name", NAMES)
def test_parameters_without_grad_are_skipped_like_torch(torch, name, rng):
    """Parameter k has no gradient on the steps where (step + k) % 3 == 0, and the last one
    never has one: it keeps its value and gets no state; the others follow torch."""
    opts = dict(weight_decay=0.1) if name != "Adadelta" else dict(weight_decay=0.1, lr=0.5)
    x0 = [rng.normal(size=(2, 3)) for _ in range(4)]
    ps = [nn.Parameter(a) for a in x0]
    qs = [tt(a, True) for a in x0]
    opt = getattr(optim, name)(ps, **opts)
    opt_t = getattr(torch.optim, name)(qs, **opts)
    for step in range(30):
        opt.zero_grad()
        opt_t.zero_grad()
        for k, (p, q) in enumerate(zip(ps[:3], qs[:3])):
            if (step + k) % 3 == 0:
                continue
            g = np.sin(p.data * (step + 1)) + p.data ** 3
            p.accumulate(g)
            q.grad = tt(np.sin(q.detach().numpy() * (step + 1)) + q.detach().numpy() ** 3)
        opt.step()
        opt_t.step()
        _compare(ps, qs)
    np.testing.assert_array_equal(ps[3].data, x0[3])
    assert ps[3] not in opt.state
    for p, q in zip(ps[:3], qs[:3]):
        assert opt.state[p]["step"] == int(opt_t.state[q]["step"]) == 20


@pytest.mark.parametrize("name", NAMES)
def test_state_is_per_parameter(name):
    """Two parameters with equal values but different gradients get separate state arrays."""
    p1, p2 = nn.Parameter(np.ones(3)), nn.Parameter(np.ones(3))
    opt = getattr(optim, name)([p1, p2])
    for step in range(3):
        opt.zero_grad()
        p1.accumulate(np.array([1.0, -2.0, 3.0]))
        p2.accumulate(np.array([0.1, 0.2, -0.3]) * (step + 1))
        opt.step()
    assert set(opt.state) == {p1, p2}
    s1, s2 = opt.state[p1], opt.state[p2]
    assert s1 is not s2 and s1["step"] == s2["step"] == 3
    arrays = [k for k in s1 if isinstance(s1[k], np.ndarray)]
    assert arrays
    for key in arrays:
        assert not np.shares_memory(s1[key], s2[key])
        assert not np.allclose(s1[key], s2[key]), key
    assert not np.allclose(p1.data, p2.data)


# --------------------------------------------------------------------------- validation

INVALID = [
    ("Adagrad", dict(lr=-1e-2)), ("Adagrad", dict(lr_decay=-0.1)),
    ("Adagrad", dict(weight_decay=-1e-3)), ("Adagrad", dict(initial_accumulator_value=-1.0)),
    ("Adagrad", dict(eps=-1e-10)),
    ("RMSprop", dict(lr=-1e-2)), ("RMSprop", dict(alpha=-0.5)), ("RMSprop", dict(eps=-1e-8)),
    ("RMSprop", dict(weight_decay=-1e-2)), ("RMSprop", dict(momentum=-0.9)),
    ("Adadelta", dict(lr=-1.0)), ("Adadelta", dict(rho=-0.1)), ("Adadelta", dict(rho=1.5)),
    ("Adadelta", dict(eps=-1e-6)), ("Adadelta", dict(weight_decay=-0.1)),
    ("Adam", dict(lr=-1e-3)), ("Adam", dict(betas=(1.0, 0.999))), ("Adam", dict(betas=(0.9, 1.0))),
    ("Adam", dict(betas=(-0.1, 0.999))), ("Adam", dict(betas=(0.9, -0.5))),
    ("Adam", dict(eps=-1e-8)), ("Adam", dict(weight_decay=-1e-2)),
    ("AdamW", dict(lr=-1e-3)), ("AdamW", dict(betas=(0.9, 1.5))), ("AdamW", dict(eps=-1.0)),
    ("AdamW", dict(weight_decay=-1e-2)),
    ("Adamax", dict(lr=-2e-3)), ("Adamax", dict(betas=(1.0, 0.9))),
    ("Adamax", dict(betas=(0.9, 1.0))), ("Adamax", dict(eps=-1e-8)),
    ("Adamax", dict(weight_decay=-1.0)),
    ("Adam", dict(lr=float("nan"))), ("Adagrad", dict(eps=float("nan"))),
]
INVALID_IDS = [f"{n}-{'-'.join(f'{k}{v}' for k, v in kw.items())}" for n, kw in INVALID]


@pytest.mark.parametrize("name, kwargs", INVALID, ids=INVALID_IDS)
def test_invalid_hyper_parameters_raise_value_error(name, kwargs):
    with pytest.raises(ValueError):
        getattr(optim, name)([nn.Parameter(np.zeros(2))], **kwargs)


@pytest.mark.parametrize("name, kwargs", INVALID, ids=INVALID_IDS)
def test_torch_rejects_the_same_hyper_parameters(torch, name, kwargs):
    """The invalid list above is torch's notion of invalid, not one made up here."""
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([tt(np.zeros(2), True)], **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_empty_params_and_bad_group_lr_raise_value_error(name):
    cls = getattr(optim, name)
    with pytest.raises(ValueError, match="empty"):
        cls([])
    with pytest.raises(ValueError, match="empty"):
        cls(iter(()))
    with pytest.raises(ValueError, match=r"lr must be a non-negative real number, got -0\.5"):
        cls([{"params": [nn.Parameter(np.zeros(2))]},
             {"params": [nn.Parameter(np.zeros(2))], "lr": -0.5}])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", [np.zeros(3), [1.0, 2.0], 3.0], ids=["ndarray", "list", "float"])
def test_non_parameter_params_raise_type_error(name, bad):
    cls = getattr(optim, name)
    with pytest.raises(TypeError, match="Parameter"):
        cls([bad])
    with pytest.raises(TypeError, match="Parameter"):
        cls([nn.Parameter(np.zeros(2)), bad])
    with pytest.raises(TypeError, match="Parameter"):
        cls([{"params": [nn.Parameter(np.zeros(2))]}, {"params": [bad]}])


# --------------------------------------------------------------------------- by hand

def test_adam_first_step_by_hand():
    """After one step from zero moments, m/(1-b1) = g and sqrt(v/(1-b2)) = |g|, so Adam moves
    each coordinate by lr * g / (|g| + eps) — computed here without any optimizer."""
    g = np.array([0.5, -2.0, 1e-3])
    p = nn.Parameter(np.array([1.0, 2.0, 3.0]))
    opt = optim.Adam([p], lr=0.1, eps=1e-8)
    p.accumulate(g)
    opt.step()
    np.testing.assert_allclose(p.data, [1.0, 2.0, 3.0] - 0.1 * g / (np.abs(g) + 1e-8),
                               rtol=1e-12)


def test_adamw_decay_is_decoupled_by_hand():
    """With a zero gradient Adam's moments stay 0, so AdamW only shrinks: theta (1 - lr wd)^t."""
    p = nn.Parameter(np.array([1.0, -3.0]))
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.5)
    for _ in range(5):
        opt.zero_grad()
        p.accumulate(np.zeros(2))
        opt.step()
    np.testing.assert_allclose(p.data, np.array([1.0, -3.0]) * (1 - 0.05) ** 5, rtol=1e-12)


def test_adagrad_accumulates_squared_gradients_by_hand():
    g1, g2 = np.array([1.0, -2.0]), np.array([3.0, 0.5])
    p = nn.Parameter(np.zeros(2))
    opt = optim.Adagrad([p], lr=0.5, lr_decay=0.1, initial_accumulator_value=0.25, eps=0.0)
    p.accumulate(g1)
    opt.step()
    opt.zero_grad()
    p.accumulate(g2)
    opt.step()
    G1 = 0.25 + g1 ** 2
    G2 = G1 + g2 ** 2
    expected = -0.5 * g1 / np.sqrt(G1) - 0.5 / 1.1 * g2 / np.sqrt(G2)
    np.testing.assert_allclose(p.data, expected, rtol=1e-12)
