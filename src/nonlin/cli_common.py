"""Shared pieces of the command line: argument types, errors, model files, labels.

Everything here turns a user's strings and files into checked values, or
raises ``UsageError`` with one line that says what was wrong and what to do.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

from ._quoting import quoted, shown_path
from .cli_output import (  # noqa: F401 (moved there; importable from here as before)
    atomic_write_text,
    close_progress_bars,
    json_text,
    note,
    note_filled,
)


class UsageError(Exception):
    """A mistake in what the user asked for; reported in one line, exit status 2."""


class HelpFormatter(argparse.HelpFormatter):
    """Wraps descriptions to the terminal; keeps an epilog of examples line by line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("example"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


# each command's line in 'nonlin --help', in its order: here, not in the command's module,
# so that the command line imports only the module of the command it runs (cli.build_parser)
COMMAND_HELP = {
    "xor": "reproduce the tutorial: a 3-4-1 sigmoid net learns XOR",
    "train": "train a model on a CSV file and save it",
    "evaluate": "score a model on a labelled CSV file",
    "predict": "predict with a model on a CSV file",
    "info": "describe a model file",
    "demo": "train on a built-in data set and show what the network learned",
}


def registry_names(kind: str) -> str:
    """The names ``nonlin.registry`` knows for ``kind``, for help texts."""
    from . import registry

    table = {"activation": registry.ACTIVATIONS, "optimizer": registry.OPTIMIZERS}[kind]
    return ", ".join(sorted(table))


# -- argument types ------------------------------------------------------------
def registry_name(kind: str) -> Any:
    """An argparse ``type``: a name ``nonlin.registry`` knows among ``kind``, kept as given
    (an unknown one: ``nonlin: error: argument --activation: Unknown ...``)."""

    def check(text: str) -> str:
        from . import registry

        try:
            registry.lookup(kind, text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text

    check.__name__ = kind
    return check


class NegativeNumber:
    """argparse's test for "a value, not an option" (its ``_negative_number_matcher``),
    widened to every negative number ``float`` reads: ``-1e-3``, ``-inf``, ``-.5e1``, and
    comma lists of them (``--hidden -3,4``). argparse itself takes only ``-1`` and ``-0.5``
    and reports ``expected one argument`` for the rest. It is asked only after the parser's
    own option names, so an option given where a value belongs is still an option."""

    @staticmethod
    def match(text: str) -> bool:
        if not text.startswith("-"):
            return False
        try:
            for part in text.split(","):
                float(part)
        except ValueError:
            return False
        return True


def _int_at_least(text: str, low: int, expected: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise argparse.ArgumentTypeError(f"expected {expected}, received {quoted(text)}")
    return value


def positive_int(text: str) -> int:
    """``"32"`` -> 32; zero, negatives and non-integers are rejected."""
    return _int_at_least(text, 1, "a positive integer")


def seed(text: str) -> int:
    """``"0"`` -> 0; a non-negative integer."""
    return _int_at_least(text, 0, "a non-negative integer")


def seed_32(text: str) -> int:
    """A seed of NumPy's RandomState (the tutorial's): an integer in [0, 2**32 - 1]."""
    value = _int_at_least(text, 0, "an integer from 0 to 2**32 - 1")
    if value >= 2**32:
        raise argparse.ArgumentTypeError(
            f"expected an integer from 0 to 2**32 - 1, received {quoted(text)}"
        )
    return value


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, received {quoted(text)}") from None
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, received {quoted(text)}")
    return value


def positive_float(text: str) -> float:
    """``"1e-3"`` -> 0.001; must be finite and > 0."""
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, received {quoted(text)}")
    return value


def non_negative_float(text: str) -> float:
    """``"0.3"`` -> 0.3; must be finite and >= 0 (a noise level)."""
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"expected a number >= 0, received {quoted(text)}")
    return value


def fraction(text: str) -> float:
    """A number in [0, 1) (a dropout rate, a validation share)."""
    value = _float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), received {quoted(text)}")
    return value


def int_list(text: str) -> list[int]:
    """``"64,32"`` -> [64, 32]: hidden layer widths, each a positive integer."""
    parts = [p.strip() for p in text.split(",")]
    if text.strip() in ("", "0", "none"):
        return []
    return [positive_int(p) for p in parts]


def name_list(text: str) -> list[str]:
    """``"a,b,c"`` -> ["a", "b", "c"]; names must be non-empty and distinct.

    Spaces are kept (a header name may hold them); ``read_table`` matches a name
    exactly, else ignoring the spaces around it. A name holding a comma is quoted as in
    CSV (``"zip, code",city``; ``_cli_lists``).
    """
    from ._cli_lists import split_items

    names = [name for name, _ in split_items(text)]
    if any(not n.strip() for n in names):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated column names, received {quoted(text)}"
        )
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"column names repeat in {quoted(text)}")
    return names


def add_missing_option(parser: Any, *, model: bool = False) -> None:
    """``--missing``; with ``model``, 'mean' means the model's training means."""
    mean = ("the training data's column mean, stored in the model" if model
            else "the column mean over the training rows, not the validation rows")
    parser.add_argument(
        "--missing", choices=("error", "drop", "mean"), default="error",
        help="what to do with a feature cell that is not a finite number (empty, nan, inf, "
        "or any other text such as ? or NA; in a categorical column, an empty cell alone): stop "
        f"with an error naming the cell (default), drop the row, or use {mean} (for a "
        "categorical column, the frequencies of its categories)",
    )


# -- files ---------------------------------------------------------------------
def check_input_file(path: str, what: str = "data file") -> None:
    if not os.path.exists(path):  # '-' here: a model file, not the data, from standard input
        stdin = " (standard input, -, is read for DATA.csv only)" if path == "-" else ""
        raise UsageError(f"{shown_path(path)}: no such {what}{stdin}")
    if os.path.isdir(path):
        raise UsageError(f"{shown_path(path)}: is a directory, expected a {what}")
    if not os.path.isfile(path):  # a pipe (/dev/stdin, <(zcat ...)) can be read only once
        raise UsageError(
            f"{shown_path(path)}: not a regular file (a pipe or a device); the {what} is read "
            "more than once, so save it to a file first"
            + (" or give - and pipe it to standard input" if what == "data file" else "")
        )


def check_model_file(path: str, what: str = "model file") -> None:
    """Refuse, in CLI terms, a file not safetensors at all (a CSV given as the model)."""
    check_input_file(path, what)
    with open(path, "rb") as handle:
        start = handle.read(9)
    if len(start) == 9 and start[8:9] != b"{":  # after its 8-byte length, a JSON header
        text = what == "model file" and all(32 <= b < 127 or b in b"\t\r\n" for b in start)
        order = "; predict and evaluate take the model first: MODEL DATA.csv" if text else ""
        raise UsageError(
            f"{shown_path(path)}: not a nonlin {what} (a safetensors file written by 'nonlin "
            f"train'); it starts with {start!r}{order}"
        )


def load_resume(load: Any, args: argparse.Namespace) -> Any:
    """``load(args)``, the checkpoint of ``--resume``; a model file given instead says what
    ``--resume`` takes."""
    from ._checkpoint_reader import NOT_A_CHECKPOINT
    from ._header import ModelFileError

    try:
        return load(args)
    except ModelFileError as exc:
        if exc.reason != NOT_A_CHECKPOINT:
            raise
    raise UsageError(
        f"--resume {shown_path(args.resume)}: this is a model file, not a checkpoint; --resume "
        "takes the checkpoint that Ctrl-C during 'nonlin train' saved "
        "(model.checkpoint.safetensors next to --out model.safetensors) or that a "
        "ModelCheckpoint callback wrote"
    )


def check_distinct_paths(outputs: dict[str, str | None], inputs: dict[str, str | None]) -> None:
    """Refuse an output that is an input, or another output: writing it would destroy it.

    Keys name the options (``"--out"``, ``"DATA.csv"``); a value of None is not given.
    """
    from .cli_stdin import table_source  # a Parquet file, not its CSV copy (data_file)

    given_outputs = [(k, v) for k, v in outputs.items() if v]
    others = [(k, table_source(v)) for k, v in inputs.items() if v]
    for index, (option, path) in enumerate(given_outputs):
        for other, other_path in [*others, *given_outputs[index + 1 :]]:
            if not _same_file(path, other_path):
                continue
            if other in inputs:
                harm = f"writing it would destroy the input: give {option} another path"
            else:
                harm = f"one would overwrite the other: give {option} and {other} different paths"
            raise UsageError(f"{option} {shown_path(path)} is the same file as {other} "
                             f"{shown_path(other_path)}; {harm}")


def _same_file(first: str, second: str) -> bool:
    """Whether two paths name one file (links followed; one may not exist yet)."""
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist yet
        return os.path.realpath(first) == os.path.realpath(second)
