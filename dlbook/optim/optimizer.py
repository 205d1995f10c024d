"""The optimizer base class: parameter groups, per-parameter state, ``zero_grad``, state dicts."""
import copy

import numpy as np

from .._validation import check_scalar
from ..autograd import enable_grad
from ..nn import Parameter

__all__ = ["Optimizer"]


class Optimizer:
    """Holds ``param_groups`` (dicts of ``params`` and hyper-parameters) and ``state``.

    ``params`` is an iterable of :class:`dlbook.nn.Parameter` or of dicts
    ``{"params": [...], "lr": ...}`` whose keys override ``defaults`` for that group,
    exactly as in ``torch.optim``. ``state`` maps each Parameter object to a dict of its
    buffers (momentum, moment estimates, step count), so it survives ``copy.deepcopy`` and a
    save/load round trip through :meth:`state_dict`. Subclasses implement
    ``_update(p, grad, group, state)``, where ``grad`` already has the sign ``maximize`` asks for.
    """

    def __init__(self, params, defaults):
        if isinstance(params, (Parameter, np.ndarray)):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Parameters or dicts, but got {type(params).__name__}")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = {}
        for group in (params if isinstance(params[0], dict) else [{"params": params}]):
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``"params"`` and optional hyper-parameters)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(self.defaults)
        group.update(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Parameter) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in group["params"]:
            if not isinstance(p, Parameter):
                raise TypeError(f"optimizer params must be dlbook.nn.Parameter, "
                                f"got {type(p).__name__}")
            if id(p) in seen:
                raise ValueError("some parameters appear in more than one parameter group")
            seen.add(id(p))
        if len({id(p) for p in group["params"]}) != len(group["params"]):
            raise ValueError("a parameter group lists the same parameter twice")
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group):
        check_scalar(group["lr"], "lr", min_val=0)   # NaN is rejected too, as in torch

    def zero_grad(self, set_to_none=True):
        """Reset the ``.grad`` of every parameter: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad[...] = 0.0

    def step(self, closure=None):
        """Update every parameter that has a gradient, in place.

        ``closure``, if given, re-evaluates the model and returns the loss (it should zero the
        gradients, run the forward and backward passes); its loss is returned.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.shape != p.data.shape:
                    raise ValueError(f"a parameter of shape {p.data.shape} has a gradient of "
                                     f"shape {p.grad.shape}")
                grad = -p.grad if group.get("maximize", False) else p.grad
                self._update(p, grad, group, self.state.setdefault(p, {}))
        return loss

    def _update(self, p, grad, group, state):
        raise NotImplementedError

    # ----------------------------------------------------------------- state
    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, as torch.

        Parameters are numbered 0, 1, ... across the groups in order; the arrays are copies.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a dict from :meth:`state_dict` (the groups must hold as many parameters, of the
        same shapes, as this optimizer's)."""
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError("state_dict must be a dict with the keys 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, the "
                             f"optimizer has {len(self.param_groups)}")
        by_index = {}
        for group, saved in zip(self.param_groups, saved_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 "match the size of optimizer's group")
            by_index.update(zip(saved["params"], group["params"]))
        state = {}
        for key, s in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                raise ValueError(f"state for parameter index {key}, which no group holds")
            s = copy.deepcopy(s)
            for name, value in s.items():
                if isinstance(value, np.ndarray) and value.shape not in ((), p.data.shape):
                    raise ValueError(f"state {name!r} of parameter {key} has shape {value.shape}, "
                                     f"the parameter has shape {p.data.shape}")
            state[p] = s
        self.state = state
        for group, saved in zip(self.param_groups, saved_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = copy.deepcopy(v)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])
