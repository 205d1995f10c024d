"""One-line sympy checks for the book's derivations.

Each check names the equation it proves (its MyST label, e.g. ``"eq-softmax-ce-delta"``) and
raises :class:`SymbolicCheckError` with that label and the offending expression when the identity
does not hold, so a failing notebook cell points straight at the equation in the text.
"""
import sympy as sp

__all__ = ["SymbolicCheckError", "assert_equal", "assert_zero", "assert_maximum",
           "assert_nonnegative"]


class SymbolicCheckError(AssertionError):
    """A claimed identity or extremum does not hold."""


def _simplified(expr):
    expr = sp.sympify(expr)
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(lambda e: sp.simplify(sp.expand(e)))
    return sp.simplify(expr)


def _expands_to_zero(expr):
    """Cheap exact test first: many identities (chain rules, unrolled recursions) cancel term by
    term once multiplied out, where ``simplify`` would spend minutes on nested functions."""
    try:
        if isinstance(expr, sp.MatrixBase):
            return all(sp.expand(e) == 0 for e in expr)
        return sp.expand(expr) == 0
    except (TypeError, ValueError, NotImplementedError):
        return False


def _is_zero(expr):
    expr = sp.sympify(expr)
    if _expands_to_zero(expr):
        return True, sp.zeros(*expr.shape) if isinstance(expr, sp.MatrixBase) else sp.S.Zero
    s = _simplified(expr)
    if isinstance(s, sp.MatrixBase):
        return all(e == 0 for e in s), s
    if s == 0:
        return True, s
    rewritten = sp.simplify(s.rewrite(sp.exp))
    return rewritten == 0, s


def assert_zero(expr, label):
    """Raise unless ``expr`` simplifies to exactly 0 (a scalar or every matrix entry)."""
    ok, s = _is_zero(expr)
    if not ok:
        raise SymbolicCheckError(f"[{label}] expected 0, but the expression simplifies to {s}")
    return True


def assert_equal(lhs, rhs, label):
    """Raise unless ``lhs - rhs`` simplifies to exactly 0. Works for scalars and matrices."""
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    if isinstance(lhs, sp.MatrixBase) or isinstance(rhs, sp.MatrixBase):
        if getattr(lhs, "shape", None) != getattr(rhs, "shape", None):
            raise SymbolicCheckError(f"[{label}] shapes differ: {getattr(lhs, 'shape', ())} "
                                     f"vs {getattr(rhs, 'shape', ())}")
    ok, s = _is_zero(lhs - rhs)
    if not ok:
        raise SymbolicCheckError(f"[{label}] the two sides differ by {s}")
    return True


def assert_maximum(expr, var, at, value, label, domain=sp.S.Reals):
    """Raise unless ``expr`` has a strict local maximum ``value`` at ``var = at``.

    Exact, not sampled: ``at`` must be among the solutions of ``d expr / d var = 0`` found by
    sympy on ``domain``, the second derivative there must be negative, and ``expr(at)`` must
    equal ``value``. Returns the set of stationary points.
    """
    d1 = sp.diff(expr, var)
    stationary = sp.solveset(sp.simplify(d1), var, domain=domain)
    if not isinstance(stationary, sp.FiniteSet) or not any(
            sp.simplify(s - at) == 0 for s in stationary):
        raise SymbolicCheckError(f"[{label}] {var} = {at} is not a stationary point; "
                                 f"d/d{var} = 0 at {stationary}")
    curvature = sp.simplify(sp.diff(expr, var, 2).subs(var, at))
    if not _provably_negative(curvature):
        raise SymbolicCheckError(f"[{label}] second derivative at {var} = {at} is {curvature}, "
                                 "not negative")
    attained = sp.simplify(expr.subs(var, at))
    if sp.simplify(attained - value) != 0:
        raise SymbolicCheckError(f"[{label}] the maximum is {attained}, not {value}")
    return stationary


def _provably_negative(expr):
    """True when sympy can show ``expr < 0``, trying a few equivalent forms of it."""
    forms = [expr, sp.factor(expr), sp.simplify(expr.rewrite(sp.exp)), sp.powsimp(sp.expand(expr))]
    for form in forms:
        if form.is_negative:
            return True
        # a product is negative when one factor is provably negative and the rest positive
        if isinstance(form, sp.Mul):
            signs = [f.is_negative for f in form.args]
            positives = [f.is_positive for f in form.args]
            if sum(bool(s) for s in signs) % 2 == 1 and all(
                    bool(s) or bool(p) for s, p in zip(signs, positives)):
                return True
    return False


def assert_nonnegative(expr, label):
    """Raise unless sympy can prove ``expr >= 0`` from the symbols' assumptions."""
    s = _simplified(expr)
    if not s.is_nonnegative:
        raise SymbolicCheckError(f"[{label}] cannot show {s} >= 0")
    return True
