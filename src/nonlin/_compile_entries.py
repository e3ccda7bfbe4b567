"""A compile record's entries, as ``nonlin._compile_record`` writes them.

Each part of ``model``'s compile: the loss as ``{"name", "config"}``, the optimizer
as a checkpoint records it, the metrics as names or ``{"class_name", "config"}``,
each only when nonlin's registry rebuilds it from the JSON alone (``_rebuilds``);
else why not, for the one warning that names what a save leaves out. The metric
names and classes the record knows serve its reader too.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from . import registry
from ._loss_checks import check_settings
from ._metadata import to_json_text
from ._metric_sizes import MAX_CLASSES, MAX_THRESHOLDS
from ._quoting import quoted
from ._rebuilt_settings import Unrebuilt, lost_setting

# the sizes a file's metric config may ask for: a tiny file must not make load allocate
# gigabytes (AUC's and the metrics at a rate's arrays, IoU's (num_classes, num_classes)
# confusion matrix: 128 MiB at most); save leaves out a larger metric (one set larger
# since its constructor, which refuses more: _metric_sizes), which load refuses
METRIC_SIZE_LIMITS = (("num_thresholds", MAX_THRESHOLDS), ("num_classes", MAX_CLASSES))
# the float64 entries a record's metrics hold as they are made (each class's _held_entries:
# AUC's four counts and thresholds, the metrics at a rate's four counts, IoU's matrix), one
# and all together: at most 2**24, 128 MiB (IoU's largest matrix). Counting thresholds once
# per metric, 256 SensitivityAtSpecificity(num_thresholds=65536) in a file of 42 KB passed
# and made load take 1.46 GB
METRIC_ENTRIES = 1 << 24
# a record's metrics together: at most this many (a compile names a handful)
MAX_METRICS = 1_000


def metric_size(entry: Any, classes: dict[str, type] | None = None, n_outputs: int = 0) -> int:
    """The float64 entries a record's metric ``entry`` holds once made and given a batch of
    the model's ``n_outputs`` columns: its class's ``_held_entries`` of its config
    (``classes``: ``_metric_classes()``), a name's of the metric it names (``"f1_score"``:
    three counts per output); 0 for another entry, or one beyond its own limits
    (``oversized``, refused as such)."""
    if isinstance(entry, str):
        return _name_size(entry, n_outputs)
    config = entry.get("config") if isinstance(entry, dict) else None
    name = entry.get("class_name") if isinstance(entry, dict) else None
    cls = (classes or _metric_classes()).get(name) if isinstance(name, str) else None
    held = getattr(cls, "_held_entries", None)
    if held is None or not isinstance(config, dict) or oversized(config) is not None:
        return 0
    return int(held(config, n_outputs))


def _name_size(name: str, n_outputs: int) -> int:
    """``metric_size`` of a metric name (a default metric, of its default sizes: small,
    but the F-scores' counts grow with the outputs); 0 for a name not known."""
    from .metrics import get_metric

    if not _known_metric(name):
        return 0
    made = get_metric(name, n_outputs=n_outputs or None)
    held = getattr(type(made), "_held_entries", None)
    return 0 if held is None else int(held(made.get_config(), n_outputs))


def oversized(config: Any) -> tuple[str, int, int] | None:
    """``(key, limit, value)`` of the first size in a metric's ``config`` above
    ``METRIC_SIZE_LIMITS``, or AUC's ``num_labels`` above what ``METRIC_ENTRIES`` holds
    (``num_thresholds * (4 num_labels + 1)`` entries: its counts and thresholds); else None."""
    sizes = config if isinstance(config, dict) else {}
    for key, most in METRIC_SIZE_LIMITS:
        size = sizes.get(key)
        if isinstance(size, int) and size > most:
            return key, most, size
    labels, thresholds = sizes.get("num_labels"), sizes.get("num_thresholds")
    if isinstance(labels, int) and isinstance(thresholds, int) and thresholds > 0:
        if thresholds * (4 * labels + 1) > METRIC_ENTRIES:
            return "num_labels", (METRIC_ENTRIES // thresholds - 1) // 4, labels
    return None


def too_many_entries(size: int, total: int) -> str:
    """Why a metric of ``size`` entries, ``total`` with those before it, is more than a
    file holds (``METRIC_ENTRIES``)."""
    return (f"its arrays hold {size:,} float64 entries, {total:,} with the metrics before it, "
            f"where a file's metrics hold at most {METRIC_ENTRIES:,} (128 MiB) in all")


def check_saved_settings(model: Any, include_optimizer: bool = True) -> None:
    """The constructor's checks on the settings of ``model``'s loss and (with
    ``include_optimizer``) optimizer as they are now, as ``fit`` runs them: a file of the
    settings refused (``opt.beta_1 = 1.5``; ``amsgrad`` switched on since the first step
    made the slots) is refused before anything is written, as ``load`` would refuse it.

    Raises
    ------
    ValueError, TypeError
        The constructor's (``Optimizer._check_settings``, ``_loss_checks.check_settings``).
    """
    loss = getattr(model, "loss", None)
    if loss is not None:
        check_settings(loss)
    check = getattr(getattr(model, "optimizer", None), "_check_settings", None)
    if include_optimizer and check is not None:
        check()


def _warn_left_out(left_out: list[str], other: int, again: str, stacklevel: int) -> None:
    """``other``: how many of ``left_out`` are left out for another reason than the registry."""
    registry_part = len(left_out) > other  # something left out as unregistered
    warnings.warn(
        f"The file's compile record leaves out {', '.join(left_out)}"
        + (": only nonlin's registered losses, optimizers, learning-rate schedules and "
           "metrics can be rebuilt from a file without running code" if registry_part
           else "") + f". {again}", UserWarning, stacklevel=stacklevel)


def _rebuilds(factory: Callable[..., Any], config: Any) -> bool:
    """Whether ``factory(**config)``, from the JSON of ``config`` alone, gives an object with
    that config back: what loading will do."""
    return _rebuilt(factory, config) is not None


def _rebuilt(factory: Callable[..., Any], config: Any) -> Any:
    """``factory(**config)`` from the JSON of ``config`` alone when its config is ``config``
    back (what loading will do), else None; compared as a file holds both (a tuple or a
    NumPy array is a list there: a constructor keeping a tuple rebuilds from the list)."""
    try:
        parsed = json.loads(to_json_text(config, "config"))
        rebuilt = factory(**parsed)
        back = rebuilt.get_config()
        return rebuilt if json.loads(to_json_text(back, "config")) == parsed else None
    except Exception:  # not JSON-able, or a config its own class refuses
        return None


def _loss_entry(loss: Any) -> dict[str, Any] | None:
    """``{"name", "config"}`` for a loss of the registry's classes, else None."""
    name = next((key for key, cls in registry.LOSSES.items() if cls is type(loss)), None)
    if name is None or not _rebuilds(registry.LOSSES[name], loss.get_config()):
        return None
    return {"name": name, "config": loss.get_config()}


def loss_left_out(loss: Any) -> str:
    """``loss`` as a file's compile record leaves it out (``_loss_entry`` gave None), with why
    where the registry holds another class of its class's name (one defined again, as by a
    notebook's cell run again after the loss was made), as ``unrebuilt`` says an optimizer's."""
    cls, text = type(loss), f"loss={quoted(loss, 80)}"
    place = (cls.__module__, cls.__qualname__)  # not another module's class of that name
    if any((known.__module__, known.__qualname__) == place and known is not cls
           for known in registry.LOSSES.values()):
        text += (f" (another class named {cls.__name__} in nonlin.registry.LOSSES is the one "
                 f"a file rebuilds by that name)")
    return text


def _optimizer_entry(optimizer: Any) -> tuple[dict[str, Any], dict[str, Any]] | Unrebuilt:
    """The checkpoint's optimizer record and slot tensors, or why a file cannot rebuild it."""
    from .checkpoint import _optimizer_json  # (checkpoint imports io, which imports this)

    if (problem := unrebuilt(optimizer)) is not None:  # before the state's copy
        return problem
    info, tensors = _optimizer_json(optimizer)
    problem = unrebuilt(optimizer, info["config"])
    return (info, tensors) if problem is None else problem


def unrebuilt(optimizer: Any, config: dict[str, Any] | None = None) -> Unrebuilt | None:
    """Why a file cannot rebuild ``optimizer`` from the registry and ``config`` (its
    ``get_config()``), None when it can; without ``config``, the registry's checks alone
    (``_resumable.unresumable`` passes ``get_config()``: no copy of the state)."""
    from .schedules import SCHEDULES

    cls, lr = type(optimizer), getattr(optimizer, "lr", None)
    named = {known.__name__: known for known in registry.OPTIMIZERS.values()}  # the readers'
    if named.get(cls.__name__) is not cls:  # a class of its name registered since: that one
        return Unrebuilt("unregistered optimizer", "not in nonlin.registry.OPTIMIZERS"
                         if cls.__name__ not in named else f"another class named "
                         f"{cls.__name__} in nonlin.registry.OPTIMIZERS is the one a file "
                         f"rebuilds by that name")
    if not isinstance(lr, float) and SCHEDULES.get(type(lr).__name__) is not type(lr):
        return Unrebuilt("unregistered schedule",
                         "its learning-rate schedule is not in nonlin.schedules.SCHEDULES")
    if config is None:
        return None
    rebuilt = _rebuilt(lambda **kwargs: _as_read(cls, kwargs), config)
    if rebuilt is None:
        return Unrebuilt("config", "its config does not rebuild it")
    lost = lost_setting(optimizer, rebuilt)  # a setting get_config leaves out
    return None if lost is None else Unrebuilt("lost setting", lost)


def _as_read(cls: type, config: dict[str, Any]) -> Any:
    """``cls`` from ``config`` as the readers make it (``_checkpoint_reader``, for a checkpoint
    and a model file): its schedule through ``schedule_from_config``, then ``cls(**config)``,
    ``Optimizer.from_config``'s, not a ``from_config`` of the class's own, which they do
    not call."""
    from .optimizers import Optimizer

    return Optimizer.from_config.__func__(cls, config)  # type: ignore[attr-defined]


def loaded_metrics(metrics: list[Any], given: list[Any]) -> tuple[tuple[Any, Any, Any], ...]:
    """``(metric, its name in the file, its name once loaded)`` for each of ``metrics``."""
    return tuple((metric, name, getattr(metric, "name", None))
                 for metric, name in zip(metrics, given, strict=True))


def file_names(model: Any, metrics: list[Any]) -> dict[int, str]:
    """By ``id``, the names the file gave the metrics ``load`` renamed (``mae`` for
    ``mae_1``), when ``metrics`` are those ``load`` made, in its order, named as it named
    them: ``save(load(file))`` writes the file's names. Others (the loaded ones compiled
    again in another order, with others, renamed) are written as they are named."""
    loaded = getattr(model, "_file_metric_names", ())
    if len(loaded) != len(metrics) or any(
            entry[0] is not metric or getattr(metric, "name", None) != entry[2]
            for entry, metric in zip(loaded, metrics, strict=True)):
        return {}
    return {id(metric): given for metric, given, now in loaded if given != now}


def _metric_entries(metrics: list[Any], left_out: list[str], too_big: list[str],
                    n_outputs: int = 0, names_given: dict[int, str] | None = None) -> list[Any]:
    """Names and registered ``Metric`` objects (``{"class_name", "config"}``); the rest
    is named in ``left_out``, those larger than a file holds (``oversized``, and beyond
    ``MAX_METRICS`` or ``METRIC_ENTRIES`` in all, on a model of ``n_outputs``: what ``load``
    refuses) in ``too_big``. ``names_given``: by ``id``, the name written for a metric
    that ``load`` renamed (the file's: ``file_names``)."""
    classes = _metric_classes()
    entries: list[Any] = []
    total = 0  # the array entries of the metrics kept
    for i, metric in enumerate(metrics):
        cls = type(metric)
        registered = classes.get(cls.__name__) is cls
        entry = {"class_name": cls.__name__, "config": metric.get_config()} if registered else {}
        if registered and id(metric) in (names_given or {}) and entry["config"].get(
                "name") == metric.name:
            entry["config"] = {**entry["config"], "name": (names_given or {})[id(metric)]}
        size = metric_size(entry if registered else metric, classes, n_outputs)
        if registered and (big := oversized(entry["config"])):
            # before _rebuilds: a constructor refuses what a file does not hold (AUC's
            # num_thresholds), and the message says why, not "registered"
            too_big.append(f"metrics[{i}]={quoted(metric, 80)} ({big[0]}={big[2]}: a "
                           f"file holds at most {big[1]}, what nonlin.load reads)")
        elif len(entries) == MAX_METRICS:
            too_big.append(f"metrics[{i}]={quoted(metric, 80)} (a file holds at most "
                           f"{MAX_METRICS:,} metrics, what nonlin.load reads)")
        elif total + size > METRIC_ENTRIES:
            too_big.append(_over(i, metric, size, total))
        elif isinstance(metric, str) and _known_metric(metric):
            entries.append(metric)
            total += size
        elif registered and (rebuilt := _rebuilt(cls, entry["config"])) is not None:
            size = max(size, made_entries(rebuilt))  # a subclass's own config: as made
            if total + size > METRIC_ENTRIES:
                too_big.append(_over(i, metric, size, total))
            else:
                entries.append(entry)
                total += size
        else:
            left_out.append(f"metrics[{i}]={quoted(metric, 80)}")
    return entries


def _over(i: int, metric: Any, size: int, total: int) -> str:
    why = too_many_entries(size, total + size)
    return f"metrics[{i}]={quoted(metric, 80)} ({why}, what nonlin.load reads)"


def made_entries(metric: Any) -> int:
    """The float64 entries a metric made holds: its arrays' (its ``_state``'s too, 8 bytes
    an entry) and 4 per float of its lists (a Python float and a list slot). ``save`` and
    ``load`` count the larger of it and ``metric_size``: a registered subclass whose config
    is its own (``MySens(n=65536)``) is counted as ``_held_entries`` cannot read it (0: 1,000
    of them took 2 GB)."""
    state = getattr(metric, "_state", None)
    found = [*vars(metric).values(), *(state.values() if isinstance(state, dict) else ())]
    arrays = sum(v.nbytes // 8 for v in found if isinstance(v, np.ndarray))
    return arrays + sum(4 * len(v) for v in found
                        if isinstance(v, list) and v and isinstance(v[0], float))


def _metric_classes() -> dict[str, type]:
    from .metrics import OBJECTS_ONLY  # PrecisionAtRecall, IoU, ...: no name

    return {cls.__name__: cls for cls in (*registry.METRICS.values(), *OBJECTS_ONLY)}


def _known_metric(name: str) -> bool:
    try:
        registry.lookup("metric", name)  # as get_metric resolves it: exact, else lower case
    except ValueError:
        return False
    return True
