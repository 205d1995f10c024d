"""Every public callable that PyTorch also has takes the same parameters — names, order, kind
(positional or keyword-only) and defaults — so code moves between dlbook and torch unchanged.

The comparison drops the parameters listed in ALLOWED below, each with the reason it is a
deliberate difference; everything else must match exactly.
"""
import inspect

import pytest

from dlbook import functional as F
from dlbook import nn, optim
from dlbook.nn import init
from dlbook.optim import lr_scheduler

torch = pytest.importorskip("torch")

# Parameters torch has and dlbook deliberately leaves out, for every callable.
TORCH_ONLY = {
    "device": "dlbook computes on the CPU with NumPy",
    "dtype": "dlbook is float64 throughout (parity and gradient checks need it)",
    "size_average": "deprecated in torch in favour of reduction",
    "reduce": "deprecated in torch in favour of reduction",
    "_stacklevel": "a torch-internal warning detail",
    "foreach": "a torch kernel choice, not a different algorithm",
    "fused": "a torch kernel choice, not a different algorithm",
    "capturable": "CUDA-graph capture, not applicable to NumPy",
    "differentiable": "differentiating through the optimizer step needs torch's autograd",
}
# Parameters dlbook adds, for every callable: keyword-only, so torch-style calls are unaffected.
DLBOOK_ONLY = {
    "generator": "seeded initialisation and masks (a numpy Generator or an int seed)",
}
# Differences for one callable: (qualified name, parameter) -> reason. The parameter may be one
# that only torch has, one that only dlbook has, or one whose default or kind differs.
ALLOWED = {
    ("functional.softmax", "dim"): "torch's default None guesses a dimension and warns; "
                                   "dlbook normalises the last one, -1",
    ("functional.log_softmax", "dim"): "as softmax",
    ("nn.Softmax.__init__", "dim"): "as functional.softmax",
    ("nn.LogSoftmax.__init__", "dim"): "as functional.softmax",
    ("nn.Sigmoid.__init__", "*"): "torch declares a catch-all (*args, **kwargs); there is nothing "
                                  "to configure",
    ("nn.Tanh.__init__", "*"): "as Sigmoid",
    ("nn.TransformerEncoderLayer.__init__", "activation"): "torch's default is the function "
        "F.relu; dlbook takes 'relu', 'gelu' or a Module, since an activation must bring its "
        "own backward",
    ("nn.RNN.forward", "lengths"): "variable-length batches without packed sequences: the "
                                   "result of pack_padded_sequence(enforce_sorted=False) and "
                                   "pad_packed_sequence",
    ("nn.LSTM.forward", "lengths"): "as RNN",
    ("nn.GRU.forward", "lengths"): "as RNN",
    ("nn.Embedding.__init__", "max_norm"): "renormalising looked-up rows in place is not "
                                           "implemented",
    ("nn.Embedding.__init__", "norm_type"): "goes with max_norm",
    ("nn.Embedding.__init__", "scale_grad_by_freq"): "not implemented",
    ("nn.Embedding.__init__", "sparse"): "dlbook's gradient is always a dense array",
    ("nn.Embedding.__init__", "_weight"): "torch-internal; load a weight with load_state_dict",
    ("nn.Embedding.__init__", "_freeze"): "torch-internal",
}

# torch functions implemented in C++, and classes declared with (*args, **kwargs), have no
# introspectable signature; these are from its documentation.
TORCH_DOCUMENTED = {
    "linear": "(input, weight, bias=None)",
    "conv1d": "(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)",
    "conv2d": "(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)",
    "conv_transpose2d": "(input, weight, bias=None, stride=1, padding=0, output_padding=0, "
                        "groups=1, dilation=1)",
    "avg_pool2d": "(input, kernel_size, stride=None, padding=0, ceil_mode=False, "
                  "count_include_pad=True, divisor_override=None)",
    "scaled_dot_product_attention": "(query, key, value, attn_mask=None, dropout_p=0.0, "
                                    "is_causal=False, scale=None, enable_gqa=False)",
    "gelu": "(input, approximate='none')",
    "RNN": "(self, input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, "
           "batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None)",
    "LSTM": "(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, "
            "dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None)",
    "GRU": "(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, "
           "dropout=0.0, bidirectional=False, device=None, dtype=None)",
}


def _documented(text):
    namespace = {}
    exec(f"def f{text}: pass", namespace)     # noqa: S102 - a fixed string from this file
    return inspect.signature(namespace["f"])


def _torch_signature(obj, name):
    if name in TORCH_DOCUMENTED:
        return _documented(TORCH_DOCUMENTED[name])
    if name == "max_pool2d":                          # a boolean dispatch over two functions
        return inspect.signature(torch.nn.functional._max_pool2d)
    return inspect.signature(obj)


def _params(sig):
    return [p for p in sig.parameters.values() if p.name != "self"]


def _compare(qualname, ours, theirs):
    """The list of differences between two signatures, after the allowed ones are removed."""
    if any(p.kind is p.VAR_POSITIONAL for p in _params(theirs)) and \
            (qualname, "*") in ALLOWED:
        return []
    ours_names = {p.name for p in _params(ours)}
    theirs_names = {p.name for p in _params(theirs)}
    t = [p for p in _params(theirs) if p.name not in TORCH_ONLY
         and not ((qualname, p.name) in ALLOWED and p.name not in ours_names)]
    o = [p for p in _params(ours)
         if not (p.name in DLBOOK_ONLY and p.kind is p.KEYWORD_ONLY)
         and not ((qualname, p.name) in ALLOWED and p.name not in theirs_names)]
    problems = []
    if [p.name for p in o] != [p.name for p in t]:
        return [f"{qualname}: parameters {[p.name for p in o]} != torch's {[p.name for p in t]}"]
    for a, b in zip(o, t):
        if (qualname, a.name) in ALLOWED:
            continue
        if a.kind != b.kind:
            problems.append(f"{qualname}({a.name}): kind {a.kind.name} != torch's {b.kind.name}")
        a_required = a.default is inspect.Parameter.empty
        if a_required != (b.default is inspect.Parameter.empty):
            problems.append(f"{qualname}({a.name}): required in one and not the other")
        elif not a_required and a.default != b.default:
            problems.append(f"{qualname}({a.name}): default {a.default!r} != {b.default!r}")
    return problems


def _cases():
    cases = []
    for name in F.__all__:
        if hasattr(torch.nn.functional, name) and not name.endswith("_backward"):
            cases.append((f"functional.{name}", getattr(F, name),
                          _torch_signature(getattr(torch.nn.functional, name), name)))
    for name in nn.__all__:
        ours, theirs = getattr(nn, name), getattr(torch.nn, name, None)
        if not inspect.isclass(ours) or theirs is None or name in ("Module", "Parameter"):
            continue
        torch_init = (_documented(TORCH_DOCUMENTED[name]) if name in TORCH_DOCUMENTED
                      else inspect.signature(theirs.__init__))
        cases.append((f"nn.{name}.__init__", ours.__init__, torch_init))
        if theirs.forward is not torch.nn.Module.forward and name != "Sequential":
            cases.append((f"nn.{name}.forward", ours.forward, inspect.signature(theirs.forward)))
    for name in init.__all__:
        cases.append((f"nn.init.{name}", getattr(init, name),
                      inspect.signature(getattr(torch.nn.init, name))))
    for name in ("clip_grad_norm_", "clip_grad_value_"):
        cases.append((f"nn.utils.{name}", getattr(nn.utils, name),
                      inspect.signature(getattr(torch.nn.utils, name))))
    for name in optim.__all__:
        ours = getattr(optim, name)
        if inspect.isclass(ours) and name != "Optimizer":
            cases.append((f"optim.{name}.__init__", ours.__init__,
                          inspect.signature(getattr(torch.optim, name).__init__)))
    for method in ("step", "zero_grad", "state_dict", "load_state_dict", "add_param_group"):
        cases.append((f"optim.Optimizer.{method}", getattr(optim.Optimizer, method),
                      inspect.signature(getattr(torch.optim.Optimizer, method))))
    for name in lr_scheduler.__all__:
        ours = getattr(lr_scheduler, name)
        if name != "LRScheduler":
            cases.append((f"lr_scheduler.{name}.__init__", ours.__init__,
                          inspect.signature(getattr(torch.optim.lr_scheduler, name).__init__)))
    return cases


CASES = _cases()


@pytest.mark.parametrize("qualname, ours, theirs", CASES, ids=[c[0] for c in CASES])
def test_signature_matches_torch(qualname, ours, theirs):
    assert _compare(qualname, inspect.signature(ours), theirs) == []


def test_the_comparison_covers_the_api():
    names = {c[0] for c in CASES}
    for expected in ("functional.cross_entropy", "functional.dropout", "nn.Linear.__init__",
                     "nn.CrossEntropyLoss.__init__", "nn.BatchNorm1d.forward",
                     "optim.Adam.__init__", "lr_scheduler.CyclicLR.__init__",
                     "nn.init.kaiming_uniform_", "nn.utils.clip_grad_norm_"):
        assert expected in names
    assert len(CASES) >= 60


def test_every_allowed_difference_is_still_needed():
    """An entry of ALLOWED that no longer differs must be deleted, so the list stays honest."""
    used = set()
    for qualname, ours, theirs in CASES:
        for key in ALLOWED:
            if key[0] != qualname:
                continue
            if key[1] == "*":
                used.add(key)
                continue
            a = inspect.signature(ours).parameters.get(key[1])
            b = theirs.parameters.get(key[1])
            if a is None or b is None or a.default != b.default or a.kind != b.kind:
                used.add(key)
    assert set(ALLOWED) == used


def test_the_comparison_can_fail():
    def wrong(input, target, reduction="mean", weight=None):
        pass
    theirs = inspect.signature(torch.nn.functional.cross_entropy)
    assert _compare("functional.cross_entropy", inspect.signature(wrong), theirs)
