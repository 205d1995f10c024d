"""Feedforward NNLM, skip-gram with negative sampling, PMI/SVD and cosine neighbours."""
import numpy as np
import pytest

import dlbook
from dlbook.gradcheck import check_gradient
from dlbook.lm.embeddings import (FeedforwardLM, SkipGramNS, cooccurrence_matrix,
                                  cosine_neighbours, nll_sum, noise_distribution, pmi_matrix,
                                  ppmi_matrix, sgns_loss, skipgram_pairs, svd_embeddings)
from dlbook.nn import CrossEntropyLoss


def _loss_and_grads(model, x, y):
    loss_fn = CrossEntropyLoss(reduction="sum")
    loss = loss_fn(model(x), y)
    model.zero_grad()
    model.backward(loss_fn.backward())
    return loss


@pytest.mark.parametrize("direct", [False, True])
def test_nnlm_gradients_match_finite_differences(direct):
    rng = np.random.default_rng(0)
    model = FeedforwardLM(7, 3, 4, 5, direct=direct, generator=1, init_scale=0.5)
    x = rng.integers(0, 7, (6, 3))
    x[0] = [2, 2, 2]                                  # a repeated word: gradients must add up
    y = rng.integers(0, 7, 6)
    _loss_and_grads(model, x, y)
    for name, param in model.named_parameters():
        def f():
            with dlbook.no_grad():
                return CrossEntropyLoss(reduction="sum")(model(x), y)

        check_gradient(f, param.data, param.grad.copy(), name=name)


def test_nnlm_parity_with_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    V, n, E, H = 9, 2, 3, 4
    model = FeedforwardLM(V, n, E, H, direct=True, generator=2)
    x, y = rng.integers(0, V, (5, n)), rng.integers(0, V, 5)
    loss = _loss_and_grads(model, x, y)
    C = torch.tensor(model.embedding.weight.data, requires_grad=True)
    Hw = torch.tensor(model.hidden.weight.data, requires_grad=True)
    d = torch.tensor(model.hidden.bias.data, requires_grad=True)
    U = torch.tensor(model.output.weight.data, requires_grad=True)
    b = torch.tensor(model.output.bias.data, requires_grad=True)
    W = torch.tensor(model.direct.weight.data, requires_grad=True)
    xe = C[torch.tensor(x)].reshape(5, -1)
    z = torch.tanh(xe @ Hw.T + d) @ U.T + b + xe @ W.T
    ref = torch.nn.functional.cross_entropy(z, torch.tensor(y), reduction="sum")
    ref.backward()
    assert np.isclose(loss, ref.item(), rtol=1e-12)
    for ours, theirs in ((model.embedding.weight, C), (model.hidden.weight, Hw),
                         (model.output.weight, U), (model.direct.weight, W)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_nnlm_shapes_errors_and_nll():
    model = FeedforwardLM(6, 2, 3, 4, generator=0)
    x = np.array([[0, 1], [2, 3], [4, 5]])
    assert model(x).shape == (3, 6)
    model.backward(np.zeros((3, 6)))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        model(np.zeros((3, 3), dtype=int))
    with pytest.raises(TypeError):
        model(np.zeros((3, 2)))
    with pytest.raises(ValueError):
        model(np.array([[0, 6]]))
    y = np.array([1, 2, 3])
    with dlbook.no_grad():
        logits = model(x)
    want = -np.sum(logits[np.arange(3), y] - np.log(np.exp(logits).sum(axis=1)))
    assert np.isclose(nll_sum(model, x, y, batch_size=2), want)
    assert len(model.embedding._contexts) == 0          # evaluation saved nothing


def test_skipgram_pairs_small_example():
    c, o = skipgram_pairs([np.array([1, 2, 3]), np.array([4, 5])], 2)
    pairs = sorted(zip(c.tolist(), o.tolist()))
    assert pairs == sorted([(1, 2), (2, 1), (2, 3), (3, 2), (4, 5), (5, 4), (1, 3), (3, 1)])
    c1, _ = skipgram_pairs([np.array([7])], 3)
    assert c1.size == 0
    with pytest.raises(TypeError):
        skipgram_pairs([np.array([1.0, 2.0])], 1)


def test_noise_distribution():
    p = noise_distribution([16, 1, 0, 81], 0.75)
    np.testing.assert_allclose(p, np.array([8, 1, 0, 27]) / 36)
    np.testing.assert_allclose(noise_distribution([1, 3], 0.0), [0.5, 0.5])
    with pytest.raises(ValueError):
        noise_distribution([-1, 2])


def test_sgns_loss_value_and_gradients():
    rng = np.random.default_rng(1)
    B, K, D = 4, 3, 5
    v, u, n = rng.normal(size=(B, D)), rng.normal(size=(B, D)), rng.normal(size=(B, K, D))
    loss, (dv, du, dn) = sgns_loss(v, u, n)
    sig = lambda t: 1 / (1 + np.exp(-t))
    want = -np.sum(np.log(sig((u * v).sum(1)))) - np.sum(np.log(sig(-np.einsum("bkd,bd->bk", n, v))))
    assert np.isclose(loss, want)
    f = lambda: sgns_loss(v, u, n)[0]                  # the arrays are perturbed in place
    check_gradient(f, v, dv, name="center")
    check_gradient(f, u, du, name="context")
    check_gradient(f, n, dn, name="negatives")
    big, _ = sgns_loss(np.full((1, 1), 1e3), np.full((1, 1), -1e3), np.zeros((1, 1, 1)))
    assert np.isfinite(big)
    with pytest.raises(ValueError, match="negatives"):
        sgns_loss(v, u, n[:, :, :2])


def test_sgns_training_lowers_the_loss_and_learns_structure():
    # two topics that never mix: words 0-4 and 5-9
    rng = np.random.default_rng(0)
    sents = [rng.integers(0, 5, 8) if i % 2 else rng.integers(5, 10, 8) for i in range(400)]
    c, o = skipgram_pairs(sents, 2)
    counts = np.bincount(np.concatenate(sents), minlength=10)
    model = SkipGramNS(10, 8, negative=3, generator=0).fit(c, o, counts, epochs=3, lr=0.02, batch_size=16)
    assert model.loss_history_[-1] < model.loss_history_[0]
    ids, _ = cosine_neighbours(model.in_vectors_, [0, 7], k=3)
    assert (ids[0] < 5).all() and (ids[1] >= 5).all()
    again = SkipGramNS(10, 8, negative=3, generator=0).fit(c, o, counts, epochs=3, lr=0.02, batch_size=16)
    np.testing.assert_array_equal(model.in_vectors_, again.in_vectors_)


def test_pmi_ppmi_and_svd():
    counts = cooccurrence_matrix(np.array([0, 0, 1, 2]), np.array([1, 1, 0, 2]), 3)
    np.testing.assert_array_equal(counts, [[0, 2, 0], [1, 0, 0], [0, 0, 1]])
    pmi = pmi_matrix(counts)
    assert np.isclose(pmi[0, 1], np.log(2 * 4 / (2 * 2)))
    assert np.isneginf(pmi[0, 0])
    ppmi = ppmi_matrix(counts, shift=2.0)
    assert np.isclose(ppmi[2, 2], np.log(4) - np.log(2)) and ppmi[0, 1] == 0.0
    rng = np.random.default_rng(0)
    m = rng.normal(size=(12, 3)) @ rng.normal(size=(3, 10))
    w = svd_embeddings(m, 3, eigenvalue_weight=1.0)
    u, s, _ = np.linalg.svd(m)
    np.testing.assert_allclose(np.abs(w), np.abs(u[:, :3] * s[:3]), atol=1e-8)
    assert (w[np.argmax(np.abs(w), axis=0), np.arange(3)] > 0).all()
    with pytest.raises(ValueError):
        svd_embeddings(m, 10)


def test_cosine_neighbours():
    vecs = np.array([[1.0, 0.0], [2.0, 0.1], [0.0, 1.0], [-1.0, 0.0]])
    ids, sims = cosine_neighbours(vecs, [0, 2], k=2)
    assert ids[0].tolist() == [1, 2] and np.isclose(sims[0, 1], 0.0)
    assert ids[1, 0] == 1
    with pytest.raises(ValueError):
        cosine_neighbours(vecs, [0], k=4)
