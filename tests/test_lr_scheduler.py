"""dlbook.optim.lr_scheduler: step-for-step parity with torch.optim.lr_scheduler (learning
rates, and momentum / beta1 for CyclicLR) over several periods, the closed forms computed here
independently, the effect on an optimizer, and argument validation."""
import math
import warnings

import numpy as np
import pytest

from dlbook import nn, optim
from dlbook.optim import lr_scheduler as sched
from reference import tt

RTOL, ATOL = 1e-12, 1e-15
LRS = (0.1, 0.03)          # two parameter groups with different learning rates


def _optimizers(torch, kind="sgd", lrs=LRS):
    """The same optimizer in dlbook and torch, one parameter group per learning rate."""
    def groups(make):
        return [{"params": [make()], "lr": lr} for lr in lrs]

    if kind == "sgd":
        opt = optim.SGD(groups(lambda: nn.Parameter(np.zeros(2))), lr=lrs[0], momentum=0.9)
        opt_t = torch.optim.SGD(groups(lambda: tt(np.zeros(2), True)), lr=lrs[0], momentum=0.9)
    else:
        opt = optim.Adam(groups(lambda: nn.Parameter(np.zeros(2))), lr=lrs[0])
        opt_t = torch.optim.Adam(groups(lambda: tt(np.zeros(2), True)), lr=lrs[0])
    return opt, opt_t


def _run(torch, make, steps, kind="sgd", lrs=LRS, momentum=None):
    """Build ``make(optimizer, lr_scheduler_module)`` for dlbook and torch, step both ``steps``
    times and compare after construction and after every step. Returns dlbook's history of
    learning rates, shape (steps + 1, groups), and of momenta when ``momentum`` is given."""
    opt, opt_t = _optimizers(torch, kind, lrs)
    s = make(opt, sched)
    s_t = make(opt_t, torch.optim.lr_scheduler)
    lr_hist, mom_hist = [], []
    for t in range(steps + 1):
        if t:
            opt_t.step()          # before the scheduler, as torch expects (no warning)
            s.step()
            s_t.step()
        ours, theirs = s.get_last_lr(), s_t.get_last_lr()
        assert len(ours) == len(lrs)
        np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL, err_msg=f"t={t}")
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups], ours, rtol=0, atol=0)
        np.testing.assert_allclose([g["lr"] for g in opt_t.param_groups], ours, rtol=RTOL,
                                   atol=ATOL)
        lr_hist.append(ours)
        if momentum is not None:
            key = "betas" if kind == "adam" else "momentum"
            m = [g[key][0] if kind == "adam" else g[key] for g in opt.param_groups]
            m_t = [g[key][0] if kind == "adam" else g[key] for g in opt_t.param_groups]
            np.testing.assert_allclose(m, m_t, rtol=RTOL, atol=ATOL, err_msg=f"t={t}")
            if kind == "adam":   # beta2 untouched
                assert [g["betas"][1] for g in opt.param_groups] == [0.999] * len(lrs)
            mom_hist.append(m)
    return np.array(lr_hist), (np.array(mom_hist) if momentum is not None else None)


T = np.arange(0, 200)


# --------------------------------------------------------------------------- StepLR

@pytest.mark.parametrize("step_size, gamma", [(3, 0.1), (5, 0.5), (1, 0.9), (4, 1.5)])
def test_step_lr(torch, step_size, gamma):
    steps = 4 * step_size + 3
    hist, _ = _run(torch, lambda o, m: m.StepLR(o, step_size=step_size, gamma=gamma), steps)
    t = T[: steps + 1, None]
    np.testing.assert_allclose(hist, np.array(LRS) * gamma ** (t // step_size), rtol=1e-12)


# --------------------------------------------------------------------------- ExponentialLR

@pytest.mark.parametrize("gamma", [0.9, 0.5, 1.0])
def test_exponential_lr(torch, gamma):
    hist, _ = _run(torch, lambda o, m: m.ExponentialLR(o, gamma=gamma), 25)
    np.testing.assert_allclose(hist, np.array(LRS) * gamma ** T[:26, None], rtol=1e-12)


# --------------------------------------------------------------------------- LinearLR

@pytest.mark.parametrize("start, end, total", [
    (1 / 3, 1.0, 5),      # torch's defaults: warm-up
    (0.1, 1.0, 10),       # long warm-up
    (1.0, 0.1, 8),        # decay
    (0.5, 0.0, 4),        # decay to zero
    (0.25, 0.75, 3),
])
def test_linear_lr(torch, start, end, total):
    steps = 3 * total + 2
    hist, _ = _run(torch, lambda o, m: m.LinearLR(o, start_factor=start, end_factor=end,
                                                  total_iters=total), steps)
    t = T[: steps + 1, None]
    factor = start + (end - start) * np.minimum(t, total) / total
    np.testing.assert_allclose(hist, np.array(LRS) * factor, rtol=1e-10, atol=1e-15)
    # the direction: monotone towards end_factor, then constant
    diffs = np.diff(hist[:, 0])
    assert np.all(np.sign(diffs[:total]) == np.sign(end - start))
    np.testing.assert_allclose(diffs[total:], 0.0, atol=1e-15)


def test_linear_lr_defaults_match_torch(torch):
    import inspect
    ours = inspect.signature(sched.LinearLR).parameters
    theirs = inspect.signature(torch.optim.lr_scheduler.LinearLR).parameters
    for key in ("start_factor", "end_factor", "total_iters"):
        assert ours[key].default == theirs[key].default


# --------------------------------------------------------------------------- cosine

@pytest.mark.parametrize("T_max, eta_min", [(10, 0.0), (7, 0.01), (5, 0.005), (1, 0.0)])
def test_cosine_annealing_lr(torch, T_max, eta_min):
    steps = 4 * T_max + 3          # well beyond T_max: the rate rises again
    hist, _ = _run(torch, lambda o, m: m.CosineAnnealingLR(o, T_max=T_max, eta_min=eta_min),
                   steps)
    t = T[: T_max + 1, None]
    closed = eta_min + (np.array(LRS) - eta_min) * (1 + np.cos(np.pi * t / T_max)) / 2
    np.testing.assert_allclose(hist[: T_max + 1], closed, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(hist[T_max], eta_min, atol=1e-15)
    # the recursive form keeps following the (periodic) closed form after T_max
    t = T[: steps + 1, None]
    closed = eta_min + (np.array(LRS) - eta_min) * (1 + np.cos(np.pi * t / T_max)) / 2
    np.testing.assert_allclose(hist, closed, rtol=1e-9, atol=1e-14)
    if T_max > 1:   # beyond T_max it climbs back towards the initial rate
        assert hist[T_max + 1, 0] > hist[T_max, 0]


@pytest.mark.parametrize("T_0, T_mult, eta_min", [(5, 1, 0.0), (10, 1, 0.001), (3, 2, 0.01),
                                                  (4, 2, 0.0), (2, 3, 0.0)])
def test_cosine_annealing_warm_restarts(torch, T_0, T_mult, eta_min):
    # at least three full periods
    steps = sum(T_0 * T_mult ** i for i in range(3)) + 3
    hist, _ = _run(torch, lambda o, m: m.CosineAnnealingWarmRestarts(
        o, T_0=T_0, T_mult=T_mult, eta_min=eta_min), steps)
    expected = []
    for t in range(steps + 1):       # restart bookkeeping, by integer arithmetic
        start, T_i = 0, T_0
        while t >= start + T_i:
            start, T_i = start + T_i, T_i * T_mult
        c = (1 + math.cos(math.pi * (t - start) / T_i)) / 2
        expected.append([eta_min + (lr - eta_min) * c for lr in LRS])
    np.testing.assert_allclose(hist, expected, rtol=1e-12, atol=1e-15)
    # a restart puts the rate back at its initial value
    np.testing.assert_allclose(hist[T_0], LRS, rtol=1e-12)


# --------------------------------------------------------------------------- CyclicLR

def _cyclic_closed_form(t, base, top, up, down, mode, gamma, lo_m=None, hi_m=None):
    period = up + down
    p = t % period
    f = p / up if p <= up else 1 - (p - up) / down
    scale = {"triangular": 1.0, "triangular2": 0.5 ** (t // period),
             "exp_range": gamma ** t}[mode]
    lr = base + (top - base) * f * scale
    mom = None if lo_m is None else hi_m - (hi_m - lo_m) * f * scale
    return lr, mom


CYCLIC = [
    dict(mode="triangular", step_size_up=4, step_size_down=6),
    dict(mode="triangular", step_size_up=5),
    dict(mode="triangular2", step_size_up=3, step_size_down=7),
    dict(mode="exp_range", step_size_up=4, step_size_down=2, gamma=0.97),
    dict(mode="exp_range", step_size_up=5, gamma=0.9),
]
CYCLIC_IDS = ["-".join(f"{k}{v}" for k, v in c.items()) for c in CYCLIC]


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("config", CYCLIC, ids=CYCLIC_IDS)
def test_cyclic_lr_with_momentum_cycling(torch, config, kind):
    base, top = [0.001, 0.0005], [0.1, 0.02]
    lo_m, hi_m = 0.85, 0.95
    up = config["step_size_up"]
    down = config.get("step_size_down") or up
    steps = 3 * (up + down) + 3
    hist, mom = _run(torch, lambda o, m: m.CyclicLR(o, base_lr=base, max_lr=top,
                                                    base_momentum=lo_m, max_momentum=hi_m,
                                                    **config),
                     steps, kind=kind, momentum=True)
    gamma = config.get("gamma", 1.0)
    for t in range(steps + 1):
        for k in range(2):
            lr, m = _cyclic_closed_form(t, base[k], top[k], up, down, config["mode"], gamma,
                                        lo_m, hi_m)
            np.testing.assert_allclose(hist[t, k], lr, rtol=1e-10, atol=1e-15)
            np.testing.assert_allclose(mom[t, k], m, rtol=1e-10, atol=1e-15)
    # momentum is high when the rate is low and vice versa
    assert np.argmax(hist[: up + down + 1, 0]) == np.argmin(mom[: up + down + 1, 0]) == up


def test_cyclic_lr_without_momentum_cycling_leaves_momentum_alone(torch):
    hist, _ = _run(torch, lambda o, m: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3,
                                                  step_size_down=5, cycle_momentum=False), 30)
    opt, _ = _optimizers(torch)
    s = sched.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3, cycle_momentum=False)
    for _ in range(5):
        s.step()
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9]
    for t in range(31):
        lr, _ = _cyclic_closed_form(t, 0.01, 0.1, 3, 5, "triangular", 1.0)
        np.testing.assert_allclose(hist[t], [lr, lr], rtol=1e-10)


# --------------------------------------------------------------------------- LambdaLR

@pytest.mark.parametrize("k", [0.1, 0.5, 2.0])
def test_lambda_lr_inverse_time_decay(torch, k):
    hist, _ = _run(torch, lambda o, m: m.LambdaLR(o, lambda t: 1 / (1 + k * t)), 30)
    np.testing.assert_allclose(hist, np.array(LRS) / (1 + k * T[:31, None]), rtol=1e-12)


def test_lambda_lr_one_function_per_group(torch):
    fns = [lambda t: 1 / (1 + 0.2 * t), lambda t: 0.95 ** t]
    hist, _ = _run(torch, lambda o, m: m.LambdaLR(o, fns), 30)
    t = T[:31]
    np.testing.assert_allclose(hist[:, 0], LRS[0] / (1 + 0.2 * t), rtol=1e-12)
    np.testing.assert_allclose(hist[:, 1], LRS[1] * 0.95 ** t, rtol=1e-12)


# --------------------------------------------------------------------------- effect on training

def test_the_optimizer_uses_the_scheduled_rate():
    """With a constant unit gradient, plain SGD moves by exactly the scheduled rates."""
    p = nn.Parameter(np.zeros(1))
    opt = optim.SGD([p], lr=0.5)
    s = sched.StepLR(opt, step_size=2, gamma=0.5)
    used = []
    for _ in range(7):
        used.append(s.get_last_lr()[0])
        opt.zero_grad()
        p.accumulate(np.ones(1))
        opt.step()
        s.step()
    assert used == [0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.0625]
    np.testing.assert_allclose(p.data, [-sum(used)], rtol=1e-15)


def test_no_warning_and_initial_lr_recorded():
    opt = optim.SGD([{"params": [nn.Parameter(np.zeros(1))], "lr": 0.2}], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sched.ExponentialLR(opt, gamma=0.5)
        s.step()
    assert opt.param_groups[0]["initial_lr"] == 0.2
    assert s.base_lrs == [0.2]
    assert s.get_last_lr() == [0.1]


# --------------------------------------------------------------------------- errors

def _sgd():
    return optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1, momentum=0.9)


@pytest.mark.parametrize("cls, kwargs", [
    (sched.StepLR, dict(step_size=2)), (sched.ExponentialLR, dict(gamma=0.9)),
    (sched.LinearLR, dict()), (sched.CosineAnnealingLR, dict(T_max=5)),
    (sched.CosineAnnealingWarmRestarts, dict(T_0=3)),
    (sched.CyclicLR, dict(base_lr=0.01, max_lr=0.1, cycle_momentum=False)),
    (sched.LambdaLR, dict(lr_lambda=lambda t: 1.0)),
])
def test_non_dlbook_optimizer_raises_type_error(cls, kwargs):
    class FakeOptimizer:
        param_groups = [{"lr": 0.1, "params": []}]
        defaults = {"lr": 0.1}
    fake = FakeOptimizer()
    for bad in (fake, object(), [nn.Parameter(np.zeros(1))]):
        with pytest.raises(TypeError, match="dlbook Optimizer"):
            cls(bad, **kwargs)
    assert fake.param_groups == [{"lr": 0.1, "params": []}]    # rejected before any change


def test_torch_optimizer_raises_type_error(torch):
    opt_t = torch.optim.SGD([tt(np.zeros(1), True)], lr=0.1)
    with pytest.raises(TypeError, match="dlbook"):
        sched.StepLR(opt_t, step_size=2)


@pytest.mark.parametrize("make", [
    lambda o: sched.StepLR(o, step_size=0),
    lambda o: sched.StepLR(o, step_size=-2),
    lambda o: sched.StepLR(o, step_size=2.5),
    lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=-1),
    lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=2.5),
    lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=0),
    lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=1.5),
    lambda o: sched.CosineAnnealingLR(o, T_max=0),
    lambda o: sched.CyclicLR(o, base_lr=0.01, max_lr=0.1, mode="triangle"),
    lambda o: sched.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1),
    lambda o: sched.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2, 0.3]),
    lambda o: sched.LinearLR(o, start_factor=0.0),
    lambda o: sched.LinearLR(o, start_factor=1.5),
    lambda o: sched.LinearLR(o, end_factor=-0.1),
    lambda o: sched.LinearLR(o, end_factor=1.5),
    lambda o: sched.LambdaLR(o, [lambda t: 1.0, lambda t: 1.0]),
    lambda o: sched.LambdaLR(o, 0.5),
], ids=["step0", "step-2", "step2.5", "T0_0", "T0_-1", "T0_2.5", "Tmult0", "Tmult1.5",
        "Tmax0", "mode", "base_lr_len", "max_lr_len", "start0", "start1.5", "end-0.1",
        "end1.5", "lambdas_len", "lambda_not_callable"])
def test_bad_arguments_raise_value_error(make):
    with pytest.raises(ValueError):
        make(_sgd())


def test_cyclic_momentum_needs_momentum_or_betas():
    opt = optim.Adagrad([nn.Parameter(np.zeros(1))])
    with pytest.raises(ValueError, match="momentum"):
        sched.CyclicLR(opt, base_lr=0.01, max_lr=0.1)
    s = sched.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2, cycle_momentum=False)
    s.step()
    assert s.get_last_lr() == pytest.approx([0.055])


def test_bad_mode_also_rejected_by_torch(torch):
    opt_t = torch.optim.SGD([tt(np.zeros(1), True)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError):
        torch.optim.lr_scheduler.CyclicLR(opt_t, base_lr=0.01, max_lr=0.1, mode="triangle")
