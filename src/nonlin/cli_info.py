"""``nonlin info MODEL``: what a model file holds, as lines of text or as JSON.

The layers and parameter count (``Sequential.summary``, headed ``Model: "mlp"`` only
for a model saved with a name), the metadata ``nonlin train`` stores (task, target,
input columns, classes, scaling, the training record with its final scores) and the
compile record; long values summarized,
control characters escaped (``info --json`` prints them whole). A checkpoint says so, and a
file with a layer class not registered here is shown as recorded (``cli_info_file``).
"""

from __future__ import annotations

import argparse
from types import SimpleNamespace
from typing import Any

import numpy as np

from ._atomic import file_path
from ._categorical import categorical_lines
from ._cli_lists import list_item
from ._quoting import cut, one_line, printable, quoted, wrapped_list
from ._reader import read_file
from .cli_common import COMMAND_HELP, HelpFormatter, check_model_file, json_text, note
from .cli_info_file import (
    checkpoint_lines,
    checkpoint_record,
    read_for_info,
    recorded_json,
    recorded_lines,
    recorded_model,
)

_ENTRIES = 50  # a dict of the training record (class_weights, an estimator's params): shown


def add_info(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "info",
        help=COMMAND_HELP["info"],
        description=(
            "Print what MODEL holds: its layers, parameter count, input columns, task and "
            "classes, scaling, and how it was trained (data, options, final scores)."
        ),
        epilog="examples:\n  nonlin info model.safetensors\n  nonlin info model.safetensors --json",
        formatter_class=HelpFormatter,
    )
    p.add_argument("model", metavar="MODEL", help="model file, e.g. model.safetensors")
    p.add_argument("--json", action="store_true", help="print the metadata as JSON")
    p.set_defaults(run=run_info)


def run_info(args: argparse.Namespace) -> int:
    check_model_file(args.model)
    source = file_path(args.model)
    data, header = read_file(source)  # read and parsed once, as nonlin.load reads a path
    recorded = recorded_model(header, args.model)
    checkpoint = checkpoint_record(header, args.model)
    if recorded is not None:  # a layer class not registered here: shown as recorded
        model: Any = SimpleNamespace(n_features_in=recorded.n_features_in,
                                     dtype=np.dtype(recorded.dtype))
        meta, own, summary = recorded.metadata, recorded_json(recorded), recorded_lines(recorded)
    else:
        model = read_for_info(data, header, source)
        meta = dict(getattr(model, "metadata", None) or {})
        own = {"parameters": model.count_params(), "dtype": model.dtype.name,
               "architecture": model.get_config()}
        summary = _summary_lines(model)
    if args.json:
        if recorded is not None:
            note(f"layer class(es) {', '.join(map(quoted, recorded.unregistered))} not "
                 "registered in this process; shown as the file records them")
        if checkpoint is not None:
            own["checkpoint"] = checkpoint
        if shadowed := [key for key in own if key in meta]:
            note(f"metadata key(s) {', '.join(shadowed)} shown as info's own; "
                 "nonlin.load(MODEL).metadata holds them")
        print(json_text({**meta, **own}))
        return 0
    ahead = [] if checkpoint is None else checkpoint_lines(args.model, checkpoint, meta)
    lines = [args.model, "", *ahead, *summary, "", *_describe_metadata(model, meta),
             *(_describe_compile(model) if recorded is None else [])]
    print("\n".join(map(one_line, lines)))  # values escaped; a control character left: too
    return 0


def _summary_lines(model: Any) -> list[str]:
    """``model.summary()``'s lines; its ``Model: "sequential"`` line only for a model saved
    with a name of its own (the file's path heads the output already, and a file of
    ``nonlin train`` shows the table it did before summaries had that line). Names are
    escaped (``printable``): a line break in one stays on its line."""
    from ._quoting import printable
    from ._summary import header, table

    lines = table(model, printable)
    return [header(model, printable), *lines] if "name" in model.get_config() else lines


def _describe_compile(model: Any) -> list[str]:
    """The loss, optimizer and metrics a loaded model has, as lines of at most 100."""
    loss, optimizer = getattr(model, "loss", None), getattr(model, "optimizer", None)
    if loss is None and optimizer is None:
        return []
    metrics = [printable(m) if isinstance(m, str) else repr(m)
               for m in getattr(model, "_metrics", [])]
    steps = f", {optimizer.iterations} steps taken" if optimizer is not None else ""
    saved = "not saved" if optimizer is None else repr(optimizer)
    return ["", "compile:",
            f"  loss:      {cut('not saved' if loss is None else repr(loss), 87)}",
            f"  optimizer: {cut(saved, 87 - len(steps))}{steps}",
            f"  metrics:   {cut(', '.join(metrics) or 'none', 87)}"]


def _describe_metadata(model: Any, meta: dict[str, Any]) -> list[str]:
    """Task, target, input columns, classes, scaling and the training record, as lines."""
    names = meta.get("feature_names")
    inputs = f"inputs:   {model.n_features_in} column{'s' * (model.n_features_in != 1)}"
    lines = [
        f"task:     {printable(str(meta.get('task', 'not recorded')))}"
        + (" (multi-label: each output is one label's own probability)"
           if meta.get("multilabel") is True else ""),
        *(wrapped_list(f"targets:  {len(meta['targets'])}:", _items(meta["targets"]), 10)
          if isinstance(meta.get("targets"), list)
          else [f"target:   {printable(str(meta.get('target', 'not recorded')))}"]),
        *(wrapped_list(inputs + ":", _items(names), 10) if names
          else [f"{inputs} (names not recorded)"]),
        *categorical_lines(meta),
    ]
    lines.append(f"dtype:    {model.dtype.name}")
    if meta.get("multilabel") is True and isinstance(meta.get("classes"), list):
        from .cli_multilabel_model import info_lines

        lines += info_lines(meta)  # each label (target) with its two labels
    elif meta.get("classes"):
        lines += wrapped_list(f"classes:  {len(meta['classes'])}:", meta["classes"], 10)
    if meta.get("preprocessing"):
        lines.append(f"scaling:  {_brief(meta['preprocessing'].get('type'))} (per column)")
    training = dict(meta.get("training") or {})
    training.pop("history", None)
    final = training.pop("final", None) or {}
    if training:
        lines += ["", "training:", *_record_lines(training, "  ")]
    if not isinstance(final, dict):  # free JSON from nonlin.save: shown as it is
        final = {"": final}
    for part, values in final.items():
        shown = (", ".join(f"{_brief(k, 40)} {_score(v)}" for k, v in values.items() if k != "rows")
                 if isinstance(values, dict) else _score(values))
        lines.append(f"  final{' ' + _brief(part, 40) if part else ''}: {shown}")
    return lines


def _items(names: Any) -> list[Any]:
    """Column names as the command line's lists take them (``_cli_lists``): a name holding
    a comma in double quotes, so that ``a, "b,c"`` shows two names, not three."""
    return [list_item(name) if isinstance(name, str) else name for name in names]


def _record_lines(record: dict[str, Any], indent: str) -> list[str]:
    """``key: value`` lines, one per entry; a dict's entries (an estimator's ``params``
    and ``fitted``) one per line below its key, indented; long values summarized."""
    lines = []
    for key, value in record.items():
        if isinstance(value, dict) and value and indent == "  ":
            shown = dict(list(value.items())[:_ENTRIES])  # 1000 classes' weights: not 1000 lines
            more = [f"{indent * 2}... and {len(value) - len(shown)} more (info --json shows "
                    "them all)"] if len(value) > len(shown) else []
            lines += [f"{indent}{_brief(key, 40)}:", *_record_lines(shown, indent * 2), *more]
        else:
            lines.append(f"{indent}{_brief(key, 40)}: {_brief(value)}")
    return lines


def _brief(value: Any, width: int = 100) -> str:
    """``value`` in at most about ``width`` characters: a long list of numbers (a loss
    curve) as its count, first and last values; other long values cut with "..."
    (``info --json`` prints them whole)."""
    if isinstance(value, list) and len(value) > 8 and all(map(_is_number, value)) and any(
        isinstance(v, float) for v in value
    ):
        return f"{len(value)} values, first {_score(value[0])}, last {_score(value[-1])}"
    return cut(printable(str(value)), width)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _score(value: Any) -> str:
    """A recorded score as ``info`` prints it: numbers to 4 digits, None as n/a."""
    if value is None:
        return "n/a"
    return format(value, ".4g") if isinstance(value, int | float) else _brief(value)
