"""Input checks for ``build``, ``fit``, ``evaluate`` and ``predict``.

Each check raises ``ValueError`` or ``TypeError`` naming what it expected and
what it received. Inputs are never modified: arrays come back as views when
no conversion is needed (read-only arrays and ``np.memmap`` work), otherwise
as new arrays. Finiteness is checked in blocks of rows (``nonlin._finite``) so that
no temporary larger than a few megabytes is allocated. ``as_rng`` turns a seed into an
explicit random generator (``nonlin.core`` re-exports it).
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np

import nonlin  # as_rng's hints, read when the hints are (nonlin.core imports this)

from ._deferred_rng import DeferredRng
from ._finite import check_finite, first_nonfinite_row, in_polars_words
from ._frames import as_numeric, missing_hint, reshape_hint, text_hint
from ._quoting import quoted


def as_rng(seed: nonlin.core.SeedLike) -> nonlin.core.RandomLike:
    """Return an explicit random generator for ``seed``; never the global one.

    Parameters
    ----------
    seed : int, None, numpy.random.Generator or numpy.random.RandomState
        An int or None seeds a new ``Generator`` (PCG64). A generator (or a
        legacy ``RandomState``, used to replay the tutorial's stream) is
        returned unchanged.
    """
    if type(seed) is DeferredRng:  # a loaded model's, made on first use (_deferred_rng)
        return seed
    if isinstance(seed, np.random.Generator | np.random.RandomState):
        return seed
    if seed is None or (isinstance(seed, int | np.integer) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise ValueError(f"Expected a non-negative seed. Received: seed={seed}")
        return np.random.default_rng(seed)
    raise TypeError(
        "Expected an int, None or a numpy.random.Generator as seed. "
        f"Received: seed={quoted(seed)} of type {type(seed).__name__}"
    )


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
        if kind == "O" and any(v is None for v in arr.flat):  # where, as a NaN's message
            advice = missing_hint(arr, name, with_text=True)
        elif kind == "O" and missing_hint(arr):  # pd.NA (astype(float) fails on it)
            advice = missing_hint(arr, name)
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
            f"{reshape_hint(X if arr.ndim == 1 else None, name, arr.ndim)}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(
            f"Expected at least one row and one column in {name}. Received shape {arr.shape}"
        )
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"Expected {'input' if name in ('X', 'x') else name} with {n_features} features. "
            f"Received an array of shape {arr.shape} ({arr.shape[1]} features)"
        )
    try:
        check_finite(arr, name, data=True)
    except ValueError as error:  # a polars null: polars' fill_null
        raise in_polars_words(error, X) from None
    return arr


def check_2d(x: Any, name: str = "X") -> np.ndarray:
    """Return ``x`` as a 2-D float array, or raise saying what was received."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"Expected a numeric array for {name}. Received dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(
            f"Expected a 2-D array (n_samples, n_features) for {name}. "
            f"Received an array of shape {arr.shape}"
        )
    return arr


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


def check_bool(name: str, value: Any, where: str = "") -> bool:
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
        of = f" for {where}" if where else ""
        raise TypeError(f"Expected a bool. Received: {name}={quoted(value)}{of}")
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


if TYPE_CHECKING:  # imported on first use (see __getattr__): the training side's checks
    from ._target_checks import (  # noqa: F401
        check_labels,
        check_rows,
        check_sample_weight,
        check_y,
    )

_TARGET_CHECKS = ("check_y", "check_rows", "check_sample_weight", "check_labels")


if not TYPE_CHECKING:  # hidden from type checkers: a name not declared above stays an error

    def __getattr__(name: str) -> Any:
        """``check_y``, ``check_rows``, ``check_sample_weight`` and ``check_labels``, from
        ``nonlin._target_checks`` (not imported by ``import nonlin``); nothing else."""
        if name not in _TARGET_CHECKS:  # __path__ too, which each ``from .validation import``
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from . import _target_checks

        return getattr(_target_checks, name)
