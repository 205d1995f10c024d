"""The self-checks of the dimensionality-reduction chapter accept correct answers and reject
typical mistakes."""
import numpy as np
import pytest

from dlbook.exercises import ExerciseCheckError
from dlbook.exercises.decomposition import check_pca, check_scatter_matrices


def pca_eigh(X, n_components):
    Xc = X - X.mean(axis=0)
    evals, evecs = np.linalg.eigh(Xc.T @ Xc / (len(X) - 1))
    order = np.argsort(evals)[::-1][:n_components]
    return evecs[:, order].T, evals[order]


def pca_svd_negated(X, n_components):
    _, s, vt = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    return -vt[:n_components], s[:n_components] ** 2 / (len(X) - 1)


def test_pca_accepts_correct_answers_with_any_signs():
    assert "all 4 cases match" in check_pca(pca_eigh)
    check_pca(pca_svd_negated)


@pytest.mark.parametrize("mistake", ["no_centring", "biased", "ascending", "columns", "not_tuple"])
def test_pca_rejects_mistakes(mistake):
    def wrong(X, n_components):
        if mistake == "no_centring":
            _, s, vt = np.linalg.svd(X, full_matrices=False)
            return vt[:n_components], s[:n_components] ** 2 / (len(X) - 1)
        comps, var = pca_eigh(X, n_components)
        if mistake == "biased":
            return comps, var * (len(X) - 1) / len(X)
        if mistake == "ascending":
            comps, var = pca_eigh(X, X.shape[1])
            return comps[::-1][:n_components], var[::-1][:n_components]
        if mistake == "columns":
            return comps.T, var
        return comps
    with pytest.raises(ExerciseCheckError):
        check_pca(wrong)


def scatter(X, y):
    mu = X.mean(axis=0)
    d = X.shape[1]
    s_intra, s_inter = np.zeros((d, d)), np.zeros((d, d))
    for c in np.unique(y):
        Xc = X[y == c]
        mc = Xc.mean(axis=0)
        s_intra += (Xc - mc).T @ (Xc - mc)
        s_inter += len(Xc) * np.outer(mc - mu, mc - mu)
    return s_intra, s_inter


def test_scatter_accepts_a_correct_answer():
    assert "all 4 cases match" in check_scatter_matrices(scatter)


@pytest.mark.parametrize("mistake", ["averaged", "unweighted_between", "swapped", "total"])
def test_scatter_rejects_mistakes(mistake):
    def wrong(X, y):
        s_intra, s_inter = scatter(X, y)
        if mistake == "averaged":
            return s_intra / len(X), s_inter / len(X)
        if mistake == "unweighted_between":
            mu = X.mean(axis=0)
            return s_intra, sum(np.outer(X[y == c].mean(0) - mu, X[y == c].mean(0) - mu)
                                for c in np.unique(y))
        if mistake == "swapped":
            return s_inter, s_intra
        Xc = X - X.mean(axis=0)
        return Xc.T @ Xc, s_inter
    with pytest.raises(ExerciseCheckError):
        check_scatter_matrices(wrong)
