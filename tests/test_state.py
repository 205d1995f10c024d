"""State: buffers, state dicts of modules, optimizers and schedulers, dlbook.save/load, and a
training run interrupted, saved, restored and resumed bit for bit."""
import copy
import pickle

import numpy as np
import pytest

import dlbook
from dlbook import nn, optim
from dlbook.optim import lr_scheduler
from dlbook.random import get_rng_state, set_rng_state
from dlbook.training import fit
from reference import assert_parity, tt


def _model(seed):
    g = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(4, 8, generator=g), nn.BatchNorm1d(8), nn.ReLU(),
                         nn.Dropout(0.3, generator=np.random.default_rng(seed + 100)),
                         nn.Linear(8, 3, generator=g))


def _objects(seed):
    model = _model(seed)
    opt = optim.Adam(model.parameters(), lr=0.05, weight_decay=1e-3, amsgrad=True)
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    batches = np.random.default_rng(seed + 200)
    return model, opt, sched, batches


def _train(model, opt, sched, batches, X, y, steps):
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(steps):
        idx = batches.choice(len(X), 16, replace=False)
        loss_fn(model(X[idx]), y[idx])
        opt.zero_grad()
        model.backward(loss_fn.backward())
        opt.step()
        sched.step()


def _checkpoint(model, opt, sched, batches):
    dropout = model[3]
    return {"model": model.state_dict(), "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(), "batches": get_rng_state(batches),
            "dropout": get_rng_state(dropout.generator)}


def _restore(checkpoint, model, opt, sched, batches):
    model.load_state_dict(checkpoint["model"])
    opt.load_state_dict(checkpoint["optimizer"])
    sched.load_state_dict(checkpoint["scheduler"])
    set_rng_state(checkpoint["batches"], batches)
    set_rng_state(checkpoint["dropout"], model[3].generator)


def test_save_load_resume_is_bit_identical(tmp_path, rng):
    X = rng.normal(size=(64, 4))
    y = rng.integers(0, 3, 64)
    k = 7
    straight = _objects(0)
    _train(*straight, X, y, 2 * k)

    first = _objects(0)
    _train(*first, X, y, k)
    dlbook.save(_checkpoint(*first), tmp_path / "run.npz")
    resumed = _objects(99)                      # other initial weights, generators, moments
    _restore(dlbook.load(tmp_path / "run.npz"), *resumed)
    _train(*resumed, X, y, k)

    for a, b in zip(straight[0].state_dict().values(), resumed[0].state_dict().values()):
        np.testing.assert_array_equal(a, b)
    assert straight[1].param_groups[0]["lr"] == resumed[1].param_groups[0]["lr"] == 0.05 * 0.5 ** 4
    for p, q in zip(straight[0].parameters(), resumed[0].parameters()):
        for key, value in straight[1].state[p].items():
            np.testing.assert_array_equal(value, resumed[1].state[q][key])


def test_batchnorm_buffers_are_in_the_state_dict():
    bn = nn.BatchNorm1d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var",
                                                  "num_batches_tracked"]
    bn(np.arange(12.0).reshape(4, 3))
    assert int(bn.state_dict()["num_batches_tracked"]) == 1
    model = nn.Sequential(nn.Linear(3, 3), bn)
    assert "1.running_mean" in model.state_dict()


def test_state_dict_keys_match_torch(torch):
    ours = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8),
                                 torch.nn.ReLU(), torch.nn.Linear(8, 2))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy().astype(float) if v.dtype.is_floating_point else v.numpy()
                          for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(5, 4))
    ours.eval()
    theirs.double().eval()
    assert_parity(ours(x), theirs(tt(x)))


def test_state_dict_is_a_snapshot(rng):
    m = nn.Linear(2, 2, generator=rng)
    sd = m.state_dict()
    m.weight.data += 1.0
    assert not np.array_equal(sd["weight"], m.weight.data)


def test_load_state_dict_errors(rng):
    m = nn.Sequential(nn.Linear(2, 3, generator=rng), nn.BatchNorm1d(3))
    sd = m.state_dict()
    with pytest.raises(KeyError, match=r"missing keys \['1.num_batches_tracked'\]"):
        m.load_state_dict({k: v for k, v in sd.items() if k != "1.num_batches_tracked"})
    with pytest.raises(KeyError, match=r"unexpected keys \['extra'\]"):
        m.load_state_dict({**sd, "extra": np.zeros(1)})
    result = m.load_state_dict({**sd, "extra": np.zeros(1)}, strict=False)
    assert result.unexpected_keys == ["extra"] and result.missing_keys == []
    with pytest.raises(ValueError, match=r"size mismatch for 0.weight: .*\(2, 2\).*\(3, 2\)"):
        m.load_state_dict({**sd, "0.weight": np.zeros((2, 2))})


def test_load_state_dict_keeps_parameter_identity(rng):
    m = nn.Linear(2, 2, generator=rng)
    opt = optim.SGD(m.parameters(), lr=0.1)
    before = m.weight
    m.load_state_dict(nn.Linear(2, 2, generator=rng).state_dict())
    assert m.weight is before and opt.param_groups[0]["params"][0] is before


def test_register_buffer_rules():
    m = nn.Module()
    m.register_buffer("stats", np.zeros(2))
    m.register_buffer("scratch", np.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["stats"]
    assert len(m.buffers()) == 2
    m.stats = np.ones(2)
    np.testing.assert_array_equal(m.state_dict()["stats"], np.ones(2))
    with pytest.raises(ValueError, match="without '.'"):
        m.register_buffer("a.b", np.zeros(1))


# --------------------------------------------------------------------------- optimizer state
def _step(opt, params, grads):
    for p, g in zip(params, grads):
        p.grad = g.copy()
    opt.step()


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: optim.Adam(ps, lr=0.1, amsgrad=True, weight_decay=0.01),
    lambda ps: optim.RMSprop(ps, lr=0.01, centered=True, momentum=0.5),
])
def test_optimizer_state_survives_deepcopy_and_pickle(make, rng):
    params = [nn.Parameter(rng.normal(size=3)), nn.Parameter(rng.normal(size=(2, 2)))]
    opt = make(params)
    grads = [rng.normal(size=3), rng.normal(size=(2, 2))]
    _step(opt, params, grads)
    for clone in (copy.deepcopy, lambda o: pickle.loads(pickle.dumps(o))):
        twin = clone((params, opt))
        _step(opt, params, grads)
        _step(twin[1], twin[0], grads)
        for p, q in zip(params, twin[0]):
            np.testing.assert_array_equal(p.data, q.data)
        params_now = [p.data.copy() for p in params]
        for p, v in zip(params, params_now):
            p.data[...] = v


def test_optimizer_state_dict_round_trip_like_torch(torch, rng):
    params = [nn.Parameter(rng.normal(size=3)), nn.Parameter(rng.normal(size=2))]
    opt = optim.Adam([{"params": params[:1]}, {"params": params[1:], "lr": 0.01}], lr=0.1)
    _step(opt, params, [np.ones(3), np.ones(2)])
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1]
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    tparams = [torch.zeros(3, requires_grad=True), torch.zeros(2, requires_grad=True)]
    topt = torch.optim.Adam([{"params": tparams[:1]}, {"params": tparams[1:], "lr": 0.01}], lr=0.1)
    assert set(sd["param_groups"][0]) <= set(topt.state_dict()["param_groups"][0]) | {
        "decoupled_weight_decay"}
    fresh = [nn.Parameter(p.data.copy()) for p in params]
    opt2 = optim.Adam([{"params": fresh[:1]}, {"params": fresh[1:], "lr": 0.5}], lr=0.3)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[1]["lr"] == 0.01
    np.testing.assert_array_equal(opt2.state[fresh[0]]["exp_avg"], opt.state[params[0]]["exp_avg"])
    with pytest.raises(ValueError, match="parameter groups"):
        optim.Adam(fresh, lr=0.1).load_state_dict(sd)


def test_add_param_group(rng):
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(3))
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.01
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_step_rejects_a_wrongly_shaped_gradient():
    p = nn.Parameter(np.zeros((2, 3)))
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.ones(3)
    with pytest.raises(ValueError, match=r"shape \(2, 3\) has a gradient of shape \(3,\)"):
        opt.step()


def test_step_closure_and_zero_grad_in_place(rng):
    p = nn.Parameter(np.array([1.0, -2.0]))
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        p.accumulate(2 * p.data)
        return float(np.sum(p.data ** 2))

    assert opt.step(closure) == 5.0
    np.testing.assert_allclose(p.data, [0.8, -1.6])
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and not p.grad.any()


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)), ("Adam", dict(lr=0.1)),
    ("AdamW", dict(lr=0.1)), ("Adagrad", dict(lr=0.1)), ("RMSprop", dict(lr=0.01)),
    ("Adadelta", dict(lr=1.0)), ("Adamax", dict(lr=0.1)),
])
def test_maximize_matches_torch(torch, rng, name, kwargs):
    x0 = rng.normal(size=4)
    p, q = nn.Parameter(x0), tt(x0, True)
    ours = getattr(optim, name)([p], maximize=True, **kwargs)
    theirs = getattr(torch.optim, name)([q], maximize=True, **kwargs)
    for _ in range(10):
        g = -2 * p.data + 1.0                  # gradient of a concave quadratic
        p.grad = g
        q.grad = tt(-2 * q.detach().numpy() + 1.0)
        ours.step()
        theirs.step()
    assert_parity(p.data, q, rtol=1e-10)


def test_adam_decoupled_weight_decay_is_adamw(rng):
    x0 = rng.normal(size=3)
    a, b = nn.Parameter(x0), nn.Parameter(x0)
    opt_a = optim.Adam([a], lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)
    opt_b = optim.AdamW([b], lr=0.1, weight_decay=0.1)
    for _ in range(5):
        a.grad, b.grad = a.data.copy(), b.data.copy()
        opt_a.step()
        opt_b.step()
    np.testing.assert_array_equal(a.data, b.data)


# --------------------------------------------------------------------------- schedulers
def _lrs(sched, steps):
    out = []
    for _ in range(steps):
        sched.optimizer.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return out


@pytest.mark.parametrize("make", [
    lambda o, e=-1: lr_scheduler.StepLR(o, 3, 0.5, last_epoch=e),
    lambda o, e=-1: lr_scheduler.CosineAnnealingLR(o, 7, 0.01, last_epoch=e),
    lambda o, e=-1: lr_scheduler.CosineAnnealingWarmRestarts(o, 3, 2, last_epoch=e),
    lambda o, e=-1: lr_scheduler.LinearLR(o, 0.25, 1.0, 4, last_epoch=e),
])
def test_scheduler_resumes_from_state_dict_and_last_epoch(make):
    p = nn.Parameter(np.zeros(1))
    full = make(optim.SGD([p], lr=0.1))
    expected = _lrs(full, 12)
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1)
    first = make(opt)
    head = _lrs(first, 5)
    saved_opt, saved_sched = opt.state_dict(), first.state_dict()
    opt2 = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1)
    opt2.load_state_dict(saved_opt)
    resumed = make(opt2, saved_sched["last_epoch"] - 1)   # the constructor takes one step
    resumed.load_state_dict(saved_sched)
    opt2.load_state_dict(saved_opt)
    assert head + _lrs(resumed, 7) == pytest.approx(expected, rel=1e-12, abs=0)


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1), 3, last_epoch=4)


def test_cyclic_scale_fn_matches_torch(torch):
    def fn(x):
        return 1.0 / (1.0 + 0.1 * x)

    for mode in ("cycle", "iterations"):
        p, q = nn.Parameter(np.zeros(1)), tt(np.zeros(1), True)
        ours = lr_scheduler.CyclicLR(optim.SGD([p], lr=0.1, momentum=0.9), 0.01, 0.1,
                                     step_size_up=3, scale_fn=fn, scale_mode=mode)
        theirs = torch.optim.lr_scheduler.CyclicLR(torch.optim.SGD([q], lr=0.1, momentum=0.9),
                                                   0.01, 0.1, step_size_up=3, scale_fn=fn,
                                                   scale_mode=mode)
        for _ in range(20):
            ours.optimizer.step()
            theirs.optimizer.step()
            ours.step()
            theirs.step()
            assert ours.get_last_lr()[0] == pytest.approx(theirs.get_last_lr()[0], rel=1e-12)
            assert ours.optimizer.param_groups[0]["momentum"] == pytest.approx(
                theirs.optimizer.param_groups[0]["momentum"], rel=1e-12)


# --------------------------------------------------------------------------- clipping
@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, float("inf")])
def test_clip_grad_norm_types_match_torch(torch, rng, norm_type):
    grads = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    ours = [nn.Parameter(np.zeros_like(g)) for g in grads]
    theirs = [tt(np.zeros_like(g), True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = g.copy(), tt(g)
    total = nn.clip_grad_norm_(ours, 0.5, norm_type=norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type=norm_type)
    assert_parity(total, total_t)
    for p, q in zip(ours, theirs):
        assert_parity(p.grad, q.grad)


def test_clip_grad_value_matches_torch(torch, rng):
    g = rng.normal(size=(4, 3))
    p, q = nn.Parameter(np.zeros_like(g)), tt(np.zeros_like(g), True)
    p.grad, q.grad = g.copy(), tt(g)
    nn.clip_grad_value_(p, 0.5)
    torch.nn.utils.clip_grad_value_([q], 0.5)
    assert_parity(p.grad, q.grad)
    assert nn.utils.clip_grad_value_ is nn.clip_grad_value_


def test_clip_grad_norm_nonfinite():
    p = nn.Parameter(np.zeros(2))
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


# --------------------------------------------------------------------------- save / load
def test_save_load_round_trip(tmp_path):
    tree = {"a": np.arange(6, dtype=np.int64).reshape(2, 3), "b": [1, 2.5, None, True, "x"],
            "t": (np.float64(1.5), float("inf"), float("nan")), 3: {"deep": np.zeros(0)}}
    dlbook.save(tree, tmp_path / "t.npz")
    back = dlbook.load(tmp_path / "t.npz")
    np.testing.assert_array_equal(back["a"], tree["a"])
    assert back["a"].dtype == np.int64
    assert back["b"] == [1, 2.5, None, True, "x"]
    assert back["t"][:2] == (1.5, float("inf")) and np.isnan(back["t"][2])
    assert back[3]["deep"].shape == (0,)


def test_save_refuses_objects(tmp_path):
    with pytest.raises(TypeError, match="cannot save an object of type Linear"):
        dlbook.save({"model": nn.Linear(2, 2)}, tmp_path / "m.npz")


def test_load_never_unpickles(tmp_path):
    np.savez(tmp_path / "evil.npz", x=np.array([object()], dtype=object))
    with pytest.raises(ValueError):
        dlbook.load(tmp_path / "evil.npz")


# --------------------------------------------------------------------------- early stopping
def test_fit_restores_the_best_weights(rng):
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(np.int64)
    Xv, yv = X[:10] + 3.0 * rng.normal(size=(10, 3)), 1 - y[:10]   # validation that degrades
    model = nn.Sequential(nn.Linear(3, 2, generator=0))
    opt = optim.SGD(model.parameters(), lr=0.5)
    history = fit(model, nn.CrossEntropyLoss(), opt, X, y, epochs=15, batch_size=8,
                  X_val=Xv, y_val=yv, generator=0, patience=3, restore_best_weights=True)
    best = int(np.argmin(history["val_loss"]))
    assert len(history["val_loss"]) <= best + 4
    with dlbook.no_grad():
        value = nn.CrossEntropyLoss()(model(Xv), yv)
    assert value == pytest.approx(min(history["val_loss"]), rel=1e-12)


def test_fit_rejects_mismatched_lengths(rng):
    model = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="same number of samples, got 4 and 5"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            np.zeros((4, 3)), np.zeros(5, dtype=int), epochs=1, batch_size=2)
