"""dlbook.optim.SGD: step-by-step parity with torch.optim.SGD on non-quadratic objectives, the
update rule by hand, parameter groups, state, and argument validation; the learning-rate
schedulers of dlbook.optim.lr_scheduler against torch's. (The adaptive optimizers are tested in
test_optim_adaptive.py.)"""
import numpy as np
import pytest

from dlbook import nn, optim
from reference import assert_parity, rosenbrock_grad, tanh_mlp_pair, train_side_by_side, tt

STEPS = 60
STEP_RTOL, STEP_ATOL = 1e-9, 1e-12

SGD_OPTIONS = [dict(momentum=m, dampening=d, weight_decay=wd, nesterov=n)
               for m in (0.0, 0.9) for d in (0.0, 0.5) for wd in (0.0, 1e-2)
               for n in (False, True) if not (n and (m == 0 or d != 0))]
SGD_IDS = ["m{momentum}-d{dampening}-wd{weight_decay}-n{nesterov}".format(**o) for o in SGD_OPTIONS]


def _run_parity(torch, rng, make_groups, defaults, steps=STEPS):
    model, ref, X, Y = tanh_mlp_pair(torch, rng)
    opt = optim.SGD(make_groups(model.parameters()), **defaults)
    opt_t = torch.optim.SGD(make_groups(list(ref.parameters())), **defaults)

    def compare():
        for p, q in zip(model.parameters(), ref.parameters()):
            assert_parity(p.data, q, rtol=STEP_RTOL, atol=STEP_ATOL)

    train_side_by_side(torch, model, ref, opt, opt_t, X, Y, steps, compare, STEP_RTOL, STEP_ATOL)
    return model


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=SGD_IDS)
def test_sgd_parity_mlp(torch, options, rng):
    model = _run_parity(torch, rng, lambda ps: ps, dict(lr=0.1, **options))
    assert model is not None


def test_sgd_parity_param_groups(torch, rng):
    def groups(ps):
        return [{"params": ps[0:2], "lr": 0.05, "momentum": 0.9, "nesterov": True},
                {"params": ps[2:4], "momentum": 0.5, "dampening": 0.1, "weight_decay": 1e-3},
                {"params": ps[4:]}]
    _run_parity(torch, rng, groups, dict(lr=0.2, weight_decay=1e-2))


@pytest.mark.parametrize("options", [dict(), dict(momentum=0.9, nesterov=True),
                                     dict(momentum=0.8, dampening=0.3, weight_decay=0.1)])
def test_sgd_parity_rosenbrock(torch, options):
    """Gradients from the hand-derived formula here, from autograd in torch: only the optimizers
    are shared between the two runs."""
    p = nn.Parameter(np.array([-1.5, 2.0]))
    q = tt(p.data, True)
    opt = optim.SGD([p], lr=2e-4, **options)
    opt_t = torch.optim.SGD([q], lr=2e-4, **options)
    for _ in range(200):
        opt.zero_grad()
        p.accumulate(rosenbrock_grad(p.data))
        opt.step()
        opt_t.zero_grad()
        ((1 - q[0]) ** 2 + 100 * (q[1] - q[0] ** 2) ** 2).backward()
        opt_t.step()
        assert_parity(p.data, q, rtol=STEP_RTOL, atol=STEP_ATOL)


def test_sgd_defaults_match_torch(torch):
    ours = optim.SGD([nn.Parameter(np.zeros(1))]).defaults
    theirs = torch.optim.SGD([tt(np.zeros(1), True)]).defaults
    for key, value in ours.items():
        assert theirs[key] == value, key


# --------------------------------------------------------------------------- by hand
def test_sgd_update_rule_by_hand():
    """Two steps written out: wd=0.1, mu=0.5, dampening=0.2, lr=0.1, constant gradient 1."""
    p = nn.Parameter(np.array([1.0]))
    opt = optim.SGD([p], lr=0.1, momentum=0.5, dampening=0.2, weight_decay=0.1)
    p.grad = np.array([1.0])
    opt.step()
    # g = 1 + 0.1*1 = 1.1; b = g (first step); theta = 1 - 0.1*1.1 = 0.89
    assert p.data[0] == pytest.approx(0.89, abs=1e-15)
    opt.step()
    # g = 1 + 0.1*0.89 = 1.089; b = 0.5*1.1 + 0.8*1.089 = 1.4212; theta = 0.89 - 0.14212
    assert p.data[0] == pytest.approx(0.89 - 0.14212, abs=1e-15)
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"], [1.4212])


def test_nesterov_by_hand():
    p = nn.Parameter(np.array([0.0]))
    opt = optim.SGD([p], lr=1.0, momentum=0.5, nesterov=True)
    p.grad = np.array([1.0])
    opt.step()                     # b = 1, step g + mu b = 1.5
    assert p.data[0] == pytest.approx(-1.5)
    opt.step()                     # b = 0.5 + 1 = 1.5, step 1 + 0.75 = 1.75
    assert p.data[0] == pytest.approx(-3.25)


def test_plain_sgd_and_skipped_parameters():
    p, q = nn.Parameter(np.array([1.0, 2.0])), nn.Parameter(np.array([3.0]))
    opt = optim.SGD([p, q], lr=0.5)
    p.grad = np.array([2.0, -2.0])
    opt.step()
    np.testing.assert_allclose(p.data, [0.0, 3.0])
    np.testing.assert_array_equal(q.data, [3.0])   # no gradient: left alone, no state
    assert q not in opt.state
    data_before = p.data
    opt.step()
    assert p.data is data_before                   # updated in place


def test_zero_grad_sets_none():
    ps = [nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))]
    for p in ps:
        p.grad = np.ones_like(p.data)
    opt = optim.SGD([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.5}], lr=0.1)
    opt.zero_grad()
    assert all(p.grad is None for p in ps)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.0


def test_accepts_a_generator_of_parameters(rng):
    model = nn.Linear(2, 2, generator=rng)
    opt = optim.SGD((p for p in model.parameters()), lr=0.1)
    assert len(opt.param_groups[0]["params"]) == 2


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("kwargs,match", [
    (dict(lr=-0.1), r"lr must be a non-negative real number, got -0\.1"),
    (dict(lr=0.1, momentum=-0.5), "momentum"),
    (dict(lr=0.1, weight_decay=-1e-4), "weight_decay"),
    (dict(lr=0.1, nesterov=True), "Nesterov"),
    (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
])
def test_sgd_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optim.SGD([nn.Parameter(np.zeros(1))], **kwargs)


def test_lr_of_the_wrong_type_is_named():
    with pytest.raises(TypeError, match=r"lr must be a non-negative real number, got str '0.1'"):
        optim.SGD([nn.Parameter(np.zeros(1))], lr="0.1")


def test_sgd_invalid_arguments_like_torch(torch):
    for kwargs in (dict(lr=-0.1), dict(lr=0.1, momentum=-0.5), dict(lr=0.1, nesterov=True),
                   dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)):
        with pytest.raises(ValueError):
            torch.optim.SGD([tt(np.zeros(1), True)], **kwargs)
        with pytest.raises(ValueError):
            optim.SGD([nn.Parameter(np.zeros(1))], **kwargs)


def test_optimizer_params_errors():
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="Parameter"):
        optim.SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match=r"lr must be a non-negative real number, got -1\.0"):
        optim.SGD([{"params": [nn.Parameter(np.zeros(1))], "lr": -1.0}], lr=0.1)
    with pytest.raises(NotImplementedError):
        p = nn.Parameter(np.zeros(1))
        p.grad = np.zeros(1)
        optim.Optimizer([p], dict(lr=0.1)).step()


# --------------------------------------------------------------------------- LR schedulers
def _sched_pair(torch, kind, kwargs, opt_name="SGD", opt_kwargs=None, groups=2):
    opt_kwargs = dict(lr=0.1, momentum=0.9) if opt_kwargs is None else opt_kwargs
    ps = [nn.Parameter(np.zeros(2)) for _ in range(groups)]
    qs = [tt(np.zeros(2), True) for _ in range(groups)]
    lrs = [0.1 * (i + 1) for i in range(groups)]
    opt = getattr(optim, opt_name)([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)],
                                   **opt_kwargs)
    opt_t = getattr(torch.optim, opt_name)([{"params": [q], "lr": lr} for q, lr in zip(qs, lrs)],
                                           **opt_kwargs)
    return (getattr(optim.lr_scheduler, kind)(opt, **kwargs),
            getattr(torch.optim.lr_scheduler, kind)(opt_t, **kwargs), opt, opt_t)


SCHEDULERS = [
    ("StepLR", dict(step_size=3)),
    ("StepLR", dict(step_size=4, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.8, total_iters=10)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.0, total_iters=7)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("CosineAnnealingWarmRestarts", dict(T_0=5)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, step_size_down=5,
                      mode="triangular2", base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.97,
                      cycle_momentum=False)),
]


@pytest.mark.parametrize("kind,kwargs", SCHEDULERS,
                         ids=[f"{k}-{i}" for i, (k, _) in enumerate(SCHEDULERS)])
def test_scheduler_parity(torch, kind, kwargs):
    sched, sched_t, opt, opt_t = _sched_pair(torch, kind, kwargs)
    for epoch in range(40):
        np.testing.assert_allclose(sched.get_last_lr(), sched_t.get_last_lr(), rtol=1e-12,
                                   atol=1e-15, err_msg=f"epoch {epoch}")
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups],
                                   [g["lr"] for g in opt_t.param_groups], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose([g["momentum"] for g in opt.param_groups],
                                   [g["momentum"] for g in opt_t.param_groups], rtol=1e-12)
        opt.step()
        opt_t.step()
        sched.step()
        sched_t.step()


def test_cyclic_lr_cycles_adam_beta1(torch):
    sched, sched_t, opt, opt_t = _sched_pair(
        torch, "CyclicLR", dict(base_lr=0.001, max_lr=0.01, step_size_up=3),
        opt_name="Adam", opt_kwargs=dict(lr=0.001))
    for _ in range(12):
        np.testing.assert_allclose(sched.get_last_lr(), sched_t.get_last_lr(), rtol=1e-12)
        np.testing.assert_allclose([g["betas"] for g in opt.param_groups],
                                   [g["betas"] for g in opt_t.param_groups], rtol=1e-12)
        opt_t.step()
        sched.step()
        sched_t.step()


def test_lambda_lr_and_closed_forms():
    p = nn.Parameter(np.zeros(1))
    opt = optim.SGD([p], lr=0.5)
    sched = optim.lr_scheduler.LambdaLR(opt, lambda t: 1 / (1 + 0.5 * t))
    seen = []
    for _ in range(5):
        seen.append(opt.param_groups[0]["lr"])
        sched.step()
    np.testing.assert_allclose(seen, [0.5 / (1 + 0.5 * t) for t in range(5)])
    # the recursive cosine schedule equals its closed form within the first period
    opt = optim.SGD([p], lr=1.0)
    cos = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8, eta_min=0.1)
    for t in range(9):
        expected = 0.1 + 0.45 * (1 + np.cos(np.pi * t / 8))
        assert cos.get_last_lr()[0] == pytest.approx(expected, rel=1e-12)
        cos.step()
    # StepLR's closed form
    opt = optim.SGD([p], lr=1.0)
    step = optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    for t in range(10):
        assert step.get_last_lr()[0] == pytest.approx(0.5 ** (t // 3))
        step.step()


def test_scheduler_errors():
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1)
    with pytest.raises(TypeError, match="Optimizer"):
        optim.lr_scheduler.StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="step_size"):
        optim.lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        optim.lr_scheduler.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="start_factor"):
        optim.lr_scheduler.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="mode"):
        optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, mode="sawtooth")
    with pytest.raises(ValueError, match="momentum"):
        optim.lr_scheduler.CyclicLR(optim.Adagrad([nn.Parameter(np.zeros(1))]), 0.01, 0.1)
    with pytest.raises(ValueError, match="lr_lambda"):
        optim.lr_scheduler.LambdaLR(opt, [lambda t: 1.0, lambda t: 1.0])
    with pytest.raises(ValueError, match="T_mult"):
        optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)
