"""dlbook.optim.plateau: ReduceLROnPlateau and OneCycleLR, step-for-step parity with
torch.optim.lr_scheduler (learning rates and, for OneCycleLR, momentum / beta1), the
closed forms, and argument validation."""
import math

import numpy as np
import pytest

from dlbook import nn, optim
from dlbook.optim import lr_scheduler as sched
from dlbook.optim.plateau import OneCycleLR, ReduceLROnPlateau
from test_lr_scheduler import _optimizers  # the same optimizer pairs in dlbook and torch

RTOL, ATOL = 1e-12, 1e-15


def _momenta(opt, kind):
    return [g["betas"][0] if kind == "adam" else g["momentum"] for g in opt.param_groups]


def test_exported_from_lr_scheduler():
    assert sched.ReduceLROnPlateau is ReduceLROnPlateau and sched.OneCycleLR is OneCycleLR


@pytest.mark.parametrize("kwargs", [
    {},
    dict(mode="max", factor=0.5, patience=2),
    dict(factor=0.3, patience=1, threshold=0.05, threshold_mode="abs", cooldown=2),
    dict(factor=0.5, patience=0, min_lr=[0.02, 0.01]),
    dict(factor=0.5, patience=1, threshold=0.0, eps=1e-3, min_lr=0.0),
])
def test_plateau_parity(torch, kwargs):
    rng = np.random.default_rng(0)
    opt, opt_t = _optimizers(torch)
    s = ReduceLROnPlateau(opt, **kwargs)
    s_t = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, **kwargs)
    # a metric that improves, stalls, wiggles and improves again
    metrics = np.concatenate([np.linspace(1.0, 0.5, 8), np.full(15, 0.5),
                              0.5 + 0.01 * rng.standard_normal(30), np.linspace(0.5, 0.1, 10)])
    reductions = 0
    for m in metrics:
        before = s.get_last_lr()
        opt_t.step()
        s.step(m)
        s_t.step(float(m))
        reductions += s.get_last_lr() != before
        np.testing.assert_allclose(s.get_last_lr(), s_t.get_last_lr(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups], s.get_last_lr(),
                                   rtol=0, atol=0)
        assert s.num_bad_epochs == s_t.num_bad_epochs and s.best == pytest.approx(s_t.best)
    assert reductions > 0


def test_plateau_waits_patience_epochs():
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    s = ReduceLROnPlateau(opt, factor=0.5, patience=3)
    lrs = []
    for m in [1.0] + [1.0] * 8:
        s.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    # the first epoch sets best; epochs 2-4 are bad but within patience; epoch 5 reduces
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25]


def test_plateau_state_dict_roundtrip():
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    s = ReduceLROnPlateau(opt, patience=1)
    for m in (1.0, 1.0, 1.0):
        s.step(m)
    state = s.state_dict()
    s2 = ReduceLROnPlateau(opt, patience=1)
    s2.load_state_dict(state)
    assert s2.best == s.best and s2.num_bad_epochs == s.num_bad_epochs
    assert "optimizer" not in state


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("kwargs", [
    dict(max_lr=1.0, total_steps=40),
    dict(max_lr=[1.0, 0.5], total_steps=37, pct_start=0.25, anneal_strategy="linear"),
    dict(max_lr=0.3, epochs=5, steps_per_epoch=9, three_phase=True, div_factor=10.0,
         final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9),
    dict(max_lr=0.3, total_steps=30, cycle_momentum=False),
])
def test_one_cycle_parity(torch, kind, kwargs):
    opt, opt_t = _optimizers(torch, kind)
    s = OneCycleLR(opt, **kwargs)
    s_t = torch.optim.lr_scheduler.OneCycleLR(opt_t, **kwargs)
    total = kwargs.get("total_steps") or kwargs["epochs"] * kwargs["steps_per_epoch"]
    for t in range(total):
        if t:
            opt_t.step()
            s.step()
            s_t.step()
        np.testing.assert_allclose(s.get_last_lr(), s_t.get_last_lr(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"t={t}")
        np.testing.assert_allclose(_momenta(opt, kind), _momenta(opt_t, kind), rtol=RTOL,
                                   atol=ATOL, err_msg=f"t={t}")


def test_one_cycle_closed_form():
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.0, momentum=0.9)
    T, top = 100, 2.0
    s = OneCycleLR(opt, max_lr=top, total_steps=T, pct_start=0.3)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(T - 1):
        s.step()
        lrs.append(opt.param_groups[0]["lr"])
    lrs = np.array(lrs)
    assert math.isclose(lrs[0], top / 25) and math.isclose(lrs.max(), top)
    assert int(np.argmax(lrs)) == 29 and math.isclose(lrs[-1], top / 25 / 1e4)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)
    with pytest.raises(ValueError, match="total_steps"):
        s.step()
        s.step()


@pytest.mark.parametrize("kwargs, match", [
    (dict(factor=1.0), "factor"), (dict(mode="median"), "mode"),
    (dict(threshold_mode="pct"), "threshold_mode"), (dict(patience=-1), "patience"),
    (dict(cooldown=1.5), "cooldown"), (dict(min_lr=[0.0, 0.0]), "min_lr"),
    (dict(threshold=-0.1), "threshold"),
])
def test_plateau_validation(kwargs, match):
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match=match):
        ReduceLROnPlateau(opt, **kwargs)
    with pytest.raises(TypeError):
        ReduceLROnPlateau(object())


@pytest.mark.parametrize("kwargs, match", [
    (dict(max_lr=1.0), "total_steps"), (dict(max_lr=1.0, total_steps=0), "total_steps"),
    (dict(max_lr=1.0, epochs=2, steps_per_epoch=0), "steps_per_epoch"),
    (dict(max_lr=1.0, total_steps=10, pct_start=1.5), "pct_start"),
    (dict(max_lr=1.0, total_steps=10, anneal_strategy="exp"), "anneal_strategy"),
    (dict(max_lr=[1.0, 2.0], total_steps=10), "max_lr"),
])
def test_one_cycle_validation(kwargs, match):
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0, momentum=0.9)
    with pytest.raises(ValueError, match=match):
        OneCycleLR(opt, **kwargs)
    with pytest.raises(ValueError, match="momentum"):
        OneCycleLR(optim.Adagrad([nn.Parameter(np.zeros(1))], lr=1.0), max_lr=1.0, total_steps=5)
