"""The user metadata a model file carries: class labels, feature names, preprocessing.

``check_metadata`` is run on save (a bad value raises ``ValueError`` before
anything is written) and on load (the loader turns the ``ValueError`` into a
``ModelFileError``). Known keys::

    classes        list of str or int labels, unique; len == n_outputs, or 2
                   for a binary classifier with one (sigmoid) output
    multilabel     bool; true: each output is one label's own probability (a
                   sigmoid per output, as scikit-learn's multi-label classifiers),
                   and ``classes`` names the labels, one per output
    feature_names  list of n_features_in unique str
    preprocessing  {"type": str, ...}; every list of numbers in it has
                   n_features_in finite entries; "standardize" needs "mean"
                   and "scale", each n_features_in numbers (scale != 0):
                   x' = (x - mean) / scale
    task           str ("classification", "regression", ...)
    training       dict, free JSON (loss, optimizer, epochs, scores, ...)

Other keys may hold any JSON value. Everything goes through a JSON round
trip, so ``load(path).metadata`` equals what was saved (tuples become lists;
floats round-trip exactly).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from typing import Any

import numpy as np

from ._json_checks import float_sized_int, text_problem
from ._quoting import quoted

_LONG_DIGITS = re.compile(r"[0-9]{301}")  # an integer that float_sized_int must look at


def _to_json(value: Any) -> Any:
    """``json.dumps`` default: NumPy scalars and arrays become Python values (a longdouble,
    which ``tolist`` keeps as it is, a float)."""
    if isinstance(value, np.generic | np.ndarray):
        plain = value.tolist()
        if isinstance(plain, np.floating):  # else json asked again, until RecursionError
            return float(plain)
        if not isinstance(plain, np.generic):
            return plain
    raise TypeError(f"{type(value).__name__!r} values are not JSON-serializable (expected "
                    "dict, list, str, number, bool, None or NumPy values)")


def to_json_text(value: Any, field: str) -> str:
    """Compact JSON of ``value``; NaN/inf and non-JSON types raise ``ValueError`` naming
    where they are (``metadata['a']['b']``), and so does what loading refuses in any field:
    an integer beyond float64's range (``float_sized_int``), a lone surrogate (a name from
    ``os.fsdecode`` of bytes that are not UTF-8) or nesting too deep (``text_problem``)."""
    try:
        text = json.dumps(value, default=_to_json, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as exc:
        where = _fault(value, field, 0)
        raise ValueError(f"Cannot store {field} as JSON: {exc}"
                         + (f". Received: {where}" if where else "")) from None
    parsed = None  # parsed back only for a surrogate escape (emoji too) or a long integer
    if "\\ud" in text or _LONG_DIGITS.search(text):
        try:  # an integer beyond float64's range, as loading refuses it
            parsed = json.loads(text, parse_int=float_sized_int)
        except ValueError as exc:
            raise ValueError(f"Cannot store {field} as JSON: {exc}") from None
        except RecursionError:  # too deep: text_problem says so
            pass
    problem = text_problem(text, parsed)
    if problem:
        raise ValueError(f"Cannot store {field} as JSON: {problem}")
    return text


def _fault(value: Any, where: str, depth: int) -> str | None:
    """The first entry of ``value`` (at ``where``) that JSON cannot hold, shown as
    ``where[key]... = value``, or None (none found within 100 levels)."""
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return f"{where} = {value!r}"
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and not np.isfinite(value).all():
        return f"{where} = an array holding {value[~np.isfinite(value)][0]!r}"
    if depth >= 100 or not isinstance(value, dict | list | tuple):
        ok = value is None or isinstance(value, str | int | float | np.generic | np.ndarray)
        return None if ok or depth >= 100 else f"{where} = {quoted(value, 60)}"
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        found = _fault(item, f"{where}[{quoted(key, 60)}]", depth + 1)
        if found:
            return found
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_classes(classes: Any, n_outputs: int, multilabel: bool = False) -> None:
    if not isinstance(classes, list) or not classes:
        raise ValueError(f"Expected a non-empty list of class labels. Received: "
                         f"{quoted(classes, 200)}")
    for label in classes:
        if isinstance(label, bool) or not isinstance(label, str | int):
            raise ValueError(f"Expected str or int class labels. Received: {quoted(label)}")
    if len(set(classes)) != len(classes):
        raise ValueError(f"Expected unique class labels. Received: {quoted(classes, 200)}")
    expected = 2 if n_outputs == 1 and not multilabel else n_outputs
    if len(classes) != expected:
        raise ValueError(
            f"Expected {expected} class labels for a model with {n_outputs} output(s) "
            f"(one sigmoid output means 2 classes). Received {len(classes)} labels"
        )


def _check_feature_names(names: Any, n_features_in: int) -> None:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"Expected a list of str feature_names. Received: {quoted(names, 200)}")
    if len(names) != n_features_in:
        raise ValueError(
            f"Expected {n_features_in} feature_names (n_features_in). Received {len(names)}"
        )
    counts = Counter(names)
    twice = [name for name in names if counts[name] > 1]
    if twice:
        raise ValueError(f"Expected unique feature_names. Received {quoted(twice[0])} "
                         f"{counts[twice[0]]} times")


def _check_preprocessing(spec: Any, n_features_in: int) -> None:
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise ValueError(f"Expected preprocessing as {{'type': str, ...}}. Received: "
                         f"{quoted(spec, 200)}")
    if spec["type"] == "standardize" and not {"mean", "scale"} <= set(spec):
        raise ValueError("Expected 'mean' and 'scale' in standardize preprocessing. "
                         f"Received the keys {quoted(sorted(spec), 200)}")
    for key, value in spec.items():
        if not isinstance(value, list) or not value or not all(map(_is_number, value)):
            continue
        if len(value) != n_features_in:
            raise ValueError(
                f"Expected {n_features_in} values in preprocessing[{quoted(key)}] (n_features_in). "
                f"Received {len(value)}"
            )
        bad = [i for i, v in enumerate(value) if not math.isfinite(v)]
        if bad:
            raise ValueError(f"Expected finite numbers in preprocessing[{quoted(key)}]. "
                             f"Received preprocessing[{quoted(key)}][{bad[0]}]={value[bad[0]]!r}")
    if spec["type"] == "standardize":
        for key in ("mean", "scale"):
            value = spec[key]
            if not isinstance(value, list) or len(value) != n_features_in or not all(
                map(_is_number, value)
            ):
                raise ValueError(
                    f"Expected a list of {n_features_in} numbers in preprocessing[{quoted(key)}] "
                    f"(n_features_in). Received: {quoted(value)}"
                )
        zero = [i for i, v in enumerate(spec["scale"]) if v == 0]
        if zero:
            raise ValueError("Expected non-zero numbers in preprocessing['scale']. Received "
                             f"preprocessing['scale'][{zero[0]}]={spec['scale'][zero[0]]!r}")


def check_metadata(metadata: Any, n_features_in: int, n_outputs: int) -> dict[str, Any]:
    """Validate user metadata against the model's shape; return a JSON-normalized copy.

    Raises ``ValueError`` (or ``TypeError`` for a non-dict) naming the key at fault.
    """
    if not isinstance(metadata, dict):
        raise TypeError(f"Expected a dict of metadata. Received: {type(metadata).__name__}")
    for key in metadata:
        if not isinstance(key, str):
            raise TypeError(f"Expected str keys in metadata. Received: key {quoted(key, 60)} "
                            f"({type(key).__name__})")
    text = to_json_text(metadata, "metadata")
    try:  # a number beyond float64's range is refused, as loading refuses it
        normal = json.loads(text, parse_int=float_sized_int)
    except ValueError as exc:
        raise ValueError(f"Cannot store metadata as JSON: {exc}") from None
    problem = text_problem(text, normal)  # as loading refuses it
    if problem:
        raise ValueError(f"Cannot store metadata as JSON: {problem}")
    checks = {
        "multilabel": lambda v: _check_type(v, bool),
        "classes": lambda v: _check_classes(v, n_outputs, normal.get("multilabel") is True),
        "feature_names": lambda v: _check_feature_names(v, n_features_in),
        "preprocessing": lambda v: _check_preprocessing(v, n_features_in),
    }
    checks["task"] = lambda v: _check_type(v, str)
    checks["training"] = lambda v: _check_type(v, dict)
    for key, check in checks.items():
        if key in normal:
            try:
                check(normal[key])
            except ValueError as exc:
                raise ValueError(f"metadata[{quoted(key)}]: {exc}") from None
    return normal


def _check_type(value: Any, kind: type) -> None:
    if not isinstance(value, kind):
        raise ValueError(f"Expected a {kind.__name__}. Received: {quoted(value)}")
