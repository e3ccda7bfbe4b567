"""Input checks for ``build``, ``fit``, ``evaluate`` and ``predict``.

Each check raises ``ValueError`` or ``TypeError`` naming what it expected and
what it received. Inputs are never modified: arrays come back as views when
no conversion is needed (read-only arrays and ``np.memmap`` work), otherwise
as new arrays. Finiteness is checked in blocks of rows (``nonlin._finite``) so that
no temporary larger than a few megabytes is allocated.
"""

from __future__ import annotations

import numbers
from typing import Any, TypeGuard

import numpy as np

from ._finite import check_finite, first_nonfinite_row
from ._frames import as_numeric, reshape_hint, stacked_hint, text_hint
from ._quoting import quoted

_BAD_KINDS = {"O": "object", "U": "string", "S": "bytes", "c": "complex", "V": "structured",
              "M": "datetime", "m": "timedelta"}


def _as_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        arr = value.view(np.ndarray) if type(value) is not np.ndarray else value
    else:
        arr = as_numeric(value, name)
    kind = arr.dtype.kind
    if kind in _BAD_KINDS:
        advice = text_hint(name) if kind in "OUS" else "convert it to float first"
        if kind == "O" and any(v is None for v in arr.flat):
            advice = "it holds None: fill in or drop the missing values first"
        elif kind == "O" and not any(isinstance(v, str | bytes) for v in arr.flat):
            advice = (f"an object array of numbers (DataFrame.to_numpy() of mixed column "
                      f"types gives one) converts with {name}.astype(float); or pass the "
                      "DataFrame itself")
        raise TypeError(f"Expected a real numeric array for {name}. Received dtype {arr.dtype} "
                        f"({_BAD_KINDS[kind]}); {advice}")
    return arr


def as_dtype(
    arr: np.ndarray, dtype: Any, name: str, *, contiguous: bool = True, first_row: int = 0
) -> np.ndarray:
    """Finite ``arr`` converted to ``dtype`` (C-contiguous unless ``contiguous=False``).

    ``arr`` itself comes back when no conversion is needed. When the conversion
    narrows a float (float64 data for a float32 model), a finite value beyond
    the range of ``dtype`` raises ``ValueError`` naming it (its row counted from
    ``first_row`` when ``arr`` is a chunk) instead of becoming infinity. The
    cast's own overflow flag tells (no extra pass); only then is the value found.
    """
    dtype = np.dtype(dtype)
    if arr.dtype == dtype and (arr.flags.c_contiguous or not contiguous):
        return arr
    narrowing = arr.dtype.kind == "f" and arr.dtype.itemsize > dtype.itemsize
    try:  # NumPy flags a finite value that overflows the cast: no extra pass
        with np.errstate(over="raise" if narrowing else "ignore"):
            return np.ascontiguousarray(arr, dtype=dtype) if contiguous else arr.astype(dtype)
    except FloatingPointError:
        pass
    with np.errstate(over="ignore"):  # cast again to find the value, and name it
        out = np.ascontiguousarray(arr, dtype=dtype) if contiguous else arr.astype(dtype)
    row = first_nonfinite_row(out)
    if row is None:  # the flag came from nothing this cast made
        return out
    index: tuple[int, ...] = (row,)
    if out.ndim > 1:
        index += tuple(int(i) for i in np.argwhere(~np.isfinite(out[row]))[0])
    where = ", ".join(str(i) for i in (row + first_row, *index[1:]))
    raise ValueError(
        f"Expected values within {dtype.name}'s range for this {dtype.name} model. "
        f"Received {name}[{where}]={arr[index].item()!r}"
    )


def check_X(X: Any, name: str = "X", *, n_features: int | None = None) -> np.ndarray:
    """``X`` as a finite 2-D real array (n_samples, n_features), at least 1 x 1."""
    arr = _as_array(X, name)
    if arr.ndim != 2:
        raise ValueError(
            f"Expected a 2-D array (n_samples, n_features) for {name}. "
            f"Received an array of shape {arr.shape}; "
            f"{reshape_hint(X if arr.ndim == 1 else None)}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(
            f"Expected at least one row and one column in {name}. Received shape {arr.shape}"
        )
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"Expected {'input' if name == 'X' else name} with {n_features} features. "
            f"Received an array of shape {arr.shape} ({arr.shape[1]} features)"
        )
    check_finite(arr, name)
    return arr


def check_y(y: Any, n_samples: int, name: str = "y") -> np.ndarray:
    """``y`` as a 1-D or 2-D real array with ``n_samples`` rows, finite."""
    arr = _as_array(y, name)
    if arr.ndim not in (1, 2):
        raise ValueError(f"Expected a 1-D or 2-D array for {name}. Received shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"Expected {name} with {n_samples} rows, one per sample of X. "
            f"Received {arr.shape[0]} rows (shape {arr.shape}){stacked_hint(arr, n_samples, name)}"
        )
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError(f"Expected at least one column in {name}. Received shape {arr.shape}")
    check_finite(arr, name)
    return arr


def check_rows(value: Any, name: str) -> np.ndarray:
    """``value`` as a real numeric 1-D or 2-D array with at least one row (not checked finite)."""
    arr = _as_array(value, name)
    if arr.ndim not in (1, 2) or arr.shape[0] == 0:
        raise ValueError(
            f"Expected a 1-D or 2-D array with at least one row for {name}. "
            f"Received shape {arr.shape}"
        )
    return arr


def check_sample_weight(
    sample_weight: Any, n_samples: int, name: str = "sample_weight", *, negative: bool = False
) -> np.ndarray | None:
    """Finite, non-negative weights of shape (n_samples,), or None (``negative``: any sign)."""
    if sample_weight is None:
        return None
    w = _as_array(sample_weight, name)
    if w.shape != (n_samples,):
        raise ValueError(
            f"Expected {name} of shape ({n_samples},), one weight per sample. "
            f"Received shape {w.shape}"
        )
    check_finite(w, name)
    if not negative and np.any(w < 0):
        raise ValueError(f"Expected non-negative sample weights. Received {w[w < 0][0].item()}")
    return w


def read_only(value: Any) -> Any:
    """A read-only view of an array (no copy), anything else as given: for user code."""
    if isinstance(value, np.ndarray):
        value = value.view()
        value.flags.writeable = False
    return value


def is_real(value: Any) -> TypeGuard[float]:
    """Whether ``value`` is a real number of any type.

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
        True for ``int``, ``float``, NumPy scalars such as ``np.float32`` or
        ``np.int64``, ``Fraction``; False for ``bool``, ``np.bool_`` and the rest.
    """
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def is_integer(value: Any) -> TypeGuard[int]:
    """Whether ``value`` is an integer of any type.

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
        True for ``int``, ``np.int64`` and other integral types; False for
        ``bool``, ``np.bool_`` and the rest.
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def check_bool(name: str, value: Any) -> bool:
    """``value``, a flag, as a Python ``bool``.

    Only ``True``, ``False`` and ``np.bool_`` are accepted: ``bool("false")``
    is True and ``bool(None)`` False, so coercing would silently flip a flag.

    Parameters
    ----------
    name : the argument's name, for the message
    value : object

    Returns
    -------
    bool

    Raises
    ------
    TypeError
        ``Expected a bool. Received: bias='false'`` for anything else.
    """
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"Expected a bool. Received: {name}={quoted(value)}")
    return bool(value)


def check_positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """An integer (not bool) >= ``minimum``."""
    if not is_integer(value) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"Expected {what}. Received: {name}={quoted(value)}")
    return int(value)


def check_verbose(value: Any) -> int:
    """Keras' ``verbose``: 0 (silent), 1 (a progress bar), 2 (one line), or ``"auto"`` (1).

    ``True`` and ``False`` count as 1 and 0, as they do in Keras.
    """
    if type(value) is int and 0 <= value <= 2:  # the common case, without the ABC checks
        return value
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, str) and value == "auto":
        return 1
    if not is_integer(value) or value not in (0, 1, 2):
        raise ValueError(f"Expected verbose 0, 1, 2 or 'auto'. Received: verbose={quoted(value)}")
    return int(value)


def check_fraction(name: str, value: Any) -> float:
    """A float in [0, 1)."""
    if not is_real(value) or not 0 <= value < 1:
        raise ValueError(f"Expected a number in [0, 1). Received: {name}={quoted(value)}")
    return float(value)


def check_n_features(n_features: Any) -> None:
    """Refuse an ``n_features`` for ``build`` that is not a positive int; an array (the
    data itself) or a shape tuple (Keras' ``input_shape``) gets the int to pass instead."""
    if isinstance(n_features, bool) or not isinstance(n_features, int | np.integer):
        shape = getattr(n_features, "shape", None)
        if isinstance(shape, tuple) and len(shape) == 2:
            received, hint = f"an array of shape {shape}", f"; pass X.shape[1], build({shape[1]})"
        elif isinstance(n_features, tuple | list) and n_features and is_integer(n_features[-1]):
            received = f"n_features={quoted(n_features)}"
            hint = f"; the width of one sample, not a shape: build({n_features[-1]})"
        else:
            received, hint = f"n_features={quoted(n_features)}", ""
        raise TypeError(f"Expected an int n_features. Received: {received}{hint}")
    if n_features <= 0:
        raise ValueError(f"Expected a positive integer. Received: n_features={n_features}")


def _one_output_hint(n_classes: int) -> str:
    """What to do when class labels meet a single output: it holds one class, so a
    two-class problem needs binary cross-entropy or two softmax outputs."""
    if n_classes != 1:
        return ""
    return ("; a single output holds one class: for labels 0 and 1 use a Sigmoid output "
            "with loss='binary_crossentropy', or Dense(n_classes) + Softmax() with "
            "loss='cross_entropy'")


def check_labels(y: np.ndarray, n_classes: int, name: str = "y") -> np.ndarray:
    """Integer class labels in ``[0, n_classes)``, shape (n_samples,).

    Native signed integer labels (and unsigned ones narrower than 64 bits) come
    back as they are (a view: no copy of a large label column); floats of any
    width holding integers, booleans, uint64 and byte-swapped integers are
    converted to int64, as Keras and scikit-learn do.
    """
    labels = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
    if labels.ndim != 1:
        raise ValueError(f"Expected 1-D class labels for {name}. Received shape {y.shape}")
    kind = labels.dtype.kind
    if kind == "f":
        fractional = labels != np.round(labels)
        if np.any(fractional):
            i = int(np.argmax(fractional))
            raise ValueError(
                f"Expected integer class labels in {name}. "
                f"Received {name}[{i}]={labels[i].item()!r}"
            )
    elif kind not in "iub":
        raise TypeError(f"Expected integer class labels. Received dtype {labels.dtype}")
    bad = (labels < 0) | (labels >= n_classes)
    if np.any(bad):
        raise ValueError(
            f"Expected class labels in [0, {n_classes}) for a model with {n_classes} "
            f"output{'s' if n_classes != 1 else ''}. Received label {labels[bad][0].item()!r}"
            f"{_one_output_hint(n_classes)}"
        )
    if labels.dtype.isnative and (kind == "i" or (kind == "u" and labels.dtype.itemsize < 8)):
        return labels  # uint64 is converted: it does not mix with int64 indices
    return labels.astype(np.int64)
