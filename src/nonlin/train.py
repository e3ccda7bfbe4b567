"""The training loop behind ``Sequential.fit`` and ``Sequential.evaluate``.

Each epoch draws a permutation from the model's generator, gathers every batch
into a preallocated buffer (``np.take(..., out=, mode="clip")``: the indices are
valid, and the default ``mode="raise"`` would buffer the output; never a copy
of ``X``), runs the fused forward/loss/backward of ``objective.Objective``, and
lets the optimizer update the weights in place. Metrics stream: each batch's outputs
update running sums (a plain function as a metric makes fit keep the epoch's
outputs instead); validation data is evaluated in chunks of rows, so memory
beyond the data and the model stays a few batches' worth.

Guarantees:

* Divergence: a non-finite loss, gradient, update, layer state (``BatchNorm``'s
  running statistics) or optimizer state (Adam's average of squared gradients,
  which a finite gradient can overflow), or an update that would overflow a
  weight, raises ``DivergenceError`` before it reaches the weights (a stop instead with
  a ``TerminateOnNaN`` callback); the model is then as after the last finite step: its
  weights, its layer state and its generator (the dropout masks the refused step drew are
  given back, so a retried ``fit`` draws them again), see ``_step_snapshot``.
  A loss with ``stop_on_nonfinite = False`` (scikit-learn's objective in
  ``nonlin.sklearn``, whose MLP trains on to ``max_iter``) skips the loss and
  state checks; its optimizer then decides about non-finite updates.
* Ctrl-C (in the main thread, unless the program ignores SIGINT): deferred to
  the end of the running step, then ``KeyboardInterrupt`` with the model at
  that step. A second Ctrl-C inside the step (or the epoch's shuffling draw) is
  deferred too (outside one it raises at once); a third cuts the step, no mid-epoch
  progress is recorded, and its ``KeyboardInterrupt`` says a resume may then differ.
* ``model.history`` holds the epochs completed so far, whatever happens.
* ``model.stop_training`` set in a batch hook ends the epoch after that batch
  (Keras 3): its logs cover the rows trained, and it counts as an epoch done
  (``History``, ``ModelCheckpoint``); a checkpoint written then resumes at
  the next epoch, as the run would have gone on had nothing stopped it.
* Resuming: the model's generator state, the optimizer's ``state_dict``, the
  history and ``initial_epoch`` reproduce an uninterrupted run bit for bit,
  also from a checkpoint saved between two batches (``nonlin._epoch_state``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ._backup_callback import backups_last, resumed_stopped
from ._backward_pass import MARK, TAKEN, WEIGHTS, drop
from ._callback_list import CallbackList
from ._callback_state import restore_callbacks
from ._checkpoint_history import history_for
from ._ema import weights_back
from ._epoch_loop import _Loop
from ._epoch_state import stopped_epoch
from ._feature_names import KEEP, fit_names, record_names
from ._fit_build import _build_if_needed, _trained
from ._fit_checks import refuse_while_fitting
from ._fit_plan import FitPlan
from ._interrupt import SigintGuard
from ._keras_compile import keep_compiled
from ._layer_caches import release
from ._one_class_scores import warn_one_class, warn_pooled
from ._resolved_args import _callback_list, _listed, compiled, resolve_optimizer  # noqa: F401
from ._source_kind import is_source
from ._split_check import fit_validation, stream_of
from .callbacks import Callback, History
from .core import Sequential
from .data import Dataset, make_dataset
from .exceptions import DivergenceError
from .progress import ProgbarLogger, close_bars
from .validation import check_bool, check_fraction, check_verbose


def fit(model: Sequential, X: Any, y: Any, *, loss: Any = None, optimizer: Any = None,
        epochs: int = 1, batch_size: int | None = None, shuffle: bool = True, seed: Any = None,
        validation_split: float = 0.0, validation_data: Any = None,
        callbacks: Iterable[Callback] | Callback | None = (), metrics: Any = None,
        class_weight: Any = None, sample_weight: Any = None, verbose: int | str = 1,
        initial_epoch: int = 0, resume_from: Any = None, validation_freq: int = 1,
        validation_batch_size: int | None = None, steps_per_epoch: int | None = None,
        validation_steps: int | None = None) -> History:
    """Train ``model``; see ``Sequential.fit`` for the parameters."""
    refuse_while_fitting(model, "fit", "fit another model, or stop this one "
                         "(model.stop_training = True) and fit again after it returns")
    plan = FitPlan(model, loss, optimizer, epochs, batch_size, shuffle, seed, validation_split,
                   validation_data, callbacks, metrics, class_weight, sample_weight, verbose,
                   initial_epoch, resume_from, validation_freq, validation_batch_size,
                   steps_per_epoch, validation_steps)  # each replaced as it is checked
    try:
        plan.backup_resume(X)  # a BackupAndRestore's backup, resumed as resume_from
        return _fit(plan, X, y)
    except BaseException:
        plan.refused()  # before start: a BackupAndRestore as it was
        raise


def _fit(plan: FitPlan, X: Any, y: Any) -> History:
    """``fit`` from its plan on: batches from a sequence, iterator or re-iterable
    (``nonlin._sources``), or arrays."""
    model, validation_data, seed = plan.model, plan.validation_data, plan.seed
    sample_weight, class_weight = plan.sample_weight, plan.class_weight
    if is_source(X):
        from ._source_fit import fit_source

        return fit_source(plan, X, y)
    if plan.resume_from is not None and validation_data is not None:
        from ._source_validation import refuse_iterator_resume

        refuse_iterator_resume(validation_data, plan.resume_from)  # before it is read
    plan.check_arguments()
    validation_split = check_fraction("validation_split", plan.validation_split)
    plan.shuffle, plan.verbose = check_bool("shuffle", plan.shuffle), check_verbose(plan.verbose)
    # checked before anything changes, recorded as the run starts (resume: the checkpoint's)
    names = KEEP if plan.resume_from is not None else fit_names(model, X, validation_data)
    with plan.undone_if_refused():
        _build_if_needed(model, X, seed)
        plan.resolve()  # the warnings on the output point at the user's call
        train = make_dataset(X, y, plan.loss, model, sample_weight=sample_weight,
                             class_weight=class_weight, by_batch=True,
                             warn_one_class=not _trained(model, plan.built_here,
                                                         plan.resume_from))
        train, val = fit_validation(model, plan.loss, train, validation_split, validation_data)
        val_stream = (None if validation_data is None else
                      stream_of(validation_data, plan.steps))
        batch_size = plan.steps.sizes(len(train), None if val is None else len(val))
        plan.check_last(lambda saved: fit_names(saved, X, validation_data))
        if plan.given_metrics:  # "precision" on a binary softmax: the accuracy (a warning)
            warn_pooled(plan.given_metrics, plan.loss, model)
        if val is not None:  # a validation set of one class: val_auc reads 0 (a warning)
            warn_one_class(plan.metrics, val.y, val.weight, "The validation_data rows"
                           if validation_data is not None else "The validation_split rows",
                           model.n_outputs)
        # in the block: a Ctrl-C there unbuilds a model this fit built
        loop, this_fit = plan.start(_setup, train, val, batch_size)
    loop.val_stream = val_stream
    record_names(model, names)
    return plan.run(loop, this_fit)


def _setup(plan: FitPlan, train: Dataset, val: Dataset | None,
           batch_size: int) -> tuple[_Loop, History]:
    """Bind the history, optimizer and callbacks of ``plan`` to its model (the layers take
    its generator in ``FitPlan.run``: nothing of them to undo here); build the loop. Also
    returns the History of this fit's epochs alone (``model.history`` if it is new).
    ``params["steps"]`` is ``steps_per_epoch`` when given, as Keras 3's (its
    ``EpochIterator.num_batches``), also when the rows run out before (more than a pass)."""
    model, loss, optimizer, callbacks = plan.model, plan.loss, plan.optimizer, plan.callbacks
    epochs, verbose, steps_per_epoch = plan.epochs, plan.verbose, plan.steps.steps_per_epoch
    history, this_fit, recorders = history_for(model, plan.initial_epoch, callbacks)
    keep_compiled(model, optimizer)  # compile's instance, if it is not this one: forgotten
    model.optimizer, model.loss, model.history = optimizer, loss, history
    model.stop_training, model._fit_callbacks = False, callbacks  # checkpoints save their state
    steps = math.ceil(len(train) / batch_size)
    extra = [ProgbarLogger(verbose, steps, epochs)] if verbose else []
    params = {"verbose": verbose, "epochs": epochs,  # Keras' Callback.params
              "steps": steps if steps_per_epoch is None else steps_per_epoch}
    calls = backups_last(callbacks) if callbacks else callbacks  # BackupAndRestore: last
    cbs = CallbackList([*calls, *recorders, *extra], model, params)  # Keras: History after
    loop = _Loop(model, loss, optimizer, train, val, plan.metrics, batch_size, plan.shuffle, cbs)
    loop.history = history
    if extra:  # the running loss as the epoch's ("sum": a total), and the metrics
        extra[0].live = loop.running_logs
        loop.val_tick = extra[0].validation_tick()  # a file: a line a minute
    loop.resume = stopped_epoch(model.__dict__.pop("_resume_partial", None), plan.initial_epoch,
                                len(train), model.rng, loop.metrics)
    return loop, this_fit


def _run(loop: _Loop, callbacks: list[Callback], initial_epoch: int, epochs: int,
         given_metrics: list[Any]) -> None:
    """The epochs, with SIGINT deferred to step ends and non-finite updates refused;
    a resumed run's callbacks get their saved state after ``on_train_begin``;
    ``given_metrics``: the metrics as ``fit`` got them, for checkpoints' records."""
    model, cbs, optimizer = loop.model, loop.cbs, loop.optimizer
    saved_states = model.__dict__.pop("_resume_callbacks", None)
    guard, checked = SigintGuard(), optimizer.check_finite  # a user's True kept after fit
    optimizer.check_finite = True
    model._fit_metrics = loop.metrics  # for callbacks' mode="auto" (_monitor.fit_metrics)
    model._fit_metrics_given = given_metrics  # a checkpoint's compile record, as compile's
    # CSVLogger's val_ columns, the callbacks' hint on epochs without them (_monitor)
    validated = loop.val is not None or loop.val_stream is not None
    model.__dict__["_fit_val_freq"] = loop.val_freq if validated else None
    model._fit_running = id(model)  # a nested fit (a callback's) is refused
    try:
        with guard.installed():
            loop.guard = guard
            if optimizer.use_ema:  # the weights, should a crash have left the average in
                weights_back(optimizer, loop.params)
            cbs.call("on_train_begin", {})
            if saved_states and (initial_epoch > 0 or loop.resume is not None):
                restore_callbacks(callbacks, saved_states)  # also mid-way through epoch 0
                if resumed_stopped(callbacks):  # a backup of a stopped run: nothing to train
                    epochs, model.stop_training = initial_epoch, True
            logs = _epochs(loop, callbacks, initial_epoch, epochs)
            if optimizer.use_ema and epochs > 0:  # Keras 3: the weights become the average
                optimizer.finalize_variable_values(loop.params)
            cbs.call("on_train_end", logs)
            if guard.pending:  # a Ctrl-C during on_train_end: the last check, not lost
                raise KeyboardInterrupt
        model._fit_callbacks = []  # kept only while a run can still be checkpointed and resumed
    except BaseException:  # Ctrl-C, an error: no on_train_end, the bar closed all the same
        close_bars(cbs)
        raise
    finally:
        optimizer.check_finite = checked
        for key in ("_fit_metrics", "_fit_metrics_given", "_fit_val_freq", "_fit_running"):
            model.__dict__.pop(key, None)
        state = model.__dict__
        if MARK in state or TAKEN in state or WEIGHTS in state:  # no backward after fit
            drop(model)  # (nonlin._backward_pass: a pass from before, or a callback's)
        release(model.layers)  # no reference to the data kept (nonlin._layer_caches)


def _epochs(loop: _Loop, callbacks: list[Callback], initial_epoch: int,
            epochs: int) -> dict[str, float]:
    """Run epochs ``initial_epoch .. epochs - 1`` of ``loop`` until the last, a stop
    (``model.stop_training``) or a ``DivergenceError`` a ``TerminateOnNaN`` in
    ``callbacks`` turns into one (any other is raised); return the logs of the last
    epoch run, ``{}`` if none (Keras 3: ``on_train_end`` gets them)."""
    logs: dict[str, float] = {}
    for epoch in range(initial_epoch, epochs):
        try:
            logs = loop.run_epoch(epoch)
        except DivergenceError as error:  # TerminateOnNaN: a stop, not an error
            from ._terminate_on_nan import terminated

            if not terminated(callbacks, error):
                raise
            break
        if loop.model.stop_training:
            break
    return logs


def _bind_rng(model: Sequential) -> None:
    for layer in model.layers:
        if hasattr(layer, "rng"):
            layer.rng = model.rng
