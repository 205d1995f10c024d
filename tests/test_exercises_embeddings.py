"""The self-check of the embeddings chapter accepts a correct SGNS loss and rejects wrong ones."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.embeddings import check_sgns_loss
from dlbook.lm.embeddings import sgns_loss


def test_accepts_the_reference():
    assert "match" in check_sgns_loss(sgns_loss)


def test_rejects_a_wrong_sign_and_an_overflowing_loss():
    def wrong_sign(c, o, n):
        loss, (dc, do, dn) = sgns_loss(c, o, n)
        return loss, (dc, -do, dn)

    with pytest.raises(ExerciseCheckError, match="output 2"):
        check_sgns_loss(wrong_sign)

    def naive(c, o, n):
        with np.errstate(over="ignore", divide="ignore"):
            pos, neg = (c * o).sum(1), np.einsum("bkd,bd->bk", n, c)
            loss = -np.log(1 / (1 + np.exp(-pos))).sum() - np.log(1 / (1 + np.exp(neg))).sum()
        return loss, sgns_loss(c, o, n)[1]

    with pytest.raises(ExerciseCheckError, match="non-finite"):
        check_sgns_loss(naive)


def test_rejects_a_wrong_shape_of_result():
    with pytest.raises(ExerciseCheckError, match="must return"):
        check_sgns_loss(lambda c, o, n: sgns_loss(c, o, n)[0])
