r"""Stochastic gradient descent with momentum, dampening, weight decay and Nesterov."""
from .._validation import check_scalar
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""``torch.optim.SGD``, same hyper-parameters and the same update.

    For each parameter :math:`\theta` with gradient :math:`g`:

    .. math::

        g &\leftarrow g + \lambda\theta \quad (\text{weight\_decay}=\lambda) \\
        b &\leftarrow \mu b + (1-\tau) g \quad (b = g \text{ on the first step}) \\
        g &\leftarrow g + \mu b \text{ if nesterov, else } b \\
        \theta &\leftarrow \theta - \eta g

    with :math:`\eta` = ``lr``, :math:`\mu` = ``momentum``, :math:`\tau` = ``dampening``.
    ``maximize=True`` ascends: :math:`g` is negated first. The momentum buffer is kept in
    ``optimizer.state[p]["momentum_buffer"]``, keyed by the Parameter itself.
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False):
        check_scalar(momentum, "momentum", min_val=0)
        check_scalar(weight_decay, "weight_decay", min_val=0)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update(self, p, grad, group, state):
        g = grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.data
        mu = group["momentum"]
        if mu != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = g.copy()
            else:
                buf = mu * buf + (1.0 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + mu * buf if group["nesterov"] else buf
        p.data -= group["lr"] * g
