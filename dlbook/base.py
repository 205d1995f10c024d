"""Base classes that give dlbook's estimators scikit-learn's estimator protocol.

An estimator's constructor only stores its hyper-parameters, each under the attribute of the same
name, and validates nothing (validation happens in ``fit``). Everything else follows from that:
:meth:`BaseEstimator.get_params` reads the parameter names from the signature of ``__init__``,
:meth:`BaseEstimator.set_params` assigns them, and so :func:`sklearn.base.clone`,
:class:`sklearn.pipeline.Pipeline` and :class:`sklearn.model_selection.GridSearchCV` can copy,
chain and tune dlbook's estimators like their own. What ``fit`` learns is stored in attributes
whose names end in an underscore (``mean_``, ``components_``), which is how
:func:`dlbook._validation.check_is_fitted` tells a fitted estimator from a fresh one.

This module does not import scikit-learn; ``__sklearn_tags__`` imports it only when scikit-learn
itself asks for the tags.
"""
import inspect

import numpy as np

__all__ = ["BaseEstimator", "TransformerMixin", "ClassifierMixin"]


def _same_value(a, b):
    """True when a parameter still has its default value ``b`` (used by ``__repr__``)."""
    if a is b:
        return True
    if type(a) is not type(b) or isinstance(a, np.ndarray):
        return False
    if isinstance(a, float) and np.isnan(a) and np.isnan(b):
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


class BaseEstimator:
    """Parameter handling and a readable ``repr`` for every dlbook estimator.

    A subclass lists its hyper-parameters explicitly in ``__init__`` (no ``*args`` or
    ``**kwargs``) and stores each one unchanged as ``self.<name>``.
    """

    @classmethod
    def _get_param_names(cls):
        """The names of the constructor's parameters, sorted."""
        init = cls.__init__
        if init is object.__init__:
            return []
        params = list(inspect.signature(init).parameters.values())[1:]     # drop self
        for p in params:
            if p.kind == p.VAR_POSITIONAL:
                raise TypeError(f"{cls.__name__}.__init__ must list its parameters explicitly; "
                                f"*{p.name} is not allowed")
        return sorted(p.name for p in params if p.kind != p.VAR_KEYWORD)

    def get_params(self, deep=True):
        """The estimator's hyper-parameters.

        Parameters
        ----------
        deep : bool, default True
            Also return the parameters of parameters that are estimators themselves, under the
            key ``<parameter>__<name>``.

        Returns
        -------
        dict
            Parameter name -> value.
        """
        out = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params):
        """Set hyper-parameters by name (``<parameter>__<name>`` reaches a nested estimator).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If a name is not a parameter of this estimator.
        """
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested = {}
        for key, value in params.items():
            name, sep, sub_key = key.partition("__")
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for estimator {type(self).__name__}; "
                                 f"valid parameters are {sorted(self._get_param_names())}")
            if sep:
                nested.setdefault(name, {})[sub_key] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def __repr__(self):
        defaults = {name: p.default
                    for name, p in inspect.signature(type(self).__init__).parameters.items()}
        shown = [f"{name}={value!r}" for name, value in self.get_params(deep=False).items()
                 if not _same_value(value, defaults.get(name, inspect.Parameter.empty))]
        return f"{type(self).__name__}({', '.join(shown)})"

    def __sklearn_tags__(self):
        """scikit-learn's estimator tags (scikit-learn >= 1.6 asks every step of a Pipeline)."""
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=None, regressor_tags=None, classifier_tags=None)


class TransformerMixin:
    """``fit_transform`` for estimators that have ``fit`` and ``transform``.

    Put it before :class:`BaseEstimator` in the list of bases, as in scikit-learn.
    """

    def fit_transform(self, X, y=None, **fit_params):
        """``fit(X, y, **fit_params)`` then ``transform(X)``.

        Parameters
        ----------
        X : array-like, shape (N, D)
        y : array-like, shape (N,), optional
            Targets, for supervised transformers such as LDA.

        Returns
        -------
        ndarray, shape (N, k)
        """
        if y is None:
            return self.fit(X, **fit_params).transform(X)
        return self.fit(X, y, **fit_params).transform(X)

    def __sklearn_tags__(self):
        from sklearn.utils import TransformerTags

        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags()
        return tags


class ClassifierMixin:
    """``score`` (mean accuracy) for classifiers, and the tags that mark them as classifiers.

    scikit-learn's tools use the tag, e.g. ``GridSearchCV(cv=5)`` then splits with stratified
    folds. Put it before :class:`BaseEstimator` in the list of bases.
    """

    _estimator_type = "classifier"      # read by scikit-learn < 1.6

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against ``y`` (weighted by ``sample_weight``).

        Returns
        -------
        float
        """
        from .metrics import accuracy_score

        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        return tags
