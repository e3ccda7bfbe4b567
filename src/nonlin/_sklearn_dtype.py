"""The ``dtype`` parameter of ``nonlin.sklearn``'s estimators: its spellings.

``dtype`` fixes the network's dtype: float32 or float64, in any spelling
``np.dtype`` reads (``"float32"``, ``"f4"``, ``"single"``, ``np.float32``,
``np.dtype("float64")``, ``float``). The estimator stores the value as given, so
``get_params`` and ``clone`` hand back that value; the code that uses it reads
``np.dtype(dtype)``. ``None`` (follow ``X``, as scikit-learn) is not one of them.

* ``is_float_dtype``: the check, and ``float_dtype_option`` scikit-learn's constraint on it.
* ``network``: the dtype of a fit's new network.
* ``before``: whether an installed version is older than a release.
* ``record`` and ``from_record``: how a saved file keeps the value as given.

This module does not import scikit-learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._optional import older as before  # noqa: F401 (sklearn.py and tests import it here)

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_RECORDED: dict[str, dict[str, Any]] = {
    "type": {"float32": np.float32, "float64": np.float64, "float": float},
    "dtype": {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)},
}


def is_float_dtype(value: Any) -> bool:
    """Whether ``np.dtype(value)`` is native float32 or float64 (``None`` is not: it
    would read as float64, and means "follow ``X``")."""
    if value is None:
        return False
    try:
        return np.dtype(value) in FLOAT_DTYPES
    except (TypeError, ValueError, KeyError):  # not a dtype at all
        return False


def network(X: Any, dtype: Any) -> np.dtype:
    """The dtype of a new network for ``X`` (validation's cast): the ``dtype`` parameter,
    or else ``X``'s float32 or float64, float64 for any other dtype."""
    if dtype is not None:
        return np.dtype(dtype)
    given = getattr(X, "dtype", None)
    return np.dtype(given) if given in FLOAT_DTYPES else np.dtype(np.float64)


def record(value: Any) -> Any:
    """A valid ``dtype`` as JSON: a string as spelled, a type or an ``np.dtype`` as
    ``{"type": name}`` or ``{"dtype": name}`` (Python's ``float`` as ``"float"``)."""
    if isinstance(value, str):
        return value
    if value is float:
        return {"type": "float"}
    return {"type" if isinstance(value, type) else "dtype": np.dtype(value).name}


def from_record(value: dict[str, Any]) -> Any:
    """The type or ``np.dtype`` that ``record`` wrote as ``value`` (a string is kept as it
    is, and checked with the other parameters). ``ValueError`` for any other object."""
    (kind, name), = value.items() if len(value) == 1 else [("", "")]
    found = _RECORDED.get(kind, {}).get(name) if isinstance(name, str) else None
    if found is None:
        raise ValueError("{'type': 'float32', 'float64' or 'float'} or "
                         "{'dtype': 'float32' or 'float64'}")
    return found


def float_dtype_option(options: type) -> Any:
    """The ``dtype`` constraint (``is_float_dtype``) as a subclass of scikit-learn's
    ``Options`` (passed in: this module does not import scikit-learn), instantiated."""

    class FloatDtype(options):
        def __init__(self) -> None:
            super().__init__(object, {"float32", "float64"})

        def is_satisfied_by(self, val: Any) -> bool:
            return is_float_dtype(val)

        def __str__(self) -> str:
            return "float32 or float64 in a spelling np.dtype reads ('f4', np.float32, ...)"

    return FloatDtype
