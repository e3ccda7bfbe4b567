"""Scores, outputs and model-file checks of a model with several targets (``cli_targets``).

Each target is scored on its own, in its own units: RMSE, MAE and R^2 as for one target
(``cli_report.regression_report``), and their averages over the targets, as scikit-learn's
``multioutput="uniform_average"``. A constant target has no R^2 of its own (n/a, as for one
target); the R^2 average counts it as scikit-learn's ``r2_score`` (``force_finite=True``)
does: 1.0 where it is predicted exactly (zero residuals), else 0.0, and the per-target
output says so. ``nonlin train`` prints and records the averages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._metadata import _is_number
from ._quoting import cut, printable, quoted
from .cli_model import CHUNK_ROWS


def several_scores(model: Any, X: np.ndarray, y: np.ndarray, scale: list[float]) -> dict:
    """``nonlin train``'s final scores of a model with several targets, ``y`` (n, k) the
    standardized targets: the loss ``sum((y' - t')^2) / (2 n)`` (the mean squared error's),
    and the averages over the targets of RMSE and MAE in each target's units (times its
    ``scale``) and of R^2, summed in float64 chunk by chunk."""
    n, k = y.shape
    y_mean = y.sum(axis=0, dtype=np.float64) / n
    ss_res, ss_tot, abs_sum = np.zeros(k), np.zeros(k), np.zeros(k)
    for start in range(0, n, CHUNK_ROWS):
        truth = y[start : start + CHUNK_ROWS].astype(np.float64)
        residual = truth - model.predict(X[start : start + CHUNK_ROWS])
        ss_res += np.einsum("ij,ij->j", residual, residual)
        abs_sum += np.abs(residual).sum(axis=0)
        truth -= y_mean
        ss_tot += np.einsum("ij,ij->j", truth, truth)
    units = np.asarray(scale, dtype=np.float64)
    constant = (ss_tot == 0) | (y.min(axis=0) == y.max(axis=0))
    r2 = [None if c else 1.0 - r / t for c, r, t in zip(constant, ss_res, ss_tot, strict=True)]
    return {"rows": int(n), "loss": 0.5 * float(ss_res.sum()) / n,
            "rmse": float(np.mean(np.sqrt(ss_res / n) * units)),
            "mae": float(np.mean(abs_sum / n * units)),
            "r2": average_r2(r2, (ss_res == 0).tolist())}


def average_r2(values: Sequence[Any], exact: Sequence[bool]) -> float:
    """The mean R^2 over the targets, as scikit-learn's ``r2_score(multioutput=
    "uniform_average", force_finite=True)``: a constant target's (None in ``values``)
    counts as 1.0 where its predictions are exact (``exact``: zero residuals), else 0.0."""
    return float(np.mean([(1.0 if e else 0.0) if v is None else float(v)
                          for v, e in zip(values, exact, strict=True)]))


def _exact(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray | None) -> bool:
    """Whether every residual of a row of weight > 0 is 0 (scikit-learn's numerator 0)."""
    wrong = y_true != y_pred
    return not bool(np.any(wrong if weights is None else wrong & (weights > 0)))


def several_report(names: list[str], y_true: np.ndarray, y_pred: np.ndarray,
                   weights: np.ndarray | None) -> dict[str, Any]:
    """``evaluate``'s report: RMSE, MAE and R^2 per target (``y_true`` and ``y_pred`` of
    shape (n_samples, n_targets), rows weighted by ``weights`` (n_samples,)) and their
    averages."""
    from .cli_report import regression_report

    each = [regression_report(y_true[:, j], y_pred[:, j], weights) for j in range(len(names))]
    exact = [_exact(y_true[:, j], y_pred[:, j], weights) for j in range(len(names))]
    per_target = {name: {key: r[key] for key in ("rmse", "mae", "r2")}
                  for name, r in zip(names, each, strict=True)}
    for name, r, e in zip(names, each, exact, strict=True):
        if r["r2"] is None:  # a constant target: what the average counts for it
            per_target[name]["r2_in_average"] = 1.0 if e else 0.0
    return {"task": "regression", "n_samples": int(y_true.shape[0]),
            "rmse": float(np.mean([r["rmse"] for r in each])),
            "mae": float(np.mean([r["mae"] for r in each])),
            "r2": average_r2([r["r2"] for r in each], exact), "per_target": per_target}


def format_several(report: dict[str, Any]) -> str:
    """``evaluate``'s table: a line per target, then their average, then the samples
    (and the weights)."""
    from .cli_report import _samples

    width = max(7, *(len(cut(printable(name), 30)) for name in report["per_target"]))
    rows = [f"{'target':<{width}}  {'RMSE':>12}  {'MAE':>12}  {'R^2':>8}"]
    for name, values in [*report["per_target"].items(), ("average", report)]:
        r2 = "n/a" if values["r2"] is None else format(values["r2"], ".4f")  # average: a number
        rows.append(f"{cut(printable(name), 30):<{width}}  {values['rmse']:>12.6g}  "
                    f"{values['mae']:>12.6g}  {r2:>8}")
    notes = [f"\n(R^2 of {quoted(name)}: n/a, a constant target; the average counts it as "
             f"{v['r2_in_average']:.1f}, "
             f"{'predicted exactly' if v['r2_in_average'] else 'not predicted exactly'}, as "
             "scikit-learn's r2_score)"
             for name, v in report["per_target"].items() if v["r2"] is None]
    return "\n".join(rows) + "".join(notes) + f"\n{_samples(report)}"


def check_targets(meta: dict[str, Any], n_outputs: int,
                  refuse: Callable[[str, str], None]) -> None:
    """A model file's ``targets`` (several): 2 or more distinct column names, one per
    output of a regression, with one finite mean and nonzero scale each in
    ``target_preprocessing``, or of a multilabel classifier; ``refuse(field, problem)``
    raises otherwise."""
    targets = meta["targets"]
    multilabel = meta.get("multilabel") is True
    if meta["task"] != "regression" and not multilabel:
        refuse("targets", "only a regression or a multilabel classifier has several "
               f"targets; received a {meta['task']}")
    if not (isinstance(targets, list) and len(targets) >= 2
            and all(isinstance(t, str) and t for t in targets)
            and len(set(targets)) == len(targets)):
        refuse("targets", f"expected a list of 2 or more distinct column names, received "
               f"{quoted(targets)}")
    if len(targets) != n_outputs:
        refuse("targets", f"expected one target per output of the model ({n_outputs}), "
               f"received {len(targets)}")
    if "target" in meta:
        refuse("target", "expected either 'target' (one) or 'targets' (several), received both")
    if multilabel:
        return
    scaling = meta.get("target_preprocessing")
    if not _is_scaling(scaling, len(targets)):
        refuse("target_preprocessing", "expected {'type': 'standardize', 'mean': [...], "
               f"'scale': [...]}} with {len(targets)} finite means and {len(targets)} finite "
               f"scales != 0, received {quoted(scaling)}")


def _is_scaling(spec: Any, k: int) -> bool:
    """Whether ``spec`` is ``{'type': 'standardize', 'mean': [k], 'scale': [k]}`` of finite
    numbers, each scale != 0."""
    if not isinstance(spec, dict) or spec.get("type") != "standardize":
        return False
    values = [spec.get("mean"), spec.get("scale")]
    if not all(isinstance(v, list) and len(v) == k and all(map(_is_number, v)) for v in values):
        return False
    mean, scale = (np.asarray(v, dtype=np.float64) for v in values)
    return bool(np.isfinite(mean).all() and np.isfinite(scale).all() and (scale != 0).all())
