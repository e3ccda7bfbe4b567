"""``fit`` on a batch source (``nonlin._sources``): ``train.fit`` hands it over here.

The checks, defaults, resuming and callbacks are ``train.fit``'s, in its order; what
differs: ``y``, ``sample_weight``, ``batch_size`` and ``validation_split`` are refused
(the batches carry them, as Keras 3 refuses them for its PyDataset and generators); an
unbuilt model is built from the first batch's width and dtype; ``validation_data`` may be
arrays or another source; the epochs run in ``_source_loop._SourceLoop``.

Resuming (``resume_from``): a sequence or re-iterable starts again at the recorded epoch
(from its first batch: a checkpoint written between two batches restarts that epoch); an
iterator is refused, as nothing records how far it was read. DataFrame column names
of a source's batches are not recorded (each batch's are checked against those a model
fitted before recorded, ``_sources.prepare``), and a single class in the batches does not
warn (fit sees one batch at a time).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._backup_callback import backups_last
from ._checkpoint_history import history_for
from ._fit_build import _build_if_needed, _unbuilt_if_refused
from ._fit_checks import check_before_fit, fit_defaults
from ._fit_keras_args import FitSteps, check_validation_steps
from ._keras_compile import keep_compiled
from ._layers_built import check_layers_as_built
from ._resolved_args import _callback_list, _listed, resolve_optimizer
from ._source_kind import is_source
from ._source_loop import _SourceLoop
from ._source_validation import refuse_iterator_resume, validation_stream
from ._sources import BatchStream, in_batch, refuse_with_source, unpack
from ._trainable import check_optimizer, fit_parameters
from .callbacks import Callback, History
from .core import Sequential, as_rng
from .data import Dataset, class_weights_for, make_dataset
from .evaluation import resolve_loss, resolve_metrics
from .losses_more import warn_unbounded_output
from .objective import warn_constant_softmax, warn_double_activation
from .progress import ProgbarLogger
from .validation import check_bool, check_fraction, check_positive_int, check_verbose


def fit_source(model: Sequential, source: Any, y: Any, *, loss: Any, optimizer: Any,
               epochs: int, batch_size: Any, shuffle: bool, seed: Any, validation_split: Any,
               validation_data: Any, callbacks: Iterable[Callback] | Callback | None,
               metrics: Any, class_weight: Any, sample_weight: Any, verbose: int | str,
               initial_epoch: int, resume_from: Any, validation_freq: int,
               validation_batch_size: Any, steps_per_epoch: Any,
               validation_steps: Any) -> History:
    """Train ``model`` on the batches of ``source``; see ``Sequential.fit``."""
    from .train import _run

    split = check_fraction("validation_split", validation_split)
    refuse_with_source("fit", y=y, sample_weight=sample_weight, batch_size=batch_size,
                       validation_split=split)
    stream = BatchStream(source, "x", None, False)  # its kind, and a sequence's length
    if resume_from is not None and stream.kind == "iterator":
        raise ValueError("Expected a sequence (len and getitem) or a re-iterable (a fresh "
                         "iterator per epoch) as x to resume_from a checkpoint: nothing "
                         "records how far an iterator was read. Received: x="
                         f"{type(source).__name__}, an iterator")
    refuse_iterator_resume(validation_data, resume_from)  # the same for validation_data
    asked = optimizer  # as given: resume_from refuses an instance with other settings
    loss, optimizer, metrics, read = fit_defaults(model, loss, optimizer, metrics, resume_from)
    callbacks = _callback_list(callbacks)
    epochs = check_positive_int("epochs", epochs, 0)
    steps = FitSteps(None, validation_freq, validation_batch_size, steps_per_epoch,
                     validation_steps)
    initial_epoch = check_positive_int("initial_epoch", initial_epoch, 0)
    stream.steps, stream.shuffle = steps.steps_per_epoch, (check_bool("shuffle", shuffle)
                                                           and stream.kind == "sequence")
    verbose = check_verbose(verbose)
    built_here = not model.built
    with _unbuilt_if_refused(model):
        if built_here:
            _build_from(model, stream, seed)
        check_layers_as_built(model)
        loss, optimizer = resolve_loss(loss), resolve_optimizer(optimizer)
        warn_double_activation(model, loss, stacklevel=4)  # -> train.fit -> Sequential.fit
        warn_constant_softmax(model, stacklevel=4)
        warn_unbounded_output(model, loss, stacklevel=4)
        # checked before anything runs, as for arrays (then applied to each batch's labels)
        class_weights_for(class_weight, np.zeros(0, np.int64), model.n_outputs or 1, model.dtype)
        val, val_stream = _validation(model, loss, validation_data, steps)
        given_metrics = _listed(metrics)
        metrics = resolve_metrics(given_metrics, loss, model)
        seeded = as_rng(seed) if seed is not None and not built_here else None
        checkpoint = None
        if resume_from is not None:
            from ._resume import read_resume

            checkpoint = read_resume(model, optimizer, resume_from, checkpoint=read,
                                     asked=asked)
            initial_epoch, optimizer, seeded = (checkpoint.epoch, checkpoint.optimizer,
                                                checkpoint.model.rng)
        check_optimizer(model, optimizer)
        rng = model.rng if seeded is None else seeded
        check_before_fit(callbacks, optimizer, metrics, rng, model)
    if checkpoint is not None:
        from ._resume import apply_resume

        apply_resume(model, checkpoint)
    model.__dict__.pop("_resume_partial", None)  # the recorded epoch starts again
    model.rng = rng
    fit_parameters(model)
    loop, this_fit = _setup(model, loss, optimizer, stream, (val, val_stream), callbacks,
                            metrics, epochs, verbose, initial_epoch)
    loop.val_freq, loop.val_batch = steps.validation_freq, steps.validation_batch_size
    loop.class_weight = class_weight
    history = model.history
    _run(loop, callbacks, initial_epoch, epochs, given_metrics)
    return history if resume_from is not None else this_fit


def _build_from(model: Sequential, stream: BatchStream, seed: Any) -> None:
    """Build ``model`` for the first batch's width (float32 if its x is, else float64)."""
    where, batch = stream.first()
    x = unpack(batch, where)[0]
    try:
        _build_if_needed(model, x, seed)
    except (ValueError, TypeError) as exc:
        raise in_batch(exc, where) from None


def _validation(model: Sequential, loss: Any, data: Any,
                steps: FitSteps) -> tuple[Dataset | None, BatchStream | None]:
    """``validation_data`` as a prepared set (arrays) or a stream (a source), or neither."""
    if data is None:
        return None, None
    if is_source(data):
        return None, validation_stream(data, steps)
    if not isinstance(data, tuple | list) or len(data) not in (2, 3):
        raise ValueError("Expected validation_data as (X_val, y_val), (X_val, y_val, "
                         "weights) or a batch source. Received: validation_data of type "
                         f"{type(data).__name__}")
    weights = data[2] if len(data) == 3 else None
    val = make_dataset(data[0], data[1], loss, model, sample_weight=weights, name="X_val")
    check_validation_steps(steps.validation_steps, steps.validation_batch_size, len(val))
    return val, None


def _setup(model: Sequential, loss: Any, optimizer: Any, stream: BatchStream,
           val: tuple[Dataset | None, BatchStream | None], callbacks: list[Callback],
           metrics: list[Any], epochs: int, verbose: int,
           initial_epoch: int) -> tuple[_SourceLoop, History]:
    """``train._setup`` for a source: the progress bar's total is the epoch's batches when
    known (``steps_per_epoch``, a sequence's length), else open-ended."""
    from ._callback_list import CallbackList
    from .train import _bind_rng

    _bind_rng(model)
    history, this_fit, recorders = history_for(model, initial_epoch, callbacks)
    keep_compiled(model, optimizer)  # compile's instance, if it is not this one: forgotten
    model.optimizer, model.loss, model.history = optimizer, loss, history
    model.stop_training, model._fit_callbacks = False, callbacks
    steps = stream.total()
    extra = [ProgbarLogger(verbose, steps, epochs)] if verbose else []
    params = {"verbose": verbose, "epochs": epochs, "steps": steps}
    calls = backups_last(callbacks) if callbacks else callbacks  # BackupAndRestore: last
    cbs = CallbackList([*calls, *recorders, *extra], model, params)
    # a one-row stand-in: the loop's buffers are made for each batch (``setup_source``)
    stand_in = Dataset(np.zeros((1, int(model.n_features_in or 1)), model.dtype),
                       np.zeros(1, model.dtype), None)
    loop = _SourceLoop(model, loss, optimizer, stand_in, val[0], metrics, 1, False, cbs)
    loop.setup_source()
    loop.stream, loop.val_stream, loop.epochs = stream, val[1], epochs
    loop.history = history
    if extra:
        extra[0].live = loop.running_logs
    model._epoch_in_progress = None
    return loop, this_fit

