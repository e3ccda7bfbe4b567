"""One ``fit`` call's plan, shared by ``train.fit`` (arrays) and ``_source_fit.fit_source``
(a batch source): its arguments as given, each replaced as it is checked and resolved.

Both fits take the same steps, in this order, with their own between them:

1. ``backup_resume``: a ``BackupAndRestore``'s backup becomes ``resume_from``;
2. ``check_arguments``: the loss, optimizer and metrics (given, the model's, or a
   checkpoint's), the callbacks, ``epochs``, the step arguments (``FitSteps``) and
   ``initial_epoch``, checked before anything changes;
3. inside ``undone_if_refused`` (a model unbuilt when fit starts, built there from the
   data, is put back as it was, unbuilt and its layers without parameters, when any check
   in the block raises, Ctrl-C included):
   ``resolve`` (the loss and optimizer, the warnings on the model's output) and, once the
   data are prepared, ``check_last`` (the metrics, the checkpoint read and checked, the
   optimizer's slots, the callbacks' ``on_train_begin`` refusals);
4. ``start``, last in step 3's block (a Ctrl-C there unbuilds a model built there too):
   only now does the model change (the checkpoint put in, the generator, the
   trainable parameters); the fit then binds the optimizer, loss, history and callbacks
   to the model (its ``_setup``, which ``start`` calls: a Ctrl-C there is undone too);
5. ``run``: the epochs (``train._run``: Ctrl-C deferred to step ends, the optimizer's
   finite check on, the running fit marked on the model; each undone however the run ends).

A call refused before ``start`` changes nothing of the model (nor of its optimizer): the
checkpoint, the generator and the fit's bindings all go in after the last check; a Ctrl-C
within ``start`` puts the model back as it was too, and ``refused`` a ``BackupAndRestore``
(the folder ``backup_resume`` bound).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ._checkpoint_clash import check_backups_free
from ._epoch_loop import _Loop
from ._fit_build import _unbuilt_if_refused
from ._fit_checks import check_before_fit, fit_defaults
from ._fit_keras_args import FitSteps
from ._layers_built import check_layers_as_built
from ._output_warnings import warn_outputs
from ._resolved_args import _callback_list, _listed, resolve_optimizer
from ._trainable import check_optimizer, fit_parameters
from .callbacks import Callback, History
from .core import Sequential, as_rng
from .evaluation import resolve_loss, resolve_metrics
from .validation import check_positive_int

_T = TypeVar("_T")


@dataclass(eq=False, repr=False)  # repr: fields are set step by step
class FitPlan:
    """The arguments of one ``fit`` of ``model`` (see ``Sequential.fit``), each as given until
    its step checks and resolves it in place; then what the steps found.

    Attributes
    ----------
    model : Sequential
        The model fitted.
    loss, optimizer, metrics, callbacks, epochs, initial_epoch
        As given; once their step checked them (``check_arguments``; ``resolve`` makes the
        loss and optimizer instances, ``check_last`` the metrics, and puts in a resumed
        checkpoint's optimizer and epoch), as fit uses them: a ``Loss``, an ``Optimizer``, a
        list of ``Metric``, a list of callbacks, ints.
    resume_from
        As given, or a ``BackupAndRestore``'s backup (``backup_resume``, which may also
        give ``callbacks`` back changed).
    shuffle, verbose
        As given; each fit puts ``verbose`` back checked, the arrays' fit ``shuffle`` too (a
        source's goes to its stream).
    batch_size, seed, validation_split, validation_data, class_weight, sample_weight
        As given (each fit checks those it takes, in its own order).
    validation_freq, validation_batch_size, steps_per_epoch, validation_steps
        As given; checked into ``steps``.
    steps : FitSteps
        The step arguments, checked (set by ``check_arguments``; so is each below by its
        step, ``checkpoint`` None until then).
    asked : object
        The optimizer as given: resuming refuses an instance with other settings than the
        checkpoint's.
    read : Checkpoint or None
        The checkpoint ``fit_defaults`` read for a model without a loss and optimizer.
    built_here : bool
        Whether the model was unbuilt when the fit started (``undone_if_refused``).
    given_metrics : list
        The metrics as given (a checkpoint records them so), set by ``check_last``.
    checkpoint : Checkpoint or None
        ``resume_from``'s, read and checked, put in by ``start``.
    rng : numpy.random.Generator
        The generator the fit trains with: the model's (a legacy ``RandomState`` too),
        ``seed``'s, or a checkpoint's.
    """

    model: Sequential
    loss: Any
    optimizer: Any
    epochs: Any
    batch_size: Any
    shuffle: Any
    seed: Any
    validation_split: Any
    validation_data: Any
    callbacks: Any
    metrics: Any
    class_weight: Any
    sample_weight: Any
    verbose: Any
    initial_epoch: Any
    resume_from: Any
    validation_freq: Any
    validation_batch_size: Any
    steps_per_epoch: Any
    validation_steps: Any
    steps: FitSteps = field(init=False)
    asked: Any = field(init=False)
    read: Any = field(init=False)
    built_here: bool = field(init=False)
    given_metrics: list[Any] = field(init=False)
    checkpoint: Any = field(init=False, default=None)
    rng: Any = field(init=False)
    backups_were: list[tuple[Any, dict[str, Any]]] = field(init=False, default_factory=list)
    started: bool = field(init=False, default=False)

    def backup_resume(self, x: Any) -> None:
        """Step 1: a ``BackupAndRestore`` among the callbacks with a backup to resume makes
        that backup ``resume_from`` (``_backup_callback.backup_resume``); ``x``: the data."""
        callbacks, model = self.callbacks, self.model
        if not isinstance(callbacks, tuple | list) or callbacks:  # not an array's truth value
            from ._backup_callback import backup_resume

            if isinstance(callbacks, Iterator) and not isinstance(callbacks, Callback):
                # read once, here: ``refused`` sees its items
                callbacks = list(callbacks)
            self.backups_were = [(cb, dict(vars(cb))) for cb in _backups(callbacks)]
            check_backups_free(self.backups_were, model)  # not one a running fit writes
            self.callbacks, self.resume_from = backup_resume(  # metrics: as fit_defaults reads
                callbacks, self.resume_from, x, self.validation_data,
                metrics_given=self.metrics is not None or model.loss is not None
                or model.optimizer is not None)

    def refused(self) -> None:
        """A fit that raised before ``start`` changed nothing: each ``BackupAndRestore``
        given (alone, or among the callbacks, an iterator of them too) gets back its
        attributes as ``backup_resume`` found them (the folder it bound, whether it
        resumes; ``check_last``'s normalized ``save_freq``). Once started, nothing (a
        run's error)."""
        if not self.started:
            for callback, was in self.backups_were:
                vars(callback).clear()
                vars(callback).update(was)

    def check_arguments(self) -> None:
        """Step 2, in this order: the loss, optimizer and metrics (``fit_defaults``: a fit
        without a loss or an optimizer refused), the callbacks, ``epochs`` (0: nothing
        trains, as Keras), the step arguments (``batch_size`` None: 32, as Keras; a source's
        is None, refused otherwise) and ``initial_epoch``."""
        self.asked = self.optimizer
        self.loss, self.optimizer, self.metrics, self.read = fit_defaults(
            self.model, self.loss, self.optimizer, self.metrics, self.resume_from)
        self.callbacks = _callback_list(self.callbacks)
        self.epochs = check_positive_int("epochs", self.epochs, 0)
        self.steps = FitSteps(self.batch_size, self.validation_freq, self.validation_batch_size,
                              self.steps_per_epoch, self.validation_steps)
        self.initial_epoch = check_positive_int("initial_epoch", self.initial_epoch, 0)

    def undone_if_refused(self) -> AbstractContextManager[None]:
        """Step 3's block: notes whether the model is unbuilt (``built_here``: this fit builds
        it) and puts it back as it was, its layers too, should the block raise
        (``_unbuilt_if_refused``)."""
        self.built_here = not self.model.built
        return _unbuilt_if_refused(self.model)

    def resolve(self) -> None:
        """The built model's layers checked as built (one appended since: said so), the loss
        and optimizer as instances (a name resolved, a bad one refused), then the warnings
        on the model's output for that loss, pointing at the user's call (``warn_outputs``)."""
        model = self.model
        check_layers_as_built(model)  # a layer appended since build: say so, not n_outputs'
        self.loss, self.optimizer = resolve_loss(self.loss), resolve_optimizer(self.optimizer)
        warn_outputs(model, self.loss)

    def check_last(self, check: Callable[[Sequential], Any] | None = None) -> None:
        """Step 3's last checks, once the data are prepared: the metrics (a bad name refused),
        ``resume_from``'s checkpoint read and checked against the model (``check``: the
        caller's own check of the saved model), its optimizer, epoch and generator then
        winning, the optimizer's slots (made before a change of ``layer.trainable``), and
        each callback's ``on_train_begin`` refusals for the generator the fit trains with."""
        model = self.model
        self.given_metrics = _listed(self.metrics)  # as given: a checkpoint records them so
        self.metrics = resolve_metrics(self.given_metrics, self.loss, model)
        seeded = as_rng(self.seed) if self.seed is not None and not self.built_here else None
        if self.resume_from is not None:  # read and checked; put in only by ``start``
            from ._resume import read_resume

            self.checkpoint = read_resume(model, self.optimizer, self.resume_from,
                                          checkpoint=self.read, check=check, asked=self.asked)
            # its optimizer and generator win
            self.initial_epoch, self.optimizer, seeded = (
                self.checkpoint.epoch, self.checkpoint.optimizer, self.checkpoint.model.rng)
        check_optimizer(model, self.optimizer)  # slots made before a change of layer.trainable
        self.rng = model.rng if seeded is None else seeded
        check_before_fit(self.callbacks, self.optimizer, self.metrics, self.rng, model)

    def start(self, setup: Callable[..., _T], *args: Any, restart_epoch: bool = False) -> _T:
        """Step 4, once every check passed (a refused call changed nothing): the checkpoint
        put into the model, a stopped epoch's progress dropped with ``restart_epoch`` (a
        source starts the recorded epoch again), the generator the fit trains with
        (``seed``'s, unless a checkpoint's wins), the trainable parameters packed anew if
        that set changed; then ``setup(self, *args)``, the fit's bindings (its ``_setup``),
        whose result it returns. A Ctrl-C (or any error) in here, before fit's guard is in
        place, puts the model back as it was (``_put_back``): the fit then changed nothing,
        as a refused one (left over, a resumed checkpoint's records would be read by the
        next fit)."""
        model, checkpoint = self.model, self.checkpoint
        was, weights = dict(model.__dict__), None if checkpoint is None else _weights(model)
        try:
            if checkpoint is not None:
                from ._resume import apply_resume

                apply_resume(model, checkpoint)
            if restart_epoch:
                model.__dict__.pop("_resume_partial", None)
            model.rng = self.rng
            fit_parameters(model)
            bound = setup(self, *args)
        except BaseException:  # a Ctrl-C before fit's guard is in place: the model as it was
            _put_back(model, was, weights)
            raise
        self.started = True
        return bound

    def run(self, loop: _Loop, this_fit: History) -> History:
        """Step 5: ``loop``'s epochs (``train._run``) at the checked validation frequency and
        batch. Returns ``this_fit``, the History of this fit's epochs; a resumed run, the
        whole curve (the model's History as ``_setup`` made it: callbacks may rebind it)."""
        from .train import _bind_rng, _run

        steps = self.steps
        loop.val_freq, loop.val_batch = steps.validation_freq, steps.validation_batch_size
        history = self.model.history
        _bind_rng(self.model)  # the layers draw from the fit's generator (after ``start``'s
        # undo: a Ctrl-C before this leaves them as they were)
        _run(loop, self.callbacks, self.initial_epoch, self.epochs, self.given_metrics)
        return history if self.resume_from is not None and history is not None else this_fit


def _backups(callbacks: Any) -> list[Any]:
    """The ``BackupAndRestore`` callbacks among ``callbacks`` (one alone, or any iterable of
    them but an iterator, which ``backup_resume`` reads as ``fit`` does), for ``refused``."""
    from ._backup_callback import BackupAndRestore

    if isinstance(callbacks, Callback):  # one alone, as ``backup_resume`` takes it
        return [callbacks] if isinstance(callbacks, BackupAndRestore) else []
    if isinstance(callbacks, str | bytes | dict) or not hasattr(callbacks, "__iter__"):
        return []  # fit refuses it
    return [cb for cb in callbacks if isinstance(cb, BackupAndRestore)]


def _weights(model: Sequential) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """What a checkpoint going in overwrites besides the model's attributes: its weights (and
    layer state), copied, and each layer's generator."""
    return model.get_weights(), [(layer, layer.rng) for layer in model.layers
                                 if hasattr(layer, "rng")]


def _put_back(model: Sequential, was: dict[str, Any],
              weights: tuple[list[Any], list[tuple[Any, Any]]] | None) -> None:
    """``FitPlan.start``'s undo: ``model``'s attributes as ``was`` (its generator, history,
    records) and, for a resumed fit, its weights, layer state and layers' generators."""
    model.__dict__.clear()
    model.__dict__.update(was)
    if weights is not None:
        model.set_weights(weights[0])
        for layer, rng in weights[1]:
            layer.rng = rng
