"""scikit-learn's constraint for the ``dtype`` parameter of ``nonlin.sklearn``'s estimators.

The spellings it takes are ``_sklearn_dtype.is_float_dtype``'s. Imported by
``nonlin.sklearn`` only, after it checked that scikit-learn is installed.
"""

from __future__ import annotations

from typing import Any

from sklearn.utils._param_validation import Options

from ._sklearn_dtype import is_float_dtype


class FloatDtype(Options):
    """float32 or float64 in any spelling ``np.dtype`` reads. An ``Options`` (its valid
    values are two dtypes, whatever the spelling): scikit-learn's
    ``_parameter_constraints`` take no other kind of constraint object."""

    def __init__(self) -> None:
        super().__init__(object, {"float32", "float64"})

    def is_satisfied_by(self, val: Any) -> bool:
        return is_float_dtype(val)

    def __str__(self) -> str:
        return ("float32 or float64 in a spelling np.dtype reads ('float32', 'f4', np.float32, "
                "np.dtype('float64'), ...)")
