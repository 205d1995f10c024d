"""Tests for dlbook.exercises.schedules: the checker accepts right answers and rejects wrong ones."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.schedules import _triangular_reference, check_triangular


def _smith_closed_form(t, base_lr, max_lr, step_size):
    # Smith (2017): cycle = floor(1 + t / 2s), x = |t/s - 2 cycle + 1|, lr = base + (max-base)(1-x)+
    t = np.asarray(t, dtype=float)
    cycle = np.floor(1 + t / (2 * step_size))
    x = np.abs(t / step_size - 2 * cycle + 1)
    return base_lr + (max_lr - base_lr) * np.maximum(0.0, 1.0 - x)


def _torch_cyclic(t, base_lr, max_lr, step_size):
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=base_lr, max_lr=max_lr,
                                              step_size_up=step_size, cycle_momentum=False)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(int(np.max(t))):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    return np.asarray(lrs)[np.asarray(t)]


@pytest.mark.parametrize("base, top, step", [(0.01, 0.1, 10), (1e-3, 1.0, 1), (0.5, 2.0, 7)])
def test_reference_is_smiths_closed_form(base, top, step):
    t = np.arange(0, 12 * step + 3)
    np.testing.assert_allclose(_triangular_reference(t, base, top, step),
                               _smith_closed_form(t, base, top, step), rtol=1e-12, atol=1e-14)


def test_reference_matches_torch():
    t = np.arange(0, 45)
    np.testing.assert_allclose(_triangular_reference(t, 0.01, 0.1, 6),
                               _torch_cyclic(t, 0.01, 0.1, 6), rtol=1e-12, atol=1e-14)


def test_check_triangular_accepts_and_rejects():
    assert "match" in check_triangular(_smith_closed_form)
    with pytest.raises(ExerciseCheckError):             # off by one iteration
        check_triangular(lambda t, b, m, s: _smith_closed_form(np.asarray(t) + 1, b, m, s))
    with pytest.raises(ExerciseCheckError):             # period 2s mistaken for s
        check_triangular(lambda t, b, m, s: _smith_closed_form(t, b, m, s / 2))
    with pytest.raises(ExerciseCheckError, match="shape"):      # returns a scalar
        check_triangular(lambda t, b, m, s: float(_smith_closed_form(t, b, m, s)[0]))


def test_check_triangular_rejects_modifying_t():
    def in_place(t, base_lr, max_lr, step_size):
        out = _smith_closed_form(t, base_lr, max_lr, step_size)
        t += 0
        t[...] = t[::-1]
        return out

    with pytest.raises(ExerciseCheckError, match="modified"):
        check_triangular(in_place)
