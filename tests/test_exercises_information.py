"""The self-checks of the information-theory chapter accept correct answers and reject typical
mistakes."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.information import check_entropy, check_kl_divergence


def entropy_bits(p):
    p = np.asarray(p, dtype=float)
    logs = np.log2(np.where(p > 0, p, 1.0))
    return -(p * logs).sum(axis=-1)


def kl_bits(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    with np.errstate(divide="ignore"):
        terms = np.where(p > 0, p * (np.log2(np.where(p > 0, p, 1.0))
                                     - np.log2(np.where(p > 0, q, 1.0))), 0.0)
    return terms.sum(axis=-1)


def test_entropy_accepts_a_correct_answer():
    assert "all 13 cases match" in check_entropy(entropy_bits)


def test_entropy_accepts_scipy():
    stats = pytest.importorskip("scipy.stats")
    check_entropy(lambda p: stats.entropy(p, base=2, axis=-1))


@pytest.mark.parametrize("mistake", ["nats", "no_zero_convention", "wrong_axis", "sign",
                                     "mean_not_sum"])
def test_entropy_rejects_mistakes(mistake):
    def wrong(p):
        p = np.asarray(p, dtype=float)
        if mistake == "nats":
            return entropy_bits(p) * np.log(2)
        if mistake == "no_zero_convention":
            with np.errstate(divide="ignore", invalid="ignore"):
                return -(p * np.log2(p)).sum(axis=-1)
        if mistake == "wrong_axis":
            return entropy_bits(p.T) if p.ndim == 2 else entropy_bits(p)
        if mistake == "sign":
            return -entropy_bits(p)
        return entropy_bits(p) / p.shape[-1]
    with pytest.raises(ExerciseCheckError):
        check_entropy(wrong)


def test_kl_accepts_a_correct_answer():
    assert "cases match" in check_kl_divergence(kl_bits)


def test_kl_accepts_scipy():
    stats = pytest.importorskip("scipy.stats")
    check_kl_divergence(lambda p, q: stats.entropy(p, q, base=2, axis=-1))


@pytest.mark.parametrize("mistake", ["swapped", "nats", "cross_entropy", "no_inf",
                                     "no_zero_convention"])
def test_kl_rejects_mistakes(mistake):
    def wrong(p, q):
        if mistake == "swapped":
            return kl_bits(q, p)
        if mistake == "nats":
            return kl_bits(p, q) * np.log(2)
        if mistake == "cross_entropy":
            return kl_bits(p, q) + entropy_bits(p)
        if mistake == "no_inf":
            return np.nan_to_num(kl_bits(p, q), posinf=0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.asarray(p) * np.log2(np.asarray(p) / np.asarray(q))).sum(axis=-1)
    with pytest.raises(ExerciseCheckError):
        check_kl_divergence(wrong)
