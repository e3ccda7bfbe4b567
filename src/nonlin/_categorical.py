"""One-hot encoded feature columns of the command line (``nonlin train --categorical``).

A categorical column ``colour`` with the categories ``blue``, ``green`` and ``red``
(sorted: numerically when every category is a number, else as text) becomes three
model inputs, ``colour=blue``, ``colour=green`` and ``colour=red``, in the
column's place among the feature columns: a row's input is 1 in its category's
column and 0 in the others (all 0 for a category not seen in training, with
``--unknown ignore``; the training frequencies for a missing cell, with
``--missing mean``). The model file records, next to ``feature_names`` (which
holds the one-hot names), in its metadata::

    "categorical": [{"column": "colour", "categories": ["blue", "green", "red"],
                     "frequencies": [0.25, 0.5, 0.25]}, ...]

``frequencies`` are the training rows' means of the one-hot columns (the share
of each category), what ``--missing mean`` fills a missing cell with. The one-hot
columns are not standardized: their ``preprocessing`` mean is 0 and scale 1, so
they go into the network as 0 and 1. This module holds the metadata side; the
reading is in ``cli_categorical``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ._cli_lists import list_item
from ._quoting import cut, printable, quoted, quoted_list, shown_path, wrapped_list

MAX_CATEGORIES = 1000  # per column: one model input each
_FIELD = "metadata['categorical']"
_KEYS = ("column", "categories", "frequencies")
_SUM_TOLERANCE = 1e-3  # means of 0/1 columns sum to 1 but for rounding (float32 sums: ~1e-6)


def one_hot_names(column: str, categories: Sequence[str]) -> list[str]:
    """The model's input names for ``column``'s categories: ``colour=red``, ..."""
    return [f"{column}={category}" for category in categories]


def sort_categories(found: Iterable[str]) -> list[str]:
    """``found`` sorted: by value when every one is a number (``1, 2, 10``; ``1`` before
    ``1.0``), else as text."""
    from .cli_labels import is_number

    values = list(found)
    if values and all(is_number(value) for value in values):
        return sorted(values, key=lambda value: (float(value), value))
    return sorted(values)


def raw_columns(meta: dict[str, Any]) -> tuple[list[str], dict[int, dict[str, Any]]]:
    """The CSV columns a model reads, in ``feature_names``' order, each categorical
    column's one-hot block collapsed to the column's name; and each categorical column's
    entry (``meta["categorical"]``) by its position in that list."""
    names = list(meta["feature_names"])
    firsts = {one_hot_names(e["column"], e["categories"])[0]: e for e in meta["categorical"]}
    raw: list[str] = []
    entries: dict[int, dict[str, Any]] = {}
    at = 0
    while at < len(names):
        entry = firsts.get(names[at])
        if entry is not None:
            entries[len(raw)] = entry
        raw.append(names[at] if entry is None else entry["column"])
        at += 1 if entry is None else len(entry["categories"])
    return raw, entries


def check_categorical(path: str, meta: dict[str, Any]) -> None:
    """A model file's ``categorical`` entries are well formed and their one-hot names lie
    in ``feature_names`` each once, together; a ``ModelFileError`` naming the entry and
    its key at fault otherwise. A file without the key (every file before it existed)
    passes."""
    from ._header import ModelFileError

    if "categorical" not in meta:
        return
    entries = meta["categorical"]
    if not isinstance(entries, list) or not entries:
        raise ModelFileError(path, "expected a list of {'column': str, 'categories': [str, "
                             "...], 'frequencies': [number, ...]}, one per categorical column, "
                             f"received {quoted(entries)}", field=_FIELD)
    for at, entry in enumerate(entries):
        problem = _entry_problem(entry)
        if problem is not None:
            key = f"[{problem[0]!r}]" if problem[0] else ""
            raise ModelFileError(path, problem[1], field=f"{_FIELD}[{at}]{key}")
    raw, found = raw_columns(meta)
    expanded = [name for at, column in enumerate(raw) for name in (
        one_hot_names(column, found[at]["categories"]) if at in found else [column])]
    if (expanded != list(meta["feature_names"]) or len(found) != len(entries)
            or len(set(raw)) != len(raw)):
        raise ModelFileError(path, "the one-hot columns of the categorical columns "
                             f"{quoted([e['column'] for e in entries])} are not found together, "
                             "once each, in feature_names", field=_FIELD)
    _check_one_hot_scaling(path, meta)


def _check_one_hot_scaling(path: str, meta: dict[str, Any]) -> None:
    """The one-hot inputs of a standardized model have mean 0 and scale 1 in
    ``preprocessing`` (``keep_one_hot`` writes them so: they go in as 0 and 1); a
    ``ModelFileError`` naming the first other input and its values."""
    from ._header import ModelFileError

    scaling = meta.get("preprocessing")
    if not isinstance(scaling, dict) or scaling.get("type") != "standardize":
        return  # features as they are: nothing scales the one-hot inputs
    names = list(meta["feature_names"])
    for entry in meta["categorical"]:
        for name in one_hot_names(entry["column"], entry["categories"]):
            at = names.index(name)
            mean, scale = scaling["mean"][at], scaling["scale"][at]
            if mean != 0 or scale != 1 or isinstance(mean, bool) or isinstance(scale, bool):
                raise ModelFileError(path, f"expected mean 0 and scale 1 for the one-hot input "
                                     f"{quoted(name)} of the categorical column "
                                     f"{quoted(entry['column'])} (its inputs go in as 0 and 1, "
                                     f"not standardized), received mean {quoted(mean)} and "
                                     f"scale {quoted(scale)}", field="metadata['preprocessing']")


def _is_entry(entry: Any) -> bool:
    return _entry_problem(entry) is None


def _entry_problem(entry: Any) -> tuple[str, str] | None:
    """What is wrong with one ``categorical`` entry: (its key at fault, or "" for the
    entry, and the problem); None for a well-formed entry."""
    if not isinstance(entry, dict):
        return "", f"expected a dict with the keys {_KEYS}, received {quoted(entry)}"
    missing, extra = [k for k in _KEYS if k not in entry], [k for k in entry if k not in _KEYS]
    if missing or extra:
        which = (f"no {quoted_list(missing)}" if missing else
                 f"unknown key(s) {quoted_list(extra)} (a file of a newer nonlin?)")
        return "", f"expected the keys {_KEYS}, received {which}"
    column, categories = entry["column"], entry["categories"]
    if not isinstance(column, str) or not column:
        return "column", f"expected a column name (a non-empty str), received {quoted(column)}"
    if not isinstance(categories, list) or not categories:
        return "categories", f"expected a non-empty list of str, received {quoted(categories)}"
    bad = next((c for c in categories if not isinstance(c, str)), None)
    if bad is not None:
        return "categories", f"expected category names (str), received {quoted(bad)}"
    unmatched = next((c for c in categories if not c or c != c.strip(" \t")), None)
    if unmatched is not None:  # cells are read stripped, and an empty one is missing
        return "categories", ("expected categories as cells read (not empty, no spaces or tabs "
                              f"around them), received {quoted(unmatched)}")
    if len(set(categories)) != len(categories):
        twice = next(c for c, n in Counter(categories).items() if n > 1)
        return "categories", f"expected distinct categories, received {quoted(twice)} twice"
    return _frequencies_problem(entry["frequencies"], len(categories))


def _frequencies_problem(frequencies: Any, k: int) -> tuple[str, str] | None:
    """What is wrong with an entry's ``frequencies`` for ``k`` categories, or None: k
    numbers in [0, 1], each category's share of the training rows, summing to 1."""
    if not isinstance(frequencies, list) or len(frequencies) != k:
        count = f"{len(frequencies)} values" if isinstance(frequencies, list) else (
            quoted(frequencies))
        return "frequencies", f"expected {k} numbers (one per category), received {count}"
    bad = next((f for f in frequencies if not (isinstance(f, int | float) and not isinstance(
        f, bool) and 0 <= f <= 1)), None)  # NaN fails the comparison too
    if bad is not None:
        return "frequencies", ("expected numbers from 0 to 1 (the share of each category in "
                               f"the training rows), received {quoted(bad)}")
    total = math.fsum(frequencies)
    if abs(total - 1) > _SUM_TOLERANCE:
        return "frequencies", ("expected shares of the training rows summing to 1, received "
                               f"{quoted(frequencies)} (sum {total:.6g})")
    return None


def check_distinct_inputs(path: str, names: Sequence[str]) -> None:
    """The model's input names (``train --categorical``'s one-hot names among the other
    columns of the file ``path``) are distinct; a ``UsageError`` naming one otherwise."""
    from .cli_common import UsageError

    counts = Counter(names)
    repeated = next((name for name in names if counts[name] > 1), None)
    if repeated is not None:
        raise UsageError(f"{shown_path(path)}: expected distinct input names, received the "
                         f"one-hot input {quoted(repeated)} (--categorical) and a column of "
                         "that name; rename that column in the file")


def keep_one_hot(meta: dict[str, Any], entries: Sequence[dict[str, Any]]) -> None:
    """``nonlin train``: the one-hot columns stay 0 and 1 (mean 0, scale 1 in
    ``preprocessing``); their training means, each category's share of the training
    rows, are stored as the entry's ``frequencies`` in ``meta["categorical"]``. In place;
    nothing without ``entries``."""
    if not entries:
        return
    scaling, names = meta["preprocessing"], meta["feature_names"]
    stored = []
    for entry in entries:
        first = names.index(one_hot_names(entry["column"], entry["categories"])[0])
        block = slice(first, first + len(entry["categories"]))
        stored.append({**entry, "frequencies": scaling["mean"][block]})
        scaling["mean"][block] = [0.0] * len(entry["categories"])
        scaling["scale"][block] = [1.0] * len(entry["categories"])
    meta["categorical"] = stored


def expand(X: np.ndarray, blocks: dict[int, tuple[int, Any]]) -> np.ndarray:
    """The model's inputs from the columns read: each column ``j`` of ``blocks`` (its
    categories' count k, and their frequencies or None) holds codes and becomes k one-hot
    columns, the others are copied.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_columns); a categorical column holds a category's
        code 0..k-1, k for a category not seen in training (all 0), -1 for a missing cell
        to fill with the frequencies, NaN for one left missing (all NaN)
    blocks : ``{j: (k, frequencies)}`` for the categorical columns

    Returns
    -------
    ndarray of shape (n_rows, n_inputs), X's dtype: a new array.
    """
    n_columns = X.shape[1]
    out = np.zeros((X.shape[0], n_columns + sum(k - 1 for k, _ in blocks.values())), X.dtype)
    j = start = 0
    while j < n_columns:
        if j in blocks:
            width = blocks[j][0]
            _one_hot(out[:, start : start + width], X[:, j], blocks[j][1])
            j, start = j + 1, start + width
            continue
        end = min([k for k in blocks if k > j], default=n_columns)  # a run of numbers: one copy
        out[:, start : start + end - j] = X[:, j:end]
        j, start = end, start + end - j
    return out


def _one_hot(block: np.ndarray, codes: np.ndarray, frequencies: Any) -> None:
    """Fill ``block`` (n_rows, k), zeros, from ``codes`` (n_rows,) as ``expand`` says."""
    known = np.flatnonzero((codes >= 0) & (codes < block.shape[1]))  # NaN: neither
    block[known, codes[known].astype(np.intp)] = 1
    block[np.isnan(codes)] = np.nan
    if frequencies is not None:
        block[codes < 0] = np.asarray(frequencies, dtype=block.dtype)


def categorical_lines(meta: dict[str, Any]) -> list[str]:
    """``nonlin info``'s lines for the categorical columns: one per column, its categories
    listed as the input columns are; none without them."""
    entries = meta.get("categorical")
    if entries is None:
        return []
    if not isinstance(entries, list) or not all(map(_is_entry, entries)):
        return [f"categorical: {cut(printable(str(entries)), 87)}"]
    lines = [f"categorical: {len(entries)} column{'s' * (len(entries) != 1)}, one-hot "
             "encoded (0 or 1, not scaled)"]
    for entry in entries:
        column, categories = cut(printable(entry["column"]), 40), entry["categories"]
        shown = [list_item(c) if isinstance(c, str) else c for c in categories]  # "a,b" quoted
        lines += wrapped_list(f"  {column} ({len(categories)}):", shown, 4)
    return lines
