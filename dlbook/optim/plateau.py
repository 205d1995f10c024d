r"""Two more learning-rate schedules with ``torch.optim.lr_scheduler``'s names and semantics.

* :class:`ReduceLROnPlateau` watches a metric (usually the validation loss) and divides the
  rate when the metric has stopped improving. It is not a function of the epoch number, so
  its ``step(metrics)`` takes the metric.
* :class:`OneCycleLR` (Smith and Topin's "1cycle" policy) warms the rate up from
  ``max_lr / div_factor`` to ``max_lr`` and anneals it down to
  ``max_lr / (div_factor * final_div_factor)`` over a fixed number of steps, cycling the
  momentum the other way. It is stepped once per **minibatch**.

Both are also available as ``dlbook.optim.lr_scheduler.ReduceLROnPlateau`` and
``dlbook.optim.lr_scheduler.OneCycleLR``.
"""
import math

from .._validation import check_option, check_scalar
from .lr_scheduler import (LRScheduler, _check_count, _check_optimizer, momentum_uses_beta1,
                           set_momentum)

__all__ = ["ReduceLROnPlateau", "OneCycleLR"]


def _per_group(value, n, name):
    values = list(value) if isinstance(value, (list, tuple)) else [value] * n
    if len(values) != n:
        raise ValueError(f"expected {n} values for {name}, got {len(values)}")
    return values


class ReduceLROnPlateau:
    r"""Multiply the rate by ``factor`` when a metric has not improved for ``patience`` epochs.

    After each epoch call ``step(metric)``. The metric improves if it beats the best value so
    far by more than ``threshold``: for ``mode='min'`` and ``threshold_mode='rel'`` that means
    :math:`m < m_{\text{best}}(1 - \text{threshold})`; ``'abs'`` uses
    :math:`m < m_{\text{best}} - \text{threshold}`, and ``mode='max'`` reverses the
    inequalities. Once more than ``patience`` epochs in a row have brought no improvement, every
    group's rate becomes :math:`\max(\eta\cdot\text{factor}, \text{min\_lr})` (a change smaller
    than ``eps`` is skipped), and the count of bad epochs starts again after ``cooldown``
    epochs.

    Parameters
    ----------
    optimizer : dlbook.optim.Optimizer
    mode : {'min', 'max'}
    factor : float, 0 < factor < 1
    patience : int >= 0
    threshold : float >= 0
    threshold_mode : {'rel', 'abs'}
    cooldown : int >= 0
    min_lr : float or list of float, one per parameter group
    eps : float
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        _check_optimizer(optimizer)
        check_option(mode, "mode", ("min", "max"))
        check_option(threshold_mode, "threshold_mode", ("rel", "abs"))
        check_scalar(factor, "factor", min_val=0, max_val=1, include_boundaries="neither")
        _check_count(patience, "patience", 0)
        _check_count(cooldown, "cooldown", 0)
        check_scalar(threshold, "threshold", min_val=0)
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.min_lrs = _per_group(min_lr, len(optimizer.param_groups), "min_lr")
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    def is_better(self, current, best):
        """Whether ``current`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            bound = best * (1 - self.threshold) if self.threshold_mode == "rel" \
                else best - self.threshold
            return current < bound
        bound = best * (1 + self.threshold) if self.threshold_mode == "rel" \
            else best + self.threshold
        return current > bound

    def step(self, metrics):
        """Record the metric of the epoch just finished; reduce the rates if it has stalled."""
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, floor in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, floor)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rate of each parameter group after the latest ``step()``."""
        return list(self._last_lr)

    def state_dict(self):
        """Every attribute except the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore attributes saved by :meth:`state_dict`."""
        self.__dict__.update({k: v for k, v in state_dict.items() if k != "optimizer"})


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy, stepped once per **minibatch** for ``total_steps`` steps.

    With :math:`\eta_{\max}` = ``max_lr``, the rate starts at
    :math:`\eta_{\max}/\text{div\_factor}`, rises to :math:`\eta_{\max}` at step
    :math:`\text{pct\_start}\cdot T - 1` and falls to
    :math:`\eta_{\max}/(\text{div\_factor}\cdot\text{final\_div\_factor})` at step :math:`T-1`,
    each phase along a half cosine (``anneal_strategy='cos'``,
    :math:`\eta = \eta_e + \tfrac12(\eta_s - \eta_e)(1 + \cos\pi x)` for the fraction :math:`x`
    of the phase done) or a straight line (``'linear'``). ``three_phase=True`` comes back down
    to the start value symmetrically before the final annealing. With ``cycle_momentum=True``
    the momentum (or Adam's :math:`\beta_1`) moves the opposite way, between ``max_momentum``
    and ``base_momentum``.

    Parameters
    ----------
    optimizer : dlbook.optim.Optimizer
    max_lr : float or list of float, one per parameter group
    total_steps : int, optional
        Or give ``epochs`` and ``steps_per_epoch``; then ``total_steps = epochs * steps_per_epoch``.
    pct_start : float in [0, 1]
    anneal_strategy : {'cos', 'linear'}
    cycle_momentum : bool
    base_momentum, max_momentum : float or list of float
    div_factor, final_div_factor : float
    three_phase : bool
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        _check_optimizer(optimizer)
        if total_steps is None:
            for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                if value is None:
                    raise ValueError(f"give total_steps, or positive ints epochs and "
                                     f"steps_per_epoch; got {name}={value!r}")
                _check_count(value, name, 1)
            total_steps = epochs * steps_per_epoch
        _check_count(total_steps, "total_steps", 1)
        check_scalar(pct_start, "pct_start", min_val=0, max_val=1)
        check_option(anneal_strategy, "anneal_strategy", ("cos", "linear"))
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        up = float(pct_start * total_steps) - 1
        if three_phase:
            self._phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (float(2 * pct_start * total_steps) - 2, "max_lr", "initial_lr",
                             "base_momentum", "max_momentum"),
                            (total_steps - 1, "initial_lr", "min_lr", "max_momentum",
                             "max_momentum")]
        else:
            self._phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (total_steps - 1, "max_lr", "min_lr", "base_momentum",
                             "max_momentum")]
        n = len(optimizer.param_groups)
        max_lrs = _per_group(max_lr, n, "max_lr")
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["lr"] = group["initial_lr"]
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._use_beta1 = momentum_uses_beta1(optimizer)
            bases = _per_group(base_momentum, n, "base_momentum")
            tops = _per_group(max_momentum, n, "max_momentum")
            if last_epoch == -1:
                for group, lo, hi in zip(optimizer.param_groups, bases, tops):
                    self._set_momentum(group, hi)
                    group["max_momentum"], group["base_momentum"] = hi, lo
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group, m):
        set_momentum(group, m, self._use_beta1)

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"tried to step {step} times; OneCycleLR was set up for "
                             f"total_steps={self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, (end_step, lr_a, lr_b, mom_a, mom_b) in enumerate(self._phases):
                if step <= end_step or i == len(self._phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lr = self._anneal(group[lr_a], group[lr_b], pct)
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[mom_a], group[mom_b], pct))
                    break
                start_step = end_step
            lrs.append(lr)
        return lrs
