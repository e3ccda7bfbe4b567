"""``nonlin train DATA.csv --target COLUMN``: fit an MLP to a CSV file and save it.

The steps, each a function below: read the CSV (streamed into one float32
array), pick the task and encode the target, shuffle the rows in place and
hold out the last ``--val-split`` share, standardize the features with the
training rows' statistics (in place: no second copy of the data), build the
network from registry names, fit, score, and save the model file atomically
with its scaling, column names and class labels. Ctrl-C saves a checkpoint
and says how to resume; so does SIGTERM (``cli_sigterm``), with status 143.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Any

from ._cli_created import check as check_source_date_epoch
from ._interrupt import CUT
from ._quoting import quoted, shown_path
from .cli_common import (
    COMMAND_HELP,
    HelpFormatter,
    UsageError,
    check_distinct_paths,
    check_input_file,
    check_model_file,
    close_progress_bars,
    load_resume,
    note,
    note_filled,
)
from .cli_model import describe_classes
from .cli_monitor import check_monitor, monitored
from .cli_output import print_status
from .cli_paths import check_checkpoint_name, check_model_output, check_output_path
from .cli_sigterm import Termination, ctrl_c, ctrl_c_handler, set_ctrl_c, sigterm_as_ctrl_c
from .cli_stdin import NAME as STDIN_NAME
from .cli_stdin import input_file
from .cli_targets import read_targets_table, several_targets
from .cli_train_data import Prepared, add_data_options, prepare
from .cli_train_model import (
    _load_checkpoint,
    build_model,
    checkpoint_path,
    epochs_done,
    final_scores,
    fit_model,
    format_scores,
    resume_command,
    save_checkpoint,
    save_failure,
    storable_history,
)
from .cli_train_options import _add_fit_options, _add_network_options, _add_output_options
from .cli_train_schedule import check_loss_task, check_schedule
from .cli_weight_column import read_weighted_table

EXAMPLE = """examples:
  nonlin train iris.csv --target species --hidden 32,16 --epochs 100 --plot curves.png
  nonlin train houses.csv --target price --task regression --early-stopping 10
  nonlin train big.csv --target y --columns a,b,c --missing drop --out big.safetensors
  nonlin train fraud.csv --target fraud --class-weight balanced --l2 1e-4
  nonlin train houses.csv --target price --loss huber:0.5 --lr-schedule cosine:2
  nonlin train iris.csv --target species --resume model.checkpoint.safetensors"""


def add_train(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help=COMMAND_HELP["train"],
        description=(
            "Train a multilayer perceptron on DATA (a CSV file with a header row) to predict the "
            "column --target from the other numeric columns (or --columns; --categorical one-hot "
            "encodes columns of categories). The numbers are standardized; the scaling, the column "
            "names, categories and class labels are stored in the model file with the weights. The "
            "rows are shuffled (by --seed) and the last --val-split share is held out for "
            "validation. Prints a progress bar (one line per epoch where standard error is a "
            "file or a pipe, as in a CI log) and the final scores. A failed or interrupted run "
            "never writes a partial model file; Ctrl-C saves a checkpoint and says how to resume "
            "(exit status 130), and so does SIGTERM, as CI runners, docker stop and timeout "
            "send it (exit status 143)."
        ),
        epilog=EXAMPLE,
        formatter_class=HelpFormatter,
    )
    p.add_argument("data", metavar="DATA.csv",
                   help="training data, e.g. iris.csv; - reads it from standard input")
    add_data_options(p)
    _add_network_options(p)
    _add_fit_options(p)
    _add_output_options(p)
    p.set_defaults(run=run_train)


def run_train(args: argparse.Namespace) -> int:
    """Train and save; the caller's Ctrl-C and SIGTERM handlers (``main`` may run in a
    script) are kept. SIGTERM meanwhile is handled as Ctrl-C (``cli_sigterm``): the
    same checkpoint, ``terminated`` for ``interrupted`` and status 143 for 130; also
    where SIGINT is ignored (a script's background job), which it stays."""
    previous = ctrl_c_handler()  # SIGINT's (its stand-in where it stays ignored)
    if previous is signal.default_int_handler:  # a program's own handler is kept
        set_ctrl_c(ctrl_c)
    try:  # SIGINT's handler put back after SIGTERM's, which calls the command's
        with sigterm_as_ctrl_c() as termination:
            try:
                status = _run_train(args, termination)
            except KeyboardInterrupt:  # reading the data, or --plot and the notes after it
                set_ctrl_c(signal.SIG_IGN)  # a second SIGTERM or Ctrl-C: the same message
                close_progress_bars()  # (training: fit_or_checkpoint saves the checkpoint)
                plot = shown_path(args.plot) if args.plot else None
                print(f"\nnonlin: {termination.stopped(plot)}", file=sys.stderr)
                status = 130
    finally:
        if previous is not None:  # None: a handler not installed from Python
            set_ctrl_c(previous)
    return termination.status(status)


def _run_train(args: argparse.Namespace, termination: Termination) -> int:
    _check_args(args)
    resumed = load_resume(_load_checkpoint, args) if args.resume else None
    prepared = _read_prepared(args, resumed)
    model, initial_epoch = _start_model(args, prepared, resumed)
    history = _fit_or_checkpoint(args, model, prepared, resumed, termination)
    if history is None:
        return 130
    scores = final_scores(model, prepared)
    print(format_scores(scores), flush=True)
    prepared.meta["training"].update(
        epochs_done=epochs_done(model, initial_epoch), final=scores,
        history=storable_history(history),
    )
    _save(model, args, prepared.meta)
    termination.saved = shown_path(args.out)
    set_ctrl_c(ctrl_c)  # a Ctrl-C from here on says the model is saved
    if args.resume and os.path.abspath(args.resume) != os.path.abspath(args.out):
        note(f"the checkpoint {shown_path(args.resume)} is no longer needed; delete it when "
             "you like")
    if args.plot:
        _plot(args, history, termination)
    return 0


def _read_prepared(args: argparse.Namespace, resumed: Any) -> Prepared:
    """Read DATA (one target column or several, ``--weight`` apart) and prepare it for
    training (``cli_train_data.prepare``); say which missing values were filled, and check
    a new run's loss against its task. ``args.target`` becomes the header's spelling."""
    targets = several_targets(args)  # --target y1,y2: a regression or multilabel classifier
    if targets:  # y (n_rows, n_targets)
        table, weights = read_targets_table(args, targets,
                                            resumed.model.metadata if resumed else None)
    else:  # --categorical one-hot encoded, --weight apart
        table, weights = read_weighted_table(args)
    args.target = table.target  # as the header spells it
    prepared = prepare(args, table, resumed.model.metadata if resumed else None, weights)
    note_filled(table.feature_names, table.n_missing)  # --missing mean: left NaN, then filled
    if not resumed:  # a checkpoint's loss: checked against its task when loaded
        check_loss_task(args, prepared.meta["task"])
    return prepared  # the table is let go here, before training


def _start_model(args: argparse.Namespace, prepared: Prepared, resumed: Any) -> tuple[Any, int]:
    """The model to train and the epoch it starts from: the checkpoint's (saying where it
    resumes) or a new network built from the options (epoch 0)."""
    if resumed:
        within = f", row {resumed.partial['rows'] + 1}" if resumed.partial else ""
        note(f"resuming {shown_path(args.resume)} from epoch {resumed.epoch + 1} of "
             f"{args.epochs}{within}")
        return resumed.model, resumed.epoch
    return build_model(args, prepared.X.shape[1], prepared.meta), 0


def _plot(args: argparse.Namespace, history: dict[str, list[float]],
          termination: Termination) -> None:
    """Plot the training curves to ``--plot`` once the model is saved; a plot that cannot be
    written is a usage error saying the model is saved."""
    from .plots import plot_history

    try:
        plot_history(history, args.plot, title=os.path.basename(args.data))
    except OSError as exc:
        raise UsageError(f"the model is saved to {shown_path(args.out)}, but the plot could "
                         f"not be written to {shown_path(args.plot)} "
                         f"({exc.strerror or exc})") from None
    termination.plotted = shown_path(args.plot)
    note(f"wrote {shown_path(args.plot)}")  # stderr, as predict and evaluate say it


def _check_args(args: argparse.Namespace) -> None:
    """Everything that can fail without reading the data fails here, before any work: the
    files it reads (DATA.csv, --resume) must exist, then the paths it writes are proven."""
    check_input_file(input_file(args.data))
    check_source_date_epoch()  # training.created's time: malformed, refused (--resume too)
    if args.resume:
        check_model_file(args.resume, "checkpoint")
    check_model_output(args.out, "model file (--out)")
    check_checkpoint_name(args.out, checkpoint_path(args.out))
    check_output_path(checkpoint_path(args.out), "checkpoint that Ctrl-C saves (from --out)")
    _check_paths_apart(args)
    if args.plot is not None:
        from .cli_paths import check_plot_format
        from .plots import require_matplotlib

        check_output_path(args.plot, "plot (--plot)")
        require_matplotlib()
        check_plot_format(args.plot)
    monitor = monitored(args)
    if args.early_stopping and args.val_split == 0 and monitor.startswith("val_"):
        watched = "the validation loss" if monitor == "val_loss" else monitor
        raise UsageError(f"--early-stopping watches {watched}; give --val-split > 0")
    check_monitor(args)  # --monitor with nothing watching, --positive without precision
    check_schedule(args)  # plateau without validation, a warm-up as long as the run
    for option, names in (("--columns", args.columns), ("--exclude", args.exclude)):
        if names and args.target in names:
            raise UsageError(f"{option} lists the target {quoted(args.target)}; leave it out")


def _check_paths_apart(args: argparse.Namespace) -> None:
    """No output may overwrite an input or another output (--out may replace --resume)."""
    data = input_file(args.data)  # standard input: its temporary copy, apart from every output
    check_distinct_paths({"--out": args.out, "--plot": args.plot}, {"DATA": data})
    check_distinct_paths({"--plot": args.plot}, {"--resume": args.resume})
    check_distinct_paths(
        {"the checkpoint path of --out": checkpoint_path(args.out)},
        {"DATA": data, "--plot": args.plot},
    )


def _fit_or_checkpoint(
    args: argparse.Namespace, model: Any, prepared: Prepared, resumed: Any,
    termination: Termination,
) -> dict[str, list[float]] | None:
    """Fit; on Ctrl-C (or SIGTERM: ``termination.word`` says which) save a checkpoint,
    say how to resume and return None."""
    try:
        history = fit_model(args, model, prepared, resumed)
        set_ctrl_c(signal.SIG_IGN)  # trained: scoring and saving must finish
        return history
    except KeyboardInterrupt as stop:
        set_ctrl_c(signal.SIG_IGN)  # a second Ctrl-C must not cut the save
        close_progress_bars()
        if getattr(model, "optimizer", None) is None:  # stopped before the first step
            print(f"\nnonlin: {termination.word} before training started; nothing saved",
                  file=sys.stderr)
            return None
        done = epochs_done(model, resumed.epoch if resumed else 0)
        path = checkpoint_path(args.out)
        prepared.meta["training"].update(epochs_done=done)
        save_checkpoint(model, path, prepared.meta, done)
        _say_checkpointed(args, model, termination.word, done, path, CUT in stop.args)
        return None


def _say_checkpointed(args: argparse.Namespace, model: Any, word: str, done: int, path: str,
                      cut: bool) -> None:
    """Where the run stopped, the checkpoint saved to ``path`` and how to resume it; ``cut``:
    a third signal cut the running step (fit's guard ``torn``), so the resume trains on
    from the checkpoint, but to the bits of a run never stopped only where the cut came
    before the step changed anything."""
    progress = getattr(model, "_epoch_in_progress", None)
    rows = f" and {progress.rows} rows of the next" if progress and progress.rows else ""
    print(f"\nnonlin: {word} after {done} of {args.epochs} epochs{rows}; checkpoint saved "
          f"to {shown_path(path)}", file=sys.stderr)
    if cut:
        note("a third Ctrl-C (or SIGTERM) cut the running training step, which the "
             "checkpoint may hold part-way: the resumed run trains on from it, but may not "
             "end with the same bits as a run never stopped")
    piped = ("\n             (the same data on standard input as this run)"
             if args.data == STDIN_NAME else "")  # DATA '-': pipe it again
    print(f"resume with: {resume_command(args, path)}{piped}", file=sys.stderr, flush=True)


def _save(model: Any, args: argparse.Namespace, meta: dict[str, Any]) -> None:
    """Save the trained model to ``args.out``; if that fails (a full disk), say that
    training finished but nothing was saved, and what is left to start from."""
    import nonlin

    path = args.out
    set_ctrl_c(signal.SIG_IGN)  # the run is done: finish writing the file
    try:
        # no optimizer state: predict and evaluate never read it, --resume uses checkpoints
        nonlin.save(model, path, metadata=meta, include_optimizer=False)
    except OSError as exc:
        raise UsageError(save_failure(args, exc)) from None
    what = meta["task"]
    if meta.get("multilabel") is True:
        what = "multilabel classification"
    elif what == "classification":
        what += f", classes: {describe_classes(meta['classes'])}"
    if "targets" in meta:
        what += f", targets: {describe_classes(meta['targets'])}"
    print_status(f"Saved {shown_path(path)} (inputs: {len(meta['feature_names'])}, {what})")
