r"""``save(obj, path)`` / ``load(path)``: state dicts to a pickle-free ``.npz`` file.

A state dict is a tree of dicts, lists and tuples whose leaves are arrays, numbers, strings,
booleans and None — a module's ``state_dict()``, an optimizer's, a scheduler's, a random
generator's state from :func:`dlbook.random.get_rng_state`, or a dict of several of them.
``save`` stores every array as its own ``.npy`` member of a NumPy ``.npz`` archive and the tree
as JSON beside them; ``load`` reads it back with ``allow_pickle=False``, so loading a file can
never run code. Arrays come back bit-identical, with their dtype; tuples come back as tuples.
"""
import collections
import json
import numbers
import os

import numpy as np

__all__ = ["save", "load"]

_TREE = "__tree__.json"


def _encode(obj, arrays, where):
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise TypeError(f"cannot save an object array at {where}")
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"array": key}
    if isinstance(obj, np.generic):
        return _encode(obj.item(), arrays, where)
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        value = float(obj)
        if value != value or value in (float("inf"), float("-inf")):
            return {"float": repr(value)}
        return value
    if isinstance(obj, collections.abc.Mapping):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"cannot save a dict key of type {type(k).__name__} at {where}")
            items.append([k, _encode(v, arrays, f"{where}[{k!r}]")])
        kind = "ordered" if isinstance(obj, collections.OrderedDict) else "dict"
        return {kind: items}
    if isinstance(obj, (list, tuple)):
        seq = [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
        return {"tuple": seq} if isinstance(obj, tuple) else {"list": seq}
    raise TypeError(f"cannot save an object of type {type(obj).__name__} at {where}; "
                    "save state dicts (arrays, numbers, strings, dicts, lists), not objects")


def _decode(node, arrays):
    if not isinstance(node, dict):
        return node
    (kind, value), = node.items()
    if kind == "array":
        return arrays[value]
    if kind == "float":
        return float(value)
    if kind in ("dict", "ordered"):
        out = collections.OrderedDict() if kind == "ordered" else {}
        for k, v in value:
            out[k] = _decode(v, arrays)
        return out
    seq = [_decode(v, arrays) for v in value]
    return tuple(seq) if kind == "tuple" else seq


def save(obj, path):
    """Write the state tree ``obj`` to ``path`` (a ``.npz`` archive; see the module docstring)."""
    arrays = {}
    tree = _encode(obj, arrays, "obj")
    payload = {_TREE: np.frombuffer(json.dumps(tree).encode("utf-8"), dtype=np.uint8)}
    payload.update(arrays)
    with open(os.fspath(path), "wb") as f:
        np.savez(f, **payload)


def load(path):
    """Read a state tree written by :func:`save` (never unpickles anything)."""
    with np.load(os.fspath(path), allow_pickle=False) as archive:
        if _TREE not in archive.files:
            raise ValueError(f"{path} was not written by dlbook.save (no {_TREE} member)")
        tree = json.loads(archive[_TREE].tobytes().decode("utf-8"))
        arrays = {k: archive[k] for k in archive.files if k != _TREE}
    return _decode(tree, arrays)
