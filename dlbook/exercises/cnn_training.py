r"""Self-check for the chapter on training a CNN and looking inside.

One exercise: an *occlusion sensitivity map*. For one image :math:`x` of shape (C, H, W), a
class :math:`c` and a square size :math:`s`, entry :math:`(i, j)` of the map is

.. math::
    p_c(x) - p_c\big(x \text{ with rows } i..i+s-1, \text{ columns } j..j+s-1
    \text{ set to } \texttt{fill} \text{ in every channel}\big),

the drop of the softmax probability of class :math:`c`, for every top-left corner
:math:`(i, j)` of a square inside the image, so the map has shape
:math:`(H - s + 1) \times (W - s + 1)`. The reader writes
``fn(model, image, target, size, fill=0.0)``.
"""
import numbers

import numpy as np

from .. import functional as F
from .. import nn
from .._validation import check_scalar
from ..autograd import no_grad
from . import ExerciseCheckError, check_against

__all__ = ["reference_occlusion_map", "check_occlusion_map"]


def reference_occlusion_map(model, image, target, size, fill=0.0):
    """Drop of the softmax probability of ``target`` when a square of the image is covered.

    All occluded copies form one batch, evaluated in one forward pass in evaluation mode under
    :func:`dlbook.no_grad`; the model's mode is restored afterwards.

    Parameters
    ----------
    model : Module
        Maps (N, C, H, W) images to (N, K) class scores (logits).
    image : array_like, shape (C, H, W)
    target : int
        The class :math:`c`, in ``[0, K)``.
    size : int
        Side of the square, ``1 <= size <= min(H, W)``.
    fill : float, default 0.0
        The value written into the square (0 is the background of the digits).

    Returns
    -------
    ndarray, shape (H - size + 1, W - size + 1)
        Entry ``(i, j)``: ``p_c(image) - p_c(image with the square at (i, j) filled)``.

    Raises
    ------
    ValueError
        If ``image`` is not 3-D or ``size`` does not fit the image.
    TypeError
        If ``size`` or ``target`` is not an int.
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 3:
        raise ValueError(f"image must have shape (C, H, W), got shape {image.shape}")
    size = check_scalar(size, "size", numbers.Integral)
    target = check_scalar(target, "target", numbers.Integral)
    C, H, W = image.shape
    if not 1 <= size <= min(H, W):
        raise ValueError(f"size must lie in [1, {min(H, W)}] for an image of {H} x {W}, "
                         f"got {size}")
    oh, ow = H - size + 1, W - size + 1
    top, left = np.divmod(np.arange(oh * ow), ow)
    rows = (np.arange(H) >= top[:, None]) & (np.arange(H) < top[:, None] + size)     # (P, H)
    cols = (np.arange(W) >= left[:, None]) & (np.arange(W) < left[:, None] + size)   # (P, W)
    covered = rows[:, :, None] & cols[:, None, :]                                     # (P, H, W)
    batch = np.where(covered[:, None], float(fill), image[None])                      # (P, C, H, W)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            p_clean = F.softmax(model(image[None]), dim=1)[0, target]
            p_covered = F.softmax(model(batch), dim=1)[:, target]
    finally:
        model.train(was_training)
    return (p_clean - p_covered).reshape(oh, ow)


def _small_cnn(seed, channels, classes):
    gen = np.random.default_rng(seed)
    return nn.Sequential(nn.Conv2d(channels, 4, 3, padding=1, generator=gen), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 3 * 3, classes, generator=gen))


def _cases():
    rng = np.random.default_rng(21)
    cases = []
    for seed, (channels, target, size, fill) in enumerate(
            [(1, 3, 2, 0.0), (1, 0, 1, 0.0), (2, 4, 3, 0.5), (1, 2, 6, 0.0), (3, 1, 4, -1.0)]):
        model = _small_cnn(seed, channels, 5)
        # scale the read-out so that probabilities are far from uniform and drops are visible
        model[-1].weight.data *= 4.0
        image = rng.uniform(0.0, 1.0, size=(channels, 6, 6))
        cases.append((model, image, target, size, fill))
    return cases


def check_occlusion_map(fn):
    """Compare ``fn(model, image, target, size, fill)`` with :func:`reference_occlusion_map`.

    Small random CNNs on 6 x 6 images with one to three channels; squares from 1 x 1 to the
    whole image; fill values 0, 0.5 and -1. Returns a one-line verdict or raises
    :class:`ExerciseCheckError` saying what differs (a hint names the usual slips: the drop
    measured on logits instead of probabilities, or the sign reversed).
    """
    cases = _cases()
    model, image, target, size, fill = cases[0]
    got = np.asarray(fn(model, image.copy(), target, size, fill), dtype=np.float64)
    want = reference_occlusion_map(model, image, target, size, fill)
    if got.shape == want.shape and not np.allclose(got, want):
        if np.allclose(got, -want):
            raise ExerciseCheckError("occlusion map: the sign is reversed; return "
                                     "p(clean) - p(occluded), positive where covering hurts")
        raise ExerciseCheckError("occlusion map: case 0 differs from the reference; measure the "
                                 "drop of the softmax probability of the target class, not of "
                                 "its logit, and cover the square in every channel")
    return check_against(lambda m, x, t, s, f: fn(m, x.copy(), t, s, f),
                         reference_occlusion_map, cases, name="occlusion map")
