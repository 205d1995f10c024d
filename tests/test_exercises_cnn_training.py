"""The occlusion-map checker accepts correct answers and rejects the usual slips."""
import numpy as np
import pytest

import dlbook
from dlbook import functional as F
from dlbook import nn
from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.cnn_training import check_occlusion_map, reference_occlusion_map


def loop_occlusion(model, image, target, size, fill=0.0, *, use_logits=False, sign=1.0,
                   first_channel_only=False):
    """Position-by-position version; the keyword arguments inject the classic slips."""
    C, H, W = image.shape

    def score(x):
        model.eval()
        with dlbook.no_grad():
            out = model(x[None])
        return out[0, target] if use_logits else F.softmax(out, dim=1)[0, target]

    clean = score(image)
    out = np.zeros((H - size + 1, W - size + 1))
    for i in range(H - size + 1):
        for j in range(W - size + 1):
            covered = image.copy()
            channels = slice(0, 1) if first_channel_only else slice(None)
            covered[channels, i:i + size, j:j + size] = fill
            out[i, j] = sign * (clean - score(covered))
    return out


def test_checker_accepts_loop_version():
    assert check_occlusion_map(loop_occlusion).endswith("cases match")


def test_checker_accepts_reference():
    assert check_occlusion_map(reference_occlusion_map).endswith("cases match")


@pytest.mark.parametrize("slip,message", [({"use_logits": True}, "probability"),
                                          ({"sign": -1.0}, "sign is reversed"),
                                          ({"first_channel_only": True}, "case")])
def test_checker_rejects_slips(slip, message):
    with pytest.raises(ExerciseCheckError, match=message):
        check_occlusion_map(lambda *args: loop_occlusion(*args, **slip))


def test_reference_full_cover_equals_blank_image():
    gen = np.random.default_rng(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 3, generator=gen))
    image = gen.uniform(size=(2, 4, 4))
    got = reference_occlusion_map(model, image, 1, 4, fill=0.25)
    with dlbook.no_grad():
        p = F.softmax(model(np.stack([image, np.full_like(image, 0.25)])), dim=1)[:, 1]
    assert got.shape == (1, 1) and np.isclose(got[0, 0], p[0] - p[1], rtol=1e-12)


def test_reference_restores_training_mode():
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    model.train()
    reference_occlusion_map(model, np.ones((1, 4, 4)), 0, 2)
    assert model.training


@pytest.mark.parametrize("kwargs,error,match", [
    ({"image": np.ones((4, 4))}, ValueError, "\\(C, H, W\\)"),
    ({"size": 0}, ValueError, "size must lie"),
    ({"size": 5}, ValueError, "size must lie"),
    ({"size": 2.0}, TypeError, "size must be an int"),
    ({"target": 1.0}, TypeError, "target must be an int"),
])
def test_reference_bad_inputs(kwargs, error, match):
    args = {"model": nn.Sequential(nn.Flatten(), nn.Linear(16, 2)), "image": np.ones((1, 4, 4)),
            "target": 0, "size": 2}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        reference_occlusion_map(**args)
