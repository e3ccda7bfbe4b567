"""``nonlin train``'s network, training and output options (``--hidden`` ... ``--quiet``).

Moved unchanged from ``cli_train``, whose ``add_train`` adds them with the data options.
"""

from __future__ import annotations

import argparse

from .cli_common import (
    fraction,
    int_list,
    positive_float,
    positive_int,
    registry_name,
    registry_names,
    seed,
)
from .cli_monitor import add_monitor_options
from .cli_paths import PLOT_SUFFIX
from .cli_train_loss import add_loss_options
from .cli_weights import add_network_extras


def _add_network_options(parser: argparse.ArgumentParser) -> None:
    """--hidden, --activation, --dropout, --l2, --batch-norm."""
    group = parser.add_argument_group("network")
    group.add_argument(
        "--hidden",
        type=int_list,
        default=[64, 32],
        metavar="W1,W2",
        help="hidden layer widths (default 64,32); 'none' (or 0) for a linear model",
    )
    group.add_argument(
        "--activation",
        type=registry_name("activation"),
        default="relu",
        help=f"activation of the hidden layers (relu): {registry_names('activation')}",
    )
    group.add_argument(
        "--dropout",
        type=fraction,
        default=0.0,
        metavar="RATE",
        help="dropout rate after each hidden layer, e.g. 0.1 (default 0: none)",
    )
    add_network_extras(group)  # --l2, --batch-norm


def _add_fit_options(parser: argparse.ArgumentParser) -> None:
    """--epochs, --batch-size, --optimizer, --lr, --loss, --lr-schedule, --val-split,
    --early-stopping, --seed."""
    group = parser.add_argument_group("training")
    group.add_argument("--epochs", type=positive_int, default=50, help="passes over the data (50)")
    group.add_argument("--batch-size", type=positive_int, default=32, help="rows per step (32)")
    group.add_argument(
        "--optimizer", type=registry_name("optimizer"), default="adam",
        help=f"optimizer (adam): {registry_names('optimizer')}",
    )
    group.add_argument("--lr", type=positive_float, default=1e-3, help="learning rate (1e-3)")
    add_loss_options(group)  # --loss, --lr-schedule
    group.add_argument(
        "--val-split",
        type=fraction,
        default=0.2,
        metavar="SHARE",
        help="share of rows held out for validation (0.2); 0 for none",
    )
    group.add_argument(
        "--stratify", action="store_true",
        help="classifiers: hold out each class's share of the --val-split rows (as "
        "scikit-learn's train_test_split(stratify=y)), a rare class too; default: the last "
        "rows of the shuffle, whatever their classes",
    )
    group.add_argument(
        "--early-stopping",
        type=positive_int,
        metavar="PATIENCE",
        help="stop after PATIENCE epochs without a better validation loss (or --monitor "
        "quantity) and keep the best weights",
    )
    add_monitor_options(group)  # --monitor, --positive
    group.add_argument("--seed", type=seed, default=0, help="seed of every random draw (0)")


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    """--out, --plot, --resume, --quiet."""
    group = parser.add_argument_group("output")
    group.add_argument(
        "-o", "--out", "--output",  # predict's -o and --output too
        default="model.safetensors",
        metavar="PATH",
        help="model file to write (model.safetensors)",
    )
    group.add_argument("--plot", metavar="PATH",
                       help=f"write loss and metric curves to this file, {PLOT_SUFFIX}")
    group.add_argument(
        "--resume",
        metavar="CHECKPOINT",
        help="continue an interrupted run from the checkpoint it saved, with that run's "
        "options (the ones left out come from the checkpoint; only --epochs may change, and not "
        "under a cosine --lr-schedule)",
    )
    group.add_argument("--quiet", action="store_true",
                       help="no progress bar (nor lines per epoch in a log)")
