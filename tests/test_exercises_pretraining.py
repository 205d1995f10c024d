"""The self-checks of the BERT and GPT chapter accept correct answers and reject wrong ones."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.pretraining import check_mask_tokens, check_parameter_count
from dlbook.lm.pretraining import mask_tokens, parameter_count


def good_mask(ids, vocab_size, mask_id, generator):
    return mask_tokens(ids, vocab_size, mask_id, generator=generator)


def test_correct_answers_pass():
    assert "match" in check_mask_tokens(good_mask)
    assert "agree" in check_parameter_count(lambda c: parameter_count(c)["total"])


@pytest.mark.parametrize("wrong, message", [
    (lambda ids, V, m, g: mask_tokens(ids, V, m, mask_replace_prob=1.0, random_replace_prob=0.0,
                                      generator=g), "MASK"),
    (lambda ids, V, m, g: mask_tokens(ids, V, m, mlm_probability=0.3, generator=g), "selected"),
    (lambda ids, V, m, g: (mask_tokens(ids, V, m, generator=g)[0],
                           np.where(mask_tokens(ids, V, m, generator=g)[1] == -100, -100, m)),
     "ORIGINAL"),
    (lambda ids, V, m, g: mask_tokens(ids, V, m, generator=g)[0], "tuple"),
])
def test_wrong_masking_is_rejected(wrong, message):
    with pytest.raises(ExerciseCheckError, match=message):
        check_mask_tokens(wrong)


def test_wrong_counts_are_rejected():
    with pytest.raises(ExerciseCheckError, match="expected"):
        check_parameter_count(lambda c: parameter_count(c)["total"] - c.pooler * c.d_model)
    with pytest.raises(ExerciseCheckError):
        check_parameter_count(lambda c: 12 * c.n_layers * c.d_model ** 2)
