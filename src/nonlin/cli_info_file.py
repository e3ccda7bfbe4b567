"""What ``nonlin info`` reads from a model file's header itself, without building its model.

A checkpoint (written by ``nonlin.save_checkpoint``, ``ModelCheckpoint``, or ``nonlin
train`` on Ctrl-C) is named as one, with the epochs it holds (and the rows of the next,
when it stopped inside one) and how to resume it. A file with a layer class that is not
registered in this process (a layer of the user's own, registered when it was saved)
cannot be loaded here; ``info`` shows it as the file records it: each layer's class name
and config and the shapes of its arrays, naming the classes that are not registered.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from . import registry
from ._header import (
    MAX_LAYERS,
    Header,
    ModelFileError,
    strict_json,
)
from ._quoting import cut, printable, quoted
from ._reader import read_model
from ._shell_words import shell_word
from .cli_stdin import NAME as STDIN_NAME

_FLOATS = ("float32", "float64")


def read_for_info(data: bytes, header: Header, path: str) -> Any:
    """The model of the file ``path`` read as ``nonlin.load`` reads it, from its bytes
    ``data`` and ``header`` as ``info`` read and parsed them once (a header of up to 16 MiB
    was parsed twice: a peek, then ``nonlin.load``); one whose compile record is at fault is
    shown without it (predict and evaluate never read it), with a note."""
    from ._compile_record import RECORD, restore_compile
    from .cli_common import note

    model, header, arrays = read_model(data, path, header=header)
    if RECORD in header.metadata:
        try:  # checked whole first: a fault leaves the model as without compile=True
            restore_compile(model, header.metadata, arrays, path)
        except ModelFileError as exc:
            if not str(exc.field or "").startswith("compile"):
                raise
            note(f"{exc}; shown without its compile record")
    return model


@dataclass(frozen=True)
class RecordedModel:
    """A model as its file records it: ``layers`` (``{"class_name", "config"}`` each),
    ``arrays[i]`` the ``(name, shape)`` of layer ``i``'s tensors, and which classes
    (``unregistered``) this process's ``registry.LAYERS`` lacks."""

    layers: list[dict[str, Any]]
    arrays: list[list[tuple[str, tuple[int, ...]]]]
    n_features_in: int
    dtype: str
    metadata: dict[str, Any]
    unregistered: list[str]

    @property
    def n_values(self) -> int:
        """Values in the layers' arrays: ``count_params()`` of the model once built."""
        return sum(math.prod(shape) for layer in self.arrays for _, shape in layer)


def recorded_model(header: Header, path: str) -> RecordedModel | None:
    """The file's model as recorded when a layer class of it is not registered here, else
    None (``nonlin.load`` builds it, or says what is wrong with the file: more layers than
    a nonlin file holds, ``MAX_LAYERS``, too)."""
    meta = header.metadata
    try:
        arch, n_features, dtype, user = (strict_json(meta[key], path, key) for key in (
            "architecture", "n_features_in", "dtype", "metadata"))
    except (KeyError, ModelFileError):
        return None
    layers = arch.get("layers") if isinstance(arch, dict) else None
    if not (isinstance(layers, list) and len(layers) <= MAX_LAYERS and all(
            isinstance(item, dict) and isinstance(item.get("class_name"), str)
            and isinstance(item.get("config", {}), dict) for item in layers)):
        return None
    missing = [item["class_name"] for item in layers if item["class_name"] not in registry.LAYERS]
    if not missing or not isinstance(user, dict) or dtype not in _FLOATS or isinstance(
            n_features, bool) or not isinstance(n_features, int):
        return None
    arrays: list[list[tuple[str, tuple[int, ...]]]] = [[] for _ in layers]
    for name, info in header.tensors.items():
        index, _, short = name.partition(".")
        if index.isdigit() and int(index) < len(layers):
            arrays[int(index)].append((short, info.shape))
    return RecordedModel(layers, arrays, n_features, dtype, user, sorted(set(missing)))


def recorded_lines(model: RecordedModel) -> list[str]:
    """What ``info`` prints of a ``RecordedModel`` in place of the model's summary."""
    names = ", ".join(map(quoted, model.unregistered))
    plural = "es" * (len(model.unregistered) > 1)
    lines = [f"layer class{plural} {names} not registered in this process, so the model is not "
             "built here:",
             "its layers as the file records them (to load it, add the class to "
             "nonlin.registry.LAYERS",
             "first, as the program that saved it did)", ""]
    shown = [_layer_text(item) for item in model.layers]
    width = min(max(map(len, shown)), 60)
    lines.append(f"{'Layer (as recorded)':<{width + 4}}  Arrays")
    lines.append("-" * (width + 30))
    for i, (text, item) in enumerate(zip(shown, model.layers, strict=True)):
        arrays = ", ".join(f"{printable(name)} {shape}" for name, shape in model.arrays[i])
        mark = "  (not registered here)" if item["class_name"] in model.unregistered else ""
        lines.append(f"{i:>2}  {cut(text, width):<{width}}  {arrays or 'none'}{mark}")
    lines += ["-" * (width + 30), f"Total params: {model.n_values}"]
    return lines


def _layer_text(item: dict[str, Any]) -> str:
    """``Dense(units=4, ...)``: a recorded layer as ``Layer.__repr__`` writes a built one."""
    config = item.get("config", {})
    args = ", ".join(f"{printable(str(key))}={value!r}" for key, value in config.items())
    return f"{printable(item['class_name'])}({args})"


def recorded_json(model: RecordedModel) -> dict[str, Any]:
    """``info --json``'s own keys for a ``RecordedModel``."""
    return {"parameters": model.n_values, "dtype": model.dtype,
            "architecture": {"layers": model.layers, "n_features_in": model.n_features_in,
                             "dtype": model.dtype},
            "unregistered": model.unregistered}


def checkpoint_record(header: Header, path: str) -> dict[str, Any] | None:
    """``{"epoch", "step", "rows"}`` of a checkpoint (``rows``: of the epoch it stopped in,
    or None), ``{"fault": message}`` when its record is at fault, None for a model file."""
    if "checkpoint" not in header.metadata:
        return None
    from ._checkpoint_reader import checkpoint_progress  # (callbacks': checkpoints' alone)

    try:
        epoch, step, rows = checkpoint_progress(header.metadata, path)
    except ModelFileError as exc:
        return {"fault": f"{exc.field}: {exc.reason}"}
    return {"epoch": epoch, "step": step, "rows": rows}


def checkpoint_lines(path: str, record: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    """The lines that say a file is a checkpoint: how far it got and how to resume it."""
    if "fault" in record:
        return [f"checkpoint: its record is at fault ({cut(printable(record['fault']), 120)}),",
                "            so nonlin.load_checkpoint and nonlin train --resume refuse it", ""]
    recorded = meta.get("training")
    training: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
    target: Any = meta.get("target")
    if isinstance(meta.get("targets"), list):  # several: train's --target list
        from .cli_targets import joined

        target = joined([str(name) for name in meta["targets"]])
    cli = isinstance(training.get("data"), str) and isinstance(target, str) \
        and "hidden" in training  # a checkpoint that nonlin train wrote
    total = training.get("epochs") if cli else None
    known = isinstance(total, int) and not isinstance(total, bool)
    of = f" of {total}" if known else ""
    rows = "" if record["rows"] is None else f" and {record['rows']} rows of the next"
    lines = [f"checkpoint: after {record['epoch']}{of} epochs{rows} "
             f"({record['step']} optimizer steps)"]
    if cli:
        epochs = str(total) if known and total > record["epoch"] else "N"  # the total, as run
        root, ext = os.path.splitext(path)  # train's model.checkpoint.safetensors: its --out
        out = _option("--out", root[: -len(".checkpoint")] + ext) if root.endswith(
            ".checkpoint") else []
        # --categorical, --columns and --exclude: the resumed run takes them from the checkpoint
        weight = training.get("weight")  # a column of DATA
        weighted = _option("--weight", weight) if isinstance(weight, str) else []
        data = training["data"]  # "-x.csv" would read as an option: "./-x.csv"
        piped = data == STDIN_NAME  # a run on standard input (DATA '-'): '-' again
        words = ["nonlin", "train", "-" if piped else "./" + data if data.startswith("-")
                 else data, *_option("--target", str(target)), *weighted, "--epochs", epochs,
                 *out, *_option("--resume", path)]
        same = "data on standard input" if piped else "data file"
        lines += [f"resume:     {' '.join(map(shell_word, words))}",
                  f"            (the same {same} as that run; the rest from the checkpoint)"]
    else:
        lines += [f"resume:     model.fit(X, y, epochs=N, resume_from={quoted(path)})",
                  "            on a model of these layers (or nonlin.load_checkpoint: see the "
                  "guide's checkpoints)"]
    return [*lines, ""]


def _option(flag: str, value: str) -> list[str]:
    """``[flag, value]``, or ``[flag=value]`` for a value argparse would take for an option
    (a column named ``-x``: ``--weight -x`` is refused, ``--weight=-x`` is read)."""
    return [f"{flag}={value}"] if value.startswith("-") else [flag, value]
