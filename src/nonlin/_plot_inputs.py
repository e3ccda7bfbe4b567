"""Input checks for ``nonlin.plots``: each turns what a user gave into clean arrays, or raises
a ValueError/TypeError naming the received value before anything is drawn or written."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._quoting import quoted
from .validation import check_X, is_integer

NOT_DRAWN = ("lr", "learning_rate")  # the learning rate: nonlin's key and Keras 3's


def history_dict(history: Any) -> dict[str, list[float]]:
    """The ``{key: values per epoch}`` of a History or a dict, with a point for every panel."""
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping) or "loss" not in data:
        raise ValueError(
            f"Expected a History or a dict with a 'loss' list. Received: {type(history).__name__}"
        )
    if data is not history:  # a History: it records a value a callback logged as is
        data = _numeric_keys(data)
    curves = {str(key): _numbers(key, values) for key, values in data.items()}
    for key, values in curves.items():  # each panel needs a point (lr is not drawn)
        if not values and key not in NOT_DRAWN and not key.startswith("val_") and not curves.get(
            f"val_{key}"
        ):
            raise ValueError(
                f"Expected at least one epoch's value to plot for {quoted(key)}. "
                f"Received an empty history: {key}=[]"
            )
    return curves


def history_curves(history: Any, validation_freq: Any) -> tuple[
        dict[str, list[float]], list[str], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """What ``plot_history`` draws: the values (``history_dict``), the panels (the loss, each
    metric, a ``val_`` one without its twin), each curve's epochs and values (``curve_points``)."""
    data, freq = history_dict(history), check_validation_freq(validation_freq)
    names = ["loss"] + [k for k in data if k != "loss" and k not in NOT_DRAWN
                        and not k.startswith("val_")]
    names += [k[4:] for k, v in data.items() if k.startswith("val_") and v and k[4:] not in data]
    points = {key: curve_points(history, data, key, freq)
              for name in names for key in (name, f"val_{name}") if data.get(key)}
    return data, names, points


def _numeric_keys(data: Mapping[Any, Any]) -> dict[Any, Any]:
    """A History's ``history`` without its keys (``loss`` aside) holding a value that is no
    number (a str or a list a callback logged, which ``History`` records as is, as Keras),
    with a warning naming them."""
    from ._callback_args import log_number
    from ._stacklevel import user_stacklevel

    left = [key for key, values in data.items() if key != "loss" and isinstance(values, list)
            and any(log_number(v) is None for v in values)]
    if left:
        warnings.warn(f"History keys {left} hold values that are no numbers (a str, a list, an "
                      "array): not drawn", UserWarning, stacklevel=user_stacklevel())
    return {key: values for key, values in data.items() if key not in left}


def _numbers(key: Any, values: Any) -> list[float]:
    """``values`` (one number per epoch) as floats, or a TypeError naming ``key``."""
    try:
        if isinstance(values, str | bytes):
            raise TypeError
        return [float(value) for value in values]
    except (TypeError, ValueError):
        raise TypeError(
            f"Expected a list of numbers, one per epoch, for each key. Received: "
            f"{key}={quoted(values)}"
        ) from None


def epoch_numbers(history: Any, n_values: int) -> np.ndarray:
    """The 1-based epoch of each of ``n_values`` values: a History's ``epoch`` list + 1
    (a run from ``initial_epoch`` on starts there), else ``1 .. n_values``."""
    epochs = getattr(history, "epoch", None)
    if isinstance(epochs, list) and len(epochs) == n_values and all(map(is_integer, epochs)):
        return np.asarray(epochs, dtype=np.int64) + 1
    return np.arange(1, n_values + 1)


def curve_points(history: Any, data: dict[str, list[float]], key: str,
                 validation_freq: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The epochs (1-based) and values of ``data[key]`` to draw. A ``val_`` list holds one
    value per epoch, NaN where none was validated (nonlin's History, not drawn), or, shorter
    than its training twin (Keras' History with ``fit(validation_freq=k)``), one value per
    epoch that ``k`` validated: the multiples of ``validation_freq``, which it then needs."""
    values = np.asarray(data[key], float)
    if not key.startswith("val_"):
        return epoch_numbers(history, len(values)), values
    twin = key[4:] if data.get(key[4:]) else "loss"
    n = len(data[twin])
    if len(values) >= n:
        epochs = epoch_numbers(history, len(values))
    elif validation_freq is None:
        raise ValueError(
            f"Expected {key} with one value per epoch ({n}, as {twin}; NaN where an epoch was "
            "not validated, as nonlin's History records it), or plot_history(..., "
            "validation_freq=k) given fit's validation_freq: Keras' History lists the "
            f"validated epochs only. Received {len(values)} values for {n} epochs")
    else:
        epochs = epoch_numbers(history, n)
        epochs = epochs[[int(e) % validation_freq == 0 for e in epochs]]  # no int64 overflow
        if len(epochs) != len(values):
            raise ValueError(
                f"Expected {key} with one value per epoch validated with validation_freq="
                f"{validation_freq} of the {n} epochs ({quoted(epochs.tolist(), 80)}). "
                f"Received {len(values)} values")
    keep = ~np.isnan(values)  # fit(validation_freq=): NaN on epochs not validated
    return epochs[keep], values[keep]


def check_validation_freq(validation_freq: Any) -> int | None:
    """None, or an integer >= 1 (``fit``'s ``validation_freq``), as an int."""
    if validation_freq is None:
        return None
    if not is_integer(validation_freq) or validation_freq < 1:
        raise ValueError("Expected validation_freq as an integer >= 1 (fit's) or None. "
                         f"Received: validation_freq={quoted(validation_freq)}")
    return int(validation_freq)


def check_text(name: str, value: Any) -> str | None:
    """None, or a str (a title, a legend label), else a TypeError naming it."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"Expected {name} as a str or None. Received: {name}={quoted(value)}")
    return value


_FARTHEST = 1e305  # a plane of +-1.2e305 with its margins; matplotlib drew 1e306, not 4e307


def boundary_inputs(
    X: Any, y: Any, resolution: Any, n_names: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (n_samples, n_features >= 2) finite real numbers as floats, at least one row,
    and ``y`` (n_samples,) ints (a column (n_samples, 1) is taken as it); ``resolution`` an
    integer >= 2 (a grid needs two points per axis)."""
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":  # text would be parsed, complex cut to its real part
        raise TypeError(f"Expected a real numeric array for X. Received dtype {X.dtype}")
    X = X.astype(float)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1 and X.ndim == 2 and len(y) == len(X):
        y = y[:, 0]  # a column of labels, as datasets.xor() gives them
    if X.ndim != 2 or X.shape[1] < 2 or y.shape != (X.shape[0],):
        hint = ("; for one-hot rows pass y.argmax(axis=1)"
                if y.ndim == 2 and len(y) == len(X) else "")
        raise ValueError(
            "Expected X of shape (n_samples, n_features >= 2) and y of shape (n_samples,). "
            f"Received X {X.shape}, y {y.shape}{hint}"
        )
    check_X(X)
    far = np.abs(X) > _FARTHEST
    if far.any():  # matplotlib's margins and ticks overflow past about 1e307
        i, j = np.argwhere(far)[0]
        raise ValueError(
            f"Expected feature values within +-{_FARTHEST:.0e} to draw a decision boundary "
            f"(matplotlib cannot lay out axes much wider; rescale X). "
            f"Received X[{i}, {j}]={X[i, j].item()!r}")
    if not is_integer(resolution) or resolution < 2:
        raise ValueError(f"Expected an integer >= 2. Received: resolution={quoted(resolution)}")
    return X, boundary_labels(y, n_names)


def boundary_labels(y: np.ndarray, n_names: int | None, name: str = "y") -> np.ndarray:
    """``y`` as int64 class indices: whole numbers >= 0 (below ``n_names`` when the
    classes are named); floats holding whole numbers are fine, as in ``check_labels``."""
    if y.dtype.kind not in "biuf":
        raise TypeError(f"Expected integer class labels for {name}. Received dtype {y.dtype}")
    bad = y < 0
    if y.dtype.kind == "f":
        bad |= ~np.isfinite(y) | (y != np.round(y))
    if n_names is not None:
        bad |= y >= n_names
    if np.any(bad):
        i = int(np.argmax(bad))
        expected = "whole numbers >= 0" if n_names is None else f"whole numbers in [0, {n_names})"
        raise ValueError(
            f"Expected class labels in {name} that are {expected}. "
            f"Received {name}[{i}]={y[i].item()!r}"
        )
    return y.astype(np.int64)


def predicted_classes(scores: Any, n_points: int, n_names: int | None,
                      threshold: float | None = None) -> np.ndarray:
    """Class indices (n_points,) from what ``predict`` returned for the grid (see
    ``plot_decision_boundary``): scores, a probability of class 1 (or, given ``threshold``,
    any score of class 1, (n_points, 1) or (n_points,), cut there), or class indices."""
    scores = np.asarray(scores)
    if threshold is not None and scores.shape == (n_points,):  # decision_function's (n,)
        scores = scores.reshape(n_points, 1)
    if threshold is not None and (scores.ndim != 2 or scores.shape[1:] != (1,)):
        raise ValueError(
            f"Expected predict to return one column, shape ({n_points}, 1), with threshold="
            f"{threshold!r} (class 1 above it; or one score per point, shape ({n_points},)). "
            f"Received shape {scores.shape}: scores of several classes are cut at their "
            "arg-max")
    if scores.shape != (n_points,) and (scores.ndim != 2 or scores.shape[0] != n_points
                                        or scores.shape[1] == 0):
        raise ValueError(
            f"Expected predict to return shape ({n_points},), ({n_points}, 1) or "
            f"({n_points}, n_classes) for the {n_points} grid points. "
            f"Received shape {scores.shape}"
        )
    if scores.dtype.kind not in "biuf":
        raise TypeError(f"Expected numbers from predict. Received dtype {scores.dtype}")
    if scores.dtype.kind == "f" and np.isnan(scores).any():
        raise ValueError(
            f"Expected numbers from predict. Received NaN for "
            f"{int(np.isnan(scores).any(axis=-1).sum())} of the {n_points} grid points"
        )
    if scores.ndim == 1:
        return _labels(scores, n_names)
    one_output = scores.shape[1] == 1
    if one_output and threshold is None:
        _check_probabilities(scores[:, 0])
    cut = 0.5 if threshold is None else threshold
    predicted = (scores[:, 0] > cut).astype(np.int64) if one_output else scores.argmax(axis=1)
    if n_names is not None and predicted.max() >= n_names:
        raise ValueError(
            f"Expected predicted classes in [0, {n_names}), one per name in classes. "
            f"Received class {predicted.max()} from predict's output of shape {scores.shape}"
        )
    return predicted


def _labels(scores: np.ndarray, n_names: int | None) -> np.ndarray:
    """``predict``'s (n_points,) output as class indices (``boundary_labels``); one that is
    not whole numbers is named with the ``threshold`` that draws a score of class 1."""
    try:
        return boundary_labels(scores, n_names, "predict's output")
    except ValueError as error:
        if scores.dtype.kind != "f" or np.all(scores == np.round(scores)):
            raise
        raise ValueError(f"{error}. For a score of class 1 of shape (n,) (a binary "
                         "classifier's decision_function: threshold=0; a probability: "
                         "threshold=0.5) pass threshold= (class 1 above it)") from None


def _check_probabilities(p: np.ndarray) -> None:
    """A one-column ``predict`` output without a ``threshold`` is P(class 1), cut at 0.5: a
    value outside [0, 1] (a logit, cut at 0, a linear output, or a class index 2) would draw
    the boundary in the wrong place; the message names the ``threshold`` that fits."""
    outside = (p < 0) | (p > 1)
    if outside.any():
        i = int(np.argmax(outside))
        whole = bool(np.all(np.isfinite(p) & (p >= 0) & (p == np.round(p))))
        fix = ("For class indices pass the classes of shape (n,): lambda points: "
               "model.predict(points).ravel()" if whole else
               "For logits (no Sigmoid, from_logits=True) pass threshold=0 (class 1 where "
               "the output is > 0); for a linear output fit to 0 and 1, threshold=0.5 "
               "(class 1 where it is > 0.5)")
        raise ValueError(
            "Expected probabilities of class 1 in [0, 1] from a predict of one column (a "
            f"Sigmoid output, cut at 0.5). Received {p[i].item()!r} for grid point {i}. "
            f"{fix}"
        )


def plane_limits(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits (2,) of the plane drawn: the data's range, a tenth wider on
    each side. A feature that is constant (to 1e-9 of its magnitude) gets a tenth of its
    magnitude, at least 0.1, on each side: a width of 2e-9 zoomed in on nothing, and
    vanished in rounding far from 0 (matplotlib: 'identical low and high ylims')."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    magnitude = np.maximum(np.abs(lo), np.abs(hi))
    span = np.where(hi - lo > 1e-9 * magnitude, hi - lo, np.maximum(magnitude, 1.0))
    pad = 0.1 * span + 1e-9
    return lo - pad, hi + pad


def confusion_inputs(matrix: Any, classes: Any) -> tuple[np.ndarray, list[str]]:
    """``matrix`` (non-empty, square, real) and its class names: ``classes`` or ``0 .. n-1``."""
    matrix = np.asarray(matrix)
    if matrix.dtype.kind not in "biuf":  # text or objects: matplotlib's "Image data of dtype"
        raise TypeError(f"Expected a real numeric matrix. Received dtype {matrix.dtype}")
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:  # (n, 2, 2): multilabel's
        hint = ": one label at a time, matrix[i]" if matrix.shape[1:] == (2, 2) else ""
        raise ValueError(f"Expected a square matrix. Received shape {matrix.shape}{hint}")
    if matrix.size == 0:
        raise ValueError(
            f"Expected a square matrix of at least one class. Received shape {matrix.shape}"
        )
    n = matrix.shape[0]
    names = [str(c) for c in (classes if classes is not None else range(n))]
    if len(names) != n:
        raise ValueError(
            f"Expected {n} class names, one per row of the matrix. "
            f"Received {len(names)}: classes={quoted(names, 200)}"
        )
    return matrix, names
