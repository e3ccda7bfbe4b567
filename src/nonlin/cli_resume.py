"""``nonlin train --resume``: the resumed run keeps the options of the run it continues.

A checkpoint written by ``nonlin train`` records the run's options in its
metadata (``training``: ``hidden``, ``lr``, ``batch_size``, ...). Resuming
takes each option the command line leaves out from there, and refuses one it
gives with another value: the run would no longer be the one that was
interrupted (a different batch size changes every step that follows; a
different ``--hidden`` or ``--lr`` would be silently ignored, as the network
and the optimizer come from the checkpoint). ``--epochs`` may change: that is
how a run is extended. Options that do not shape the run (``--out``,
``--plot``, ``--quiet``) are free.

The data options follow the same rule (``adopt_data_options``): ``--categorical``
left out is the checkpoint's categorical columns (its ``categorical`` entries), and
with neither ``--columns`` nor ``--exclude`` the feature columns are the
checkpoint's inputs (its ``feature_names``, each one-hot block as its column), so a
column the first run left out (an id, with ``--exclude``) stays out.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._quoting import clipped, quoted, quoted_list, shown_path
from .cli_common import UsageError

# option dest -> how the training record spells its value (the same name)
_RUN_OPTIONS = ("hidden", "activation", "dropout", "optimizer", "lr", "batch_size",
                "early_stopping", "seed", "val_split", "missing", "class_weight", "weight",
                "l2", "batch_norm", "loss", "lr_schedule", "stratify", "monitor", "positive")
# recorded only when given (a run without them records as before): absent is the default
_WHEN_GIVEN = ("class_weight", "weight", "l2", "batch_norm", "loss", "lr_schedule",
               "stratify", "monitor", "positive")
_NAMES = ("activation", "optimizer")  # registry names: "ReLU" is "relu"
# as written on the command line: str only (--loss, --lr-schedule: in their canonical spelling)
_STRINGS = ("missing", "class_weight", "weight", "loss", "lr_schedule", "monitor", "positive")


def _train_parser() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The command line's parser and its ``train`` sub-parser."""
    from .cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, subparsers.choices["train"]


def given_options(argv: list[str]) -> set[str]:
    """The ``dest`` of each option the ``nonlin train`` command line ``argv`` gives
    (abbreviations and ``--opt=value`` included), not those left at their defaults."""
    parser, train = _train_parser()
    for action in train._actions:
        action.default = argparse.SUPPRESS
    return set(vars(parser.parse_args(argv)))


def _recorded(path: str, option: str, value: Any, action: argparse.Action) -> Any:
    """The checkpoint's ``value`` of ``option`` as the command line parses it (the file
    is data from outside); ``ModelFileError`` naming the field when it would not parse."""
    from . import registry
    from ._header import ModelFileError

    if value is None and action.default is None:
        return None  # an option left out (--early-stopping)
    if option in _STRINGS and (not isinstance(value, str) or not value):
        raise ModelFileError(path, f"expected a non-empty str, received {quoted(value, 80)}",
                             f"metadata['training'][{option!r}]")
    if action.nargs == 0:  # a flag (--batch-norm)
        if isinstance(value, bool):
            return value
        raise ModelFileError(path, f"expected true or false, received {quoted(value, 80)}",
                             f"metadata['training'][{option!r}]")
    if option not in _STRINGS and option not in _NAMES and not _numbers(value):
        kind = "a list of numbers" if isinstance(action.default, list) else "a number"
        raise ModelFileError(path, f"expected {kind} (as nonlin records it), received "
                             f"{quoted(value, 80)}", f"metadata['training'][{option!r}]")
    try:
        if option in _NAMES:
            registry.lookup(option, value)  # a ValueError for a non-str too
            return value
        text = ",".join(map(repr, value)) if isinstance(value, list) else (
            value if isinstance(value, str) else repr(value))
        parsed = action.type(text) if callable(action.type) else text
        if action.choices and parsed not in action.choices:
            raise ValueError(f"expected one of {', '.join(action.choices)}, received "
                             f"{quoted(text, 80)}")
    except (argparse.ArgumentTypeError, ValueError) as exc:
        raise ModelFileError(path, clipped(str(exc), 200),
                             f"metadata['training'][{option!r}]") from None
    return parsed


def _numbers(value: Any) -> bool:
    """``value`` holds no text where the record holds numbers: ``"0.01"`` would parse as
    the option does and be copied into the resumed file as text. (A bool, or any other
    non-number, is refused by the option's own parser, which names it.)"""
    items = value if isinstance(value, list) else [value]
    return not any(isinstance(v, str) for v in items)


def _shown(value: Any) -> str:
    """A value as the command line spells it: ``64,32``, ``none``, ``0.001``."""
    if isinstance(value, list):
        return ",".join(map(str, value)) if value else "none"
    if value is None:
        return "none"
    return format(value, "g") if isinstance(value, float) else str(value)


def _same(option: str, given: Any, recorded: Any, classes: Any = None) -> bool:
    if option == "positive" and isinstance(given, str) and isinstance(recorded, str) and (
            isinstance(classes, list)):  # the same class, matched as --positive matches it
        from .cli_positive import same_class

        return same_class(given, recorded, classes)
    if option in _NAMES and isinstance(given, str) and isinstance(recorded, str):
        return given.lower() == recorded.lower()
    if isinstance(given, float) or isinstance(recorded, float):
        return given is not None and recorded is not None and float(given) == float(recorded)
    return given == recorded


def adopt_run_options(args: argparse.Namespace, meta: dict[str, Any]) -> None:
    """Check the options ``args`` gives against the checkpoint's run (``meta``, its
    metadata) and take the run's values for the rest, in place.

    Raises ``UsageError`` naming the first option given with another value.
    """
    argv = getattr(args, "argv", None)
    given = given_options(argv) if argv else set(_RUN_OPTIONS) | {"task"}
    record = meta.get("training", {})
    task = getattr(args, "task", "auto")
    if "task" in given and task != "auto" and task != meta.get("task", task):
        _refuse(args, "task", task, meta["task"])
    actions = {action.dest: action for action in _train_parser()[1]._actions}
    for option in _RUN_OPTIONS:
        if option not in record and option not in _WHEN_GIVEN:
            continue  # a checkpoint from before the option was recorded
        value = (_recorded(args.resume, option, record[option], actions[option])
                 if option in record else _default(option, meta, actions[option]))
        if option not in given:
            setattr(args, option, value)
        elif not _same(option, getattr(args, option), value, meta.get("classes")):
            _refuse(args, option, getattr(args, option), value)


def _default(option: str, meta: dict[str, Any], action: argparse.Action) -> Any:
    """The value of an ``option`` the training record leaves out (not given to the run):
    the option's default, or for ``--loss``, ``--lr-schedule`` and ``--monitor`` what it
    meant, the task's loss, ``constant`` and ``val_loss`` (``--loss mse`` given to resume
    a regression is its), and for ``--positive`` of a watched precision or recall, the
    second class."""
    if option == "loss":
        return "cross_entropy" if meta.get("task") == "classification" else "mse"
    if option == "lr_schedule":
        return "constant"
    if option == "monitor":
        return "val_loss"
    watched = str(meta.get("training", {}).get("monitor")).removeprefix("val_")
    classes = meta.get("classes")
    if (option == "positive" and watched in ("precision", "recall")
            and isinstance(classes, list) and len(classes) == 2):
        return str(classes[1])  # the class the run's precision or recall scored
    return action.default


def adopt_data_options(args: argparse.Namespace, meta: dict[str, Any]) -> None:
    """Take ``--categorical`` and the feature columns (``--columns``) the command line
    leaves out from the checkpoint's metadata ``meta``, in place; a ``UsageError``
    naming both when ``--categorical`` is given with other columns (matched ignoring
    the spaces around names, in any order). ``args.columns_from_checkpoint`` says
    whether the feature columns were taken over."""
    recorded = [entry["column"] for entry in meta.get("categorical") or ()]
    given = getattr(args, "categorical", None)
    if given is None:
        args.categorical = recorded or None
    elif {name.strip() for name in given} != {name.strip() for name in recorded}:
        _refuse(args, "categorical", given, recorded)
    args.columns_from_checkpoint = args.columns is None and not args.exclude
    if args.columns_from_checkpoint:
        args.columns = _checkpoint_columns(args, meta)


def _checkpoint_columns(args: argparse.Namespace, meta: dict[str, Any]) -> list[str]:
    """The CSV columns the checkpoint's network reads, in its order; each must be in the
    header of ``args.data``, and ``--target`` must be the checkpoint's (a feature of the
    run would otherwise be read as the target), else a ``UsageError``."""
    from ._categorical import raw_columns
    from .cli_table import header_names, name_matcher

    target = meta.get("target", args.target)
    if args.target.strip() != str(target).strip():
        raise UsageError(f"--target {quoted(args.target)} differs from the interrupted run's "
                         f"{quoted(target)}; resume with the same --target")
    inputs, _ = raw_columns({**meta, "categorical": meta.get("categorical") or []})
    names = header_names(args.data)
    match = name_matcher(names, args.data)
    absent = [name for name in inputs if match(name) not in names]
    if not absent:
        return inputs
    weight = match(args.weight) if getattr(args, "weight", None) else None
    features = [n for n in names if n and n != match(args.target) and n != weight]
    if len(features) == len(inputs) and sum(  # renamed in place: where the two first differ
            a != b for a, b in zip(features, inputs, strict=True)) == len(absent):
        raise UsageError(f"{shown_path(args.data)}: its feature columns differ from the "
                         f"checkpoint's: {_difference(features, inputs)}; resume with the data "
                         "the run started with")
    raise UsageError(f"{shown_path(args.data)}: no column {quoted(absent[0])}, one of the "
                     f"checkpoint's {len(inputs)} input columns ({quoted_list(inputs)}); "
                     "resume with the data the run started with")


def _refuse(args: argparse.Namespace, option: str, given: Any, recorded: Any) -> None:
    flag = "--" + option.replace("_", "-")
    raise UsageError(
        f"{flag} {_shown(given)} differs from the checkpoint's {_shown(recorded)} "
        f"({shown_path(args.resume)}); a resumed run keeps the options of the run it "
        f"continues: leave {flag} out or give {_shown(recorded)} (only --epochs may change)"
    )


def check_same_data(
    args: argparse.Namespace, previous: dict[str, Any], meta: dict, n_rows: int
) -> None:
    """A resumed run must read the same data: columns, target, row count, split."""
    if previous["feature_names"] != meta["feature_names"]:
        raise UsageError(
            f"{shown_path(args.data)}: its feature columns differ from the checkpoint's: "
            f"{_difference(meta['feature_names'], previous['feature_names'])}; "
            "resume with the data the run started with"
            + ("" if getattr(args, "columns_from_checkpoint", True) else
               ", leaving --columns and --exclude out (the checkpoint's inputs are taken)")
        )
    if previous.get("target", args.target) != args.target:
        raise UsageError(
            f"--target {quoted(args.target)} differs from the interrupted run's "
            f"{quoted(previous['target'])}; resume with the same --target"
        )
    record = previous.get("training", {})
    if record.get("rows", n_rows) != n_rows:
        raise UsageError(
            f"{shown_path(args.data)}: {n_rows} rows, but the interrupted run had "
            f"{record['rows']} (from {shown_path(record.get('data', 'its data file'))}); "
            "resume with the data the run started with"
        )
    for option in ("seed", "val_split", "missing"):
        if option in record and record[option] != getattr(args, option):
            flag = "--" + option.replace("_", "-")
            raise UsageError(
                f"{flag} {getattr(args, option)} differs from the interrupted run's "
                f"{record[option]}; resume with the same {flag} (the rows must split the same way)"
            )


def _difference(names: list[str], before: list[str]) -> str:
    """Where the feature columns ``names`` first differ from the checkpoint's ``before``."""
    if len(names) != len(before):
        return (f"{len(names)} here ({quoted_list(names)}), "
                f"{len(before)} there ({quoted_list(before)})")
    at = next(i for i, (new, old) in enumerate(zip(names, before, strict=True)) if new != old)
    return (f"column {at + 1} of {len(names)} is {quoted(names[at])} here, "
            f"{quoted(before[at])} there")
