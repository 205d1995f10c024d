"""The optimizer base class: parameter groups, per-parameter state, ``zero_grad``."""
import numbers

from ..nn import Parameter

__all__ = ["Optimizer"]


class Optimizer:
    """Holds ``param_groups`` (dicts of ``params`` and hyper-parameters) and ``state``.

    ``params`` is an iterable of :class:`dlbook.nn.Parameter` or of dicts
    ``{"params": [...], "lr": ...}`` whose keys override ``defaults`` for that group,
    exactly as in ``torch.optim``. Subclasses implement ``_update(p, group, state)``.
    """

    def __init__(self, params, defaults):
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = {}
        seen = set()
        for g in groups:
            group = dict(self.defaults)
            group.update(g)
            group["params"] = list(group["params"])
            for p in group["params"]:
                if not isinstance(p, Parameter):
                    raise TypeError(f"optimizer params must be dlbook.nn.Parameter, "
                                    f"got {type(p).__name__}")
                if id(p) in seen:
                    raise ValueError("some parameters appear in more than one parameter group")
                seen.add(id(p))
            self._check_group(group)
            self.param_groups.append(group)

    def _check_group(self, group):
        lr = group["lr"]
        if not isinstance(lr, numbers.Real) or not lr >= 0:   # also rejects NaN, as torch
            raise ValueError(f"Invalid learning rate: {lr} (expected a float >= 0)")

    def zero_grad(self):
        """Reset the ``.grad`` of every parameter to None."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self):
        """Update every parameter that has a gradient, in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(id(p), {})
                self._update(p, group, state)

    def _update(self, p, group, state):
        raise NotImplementedError
