r"""Learning-rate schedules with ``torch.optim.lr_scheduler``'s names and step semantics.

Construction sets the learning rate of epoch 0; each ``step()`` advances one epoch (or one
iteration, for schedules used per minibatch) and writes the new rate into every parameter
group's ``"lr"``. ``get_last_lr()`` returns the rates just set. Like PyTorch, most schedules
are computed *recursively* from the previous rate (the "chainable" form), so that several
schedulers can act on the same optimizer; the docstrings give the equivalent closed forms.
"""
import math
import numbers

from .._validation import check_option, check_scalar
from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "ExponentialLR", "LinearLR",
           "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR",
           "ReduceLROnPlateau"]


def momentum_uses_beta1(optimizer):
    """For cycle_momentum: True if the optimizer's momentum is ``betas[0]`` (Adam-like), False if
    it is ``momentum``; ValueError if it has neither."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with cycle_momentum=True")
    return "betas" in optimizer.defaults


def set_momentum(group, m, use_beta1):
    """Set a parameter group's momentum: ``betas[0]`` for Adam-like optimizers, else ``momentum``."""
    if use_beta1:
        group["betas"] = (m, *group["betas"][1:])
    else:
        group["momentum"] = m


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not a dlbook Optimizer")


def _check_count(value, name, min_val):
    """``value`` as an int >= ``min_val``; ``ValueError`` whatever is wrong, as
    ``torch.optim.lr_scheduler`` raises for a float ``step_size`` or ``T_0``."""
    try:
        return check_scalar(value, name, numbers.Integral, min_val=min_val)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


class LRScheduler:
    """Base class: remembers each group's ``initial_lr`` and the epoch counter ``last_epoch``.

    ``last_epoch=-1`` starts a new schedule (each group's current rate becomes its
    ``initial_lr``); a larger value resumes one, as in PyTorch: the groups must then already
    carry ``initial_lr`` (they do after the optimizer's ``load_state_dict``), and the scheduler
    continues from epoch ``last_epoch + 1``. :meth:`state_dict` / :meth:`load_state_dict` save
    and restore everything but the optimizer and user functions.
    """

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        _check_count(last_epoch, "last_epoch", -1)
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when "
                               "resuming an optimizer")
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def state_dict(self):
        """Every attribute except the optimizer and callables (which cannot be saved)."""
        return {k: v for k, v in self.__dict__.items()
                if k != "optimizer" and not callable(v)
                and not (isinstance(v, list) and any(callable(f) for f in v))}

    def load_state_dict(self, state_dict):
        """Restore attributes saved by :meth:`state_dict`."""
        self.__dict__.update({k: v for k, v in state_dict.items() if k != "optimizer"})

    def get_lr(self):
        raise NotImplementedError

    def step(self):
        """Advance one epoch and set the new learning rates."""
        self.last_epoch += 1
        self._set(self.get_lr())

    def _set(self, lrs):
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def get_last_lr(self):
        """The learning rate of each parameter group after the latest ``step()``."""
        return list(self._last_lr)

    def _group_lrs(self):
        return [g["lr"] for g in self.optimizer.param_groups]


class LambdaLR(LRScheduler):
    r""":math:`\eta_t = \eta_0 \cdot \lambda(t)` for a user function ``lr_lambda`` (or one per
    group). E.g. ``lambda t: 1 / (1 + k * t)`` gives the notes' :math:`\eta_0/(1+kt)` decay."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer(optimizer)   # before reading param_groups
        n = len(optimizer.param_groups)
        fns = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(fns) != n or not all(callable(f) for f in fns):
            raise ValueError(f"lr_lambda must be a callable or a list of {n} callables")
        self.lr_lambdas = fns
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]


class StepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every ``step_size`` epochs:
    :math:`\eta_t = \eta_0 \gamma^{\lfloor t/\text{step\_size} \rfloor}`."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_count(step_size, "step_size", 1)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]


class ExponentialLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every epoch: :math:`\eta_t = \eta_0 \gamma^t`."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]


class LinearLR(LRScheduler):
    r"""Linear warm-up (or decay) of the factor from ``start_factor`` to ``end_factor`` over
    ``total_iters`` steps, then constant:
    :math:`\eta_t = \eta_0 \big(s + (e-s)\min(t, T)/T\big)`."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        check_scalar(start_factor, "start_factor", min_val=0, max_val=1,
                     include_boundaries="right")
        check_scalar(end_factor, "end_factor", min_val=0, max_val=1)
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        lrs = self._group_lrs()
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in lrs]
        if self.last_epoch > self.total_iters:
            return lrs
        s, e, n = self.start_factor, self.end_factor, self.total_iters
        factor = 1.0 + (e - s) / (n * s + (self.last_epoch - 1) * (e - s))
        return [lr * factor for lr in lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from :math:`\eta_0` to ``eta_min`` over ``T_max`` epochs:
    :math:`\eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})(1 + \cos(\pi t / T_{\max}))`,
    computed recursively as in PyTorch (after :math:`T_{\max}` it rises again)."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        check_scalar(T_max, "T_max", min_val=0, include_boundaries="neither")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        lrs = self._group_lrs()
        if t == 0:
            return lrs
        if (t - 1 - T) % (2 * T) == 0:
            return [lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                    for lr, base in zip(lrs, self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - lo) + lo for lr in lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""SGDR (Loshchilov & Hutter, 2017): cosine annealing restarted every :math:`T_i` epochs,
    with :math:`T_0` = ``T_0`` and :math:`T_{i+1} = T_i \cdot` ``T_mult``:
    :math:`\eta_t = \eta_{\min} + \tfrac12(\eta_0-\eta_{\min})(1+\cos(\pi T_{cur}/T_i))`."""

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        _check_count(T_0, "T_0", 1)
        _check_count(T_mult, "T_mult", 1)
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def step(self):
        self.last_epoch += 1
        self.T_cur += 1
        if self.T_cur >= self.T_i:
            self.T_cur -= self.T_i
            self.T_i *= self.T_mult
        self._set(self.get_lr())

    def get_lr(self):
        c = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]


class CyclicLR(LRScheduler):
    r"""Cyclical learning rates (Smith, 2017), stepped once per **minibatch**.

    The rate climbs linearly from ``base_lr`` to ``max_lr`` over ``step_size_up`` iterations and
    back over ``step_size_down`` (default: the same). ``mode`` is ``'triangular'`` (constant
    amplitude), ``'triangular2'`` (amplitude halved each cycle) or ``'exp_range'`` (amplitude
    scaled by ``gamma**t``). With ``cycle_momentum=True`` (PyTorch's default) the optimizer's
    momentum (or Adam's :math:`\beta_1`) cycles inversely between ``max_momentum`` and
    ``base_momentum``. A custom ``scale_fn(x)`` replaces the mode's amplitude factor, with
    ``x`` the cycle number (``scale_mode='cycle'``) or the iteration (``'iterations'``).
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode="triangular", gamma=1.0, scale_fn=None, scale_mode="cycle",
                 cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        check_option(mode, "mode", ("triangular", "triangular2", "exp_range"))
        _check_optimizer(optimizer)   # before reading (and writing) param_groups
        n = len(optimizer.param_groups)

        def per_group(v, name):
            vals = list(v) if isinstance(v, (list, tuple)) else [v] * n
            if len(vals) != n:
                raise ValueError(f"expected {n} values for {name}, got {len(vals)}")
            return vals

        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"scale_fn must be callable or None, got {type(scale_fn).__name__}")
        check_option(scale_mode, "scale_mode", ("cycle", "iterations"))
        base_lrs = per_group(base_lr, "base_lr")
        if last_epoch == -1:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr
                group["initial_lr"] = lr
        self.max_lrs = per_group(max_lr, "max_lr")
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.mode, self.gamma = mode, gamma
        self.scale_fn = scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else \
            ("iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._use_beta1 = momentum_uses_beta1(optimizer)
            self.base_momentums = per_group(base_momentum, "base_momentum")
            self.max_momentums = per_group(max_momentum, "max_momentum")
            if last_epoch == -1:
                for group, m in zip(optimizer.param_groups, self.max_momentums):
                    self._set_momentum(group, m)
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group, m):
        set_momentum(group, m, self._use_beta1)

    def _scale(self, cycle):
        if self.scale_fn is not None:
            return self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1.0 / (2.0 ** (cycle - 1))
        return self.gamma ** self.last_epoch

    def get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            factor = x / self.step_ratio
        else:
            factor = (x - 1) / (self.step_ratio - 1)
        scale = self._scale(cycle)
        lrs = [base + (top - base) * factor * scale
               for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, lo, hi in zip(self.optimizer.param_groups, self.base_momentums,
                                     self.max_momentums):
                self._set_momentum(group, hi - (hi - lo) * factor * scale)
        return lrs
from .plateau import OneCycleLR, ReduceLROnPlateau  # noqa: E402  (defined in their own module)
