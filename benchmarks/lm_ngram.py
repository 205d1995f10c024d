"""Time the same n-gram language-model work in dlbook.lm and in nltk.lm.

The work: build the padded everygram pipeline of order n on the training split of
``dlbook.data.load_text_corpus()``, fit a Laplace and a Lidstone model on it, and compute the
perplexity of the test split (its padded n-grams of length n). Both libraries get the same
sentences and must report the same perplexities (checked to 1e-9); only the time differs.
Usage::

    python benchmarks/lm_ngram.py [--order 3] [--gamma 0.1] [--repeats 3]

Prints the best-of-``repeats`` wall time of each library and the ratio nltk / dlbook.
"""
import argparse
import math
import time

from dlbook import lm
from dlbook.data import load_text_corpus


def run_dlbook(train, test, order, gamma):
    from dlbook.lm.preprocessing import flatten, ngrams, pad_both_ends, padded_everygram_pipeline
    results = []
    for model in (lm.Laplace(order), lm.Lidstone(gamma, order)):
        ngram_text, vocabulary_text = padded_everygram_pipeline(order, train)
        model.fit(ngram_text, vocabulary_text)
        test_ngrams = flatten(ngrams(pad_both_ends(sent, n=order), order) for sent in test)
        results.append(model.perplexity(test_ngrams))
    return results


def run_nltk(train, test, order, gamma):
    import nltk.lm
    from nltk.lm.preprocessing import flatten, pad_both_ends, padded_everygram_pipeline
    from nltk.util import ngrams
    results = []
    for model in (nltk.lm.Laplace(order), nltk.lm.Lidstone(gamma, order)):
        ngram_text, vocabulary_text = padded_everygram_pipeline(order, train)
        model.fit(ngram_text, vocabulary_text)
        test_ngrams = flatten(ngrams(pad_both_ends(sent, n=order), order) for sent in test)
        results.append(model.perplexity(test_ngrams))
    return results


def best_time(fn, repeats):
    best, result = math.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order", type=int, default=3)
    parser.add_argument("--gamma", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    corpus = load_text_corpus()
    train, test = [list(s) for s in corpus.train], [list(s) for s in corpus.test]
    print(f"corpus: {len(train)} training sentences ({corpus.num_tokens()[0]} words), "
          f"{len(test)} test sentences ({corpus.num_tokens()[2]} words); order {args.order}")

    t_dlbook, pp_dlbook = best_time(lambda: run_dlbook(train, test, args.order, args.gamma),
                                    args.repeats)
    t_nltk, pp_nltk = best_time(lambda: run_nltk(train, test, args.order, args.gamma),
                                args.repeats)
    for name, a, b in zip(("Laplace", f"Lidstone({args.gamma})"), pp_dlbook, pp_nltk):
        if not math.isclose(a, b, rel_tol=1e-9):
            raise SystemExit(f"{name} perplexities differ: dlbook {a!r}, nltk {b!r}")
        print(f"{name:>16} test perplexity: {a:.4f} (both)")
    print(f"dlbook.lm: {t_dlbook * 1e3:8.1f} ms   (best of {args.repeats})")
    print(f"nltk.lm:   {t_nltk * 1e3:8.1f} ms")
    print(f"dlbook.lm is {t_nltk / t_dlbook:.1f}x faster")


if __name__ == "__main__":
    main()
