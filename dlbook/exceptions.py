"""Exceptions and warnings raised by dlbook's estimators and metrics.

They have scikit-learn's names and base classes, so code written against
:mod:`sklearn.exceptions` catches them the same way.
"""

__all__ = ["NotFittedError", "UndefinedMetricWarning"]


class NotFittedError(ValueError, AttributeError):
    """An estimator was used (``transform``, ``predict``, ...) before ``fit``.

    It derives from both ``ValueError`` and ``AttributeError``, as
    :class:`sklearn.exceptions.NotFittedError` does, so ``hasattr(est, "predict_proba")``-style
    checks and ``except ValueError`` both keep working.
    """


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined for the given data (e.g. precision with no predicted positives).

    The metric returns the value chosen by its ``zero_division`` argument instead.
    """
