"""``fit`` on a batch source (``nonlin._sources``): ``train.fit`` hands it over here.

The checks, defaults, resuming and callbacks are ``train.fit``'s, in its order (the steps of
``_fit_plan.FitPlan``, which ``train.fit`` hands over with the call's arguments); what
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

from typing import Any

import numpy as np

from ._backup_callback import backups_last
from ._checkpoint_history import history_for
from ._fit_build import _build_if_needed
from ._fit_keras_args import FitSteps, check_validation_steps
from ._fit_plan import FitPlan
from ._keras_compile import keep_compiled
from ._source_kind import is_source
from ._source_loop import _SourceLoop
from ._source_validation import refuse_iterator_resume, validation_stream
from ._sources import BatchStream, in_batch, refuse_with_source, unpack
from .callbacks import History
from .core import Sequential
from .data import Dataset, class_weights_for, make_dataset
from .progress import ProgbarLogger
from .validation import check_bool, check_fraction, check_verbose


def fit_source(plan: FitPlan, source: Any, y: Any) -> History:
    """Train ``plan.model`` on the batches of ``source``; see ``Sequential.fit``.

    ``plan``: ``train.fit``'s, with its arguments as given (a ``BackupAndRestore``'s backup
    made ``resume_from`` already); ``y``: refused unless None, as the batches carry it.
    """
    model = plan.model
    split = check_fraction("validation_split", plan.validation_split)
    refuse_with_source("fit", y=y, sample_weight=plan.sample_weight,
                       batch_size=plan.batch_size, validation_split=split)
    stream = BatchStream(source, "x", None, False)  # its kind, and a sequence's length
    if plan.resume_from is not None and stream.kind == "iterator":
        raise ValueError("Expected a sequence (len and getitem) or a re-iterable (a fresh "
                         "iterator per epoch) as x to resume_from a checkpoint: nothing "
                         "records how far an iterator was read. Received: x="
                         f"{type(source).__name__}, an iterator")
    refuse_iterator_resume(plan.validation_data, plan.resume_from)  # the same for validation
    plan.check_arguments()  # batch_size: None (refused above otherwise)
    stream.steps, stream.shuffle = plan.steps.steps_per_epoch, (
        check_bool("shuffle", plan.shuffle) and stream.kind == "sequence")
    plan.verbose = check_verbose(plan.verbose)
    with plan.undone_if_refused():
        try:
            if plan.built_here:
                _build_from(model, stream, plan.seed)
            plan.resolve()  # the warnings on the output point at the user's call
            # checked before anything runs, as for arrays (then applied to each batch's labels)
            class_weights_for(plan.class_weight, np.zeros(0, np.int64), model.n_outputs or 1,
                              model.dtype)
            val, val_stream = _validation(model, plan.loss, plan.validation_data, plan.steps)
            plan.check_last()
            _warn_scores(plan, val)
        except Exception as error:
            _note_consumed(error, stream)
            raise
        # the recorded epoch starts again; a Ctrl-C there unbuilds a model built here
        loop, this_fit = plan.start(_setup, stream, (val, val_stream), restart_epoch=True)
    loop.class_weight = plan.class_weight
    return plan.run(loop, this_fit)


def _warn_scores(plan: FitPlan, val: Dataset | None) -> None:
    """``fit``'s warnings on its metrics, as for arrays: "precision" or "recall" on a binary
    softmax, and ``validation_data`` arrays of one class (``nonlin._one_class_scores``)."""
    if not plan.given_metrics:
        return
    from ._one_class_scores import warn_one_class, warn_pooled

    warn_pooled(plan.given_metrics, plan.loss, plan.model)
    if val is not None:
        warn_one_class(plan.metrics, val.y, val.weight, "The validation_data rows",
                       plan.model.n_outputs)


def _note_consumed(error: Exception, stream: BatchStream) -> None:
    """A fit refused after it pulled the first batch of an iterator ``x`` to build the model
    says so, in a note on ``error`` (PEP 678, Python 3.11+; the message itself is kept): an
    iterator cannot be given the batch back. The checks that need no data stay after the
    build, as for arrays, so that an input wrong twice gets the same error either way."""
    if stream.kind == "iterator" and stream.held and hasattr(error, "add_note"):
        error.add_note(
            f"fit had read the first batch of x ({type(stream.source).__name__}, an "
            "iterator) to build the model; an iterator cannot take it back, so x no longer "
            "gives that batch. Build the model first (model.build(n_features)), or pass a "
            "sequence or a re-iterable, to have no batch read before fit's checks")


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
    val = make_dataset(data[0], data[1], loss, model, sample_weight=weights, name="X_val",
                       by_batch=True)  # evaluated chunk by chunk
    check_validation_steps(steps.validation_steps, steps.validation_batch_size, len(val))
    return val, None


def _setup(plan: FitPlan, stream: BatchStream,
           val: tuple[Dataset | None, BatchStream | None]) -> tuple[_SourceLoop, History]:
    """``train._setup`` for a source: the progress bar's total is the epoch's batches when
    known (``steps_per_epoch``, a sequence's length), else open-ended."""
    from ._callback_list import CallbackList

    model, loss, optimizer, callbacks = plan.model, plan.loss, plan.optimizer, plan.callbacks
    epochs, verbose = plan.epochs, plan.verbose
    history, this_fit, recorders = history_for(model, plan.initial_epoch, callbacks)
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
    loop = _SourceLoop(model, loss, optimizer, stand_in, val[0], plan.metrics, 1, False, cbs)
    loop.setup_source()
    loop.stream, loop.val_stream, loop.epochs = stream, val[1], epochs
    loop.history = history
    if extra:
        extra[0].live = loop.running_logs
        loop.val_tick = extra[0].validation_tick()  # a file: a line a minute
    model._epoch_in_progress = None
    return loop, this_fit

