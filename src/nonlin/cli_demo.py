"""``nonlin demo NAME``: train on a built-in data set and show what the network learned.

The 2-D sets (moons, circles, spirals) come from ``nonlin.datasets``' own
generators; digits comes from scikit-learn (the ``sklearn`` extra). A quarter
of the samples is held out; the demo prints the held-out accuracy and, with
``--plot``, draws the decision boundary (2-D sets) or the confusion matrix
(digits).
"""

from __future__ import annotations

import argparse
import inspect
from typing import Any

import numpy as np

from ._quoting import quoted, shown_path
from .cli_common import (
    COMMAND_HELP,
    HelpFormatter,
    UsageError,
    int_list,
    non_negative_float,
    note,
    positive_int,
    seed,
    seed_32,
)
from .cli_model import column_stats, softmax_, standardize_
from .cli_paths import PLOT_SUFFIX, check_output_path, check_plot_format
from .cli_report import classification_report, format_classification

# name -> (hidden widths, epochs, learning rate, batch size)
DEMOS: dict[str, tuple[list[int], int, float, int]] = {
    "moons": ([32, 32], 50, 0.01, 32),
    "circles": ([32, 32], 100, 0.01, 32),
    "spirals": ([64, 64], 200, 0.01, 32),
    "digits": ([64], 30, 0.003, 32),
}


def add_demo(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help=COMMAND_HELP["demo"],
        description=(
            "Train a small network on a built-in data set (moons, circles and spirals are "
            "generated with a seeded generator; digits needs scikit-learn), print its accuracy "
            "on a held-out quarter of the samples and, with --plot, draw its decision boundary "
            "(2-D sets) or its confusion matrix (digits)."
        ),
        epilog=(
            "examples:\n  nonlin demo moons --plot moons.png\n"
            "  nonlin demo spirals --classes 3 --noise 0.3 --samples 1500\n"
            "  nonlin demo digits --plot digits.png"
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("name", choices=sorted(DEMOS), help="data set")
    p.add_argument("--plot", metavar="PATH", help=f"write the picture to this file, {PLOT_SUFFIX}")
    p.add_argument("--epochs", type=positive_int, help="passes over the data (set per demo)")
    p.add_argument("--hidden", type=int_list, metavar="W1,W2",
                   help="hidden layer widths (set per demo); 'none' for a linear model")
    p.add_argument("--seed", type=seed, default=0, help="seed of data, split and weights (0)")
    p.add_argument("--samples", type=_samples, metavar="N",
                   help="points to generate, at least 8 (moons, circles, spirals: 1000)")
    p.add_argument("--noise", type=non_negative_float, metavar="SD",
                   help="standard deviation of the Gaussian noise: on each coordinate for "
                        "moons (0.2) and circles (0.1), on the angle, in radians, for spirals "
                        "(0.2)")
    p.add_argument("--classes", type=_classes, metavar="K",
                   help="number of spiral arms, one class each (spirals only: 2)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar (nor lines per epoch in a log)")
    p.set_defaults(run=run_demo)


def _samples(text: str) -> int:
    """``--samples``: at least 8 points, so that the held-out quarter holds 2."""
    value = positive_int(text)
    if value < 8:
        raise argparse.ArgumentTypeError(f"expected an integer >= 8, received {quoted(text)}")
    return value


def _classes(text: str) -> int:
    """``--classes``: at least 2 spiral arms."""
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"expected an integer >= 2, received {quoted(text)}")
    return value


# the generator's keyword each option sets
_SHAPE_OPTIONS = {"samples": "n_samples", "noise": "noise", "classes": "n_classes"}


def _shape(args: argparse.Namespace) -> dict[str, Any]:
    """The generator keywords of ``--samples``, ``--noise`` and ``--classes``, refused with
    the demos that take them where the chosen data set's loader has no such keyword."""
    from . import datasets

    params = inspect.signature(getattr(datasets, args.name)).parameters
    kwargs = {}
    for option, keyword in _SHAPE_OPTIONS.items():
        value = getattr(args, option, None)
        if value is None:
            continue
        if keyword not in params:
            takers = [name for name in sorted(DEMOS)
                      if keyword in inspect.signature(getattr(datasets, name)).parameters]
            raise UsageError(f"--{option} applies to {', '.join(takers)}; "
                             f"received it with {args.name}")
        kwargs[keyword] = value
    if args.name == "spirals":  # in the options' terms, before anything is loaded
        _spiral_arms(args, kwargs.get("n_samples", 1000), kwargs.get("n_classes", 2))
    return kwargs


def _spiral_arms(args: argparse.Namespace, n_samples: int, n_classes: int) -> None:
    """Refuse ``--classes`` above ``--samples`` (one point per arm), or above the classes
    a ``--plot`` draws, before the training that would end in that error."""
    if n_samples < n_classes:
        default = " (the default)" if args.samples is None else ""
        raise UsageError(f"--classes {n_classes} needs --samples {n_classes} or more (a point "
                         f"per arm); received --samples {n_samples}{default}")
    from ._plot_boundary import _MOST_CLASSES  # (no matplotlib)

    if args.plot is not None and n_classes > _MOST_CLASSES:
        raise UsageError(f"--plot draws at most {_MOST_CLASSES} classes; received --classes "
                         f"{n_classes} (leave out --plot for the report alone)")


def _load(name: str, random_seed: int, **shape: Any) -> tuple[np.ndarray, np.ndarray]:
    from . import datasets

    loader = getattr(datasets, name)
    params = inspect.signature(loader).parameters
    kwargs = {key: random_seed for key in ("seed", "random_state") if key in params}
    data = loader(**kwargs, **shape)
    X, y = data if isinstance(data, tuple) else (data.X, data.y)
    return np.asarray(X, dtype=np.float32), np.asarray(y).astype(np.int64).reshape(-1)


def run_demo(args: argparse.Namespace) -> int:
    from . import registry
    from .cli_train_model import build_model, loss_for

    shape = _shape(args)
    if args.plot is not None:
        from .plots import require_matplotlib

        check_output_path(args.plot, "plot (--plot)")
        require_matplotlib()
        check_plot_format(args.plot)
    X_raw, y = _load(args.name, args.seed, **shape)
    hidden, epochs, lr, batch = DEMOS[args.name]
    train, test, mean, scale = _split(len(y), X_raw, args.seed)
    X = standardize_(X_raw.copy(), mean, scale)
    classes = list(range(int(y.max()) + 1))
    options = argparse.Namespace(
        hidden=hidden if args.hidden is None else args.hidden, activation="relu", dropout=0.0,
        seed=args.seed,
    )
    model = build_model(options, X.shape[1], {"task": "classification", "classes": classes})
    print(
        f"demo {args.name}: {len(y)} samples, {X.shape[1]} features, {len(classes)} classes; "
        f"{model.count_params()} parameters",
        flush=True,
    )
    model.fit(X[train], y[train], loss=loss_for("classification"),
              optimizer=registry.optimizer("adam", lr=lr), epochs=args.epochs or epochs,
              batch_size=batch, seed=args.seed, validation_data=(X[test], y[test]),
              metrics=("accuracy",), verbose=0 if args.quiet else 1)
    predicted = np.asarray(model.predict(X[test])).argmax(axis=1)
    report = classification_report(y[test], predicted, classes)
    print(f"held-out {format_classification(report)}")
    if args.plot:
        _plot(args, model, X_raw, y, mean, scale, report, classes)
        note(f"wrote {shown_path(args.plot)}")
    elif X_raw.shape[1] == 2:
        print(text_map(lambda points: _scores(model, points, mean, scale), X_raw))
    return 0


def _split(n: int, X_raw: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, Any, Any]:
    """Training and held-out rows (a quarter, by ``seed``) and the training rows' scaling."""
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[: n // 4], order[n // 4 :]
    mean, scale = column_stats(X_raw[train])
    return train, test, mean, scale


def _scores(model: Any, points: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Class probabilities (n, n_classes) for raw 2-D points."""
    scaled = standardize_(points.astype(np.float32), mean, scale)
    return softmax_(np.asarray(model.predict(scaled), dtype=np.float64))


def text_map(scores: Any, X: np.ndarray, width: int = 64, height: int = 20) -> str:
    """The predicted class over the data's bounding box, one character per cell.

    Rows run from the top (largest x2) down; class k is drawn with ``".o+x*#%@"[k]``; the
    legend names every class of ``scores``' columns. More classes than symbols: a note.
    """
    symbols = ".o+x*#%@"
    lo, hi = X.min(axis=0), X.max(axis=0)
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], width), np.linspace(hi[1], lo[1], height))
    grid = scores(np.column_stack([gx.ravel(), gy.ravel()]))
    if grid.shape[1] > len(symbols):
        return (f"({grid.shape[1]} classes: more than the text map's {len(symbols)} symbols; "
                "--plot draws them)")
    classes = grid.argmax(axis=1)
    rows = ["".join(symbols[k] for k in row) for row in classes.reshape(gx.shape)]
    legend = ", ".join(f"{symbols[k]} class {k}" for k in range(grid.shape[1]))
    return "\n".join(["what the network predicts over the data's range (" + legend + "):", *rows])


def _plot(
    args: argparse.Namespace,
    model: Any,
    X_raw: np.ndarray,
    y: np.ndarray,
    mean: np.ndarray,
    scale: np.ndarray,
    report: dict,
    classes: list[int],
) -> None:
    from .plots import plot_confusion_matrix, plot_decision_boundary

    if X_raw.shape[1] != 2:
        plot_confusion_matrix(
            report["confusion_matrix"],
            args.plot,
            classes=classes,
            title=f"{args.name}: held-out confusion matrix (accuracy {report['accuracy']:.3f})",
        )
        return

    plot_decision_boundary(
        lambda points: _scores(model, points, mean, scale),
        X_raw,
        y,
        args.plot,
        classes=classes,
        title=f"{args.name}: decision boundary (held-out accuracy {report['accuracy']:.3f})",
    )


# -- nonlin xor --------------------------------------------------------------
def add_xor(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "xor",
        help=COMMAND_HELP["xor"],
        description=(
            "Train the seed tutorial's 3-4-1 sigmoid network on the XOR table by full-batch "
            "backpropagation and print its error every --report-every steps and its final "
            "predictions, exactly as the tutorial does."
        ),
        epilog="example: nonlin xor --plot error.png",
    )
    p.add_argument("--steps", type=positive_int, default=60_000, help="training steps (60000)")
    p.add_argument("--hidden", type=positive_int, default=4, help="hidden units (4)")
    p.add_argument(
        "--seed", type=seed_32, default=1, help="seed of the weights' RandomState (1)"
    )
    p.add_argument(
        "--report-every", type=positive_int, default=10_000,
        help="steps between Error lines (10000)"
    )
    p.add_argument("--plot", metavar="PATH",
                   help=f"write the error curve to this file, {PLOT_SUFFIX}")
    p.set_defaults(run=run_xor)


def run_xor(args: argparse.Namespace) -> int:
    from . import tutorial

    if args.plot is not None:  # fail before training when the plot cannot be written
        from .plots import require_matplotlib

        check_output_path(args.plot, "plot (--plot)")
        require_matplotlib()
        check_plot_format(args.plot)
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
        note(f"wrote {shown_path(args.plot)}")
    return 0
