"""The base of the networks here: a Sequential whose children are named stages."""
from ..nn.modules import Module, Sequential

__all__ = []


class Stages(Sequential):
    """A :class:`~dlbook.nn.Sequential` with named children — the network's stages, run in the
    order they were first assigned (``forward`` in that order, ``backward`` in reverse).

    Assigning a module to an existing stage name replaces that stage *in place*, so the
    fine-tuning idioms ``model.fc = Linear(512, 10)`` or ``model.conv1 = Conv2d(1, 64, 7, ...)``
    keep the order of the stages.
    """

    def __setattr__(self, name, value):
        modules = self.__dict__.get("_modules")
        if modules is None or name not in modules or not isinstance(value, Module):
            super().__setattr__(name, value)
            return
        order = list(modules)
        super().__setattr__(name, value)
        reordered = {key: modules[key] for key in order}
        modules.clear()
        modules.update(reordered)
