"""A model file's compile record: the loss, optimizer and metrics, saved and restored.

Keras' ``model.save`` keeps how the model was compiled, and so does ``nonlin.save``:
when the model has a loss or an optimizer (from ``compile`` or from the last
``fit``), the file gets ``__metadata__["compile"]``, JSON::

    {"loss": {"name": "cross_entropy",          # a key of nonlin.registry.LOSSES
              "config": {"from_logits": false, "reduction": "mean"}},
     "optimizer": {"class_name": "Adam",        # as in a checkpoint: lr schedule inside
                   "config": {"lr": 0.001, ...},
                   "scalars": {"iterations": 160, "lr": 0.001}},
     "metrics": ["accuracy", {"class_name": "Precision", "config": {...}}]}

with the optimizer's slots as tensors ``optimizer.{slot}.{i}`` (Adam's
``optimizer.m.0``, SGD's ``optimizer.velocity.0``), in the model's dtype: the
layout of a checkpoint, whose writer and reader this module reuses
(``checkpoint._optimizer_json``, ``_optimizer_reader.restore_optimizer``). A
part nonlin's registry does not hold (a user's ``Loss`` or ``Optimizer``
subclass or schedule, a metric function) cannot be rebuilt from a file
without running its code: it is left out, with one warning per save.

``nonlin.load`` sets ``model.loss``, ``model.optimizer`` (its config, learning
rate, step count and slots) and ``compile``'s metrics from the record, so
``fit(X, y)`` continues where the saved model stopped. Not saved: the model's
generator (the loaded ``model.rng`` is as after ``build(n, seed=0)``), its history and the
callbacks' state, which checkpoints keep. A checkpoint has the record too, without the
optimizer: its ``checkpoint`` record's is read instead. Every field is checked, each name
through the registry's allowlists; a fault is a ``ModelFileError`` naming
``compile.<field>`` and the value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import registry
from ._compile_entries import (
    MAX_METRICS,
    METRIC_ENTRIES,
    _known_metric,
    _loss_entry,
    _metric_classes,
    _metric_entries,
    _optimizer_entry,
    _warn_left_out,
    check_saved_settings,
    file_names,
    loaded_metrics,
    loss_left_out,
    made_entries,
    metric_size,
    oversized,
    too_many_entries,
)
from ._header import ModelFileError, strict_json
from ._metadata import to_json_text
from ._quoting import quoted
from ._rebuilt_settings import Unrebuilt

RECORD = "compile"
_PARTS = ("loss", "optimizer", "metrics")
_OTHER_STATE = ("checkpoint", "optimizer")  # a checkpoint's, a nonlin.sklearn file's own
_SLOTS = "optimizer."
_AGAIN = "After nonlin.load, pass them again: model.compile(optimizer, loss, metrics)"
_BARE = "nonlin.load(path, compile=False) reads the model without its compile record"
_KEPT = ("After nonlin.load, pass them again with the loaded optimizer, which keeps its saved "
         "state: model.compile(model.optimizer, loss, metrics)")


# -- saving ------------------------------------------------------------------
def compile_record(model: Any, stacklevel: int, include_optimizer: bool = True, *,
                   metrics: list[Any] | None = None, again: str = _AGAIN
                   ) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """The header entry ``{"compile": JSON}`` and the optimizer's slot tensors for
    ``model``; nothing when it has neither loss nor optimizer (or none of them saves).
    Without ``include_optimizer`` the record holds the loss and metrics alone (a
    checkpoint's: its own record keeps the optimizer); ``metrics``: those to record,
    by default ``compile``'s.

    One ``UserWarning`` names the parts left out, ending with the advice ``again``
    (``stacklevel`` as ``warnings.warn`` takes it, counted from here). The settings of the
    loss and optimizer recorded are checked first (``check_saved_settings``: the
    constructor's ``ValueError`` or ``TypeError`` for one the loader would refuse).
    """
    from ._optimizer_reader import slot_problem

    check_saved_settings(model, include_optimizer)  # what load refuses: refused, unwritten
    loss = getattr(model, "loss", None)
    optimizer = getattr(model, "optimizer", None) if include_optimizer else None
    if loss is None and optimizer is None:
        return {}, {}
    record: dict[str, Any] = {}
    tensors: dict[str, np.ndarray] = {}
    left_out: list[str] = []
    if loss is not None:
        entry = _loss_entry(loss)
        if entry is None:
            left_out.append(loss_left_out(loss))
        else:
            record["loss"] = entry
    unfit = ""  # why a registered optimizer is left out: its slots do not fit the model,
    if optimizer is not None:  # or its get_config leaves out a setting (_rebuilt_settings)
        saved = _optimizer_entry(optimizer)
        unfit = "" if isinstance(saved, Unrebuilt) else slot_problem(saved[1], model, optimizer)
        unfit = saved.reason if isinstance(saved, Unrebuilt) and saved.kind == "lost setting" \
            else unfit
        if isinstance(saved, Unrebuilt) or unfit:
            left_out.append(f"optimizer={quoted(optimizer, 80)} ({unfit or saved})")
        else:
            record["optimizer"], tensors = saved
    if metrics is None:
        metrics = getattr(model, "_metrics", None) or []
    too_big: list[str] = []  # metrics larger than nonlin.load reads
    record["metrics"] = _metric_entries(metrics, left_out, too_big,
                                        getattr(model, "n_outputs", None) or 0,
                                        file_names(model, metrics))
    left_out += too_big
    if left_out:
        kept = "optimizer" in record and again == _AGAIN  # a new one would start from zero
        _warn_left_out(left_out, bool(unfit) + len(too_big), _KEPT if kept else again,
                       stacklevel + 1)
    if "loss" not in record and "optimizer" not in record:
        return {}, {}
    return {RECORD: to_json_text(record, RECORD)}, tensors


# -- loading -----------------------------------------------------------------
def _fault(path: str, field: str, message: str) -> ModelFileError:
    return ModelFileError(path, message, f"{RECORD}.{field}" if field else RECORD)


def _renamed(error: ModelFileError) -> ModelFileError:
    """A checkpoint reader's fault (``checkpoint.optimizer...``) as this record's field."""
    field = error.field or ""
    if field.startswith("checkpoint."):
        field = RECORD + field[len("checkpoint"):]
    return ModelFileError(error.path, error.reason, field or RECORD)


def restore_compile(model: Any, header: dict[str, str], arrays: dict[str, np.ndarray],
                    path: str, with_optimizer: bool = True, metrics_given: bool = False) -> None:
    """Set ``model.loss``, ``model.optimizer`` and ``model._metrics`` from the record in
    ``header`` (a file's ``__metadata__``), checked whole first: a fault changes nothing.
    A checkpoint's record has no optimizer: its ``checkpoint`` record's is set (not with
    ``with_optimizer=False``, as ``load_checkpoint`` reads it itself). ``metrics_given``
    (a checkpoint a ``fit`` resumes with metrics of its own): a fault in the record's
    metrics, none of which that fit uses, leaves ``model._metrics`` empty instead."""
    record = strict_json(header[RECORD], path, RECORD)
    if not isinstance(record, dict) or not set(record) <= set(_PARTS):
        received = (f"the keys {quoted(sorted(set(record) - set(_PARTS)), 120)}"
                    if isinstance(record, dict) else f"{quoted(record, 120)}")
        raise _fault(path, "", f"expected an object with keys among {list(_PARTS)}. "
                               f"Received: {received}")
    other = [key for key in _OTHER_STATE if key in header]
    in_checkpoint = other == ["checkpoint"] and "optimizer" not in record
    if other and not in_checkpoint:
        raise _fault(path, "", f"expected a model file's compile record alone (a checkpoint's "
                               f"without 'optimizer'). Received it with the keys {other} of "
                               "another kind of file")
    loss = _read_loss(record["loss"], path) if "loss" in record else None
    if in_checkpoint:
        from ._optimizer_reader import checkpoint_optimizer

        optimizer = checkpoint_optimizer(header, arrays, model, path) if with_optimizer else None
    else:
        optimizer = _read_optimizer(record.get("optimizer"), arrays, model, path)
    try:
        metrics = _read_metrics(record.get("metrics", []), path, model.n_outputs)
        given = [getattr(metric, "name", None) for metric in metrics]  # before renamed
        _check_usable(loss, metrics, model, path)
    except ModelFileError as error:
        if not metrics_given or not (error.field or "").startswith(f"{RECORD}.metrics"):
            raise
        metrics, given = [], []
        _check_usable(loss, metrics, model, path)  # the loss: _read_metrics came first
    model.loss, model._metrics = loss, metrics
    model._file_metric_names = loaded_metrics(metrics, given)  # what save writes again
    if with_optimizer:
        model.optimizer = optimizer


def _check_usable(loss: Any, metrics: list[Any], model: Any, path: str) -> None:
    """What ``compile`` and ``fit`` would refuse, refused here, naming the field: a loss
    of ``reduction="none"``, a per-class ``alpha`` or per-output ``pos_weight`` of another
    length than the model's outputs, metrics named ``loss``, ``lr`` or ``val_...``."""
    from .losses_extra import check_fit_classes

    if loss is not None and loss.reduction == "none":
        raise _fault(path, "loss.config.reduction", "expected 'mean' or 'sum' (training needs "
                                                    "one number per batch). Received: 'none'")
    try:
        check_fit_classes(loss, model.n_outputs)
    except ValueError as exc:
        field = "pos_weight" if "pos_weight" in str(exc) else "alpha"
        raise _fault(path, f"loss.config.{field}", str(exc)) from None
    try:  # a name met again renamed in place, as fit logs it (x_1): no copy, then or later
        if metrics:  # nonlin.metrics (every metric's module) imported for a record with some
            from .metrics import get_metrics
            get_metrics(metrics, loss=loss, n_outputs=model.n_outputs, owned=True)
    except (ValueError, TypeError) as exc:
        raise _fault(path, "metrics", str(exc)) from None


def _construct(cls: type, config: Any, path: str, field: str) -> Any:
    """``cls(**config)``, its constructor's complaint a fault of the field it names."""
    from ._checkpoint_fields import constructor_fault

    if not isinstance(config, dict):
        raise _fault(path, field, f"expected an object. Received: {quoted(config)}")
    try:
        return cls(**config)
    except Exception as exc:  # the constructor's checks on hostile values
        raise _renamed(constructor_fault(path, field, exc)) from None


def _read_loss(entry: Any, path: str) -> Any:
    if not isinstance(entry, dict) or set(entry) != {"name", "config"}:
        raise _fault(path, "loss", "expected {'name': str, 'config': {...}}. "
                                   f"Received: {quoted(entry)}")
    name = entry["name"]
    if not isinstance(name, str) or name not in registry.LOSSES:
        raise _fault(path, "loss.name", f"expected a loss of nonlin.registry.LOSSES "
                                        f"({', '.join(sorted(registry.LOSSES))}). "
                                        f"Received: {quoted(name, 80)}")
    return _construct(registry.LOSSES[name], entry["config"], path, "loss.config")


def _read_optimizer(info: Any, arrays: dict[str, np.ndarray], model: Any, path: str) -> Any:
    """The optimizer of the record (None without one), through the checkpoint reader."""
    if info is None:
        slots = sorted(name for name in arrays if name.startswith(_SLOTS))
        if slots:
            raise ModelFileError(path, "expected no optimizer state: the compile record has no "
                                       "optimizer", f"tensor {quoted(slots[0])}")
        return None
    if not isinstance(info, dict) or set(info) != {"class_name", "config", "scalars"}:
        raise _fault(path, "optimizer", "expected {'class_name', 'config', 'scalars'}. "
                                        f"Received: {quoted(info)}")
    from ._optimizer_reader import restore_optimizer  # (the schedules: with an optimizer)
    try:
        return restore_optimizer(info, arrays, model, path)
    except ModelFileError as error:
        raise _renamed(error) from None


def _read_metrics(entries: Any, path: str, n_outputs: int) -> list[Any]:
    """The record's metrics, their arrays counted before any is made, as they will be
    once they count a batch of the model's ``n_outputs`` columns."""
    if not isinstance(entries, list):
        raise _fault(path, "metrics", f"expected a list. Received: {quoted(entries)}")
    if len(entries) > MAX_METRICS:  # before any is made
        raise _fault(path, "metrics", f"expected at most {MAX_METRICS:,} metrics. Received "
                     f"{len(entries):,} metrics ({_BARE})")
    classes = _metric_classes() if entries else {}  # every metric's module: for some alone
    total = 0
    for i, entry in enumerate(entries):  # their arrays, counted before any is made
        size = metric_size(entry, classes, n_outputs)
        total += size
        _check_total(entries, i, size, total, path)
    made, total = [], 0
    for i, entry in enumerate(entries):  # and as made (a subclass's config of its own)
        metric = _read_metric(entry, classes, path, f"metrics[{i}]")
        size = metric_size(entry, classes, n_outputs)
        if not isinstance(metric, str):
            size = max(size, made_entries(metric))
        total += size
        _check_total(entries, i, size, total, path)
        made.append(metric)
    return made


def _check_total(entries: list[Any], i: int, size: int, total: int, path: str) -> None:
    """Refuse the metric ``entries[i]``, of ``size`` entries, when ``total`` with those
    before it is more than a file's metrics hold (``METRIC_ENTRIES``)."""
    if total > METRIC_ENTRIES:
        entry = entries[i]
        name = entry.get("class_name") if isinstance(entry, dict) else None
        raise _fault(path, f"metrics[{i}]", f"{quoted(name, 80)}: "
                     f"{too_many_entries(size, total)} ({_BARE})")


def _read_metric(entry: Any, classes: dict[str, type], path: str, field: str) -> Any:
    """A metric name, or a registered ``Metric`` built from its checked config."""
    if isinstance(entry, str) and _known_metric(entry):
        return entry
    if not isinstance(entry, dict) or set(entry) != {"class_name", "config"}:
        raise _fault(path, field, "expected a metric name of nonlin.registry.METRICS or "
                                  f"{{'class_name', 'config'}}. Received: {quoted(entry)}")
    cls = classes.get(entry["class_name"]) if isinstance(entry["class_name"], str) else None
    if cls is None:
        raise _fault(path, f"{field}.class_name", f"expected one of {sorted(classes)}. "
                                                  f"Received: {quoted(entry['class_name'], 80)}")
    config = entry["config"]
    if (big := oversized(config)) is not None:  # AUC's arrays, IoU's confusion matrix
        key, most, size = big
        raise _fault(path, f"{field}.config.{key}", f"expected at most {most}. "
                                                    f"Received: {size}")
    return _construct(cls, config, path, f"{field}.config")
