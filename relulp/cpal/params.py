"""scikit-learn style parameter handling without importing scikit-learn.

:class:`ParamsMixin` gives ``get_params`` / ``set_params`` / ``__repr__`` from the ``__init__`` signature
(the scikit-learn convention: every constructor argument is stored unchanged under its own name and
validated at ``fit``), which is all :func:`sklearn.base.clone`, grid searches and pipelines need.
scikit-learn itself is imported only if a scikit-learn function asks for the estimator's tags.
"""

from __future__ import annotations

import inspect

from .exceptions import InvalidParameterError


class ParamsMixin:
    """``get_params``, ``set_params`` and a compact ``repr`` for estimators (scikit-learn protocol)."""

    _estimator_type = "classifier"

    @classmethod
    def _get_param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        names = [p.name for p in sig.parameters.values()
                 if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        return sorted(names)

    def get_params(self, deep: bool = True) -> dict:
        """The constructor parameters, by name (``deep`` is accepted for compatibility)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set constructor parameters by name; an unknown name raises :class:`InvalidParameterError`."""
        valid = set(self._get_param_names())
        for name, value in params.items():
            if name not in valid:
                raise InvalidParameterError(
                    f"{type(self).__name__} has no parameter {name!r}; valid parameters: {sorted(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        parts = []
        for name in self._get_param_names():
            default = sig.parameters[name].default
            value = getattr(self, name, default)
            try:
                same = value is default or bool(value == default)
            except Exception:  # arrays and other objects without a scalar ==
                same = False
            if not same:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __sklearn_tags__(self):  # pragma: no cover - exercised only through scikit-learn utilities
        from sklearn.utils import ClassifierTags, InputTags, RegressorTags, TargetTags, Tags

        tags = Tags(estimator_type=self._estimator_type, target_tags=TargetTags(required=False),
                    input_tags=InputTags())
        if self._estimator_type == "classifier":
            tags.classifier_tags = ClassifierTags()
        else:
            tags.regressor_tags = RegressorTags()
        return tags
