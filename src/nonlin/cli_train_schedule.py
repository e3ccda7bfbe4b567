"""``nonlin train``'s ``--loss`` and ``--lr-schedule`` as objects, and their checks.

The words (``cli_train_loss``) become a loss and the optimizer's learning rate
here, once, through ``nonlin.registry`` and ``nonlin.schedules``. With ``B =
ceil(training rows / --batch-size)`` optimizer steps per epoch, the schedules
are evaluated at the optimizer's step count (so a resumed run carries on from
the checkpoint's count):

* ``cosine[:W]``: ``CosineDecay(lr, (epochs - W) * B, warmup_steps=W * B)``, a
  linear warm-up from 0 over ``W`` epochs, then a cosine decay to 0 at the end
  of the run;
* ``exponential:RATE``: ``ExponentialDecay(lr, B, RATE)``, the rate times RATE
  per epoch, falling smoothly step by step;
* ``step:EVERY[:FACTOR]``: ``StepDecay(lr, EVERY * B, FACTOR)``;
* ``plateau[:PATIENCE[:FACTOR]]``: a plain rate and the callback
  ``ReduceLROnPlateau(monitor="val_loss", factor=FACTOR, patience=PATIENCE)``.

Without the options the loss and the rate are exactly today's (the default
loss of the task, the float ``--lr``).
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from ._quoting import quoted, quoted_list, shown_path
from .cli_common import UsageError
from .cli_train_loss import FOCAL, loss_fits, parse_loss, parse_schedule


def make_loss(task: str, spec: str | None = None, multilabel: bool = False) -> Any:
    """The loss ``spec`` names (canonical, from ``--loss`` or the training record), or
    the task's default: cross-entropy on logits for a classifier, ``mse`` otherwise.

    A classifier's losses take its logits (``from_logits=True``, the stable fused form;
    ``predict``'s softmax is applied after the network): ``cross_entropy`` is
    ``CrossEntropy``, ``cross_entropy:S`` the ``CategoricalFocalCrossentropy`` with
    ``gamma=0, alpha=1, label_smoothing=S``, ``focal:G:A`` the one with ``gamma=G,
    alpha=A`` and ``focal:G:A:S`` the one with ``label_smoothing=S`` too. A ``multilabel``
    classifier (one sigmoid output per target) has their binary forms, per label:
    ``BinaryCrossEntropy``, and ``BinaryFocalCrossentropy`` with ``gamma=0,
    label_smoothing=S`` (targets ``y (1 - S) + S / 2``) or ``gamma=G, label_smoothing=S``
    (``focal:G:1:S``; its ``ALPHA`` must be 1: ``check_multilabel_loss``).
    """
    from . import registry

    default = "cross_entropy" if task == "classification" else "mse"
    name, params = parse_loss(spec or default)
    if multilabel and (name == "focal" or (name == "cross_entropy" and params[0])):
        gamma, smoothing = (params[0], params[2]) if name == "focal" else (0.0, params[0])
        return registry.loss("binary_focal_crossentropy", gamma=gamma,
                             label_smoothing=smoothing, from_logits=True)
    if multilabel:
        return registry.loss("binary_crossentropy", from_logits=True)
    if name == "focal":
        if params[2]:  # focal:G:A:S (a focal loss without it is built as before)
            return registry.loss(FOCAL, gamma=params[0], alpha=params[1],
                                 label_smoothing=params[2], from_logits=True)
        return registry.loss(FOCAL, gamma=params[0], alpha=params[1], from_logits=True)
    if name == "cross_entropy" and params[0]:
        return registry.loss(FOCAL, gamma=0.0, alpha=1.0, label_smoothing=params[0],
                             from_logits=True)
    if name == "cross_entropy":
        return registry.loss(name, from_logits=True)
    return registry.loss(name, delta=params[0]) if params else registry.loss(name)


def learning_rate(args: argparse.Namespace, n_train: int) -> Any:
    """The optimizer's ``lr``: ``args.lr`` (a float) or the schedule ``--lr-schedule``
    gives over ``n_train`` training rows per epoch."""
    from . import schedules

    if args.lr_schedule is None:
        return args.lr
    name, params = parse_schedule(args.lr_schedule)
    steps = math.ceil(n_train / args.batch_size)  # optimizer steps per epoch
    if name == "cosine":
        warmup = params[0] * steps
        return schedules.CosineDecay(args.lr, _held(args, args.epochs * steps - warmup),
                                     warmup_steps=warmup)
    if name == "exponential":
        return schedules.ExponentialDecay(args.lr, steps, params[0])
    if name == "step":
        return schedules.StepDecay(args.lr, _held(args, params[0] * steps), params[1])
    return args.lr  # constant; plateau: its callback changes the rate


def _held(args: argparse.Namespace, count: int) -> int:
    """``count`` optimizer steps of ``--lr-schedule`` (and ``--epochs``), else, where
    float64 cannot hold it (a schedule computes in floats), a ``UsageError`` naming the
    options the user wrote rather than the schedule's argument."""
    try:
        float(count)
    except OverflowError:
        raise UsageError(f"--lr-schedule {quoted(args.lr_schedule)} with --epochs "
                         f"{quoted(args.epochs)}: expected a schedule of fewer steps than "
                         f"float64 holds (1.8e308); received {count.bit_length()} bits of "
                         "steps") from None
    return count


def schedule_callbacks(args: argparse.Namespace) -> list[Any]:
    """``[ReduceLROnPlateau(...)]`` for ``--lr-schedule plateau``, else []."""
    from .lr_callbacks import ReduceLROnPlateau

    if args.lr_schedule is None or not args.lr_schedule.startswith("plateau"):
        return []
    _, (patience, factor) = parse_schedule(args.lr_schedule)
    from .cli_monitor import monitored

    return [ReduceLROnPlateau(monitor=monitored(args), factor=factor, patience=patience)]


def check_schedule(args: argparse.Namespace) -> None:
    """A ``UsageError`` when ``--lr-schedule`` cannot run with the other options: plateau
    without validation rows, a cosine warm-up as long as the run."""
    if args.lr_schedule is None:
        return
    name, params = parse_schedule(args.lr_schedule)
    monitor = getattr(args, "monitor", None) or "val_loss"
    if name == "plateau" and args.val_split == 0 and monitor.startswith("val_"):
        watched = "the validation loss" if monitor == "val_loss" else monitor
        raise UsageError(f"--lr-schedule {args.lr_schedule} watches {watched}; "
                         "give --val-split > 0")
    if name == "cosine" and params[0] >= args.epochs:
        raise UsageError(f"--lr-schedule {args.lr_schedule} warms up for {params[0]} epochs; "
                         f"expected fewer than --epochs ({args.epochs})")


def check_loss_task(args: argparse.Namespace, task: str) -> None:
    """A ``UsageError`` when ``--loss`` does not fit the ``task`` the data gives."""
    multilabel = getattr(args, "target_classes", None) is not None
    problem = loss_fits(args.loss, task, multilabel)
    several = getattr(args, "targets", None)  # --target y1,y2 (cli_targets)
    what = (f"columns {quoted_list(several)} are {task} targets" if several else
            f"column {quoted(args.target)} is a {task} target")
    if problem:
        raise UsageError(f"{what}: {problem} (or leave --loss out)")
    if multilabel:
        check_multilabel_loss(args.loss)


def check_multilabel_loss(spec: str | None) -> None:
    """A ``UsageError`` for ``focal:G:ALPHA`` with ``ALPHA`` other than 1 in a multilabel
    classifier: ``ALPHA`` scales one softmax's focal loss; the binary focal loss of each
    label has no such scale (Keras' ``alpha`` weighs the positive label against the
    negative one, a different thing), so it is refused rather than read another way."""
    if spec is None or not spec.startswith("focal"):
        return
    gamma, alpha, smoothing = parse_loss(spec)[1]
    if alpha != 1.0:
        instead = f"focal:{gamma:g}" + (f":1:{smoothing:g}" if smoothing else "")
        raise UsageError(f"--loss {spec}: in a multilabel classifier focal is the binary focal "
                         "loss of each label, which takes GAMMA and SMOOTHING only (ALPHA "
                         "scales a single target's softmax focal loss); give --loss "
                         f"{instead}")


def check_resumed_fit(args: argparse.Namespace, meta: dict[str, Any]) -> None:
    """The checkpoint's loss and schedule (``args``, taken over from its record ``meta``)
    fit its task and the run: a ``ModelFileError`` for a record that names a loss of
    another task, a ``UsageError`` for a cosine schedule asked to run more epochs."""
    from ._header import ModelFileError

    record = meta.get("training") or {}
    problem = loss_fits(args.loss, str(meta.get("task")), meta.get("multilabel") is True)
    if problem and "loss" in record:
        raise ModelFileError(args.resume, problem, "metadata['training']['loss']")
    if problem:
        raise UsageError(problem)
    check_schedule(args)
    epochs = record.get("epochs")
    if (args.lr_schedule or "").startswith("cosine") and epochs != args.epochs:
        raise UsageError(f"--epochs {args.epochs} differs from the checkpoint's {epochs} "
                         f"({shown_path(args.resume)}); its --lr-schedule {args.lr_schedule} "
                         f"decays over the {epochs} epochs of the run: resume with --epochs "
                         f"{epochs}")


def resumed_optimizer(args: argparse.Namespace, optimizer: Any, n_train: int) -> Any:
    """The checkpoint's ``optimizer``, whose schedule (with its step count) carries on;
    a ``ModelFileError`` when its learning rate is not what the record's
    ``--lr-schedule`` gives (a schedule where the record has none, or another one)."""
    from ._header import ModelFileError
    from .schedules import Schedule

    expected, found = learning_rate(args, n_train), optimizer.lr
    if not (isinstance(expected, Schedule) or isinstance(found, Schedule)):
        return optimizer  # a plain rate (ReduceLROnPlateau may have lowered it)
    if type(found) is not type(expected) or found.get_config() != expected.get_config():
        schedule = args.lr_schedule or "constant"
        raise ModelFileError(args.resume, f"expected the learning rate that lr_schedule "
                             f"{quoted(schedule)} gives, {expected!r}, received {found!r}",
                             "checkpoint.optimizer.config.lr")
    return optimizer
