"""Feature names: a DataFrame's column names recorded by ``fit`` and checked after it.

As scikit-learn's ``_check_feature_names``: the first ``fit`` of a model (after
``build``) records the column names of a pandas DataFrame whose names are all
``str`` (or of a polars DataFrame or pyarrow Table, as scikit-learn >= 1.9) as
``model.feature_names_in_`` (an object array); an array, or a frame of non-``str``
names, records none. A later ``predict``, ``evaluate`` or
continued ``fit`` given a frame of other names, or of the same names in
another order, raises ``ValueError`` before anything changes; an array given
to a model fitted with names, or a frame given to one fitted without, warns
(``UserWarning``) and runs, its columns taken by position. A frame mixing
``str`` and other names is refused (``TypeError``), as scikit-learn >= 1.2
refuses it; so is a frame naming a column twice (``ValueError``), as scikit-learn >= 1.9
refuses it (``check_unique_names``). ``nonlin.load`` takes the names from the file's
``metadata["feature_names"]`` and ``nonlin.save`` writes them there.

State on the model: ``feature_names_in_`` (present only with names) and
``_names_recorded`` (a fit or a load has settled the names; ``build`` clears
both). A model only built (never fitted nor loaded) checks nothing. The checks
run once per call, never per batch; an array given to a model without names
costs two dictionary look-ups.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._columnar import columnar_names
from ._quoting import quoted
from ._stacklevel import user_stacklevel

KEEP = object()  # fit_names' answer when the names stay as they are (a continued fit)
_SHOWN = 5  # names listed per kind in a mismatch message, as scikit-learn


def frame_names(X: Any) -> np.ndarray | None:
    """The column names of a pandas DataFrame ``X`` when all are ``str`` (or of a polars
    DataFrame or pyarrow Table), else None.

    Returns an object array of shape (n_features,). A frame whose names mix
    ``str`` and other types raises ``TypeError`` (scikit-learn's rule); one naming a column
    twice, ``ValueError`` (``check_unique_names``).
    """
    if type(X).__module__.split(".")[0] != "pandas" or not hasattr(X, "columns"):
        names = columnar_names(X)  # polars or pyarrow (None for anything else)
        if names is not None:
            check_unique_names(names.tolist())
        return names
    columns = list(X.columns)  # a MultiIndex's: tuples (no names recorded, as scikit-learn)
    check_unique_names(columns)
    names = np.asarray(columns, dtype=object)
    if names.size == 0:
        return None
    types = sorted({type(name).__qualname__ for name in names.tolist()})
    if len(types) > 1 and "str" in types:
        raise TypeError(
            "Feature names are only supported if all input features have string names, "
            f"but your input has {types} as feature name / column name types. If you want "
            "feature names to be stored and validated, you must convert them all to strings, "
            "by using X.columns = X.columns.astype(str) for example. Otherwise you can remove "
            "feature / column names from your input data, or convert them all to a non-string "
            "data type."
        )
    return names if types == ["str"] else None


def check_unique_names(names: list[Any]) -> None:
    """Refuse (``ValueError``) the column names ``names`` of a frame when one is there
    twice: scikit-learn >= 1.9 refuses such a frame in ``fit`` and ``predict`` (by
    narwhals' check, whose message this is), and the model file needs unique names."""
    if len(set(names)) == len(names):
        return
    counts: dict[Any, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    twice = "".join(f"\n- {name!r} {n} times" for name, n in counts.items() if n > 1)
    raise ValueError(f"Expected unique column names, got:{twice}\nrename the columns "
                     "(df.columns = [...]) or drop the repeated ones")


def forget_names(model: Any) -> None:
    """Clear the recorded names (``build``: new weights, nothing fitted yet)."""
    model.__dict__.pop("feature_names_in_", None)
    model._names_recorded = False


def record_names(model: Any, names: Any) -> None:
    """Set ``model.feature_names_in_`` to ``names`` (or remove it for None), as fitted."""
    if names is KEEP:
        return
    model.__dict__.pop("feature_names_in_", None)
    if names is not None:
        model.feature_names_in_ = names
    model._names_recorded = True


def names_from_metadata(model: Any, metadata: dict[str, Any]) -> None:
    """A loaded model's names: those of its (checked) ``metadata["feature_names"]``."""
    names = metadata.get("feature_names")
    record_names(model, None if names is None else np.asarray(names, dtype=object))


def check_names(model: Any, X: Any, name: str = "x") -> None:
    """``predict`` / ``evaluate``: ``X``'s names against the fitted ones (see the module);
    ``name``: the argument's, in the messages (``x``, Keras' and nonlin's parameter)."""
    state = model.__dict__
    fitted = state.get("feature_names_in_")
    if fitted is None and (type(X) is np.ndarray or not state.get("_names_recorded")):
        return
    _compare(fitted, frame_names(X), name, "Sequential was fitted", "model.feature_names_in_")


def fit_names(model: Any, X: Any, validation_data: Any) -> Any:
    """``fit``'s check, before anything changes: the names to record afterwards
    (``record_names``), or ``KEEP`` for a continued fit, whose ``X`` and
    ``X_val`` are checked as ``predict`` checks them. ``X_val`` of a first fit
    must match ``X``."""
    X_val = None
    if isinstance(validation_data, tuple | list) and len(validation_data) in (2, 3):
        X_val = validation_data[0]
    if model.__dict__.get("_names_recorded"):
        check_names(model, X, "x")
        if X_val is not None:
            check_names(model, X_val, "X_val")
        return KEEP
    names = frame_names(X)
    if X_val is not None and (names is not None or type(X_val) is not np.ndarray):
        _compare(names, frame_names(X_val), "X_val", "Sequential is being fitted on x",
                 "x.columns")
    return names


def with_model_names(model: Any, metadata: Any) -> Any:
    """``metadata`` for a file: with ``feature_names`` from ``model.feature_names_in_``
    (a new dict) when it has none; ``ValueError`` when it names other ones."""
    fitted = model.__dict__.get("feature_names_in_")
    if fitted is None or not isinstance(metadata, dict):
        return metadata
    names = np.asarray(fitted, dtype=object).tolist()
    if "feature_names" not in metadata:
        if len(set(names)) != len(names):
            raise ValueError(
                "Cannot save model.feature_names_in_ (the columns the model was fitted on) "
                "as metadata['feature_names']: the model file needs unique names. Received "
                f"duplicates in {quoted(names, 200)}; rename the columns and fit again, or delete "
                "model.feature_names_in_ to save without names")
        return {**metadata, "feature_names": names}
    given = metadata["feature_names"]
    if isinstance(given, np.ndarray):
        given = given.tolist()
    if isinstance(given, list | tuple) and list(given) != names:
        raise ValueError(
            f"Expected metadata['feature_names'] equal to model.feature_names_in_, the columns "
            f"the model was fitted on ({quoted(names, 200)}). Received: "
            f"{quoted(list(given), 200)}; leave "
            "feature_names out of metadata to save the fitted ones")
    return metadata


def _compare(expected: np.ndarray | None, received: np.ndarray | None, name: str,
             fitted: str, order: str) -> None:
    """scikit-learn's rules: both None pass; one None warns; differing names raise
    (``order``: what holds the expected names, for the message's hint)."""
    if expected is None and received is None:
        return
    if expected is None:
        _warn(f"{name} has feature names, but {fitted} without feature names")
    elif received is None:
        _warn(f"{name} does not have valid feature names, but {fitted} with feature names")
    else:
        expected = np.asarray(expected, dtype=object)  # a list set by hand works too
        if len(expected) != len(received) or np.any(expected != received):
            raise ValueError(_mismatch(expected, received, name, order))


def _mismatch(expected: np.ndarray, received: np.ndarray, name: str, order: str) -> str:
    """scikit-learn's message, naming ``name`` when it is not the inputs (``x``)."""
    of = "" if name == "x" else f" of {name}"
    message = f"The feature names{of} should match those that were passed during fit.\n"
    unseen = sorted(set(received.tolist()) - set(expected.tolist()))
    missing = sorted(set(expected.tolist()) - set(received.tolist()))
    if unseen:
        message += "Feature names unseen at fit time:\n" + _listed(unseen)
    if missing:
        message += "Feature names seen at fit time, yet now missing:\n" + _listed(missing)
    if not unseen and not missing:
        message += "Feature names must be in the same order as they were in fit.\n"
    if not missing:
        message += f"Select the columns in fit's order: {name}[{order}]\n"
    return message


def _listed(names: list[str]) -> str:
    lines = [f"- {name}\n" for name in names[:_SHOWN]]
    return "".join(lines) + ("- ...\n" if len(names) > _SHOWN else "")


def _warn(message: str) -> None:
    """A ``UserWarning`` pointing at the first caller outside nonlin."""
    warnings.warn(message, UserWarning, stacklevel=user_stacklevel())
