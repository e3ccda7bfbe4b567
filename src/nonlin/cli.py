"""The ``nonlin`` command.

Each sub-command is a pair of functions: ``add_X(subparsers)`` declares its
options and ``run_X(args) -> int`` does the work. User errors raise
``UsageError`` (or ``ValueError``/``TypeError``/``OSError`` from the library):
one line on stderr, exit status 2, no traceback. Anything else is an internal
error: exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from ._optional import MissingExtraError


class UsageError(Exception):
    """A mistake in what the user asked for; reported in one line, exit status 2."""


def _int_at_least(text: str, low: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise argparse.ArgumentTypeError(f"expected {what}, received {text!r}")
    return value


def _positive_int(text: str) -> int:
    return _int_at_least(text, 1, "a positive integer")


def _seed(text: str) -> int:
    return _int_at_least(text, 0, "a non-negative integer")


# -- nonlin xor --------------------------------------------------------------
def add_xor(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "xor",
        help="reproduce the tutorial: a 3-4-1 sigmoid net learns XOR",
        description=(
            "Train the seed tutorial's 3-4-1 sigmoid network on the XOR table by full-batch "
            "backpropagation and print its error every --report-every steps and its final "
            "predictions, exactly as the tutorial does."
        ),
        epilog="example: nonlin xor --plot error.png",
    )
    p.add_argument("--steps", type=_positive_int, default=60_000, help="training steps (60000)")
    p.add_argument("--hidden", type=_positive_int, default=4, help="hidden units (4)")
    p.add_argument("--seed", type=_seed, default=1, help="seed of the weights' RandomState (1)")
    p.add_argument(
        "--report-every", type=_positive_int, default=10_000, help="steps between Error lines"
    )
    p.add_argument("--plot", metavar="PATH", help="write the error curve to this PNG file")
    p.set_defaults(run=run_xor)


def run_xor(args: argparse.Namespace) -> int:
    from . import tutorial

    if args.plot:  # fail before training when matplotlib is missing
        from .plots import require_matplotlib

        require_matplotlib()
    run = tutorial.train(
        steps=args.steps,
        hidden=args.hidden,
        seed=args.seed,
        report_every=args.report_every,
        on_report=lambda step, error: print("Error:", repr(error), flush=True),
    )
    print(run.model.predict(tutorial.X_XOR))
    if args.plot:
        from .plots import plot_error_curve

        plot_error_curve(run.errors, args.plot)
        print(f"Wrote {args.plot}")
    return 0


# -- entry point ---------------------------------------------------------------
COMMANDS = [add_xor]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nonlin",
        description="Neural networks in plain NumPy.",
        epilog="Run 'nonlin COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"nonlin {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except (UsageError, MissingExtraError, ValueError, TypeError, OSError) as exc:
        print(f"nonlin: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nonlin: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
