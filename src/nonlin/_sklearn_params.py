"""The ``dtype`` parameter of ``nonlin.sklearn``'s estimators, as a scikit-learn constraint.

``dtype`` fixes the network's dtype: float32 or float64, in any spelling
``np.dtype`` reads (``"float32"``, ``"f4"``, ``"single"``, ``np.float32``,
``np.dtype("float64")``, ``float``). The estimator stores the value as given, so
``get_params`` and ``clone`` hand back that very object; the code that uses it
reads ``np.dtype(dtype)``. ``None`` (follow ``X``, as scikit-learn) is a separate
constraint. Imported by ``nonlin.sklearn`` only, after it checked that scikit-learn
is installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils._param_validation import Options

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def is_float_dtype(value: Any) -> bool:
    """Whether ``np.dtype(value)`` is native float32 or float64 (``None`` is not: it
    would read as float64, and means "follow ``X``")."""
    if value is None:
        return False
    try:
        return np.dtype(value) in FLOAT_DTYPES
    except (TypeError, ValueError, KeyError):  # not a dtype at all
        return False


class FloatDtype(Options):
    """scikit-learn's constraint for ``dtype``: ``is_float_dtype``. An ``Options`` (its
    valid values are two dtypes, whatever the spelling), which scikit-learn's
    ``_parameter_constraints`` take."""

    def __init__(self) -> None:
        super().__init__(object, {"float32", "float64"})

    def is_satisfied_by(self, val: Any) -> bool:
        return is_float_dtype(val)

    def __str__(self) -> str:
        return ("float32 or float64 in a spelling np.dtype reads ('float32', 'f4', np.float32, "
                "np.dtype('float64'), ...)")
