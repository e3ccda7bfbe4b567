"""The model side of ``nonlin train``: build from registry names, fit, score, checkpoint.

Strings from the command line ("relu", "adam", "Dropout") become objects here,
once, through ``nonlin.registry``. A classifier ends in ``Dense(n_classes)``
trained with cross-entropy on logits; a regressor in ``Dense(1)`` trained with
the mean squared error on the standardized target (or ``--loss``; ``--lr-schedule``
gives the optimizer's rate: ``cli_train_schedule``).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from typing import Any

import numpy as np

from ._categorical import check_categorical
from ._feature_names import forget_names
from ._quoting import shown_path
from ._shell_words import resume_command as resume_command  # cli_train's
from ._shell_words import shell_word as shell_word  # cli_info_file's, cli_categorical's
from .cli_common import UsageError
from .cli_model import CHUNK_ROWS, check_cli_metadata
from .cli_monitor import fit_metrics, monitored
from .cli_resume import adopt_data_options, adopt_run_options
from .cli_resume_checks import check_resumed_network
from .cli_targets import check_resumed_targets
from .cli_targets_scores import several_scores
from .cli_train_schedule import (
    check_resumed_fit,
    learning_rate,
    make_loss,
    resumed_optimizer,
    schedule_callbacks,
)
from .cli_weights import (
    check_class_weights,
    check_penalty,
    fit_weights,
    hidden_block,
    output_dense,
    with_penalty,
)


def build_model(args: argparse.Namespace, n_features: int, meta: dict[str, Any]) -> Any:
    """``[Dense(w), (BatchNorm), activation, (Dropout)] * len(hidden) + [Dense(n_outputs)]``,
    float32 (with ``--l2``, each Dense has ``l2``)."""
    from . import registry
    from .core import Sequential

    layers: list[Any] = []
    for width in args.hidden:  # Dense(width[, l2]), [BatchNorm], activation
        layers += hidden_block(args, width)
        if args.dropout:
            layers.append(registry.lookup("layer", "Dropout")(args.dropout))
    n_outputs = (len(meta["classes"]) if meta["task"] == "classification"
                 else len(meta.get("targets", [0])))  # --target y1,y2: one output each
    layers.append(output_dense(args, n_outputs))
    try:
        return Sequential(layers).build(n_features, args.seed, dtype=np.float32)
    except MemoryError as exc:
        widths = ",".join(map(str, args.hidden)) or "none"
        raise UsageError(
            f"--hidden {widths}: the network's weights do not fit in memory ({exc})"
        ) from None


def loss_for(task: str, spec: str | None = None, multilabel: bool = False) -> Any:
    """The loss of ``task``: ``spec`` (``--loss``, canonical) or the task's default (its
    binary form per label for a ``multilabel`` classifier)."""
    return make_loss(task, spec, multilabel)


def fit_model(
    args: argparse.Namespace, model: Any, prepared: Any, resumed: Any = None
) -> dict[str, list[float]]:
    """Run ``model.fit`` on the training rows, validating on the held-out ones.

    ``resumed`` is a ``nonlin.checkpoint.Checkpoint``: its optimizer (slots, step
    count, learning rate), generator and history carry on where it stopped.
    """
    import nonlin

    n_train = prepared.X.shape[0] - prepared.n_val
    check_penalty(args, model)  # --l2 1e308: named, not blamed on the data
    check_class_weights(prepared.meta, model)  # named by its label, not its index
    try:
        history = model.fit(
            prepared.X[:n_train], prepared.y[:n_train], **_fit_options(args, prepared, resumed)
        )
    except nonlin.DivergenceError as exc:
        l2 = getattr(args, "l2", None)  # its term is in each loss, its gradient in each step
        smaller_l2 = f" or a smaller --l2 (now {l2:g})" if l2 else ""
        advice = (f"check the data for extreme values{smaller_l2 and ','}{smaller_l2}"
                  if "before any update" in str(exc)  # no step: not the rate
                  else f"try a smaller --lr (now {args.lr:g}){smaller_l2}")
        raise UsageError(f"training diverged ({exc}); {advice}") from None
    # resumed: the model's History holds the checkpoint's epochs too; fit returns its own
    return history_dict(model.history if resumed else history)


def _fit_options(args: argparse.Namespace, prepared: Any, resumed: Any) -> dict[str, Any]:
    """The keyword arguments of ``model.fit`` from the command line (or the checkpoint)."""
    from . import registry

    n_train = prepared.X.shape[0] - prepared.n_val
    validation = None
    if prepared.n_val:
        validation = (prepared.X[n_train:], prepared.y[n_train:])
    task = prepared.meta["task"]
    return {
        "loss": loss_for(task, args.loss, prepared.meta.get("multilabel") is True),
        "optimizer": resumed_optimizer(args, resumed.optimizer, n_train)
        if resumed  # its schedule carries on from its step count
        else registry.optimizer(args.optimizer, lr=learning_rate(args, n_train)),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "shuffle": True,
        "seed": None if resumed else args.seed,
        "validation_data": validation,
        "callbacks": _callbacks(args),
        "metrics": fit_metrics(args, prepared.meta),  # accuracy, what --monitor watches
        "verbose": 0 if args.quiet or sys.stderr is None else 1,  # None: stderr closed
        "initial_epoch": resumed.epoch if resumed else 0,
        **fit_weights(prepared.meta, prepared.weights, n_train),  # {} without them
    }


def history_dict(history: Any) -> dict[str, list[float]]:
    """``History.history`` as plain lists of floats (the learning rate left out: ``lr``, and
    ``learning_rate``, which the learning-rate callbacks log as Keras 3 does)."""
    data = getattr(history, "history", None) or {}
    return {k: [float(v) for v in vals] for k, vals in data.items()
            if k not in ("lr", "learning_rate")}


def storable_history(history: dict[str, list[float]]) -> dict[str, list[float | None]]:
    """The history as JSON holds it: a value that overflowed (inf) or is NaN becomes None."""
    return {k: [v if np.isfinite(v) else None for v in vals] for k, vals in history.items()}


def epochs_done(model: Any, initial_epoch: int) -> int:
    """Epochs completed, from the model's History (it continues across a resume)."""
    epochs = list(getattr(getattr(model, "history", None), "epoch", None) or [])
    return max(initial_epoch, epochs[-1] + 1) if epochs else initial_epoch


def _callbacks(args: argparse.Namespace) -> list[Any]:
    """``[EarlyStopping]`` with ``--early-stopping``, then ``ReduceLROnPlateau`` with
    ``--lr-schedule plateau`` (in that order: a checkpoint restores them by position)."""
    import nonlin

    stopping = [nonlin.EarlyStopping(monitor=monitored(args), patience=args.early_stopping,
                                     restore_best_weights=True)] if args.early_stopping else []
    return [*stopping, *schedule_callbacks(args)]


def _scores(model: Any, X: np.ndarray, y: np.ndarray, meta: dict[str, Any]) -> dict[str, float]:
    """Loss and accuracy, chunk by chunk (no full-length output or temporary); for a
    regressor, :func:`_regression_scores`."""
    if meta.get("multilabel") is True:  # the loss, label-wise and subset accuracy
        from .cli_multilabel_report import training_scores

        return training_scores(model, X, y, loss_for("classification",
                                                     meta["training"].get("loss"), True))
    if "targets" in meta:  # several: the loss, and each score averaged over the targets
        return _regression_loss(model, X, y, meta, several_scores(
            model, X, y, meta["target_preprocessing"]["scale"]))
    if meta["task"] != "classification":  # --l2: the penalty added, as evaluate_dataset does
        return _regression_loss(model, X, y, meta, _regression_scores(
            model, X, y, meta["target_preprocessing"]["scale"][0]))
    from .data import Dataset
    from .evaluation import evaluate_dataset
    from .metrics import Accuracy

    results = evaluate_dataset(  # the loss trained with (--loss, from the training record)
        model, loss_for(meta["task"], meta["training"].get("loss")), Dataset(X, y, None),
        [Accuracy()], CHUNK_ROWS,
    )
    return {"rows": int(X.shape[0]), "loss": results["loss"], "accuracy": results["accuracy"]}


def _regression_loss(model: Any, X: np.ndarray, y: np.ndarray, meta: dict[str, Any],
                     scores: dict[str, Any]) -> dict[str, Any]:
    """``scores`` with the loss the run trained with (``--loss``, from the training
    record) as ``loss``, the --l2 penalty included; mse's is already there."""
    spec = meta["training"].get("loss")
    if spec in (None, "mse"):
        return with_penalty(model, scores)
    from .data import Dataset
    from .evaluation import evaluate_dataset

    loss = loss_for("regression", spec)
    scores["loss"] = evaluate_dataset(model, loss, Dataset(X, y, None), [], CHUNK_ROWS)["loss"]
    return scores


def _regression_scores(model: Any, X: np.ndarray, y: np.ndarray, scale: float) -> dict:
    """The loss ``mean((y' - t')^2) / 2`` on the standardized target, and RMSE, MAE in the
    target's units (times ``scale``) and R^2 (None for a constant target), summed in
    float64 chunk by chunk: a validation target far outside the training rows' spread
    overflows no float32 square."""
    n = X.shape[0]
    y_mean = float(y.sum(dtype=np.float64)) / n
    ss_res = ss_tot = abs_sum = 0.0
    for start in range(0, n, CHUNK_ROWS):
        truth = y[start : start + CHUNK_ROWS].astype(np.float64)
        residual = truth - model.predict(X[start : start + CHUNK_ROWS])
        ss_res += float(np.einsum("ij,ij->", residual, residual))
        abs_sum += float(np.abs(residual).sum())
        truth -= y_mean
        ss_tot += float(np.einsum("ij,ij->", truth, truth))
    return {"rows": int(n), "loss": 0.5 * ss_res / n, "rmse": float(np.sqrt(ss_res / n)) * scale,
            "mae": abs_sum / n * scale,
            # a constant target, decided exactly (ss_tot may keep a rounding residue then)
            "r2": None if ss_tot == 0 or y.min() == y.max() else 1.0 - ss_res / ss_tot}


def final_scores(model: Any, prepared: Any) -> dict[str, dict[str, float]]:
    """Scores of the final model on the training rows and on the validation rows."""
    n_train = prepared.X.shape[0] - prepared.n_val
    result = {"training": _scores(model, prepared.X[:n_train], prepared.y[:n_train], prepared.meta)}
    if prepared.n_val:
        result["validation"] = _scores(
            model, prepared.X[n_train:], prepared.y[n_train:], prepared.meta
        )
    return result


def format_scores(scores: dict[str, dict[str, float]]) -> str:
    """``final training: loss 0.1234  accuracy 0.9650  (800 rows)`` and the same for validation."""
    lines = []
    for part, values in scores.items():
        cells = "  ".join(f"{k} {_score_text(v)}" for k, v in values.items() if k != "rows")
        lines.append(f"final {part + ':':<11} {cells}  ({values['rows']} rows)")
    return "\n".join(lines)


def _score_text(value: float | None) -> str:
    """Four decimals; four significant digits beyond 1e6 and below 1e-3 in magnitude (the
    RMSE of a target in the 1e-5 range, not ``0.0000``); ``n/a`` for None."""
    if value is None:
        return "n/a"
    return format(value, ".4f" if value == 0 or 1e-3 <= abs(value) < 1e6 else ".4g")


def checkpoint_path(out: str) -> str:
    """``model.safetensors`` -> ``model.checkpoint.safetensors``, next to the model file."""
    root, ext = os.path.splitext(out)
    return f"{root}.checkpoint{ext or '.safetensors'}"


def save_checkpoint(model: Any, path: str, meta: dict[str, Any], epoch: int) -> None:
    """Save weights, optimizer state, generator, history and metadata after ``epoch`` epochs."""
    from .checkpoint import save_checkpoint as write

    model.metadata = meta
    write(model, path, epoch=epoch)


def save_failure(args: argparse.Namespace, error: OSError) -> str:
    """The message when the trained model cannot be written to ``args.out`` (a full disk, a
    folder gone or made read-only since the start): the training is lost unless the run
    was resumed, whose checkpoint is untouched."""
    message = (f"training finished, but the model could not be written to {shown_path(args.out)} "
               f"({error.strerror or error}); nothing was saved")
    if args.resume and os.path.exists(args.resume):
        return (f"{message}; the checkpoint {shown_path(args.resume)} this run resumed from "
                "is unchanged: run the same command again (with another --out if needed) to "
                "train from it")
    fix = "free some space" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "fix that"
    return f"{message}: {fix} or choose another --out, and train again"


def _load_checkpoint(args: argparse.Namespace) -> Any:
    from .checkpoint import load_checkpoint

    checkpoint = load_checkpoint(args.resume)
    meta = getattr(checkpoint.model, "metadata", None) or {}
    if not {"task", "feature_names", "preprocessing", "training"} <= set(meta):
        raise UsageError(f"{shown_path(args.resume)}: not a checkpoint written by 'nonlin train'")
    check_cli_metadata(args.resume, checkpoint.model, meta)
    check_resumed_targets(args, meta)  # --target y1,y2: the checkpoint's targets
    check_categorical(args.resume, meta)
    forget_names(checkpoint.model)  # the columns are matched by name here, then passed as arrays
    adopt_run_options(args, meta)  # the options left out come from the run; given ones match
    adopt_data_options(args, meta)  # --categorical, --columns: so do the data's
    check_resumed_network(args, checkpoint.model)  # --l2, --batch-norm: the record's are its
    check_resumed_fit(args, meta)  # --loss fits the task, --lr-schedule the run
    if checkpoint.epoch >= args.epochs:
        raise UsageError(
            f"{shown_path(args.resume)}: the checkpoint has already run {checkpoint.epoch} epochs; "
            f"ask for more with --epochs (now {args.epochs})"
        )
    return checkpoint
