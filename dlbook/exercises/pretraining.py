r"""Self-checks for the exercises of the chapter on BERT and GPT.

* ``check_mask_tokens(fn)``: ``fn(input_ids, vocab_size, mask_id, generator)`` returns BERT's
  corrupted inputs and the labels (the original id at the ~15 % selected positions, -100
  elsewhere), replacing a selected token by ``mask_id`` with probability 0.8, by a uniform
  draw from ``[0, vocab_size)`` with probability 0.1, and keeping it with probability 0.1.
  Checked by its statistics on a large batch.
* ``check_parameter_count(fn)``: ``fn(config)`` returns the number of parameters of a
  :class:`~dlbook.lm.pretraining.TransformerConfig`, compared with
  :func:`~dlbook.lm.pretraining.parameter_count` on the published and on random
  configurations.
"""
import numpy as np

from ..lm.pretraining import PRETRAINED_CONFIGS, TransformerConfig, parameter_count
from . import ExerciseCheckError

__all__ = ["check_mask_tokens", "check_parameter_count"]


def _share(name, got, want, tol):
    if abs(got - want) > tol:
        raise ExerciseCheckError(f"mask_tokens: {name} is {got:.4f}, expected {want:.4f} "
                                 f"(+-{tol})")


def check_mask_tokens(fn):
    """Check ``fn(input_ids, vocab_size, mask_id, generator) -> (inputs, labels)`` by its
    frequencies on 200,000 tokens (tolerances of about five standard errors).

    Returns
    -------
    str
        A one-line verdict.

    Raises
    ------
    ExerciseCheckError
        When a shape, the untouched positions, the labels or a frequency is wrong.
    """
    V, mask_id = 20, 0
    ids = np.random.default_rng(7).integers(1, V, size=(400, 500))
    out = fn(ids.copy(), V, mask_id, np.random.default_rng(8))
    if not isinstance(out, tuple) or len(out) != 2:
        raise ExerciseCheckError("mask_tokens: return a tuple (inputs, labels)")
    inputs, labels = (np.asarray(a) for a in out)
    if inputs.shape != ids.shape or labels.shape != ids.shape:
        raise ExerciseCheckError(f"mask_tokens: inputs and labels must have the shape of "
                                 f"input_ids {ids.shape}, got {inputs.shape} and {labels.shape}")
    selected = labels != -100
    if not np.array_equal(labels[selected], ids[selected]):
        raise ExerciseCheckError("mask_tokens: a label must be the ORIGINAL token at a selected "
                                 "position (and -100 elsewhere)")
    if not np.array_equal(inputs[~selected], ids[~selected]):
        raise ExerciseCheckError("mask_tokens: positions that were not selected must keep "
                                 "their token")
    n = selected.sum()
    _share("the share of selected positions", n / ids.size, 0.15, 0.004)
    masked = (inputs == mask_id) & selected
    kept = (inputs == ids) & selected
    _share("the share of [MASK] among selected positions", masked.sum() / n, 0.8, 0.01)
    _share("the share of unchanged tokens among selected positions", kept.sum() / n,
           0.1 + 0.1 / V, 0.01)
    replaced = inputs[selected & ~masked & ~kept]
    if replaced.size and (replaced.min() < 0 or replaced.max() >= V):
        raise ExerciseCheckError(f"mask_tokens: random replacements must lie in [0, {V})")
    return f"mask_tokens: the frequencies of {n} selected positions match BERT's 15 % and 80/10/10"


def check_parameter_count(fn):
    """Compare ``fn(config) -> int`` with :func:`dlbook.lm.pretraining.parameter_count`.

    Returns
    -------
    str
        A one-line verdict.

    Raises
    ------
    ExerciseCheckError
        On the first configuration whose count differs.
    """
    rng = np.random.default_rng(599)
    configs = dict(PRETRAINED_CONFIGS)
    for i in range(6):
        heads = int(rng.integers(1, 5))
        configs[f"random {i}"] = TransformerConfig(
            vocab_size=int(rng.integers(5, 500)), max_position=int(rng.integers(1, 300)),
            d_model=heads * int(rng.integers(1, 40)), n_layers=int(rng.integers(1, 7)),
            n_heads=heads, d_ff=int(rng.integers(1, 200)),
            type_vocab_size=int(rng.integers(0, 3)), embedding_norm=bool(i % 2),
            final_norm=not i % 2, pooler=i in (1, 4), lm_head=("none", "tied", "linear")[i % 3])
    for name, config in configs.items():
        want = parameter_count(config)["total"]
        got = fn(config)
        if got != want:
            raise ExerciseCheckError(f"parameter count: {name} ({config}) gives {got}, "
                                     f"expected {want:,}")
    return f"parameter count: all {len(configs)} configurations agree"
