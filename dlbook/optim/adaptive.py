r"""Adaptive optimizers: Adagrad, RMSprop, Adadelta, Adam, AdamW, Adamax.

Each reproduces ``torch.optim``'s update exactly (same hyper-parameter names, defaults, and the
same placement of :math:`\epsilon`), so trajectories agree with PyTorch to rounding error.
Notation in the docstrings: :math:`g` the gradient, :math:`\theta` the parameter,
:math:`t` the step count starting at 1, :math:`\eta` = ``lr``.
"""
import numpy as np

from .._validation import check_scalar
from .optimizer import Optimizer

__all__ = ["Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax"]


def _check_betas(betas):
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair of real numbers in [0, 1), got {betas!r}")
    for i, b in enumerate(betas):
        check_scalar(b, f"betas[{i}]", min_val=0, max_val=1, include_boundaries="left")


def _with_weight_decay(p, grad, group):
    """The L2-regularized gradient g + λθ (coupled weight decay, as PyTorch's non-W optimizers)."""
    return grad + group["weight_decay"] * p.data if group["weight_decay"] != 0 else grad


class Adagrad(Optimizer):
    r"""``torch.optim.Adagrad``.

    .. math::
        \eta_t = \frac{\eta}{1 + (t-1)\,\text{lr\_decay}}, \quad
        G_t = G_{t-1} + g_t^2, \quad
        \theta_t = \theta_{t-1} - \eta_t \frac{g_t}{\sqrt{G_t} + \epsilon}

    :math:`G_0` = ``initial_accumulator_value``; :math:`\epsilon` is added *outside* the root.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, *, maximize=False):
        for name, value in (("lr_decay", lr_decay), ("weight_decay", weight_decay), ("eps", eps),
                            ("initial_accumulator_value", initial_accumulator_value)):
            check_scalar(value, name, min_val=0)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))

    def _update(self, p, grad, group, state):
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.data, group["initial_accumulator_value"])
        state["step"] += 1
        g = _with_weight_decay(p, grad, group)
        clr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] = state["sum"] + g * g
        p.data -= clr * g / (np.sqrt(state["sum"]) + group["eps"])


class RMSprop(Optimizer):
    r"""``torch.optim.RMSprop``.

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2, \quad
        \theta_t = \theta_{t-1} - \eta \frac{g_t}{\sqrt{v_t} + \epsilon}

    ``centered=True`` replaces :math:`v_t` by :math:`v_t - \bar g_t^2` (a variance estimate, with
    :math:`\bar g_t` the running mean of the gradient); ``momentum`` > 0 accumulates the scaled step
    :math:`b_t = \mu b_{t-1} + g_t/(\sqrt{v_t}+\epsilon)` and applies :math:`\theta \mathrel{-}= \eta b_t`.
    PyTorch's default :math:`\alpha = 0.99` (many notes use :math:`\rho = 0.9`).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, maximize=False):
        for name, value in (("alpha", alpha), ("eps", eps), ("weight_decay", weight_decay),
                            ("momentum", momentum)):
            check_scalar(value, name, min_val=0)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, p, grad, group, state):
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(p.data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p.data)
        state["step"] += 1
        g = _with_weight_decay(p, grad, group)
        a = group["alpha"]
        state["square_avg"] = a * state["square_avg"] + (1.0 - a) * g * g
        if group["centered"]:
            state["grad_avg"] = a * state["grad_avg"] + (1.0 - a) * g
            avg = np.sqrt(state["square_avg"] - state["grad_avg"] ** 2) + group["eps"]
        else:
            avg = np.sqrt(state["square_avg"]) + group["eps"]
        if group["momentum"] > 0:
            state["momentum_buffer"] = group["momentum"] * state["momentum_buffer"] + g / avg
            p.data -= group["lr"] * state["momentum_buffer"]
        else:
            p.data -= group["lr"] * g / avg


class Adadelta(Optimizer):
    r"""``torch.optim.Adadelta`` (Zeiler, 2012).

    .. math::
        v_t &= \rho v_{t-1} + (1-\rho) g_t^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
        u_t &= \rho u_{t-1} + (1-\rho) \Delta_t^2 \\
        \theta_t &= \theta_{t-1} - \eta \Delta_t

    The ratio of two RMS values makes :math:`\Delta` carry the units of :math:`\theta`;
    ``lr`` (default 1.0) only rescales it. :math:`\epsilon` is *inside* the roots.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, *, maximize=False):
        check_scalar(eps, "eps", min_val=0)
        check_scalar(weight_decay, "weight_decay", min_val=0)
        check_scalar(rho, "rho", min_val=0, max_val=1)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, p, grad, group, state):
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
            state["acc_delta"] = np.zeros_like(p.data)
        state["step"] += 1
        g = _with_weight_decay(p, grad, group)
        rho, eps = group["rho"], group["eps"]
        state["square_avg"] = rho * state["square_avg"] + (1.0 - rho) * g * g
        delta = np.sqrt(state["acc_delta"] + eps) / np.sqrt(state["square_avg"] + eps) * g
        state["acc_delta"] = rho * state["acc_delta"] + (1.0 - rho) * delta * delta
        p.data -= group["lr"] * delta


class Adam(Optimizer):
    r"""``torch.optim.Adam`` (Kingma & Ba, 2015).

    .. math::
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \theta_t &= \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,
            \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    — PyTorch's arrangement of the bias corrections, which puts :math:`\epsilon` after the
    correction of :math:`v`. ``amsgrad=True`` uses the running maximum of :math:`v_t`.
    ``weight_decay`` adds :math:`\lambda\theta` to the gradient (L2, coupled); see :class:`AdamW`.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        _check_betas(betas)
        check_scalar(eps, "eps", min_val=0)
        check_scalar(weight_decay, "weight_decay", min_val=0)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _adam_step(self, p, g, group, state):
        """One Adam step with gradient ``g`` (weight decay, if any, already applied)."""
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        t = state["step"]
        b1, b2 = group["betas"]
        state["exp_avg"] = b1 * state["exp_avg"] + (1.0 - b1) * g
        state["exp_avg_sq"] = b2 * state["exp_avg_sq"] + (1.0 - b2) * g * g
        bias_correction1 = 1.0 - b1 ** t
        bias_correction2_sqrt = np.sqrt(1.0 - b2 ** t)
        v = state["exp_avg_sq"]
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v)
            v = state["max_exp_avg_sq"]
        denom = np.sqrt(v) / bias_correction2_sqrt + group["eps"]
        p.data -= (group["lr"] / bias_correction1) * state["exp_avg"] / denom

    def _update(self, p, grad, group, state):
        if group["decoupled_weight_decay"]:          # AdamW's rule
            p.data *= 1.0 - group["lr"] * group["weight_decay"]
            self._adam_step(p, grad, group, state)
        else:
            self._adam_step(p, _with_weight_decay(p, grad, group), group, state)


class AdamW(Adam):
    r"""``torch.optim.AdamW`` (Loshchilov & Hutter, 2019): Adam with *decoupled* weight decay.

    First :math:`\theta \leftarrow \theta(1 - \eta\lambda)`, then the :class:`Adam` step on the
    raw gradient. Unlike L2 in Adam, the decay is not divided by :math:`\sqrt{v_t}`.
    Default ``weight_decay`` is 1e-2.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=True)


class Adamax(Optimizer):
    r"""``torch.optim.Adamax``: Adam with the :math:`\ell_\infty` norm in place of :math:`\ell_2`.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \quad
        \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t} \frac{m_t}{u_t}

    Default ``lr`` is 2e-3. :math:`u_t` needs no bias correction (see the book's derivation).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, *,
                 maximize=False):
        _check_betas(betas)
        check_scalar(eps, "eps", min_val=0)
        check_scalar(weight_decay, "weight_decay", min_val=0)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize))

    def _update(self, p, grad, group, state):
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_inf"] = np.zeros_like(p.data)
        state["step"] += 1
        g = _with_weight_decay(p, grad, group)
        b1, b2 = group["betas"]
        state["exp_avg"] = b1 * state["exp_avg"] + (1.0 - b1) * g
        state["exp_inf"] = np.maximum(b2 * state["exp_inf"], np.abs(g) + group["eps"])
        clr = group["lr"] / (1.0 - b1 ** state["step"])
        p.data -= clr * state["exp_avg"] / state["exp_inf"]
