"""The ``nonlin`` command: the entry point (``nonlin.__main__.run`` wraps ``main``).

Each sub-command is a pair of functions: ``add_X(subparsers)`` declares its
options and ``run_X(args) -> int`` does the work; ``train`` lives in
``cli_train``, ``evaluate`` in ``cli_evaluate``, ``predict`` in ``cli_predict``,
``info`` in ``cli_info``, ``demo`` and ``xor`` in ``cli_demo``. User errors raise
``UsageError`` (or ``ValueError``/``TypeError``/``OSError`` from the library):
one line on stderr, exit status 2, no traceback. Anything else is an internal
error: exit status 1. Ctrl-C: exit status 130; SIGTERM, handled as Ctrl-C: 143.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__
from ._optional import MissingExtraError
from .cli_common import (
    COMMAND_HELP,
    HelpFormatter,
    NegativeNumber,
    UsageError,
    close_progress_bars,
)
from .cli_pipes import _pipe_safe_output
from .cli_pipes import _PipeSafe as _PipeSafe  # where it lived before (tests use it)
from .cli_sigterm import Termination, sigterm_as_ctrl_c
from .cli_stdin import stdin_data

__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]  # noqa: F822 (COMMANDS: __getattr__)


# -- entry point ---------------------------------------------------------------
# the commands, in the order of 'nonlin --help'. A cold start imports only the module of the
# command it runs (a one-shot 'nonlin predict' in a serverless function or a CI job):
# ``build_parser(command)`` gives the others their line in the help alone. ``COMMANDS``, the
# functions adding them (tests replace it), imports them all on first use.
_HOMES = ("xor", "train", "evaluate", "predict", "info", "demo")
_UNBUILT = "_unbuilt_command"  # set by a command's stand-in parser: the parser built whole


def _adder(command: str) -> Any:
    """The function adding ``command`` to the parser, its module imported (plain imports,
    which tools that freeze a program into one file follow)."""
    if command in ("xor", "demo"):
        from . import cli_demo

        return cli_demo.add_xor if command == "xor" else cli_demo.add_demo
    if command == "train":
        from .cli_train import add_train

        return add_train
    if command == "evaluate":
        from .cli_evaluate import add_evaluate

        return add_evaluate
    if command == "predict":
        from .cli_predict import add_predict

        return add_predict
    from .cli_info import add_info

    return add_info


def __getattr__(name: str) -> Any:
    if name == "COMMANDS":  # one list, kept: a command appended to it is built, as before
        commands = globals()["COMMANDS"] = [_adder(command) for command in _HOMES]
        return commands
    if name == "run_xor":  # where it lived before (tests patch it)
        from .cli_demo import run_xor

        return run_xor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``nonlin: error: ... (see 'nonlin train --help')``, the
    prefix of every user error of the command line (one to look for; the sub-command is
    named by its help), and every negative number a value (``--lr -1e-3``; see
    ``cli_common.NegativeNumber``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if hasattr(self, "_negative_number_matcher"):  # argparse 3.10 to 3.14 (a private name)
            # typed re.Pattern there, of which argparse calls only .match: duck-typed here
            self._negative_number_matcher = NegativeNumber()  # type: ignore[assignment]

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"nonlin: error: {message} (see '{self.prog} --help')\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``nonlin`` parser, every command's; with ``command`` (a name of ``_HOMES``), that
    command's whole and the others' stand-ins: their line in the help, no options (``main``
    parses again with the whole parser when one is chosen, see ``_parsed``)."""
    parser = _Parser(
        prog="nonlin",
        description="Neural networks in plain NumPy: train, evaluate and use models on CSV files.",
        epilog=(
            "examples:\n"
            "  nonlin xor\n"
            "  nonlin train iris.csv --target species --out iris.safetensors\n"
            "  nonlin evaluate iris.safetensors test.csv --target species\n"
            "  nonlin predict iris.safetensors new.csv --proba -o predictions.csv\n"
            "  nonlin info iris.safetensors\n"
            "  nonlin demo moons --plot moons.png\n"
            "Run 'nonlin COMMAND --help' for a command's options."
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"nonlin {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    if "COMMANDS" in globals() or command is None:  # used (tests replace it), or all asked
        for add in globals()["COMMANDS"] if "COMMANDS" in globals() else __getattr__("COMMANDS"):
            add(subparsers)
        return parser
    for name in _HOMES:
        if name == command:
            _adder(name)(subparsers)
        else:  # -h is left to the whole parser too
            stand_in = subparsers.add_parser(name, help=COMMAND_HELP[name], add_help=False)
            stand_in.set_defaults(**{_UNBUILT: name})
    return parser


def _parsed(argv: list[str]) -> tuple[argparse.ArgumentParser, argparse.Namespace, list[str]]:
    """The parser and ``parse_known_args(argv)``, with the parser of the command named first
    in ``argv`` alone built whole (none named: the stand-ins, for the help and the errors);
    should argparse choose another one, the whole parser parses ``argv`` again."""
    named = next((arg for arg in argv if not arg.startswith("-")), None)
    parser = build_parser(named if named in _HOMES else "")
    args, extra = parser.parse_known_args(argv)
    if hasattr(args, _UNBUILT):
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
    return parser, args, extra


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean bad input, not a bug: one line, exit status 2."""
    import nonlin

    extra = tuple(
        cls
        for cls in (
            getattr(nonlin, "ModelFileError", None),
            getattr(nonlin, "DivergenceError", None),
        )
        if isinstance(cls, type)
    )
    return (UsageError, MissingExtraError, ValueError, TypeError, OSError, *extra)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 bug, 2 user error, 130 Ctrl-C,
    143 SIGTERM).

    A Ctrl-C anywhere, also while the parser is built, gives ``nonlin: interrupted``
    and 130 (``nonlin.__main__.run`` covers the imports before this). While a command
    runs, SIGTERM is handled as Ctrl-C, with ``terminated`` and 143 (``cli_sigterm``);
    before it (the parser, the imports) it keeps its handler.
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:
        close_progress_bars()
        print("\nnonlin: interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    """``main`` but Ctrl-C before the sub-command runs (``_run`` handles it there)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, args, extra = _parsed(argv)
    if not hasattr(args, "run"):  # bare 'nonlin': the help, on stderr as any usage error
        if extra:  # 'nonlin --bogus': one line, as a command's unknown option
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        parser.print_help(sys.stderr)
        return 2
    if extra:  # said by the sub-command: 'nonlin: error: ... (see 'nonlin train --help')'
        _command_parser(parser, args).error(f"unrecognized arguments: {' '.join(extra)}"
                                            f"{_hidden_hint(argv, extra)}")
    args.argv = argv
    run = getattr(args, "run", None)  # run_predict: "predict"
    with _pipe_safe_output(getattr(run, "__name__", "").removeprefix("run_")):
        return _run(args)


def _hidden_hint(argv: list[str], extra: list[str]) -> str:
    """For numbers left over right after ``--hidden W`` (``--hidden 64 32``, PyTorch's and
    scikit-learn's habit of a list): how to write the widths, else ``""``."""
    for i, arg in enumerate(argv):
        if arg != "--hidden" and not arg.startswith("--hidden="):
            continue
        value, j = (argv[i + 1], i + 2) if arg == "--hidden" and i + 1 < len(argv) else (
            arg.partition("=")[2], i + 1)
        widths = []
        while j < len(argv) and argv[j].isdigit() and argv[j] in extra:
            widths.append(argv[j])
            j += 1
        if widths:
            return (f"; --hidden takes the widths as one value, separated by commas: "
                    f"--hidden {','.join([value, *widths])}")
    return ""


def _command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Any:
    """The parser of the sub-command ``args`` were parsed for (``parser`` if none)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if sub.get_default("run") is args.run:
                    return sub
    return parser


def _run(args: argparse.Namespace) -> int:
    """Run the chosen sub-command, SIGTERM handled as Ctrl-C (``cli_sigterm``: so that the
    temporary files are removed, as after a Ctrl-C: standard input's copy, ``predict -o``'s;
    ``nonlin: terminated``, 143); ``train`` handles both itself."""
    with sigterm_as_ctrl_c() as termination:
        return _run_command(args, termination)


def _run_command(args: argparse.Namespace, termination: Termination) -> int:
    """Run the sub-command and turn what it raises into an exit status (see ``main``)."""
    try:
        with stdin_data(args):  # DATA.csv '-': standard input
            return args.run(args)
    except KeyboardInterrupt:
        close_progress_bars()
        print(f"\nnonlin: {termination.word}", file=sys.stderr)
        return termination.status(130)
    except BrokenPipeError:  # a pipe other than stdout and stderr, which _PipeSafe guards
        return 0
    except MemoryError as exc:  # data or network too large for this machine: not a bug
        close_progress_bars()
        print(f"nonlin: error: out of memory ({_one_line(exc)})", file=sys.stderr)
        return 2
    except _user_errors() as exc:
        close_progress_bars()
        print(f"nonlin: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception:
        import traceback

        close_progress_bars()
        traceback.print_exc()
        print(
            "nonlin: internal error (a bug in nonlin; please report it with the lines above)",
            file=sys.stderr,
        )
        return 1


def _one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line; spaces within a line are kept (a value it quotes,
    ``'1  000'``, is shown as written); a tab, ESC or other control character left in it
    is shown escaped (``_quoting.one_line``: ``\\t``, ``\\x1b``). The paths in nonlin's
    messages are already ``shown_path``: as given, or their ``repr`` when they hold one."""
    from ._quoting import one_line, shown_path

    lines = (line.strip() for line in str(exc).splitlines())
    text = " ".join(line for line in lines if line) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename is not None:  # its str holds a repr of it
        where = shown_path(exc.filename) + ("" if exc.filename2 is None
                                            else f" -> {shown_path(exc.filename2)}")
        text = f"{where}: {exc.strerror or text}"  # the path once, as messages show it
    return one_line(text)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
