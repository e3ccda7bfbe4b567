"""Keras 3's ``compile`` arguments, ``evaluate`` and ``metrics_names`` of a ``Sequential``.

``CompileMethods`` is a mixin of ``nonlin.sequential.Sequential`` (as ``KerasMethods``).
``compile`` takes every keyword of Keras 3's ``Trainer.compile``: those that only steer how
Keras compiles its step (``run_eagerly``, ``jit_compile``, ``steps_per_execution``,
``auto_scale_loss``) are taken and change no number, since nonlin runs every step in NumPy,
eagerly, one batch at a time; those that would change the numbers where nonlin does not
follow (``loss_weights`` other than 1, ``weighted_metrics``) are refused saying what to do
instead (``check_loss_weights``, ``check_weighted_metrics``). ``metrics`` stays ``compile``'s
third positional argument (Keras puts ``loss_weights`` there): nonlin's messages and scripts
have always written ``compile(optimizer, loss, metrics)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, overload

import nonlin  # the hints below, read when the hints are (nonlin.losses, lazy)

from ._kept_table import forget
from ._quoting import quoted
from .validation import check_bool, check_positive_int, is_real

_NO_SCALING = ("nonlin's model has one output, whose weight would only scale its loss and "
               "gradient; leave loss_weights out (Adam and RMSprop barely change with a "
               "scaled loss; with SGD, multiply the learning rate by the weight instead)")


def check_loss_weights(loss_weights: Any) -> None:
    """Keras' ``loss_weights`` for a one-output model: None, 1, ``[1]`` or ``(1,)``; any
    other weight is refused (``_NO_SCALING``)."""
    if loss_weights is None:
        return
    values = (list(loss_weights) if isinstance(loss_weights, list | tuple)
              else list(loss_weights.values()) if isinstance(loss_weights, dict)
              else [loss_weights])
    if len(values) == 1 and is_real(values[0]) and values[0] == 1:  # not "1", nor True
        return
    raise ValueError(f"Expected loss_weights=None (or 1.0). Received: loss_weights="
                     f"{quoted(loss_weights, 100)}: {_NO_SCALING}")


def check_weighted_metrics(weighted_metrics: Any) -> None:
    """Keras' ``weighted_metrics``: None or empty; metrics weighted by ``sample_weight`` are
    refused (nonlin weighs the loss alone), with the way to compute one."""
    if weighted_metrics is None or (isinstance(weighted_metrics, list | tuple | dict)
                                    and not weighted_metrics):
        return
    raise ValueError(
        "Expected weighted_metrics=None: nonlin's fit and evaluate weigh the loss by "
        "sample_weight and class_weight, never the metrics (as Keras' metrics=). Received: "
        f"weighted_metrics={quoted(weighted_metrics, 100)}. A weighted score is the metric "
        "called on the predictions: nonlin.metrics.Accuracy()(y, model.predict(X), "
        "sample_weight=w)")


def check_jit_compile(jit_compile: Any) -> None:
    """Keras' ``jit_compile``: a bool or ``"auto"``."""
    if isinstance(jit_compile, str) and jit_compile == "auto":
        return
    try:
        check_bool("jit_compile", jit_compile)
    except (TypeError, ValueError):
        raise TypeError('Expected jit_compile as a bool or "auto" (Keras 3\'s). Received: '
                        f"jit_compile={quoted(jit_compile)}") from None


def keep_compiled(model: Any, optimizer: Any) -> None:
    """Forget the instance ``compile`` was given (``_compiled_instance``, which
    ``fit(resume_from=...)`` checks) once ``optimizer``, another one, replaces it as
    ``model.optimizer``: kept, its slots would stay in memory and in every pickle or copy of
    the model beside the optimizer that trains."""
    if model.__dict__.get("_compiled_instance") is not optimizer:
        model.__dict__.pop("_compiled_instance", None)


class CompileMethods:
    """``compile``, ``evaluate``, ``metrics_names`` and ``compiled`` of a ``Sequential``."""

    optimizer: nonlin.optimizers.Optimizer | None
    loss: nonlin.losses.Loss | None
    _metrics: list[Any]
    stop_training: bool
    # Sequential's attributes set by loading, resuming (_reader, checkpoint) and fit:
    metadata: dict[str, Any]
    _fit_callbacks: list[Any]
    _fit_metrics: list[Any]
    _fit_metrics_given: list[Any]  # fit's metrics as given to it, while it runs (train._run)
    _file_metric_names: tuple[tuple[Any, Any, Any], ...]  # names load gave (_compile_entries)
    _fit_running: int  # id(model) while its fit runs (train._run)
    _epoch_in_progress: Any  # a nonlin._epoch_state.EpochProgress, or None
    _epoch_logs: tuple[int, dict[str, Any]] | None
    _resume_callbacks: list[dict[str, Any]]
    _resume_partial: dict[str, Any] | None

    # Keras 3's attributes that compile sets; nonlin runs eagerly, one batch per step
    run_eagerly = False
    jit_compile = False
    steps_per_execution = 1

    def compile(self, optimizer: Any = "rmsprop", loss: Any = None,
                metrics: Iterable[Any] | None = None, *, loss_weights: Any = None,
                weighted_metrics: Any = None, run_eagerly: bool = False,
                steps_per_execution: int = 1, jit_compile: bool | str = "auto",
                auto_scale_loss: bool = True) -> None:
        """Keras' ``compile``: the optimizer, loss and metrics that ``fit`` and ``evaluate``
        use when not given theirs (``model.optimizer``, ``model.loss``; a ``fit`` given
        others replaces them, and the optimizer keeps its state from one fit to the next).
        Refused (``RuntimeError``) from a callback while this model's ``fit`` runs.

        Parameters
        ----------
        optimizer : Optimizer or registry name, default "rmsprop"
            Keras' default: ``RMSprop()`` with Keras' defaults.
        loss : Loss or registry name ("cross_entropy"), optional
            None keeps the model's loss (none yet: ``fit`` then asks for one), as Keras.
        metrics : sequence of names or ``nonlin.metrics.Metric``, optional
            None keeps the model's metrics (none yet: none), as Keras 3 keeps them with its
            loss; ``[]`` drops them. The third positional argument (Keras': ``loss_weights``).
        loss_weights : None or 1.0
            Keras' weights of the outputs' losses; nonlin's model has one output, whose
            weight would only scale the loss: any weight but 1 is refused.
        weighted_metrics : None
            Refused unless empty (``[]``, ``{}``): nonlin weighs the loss by
            ``sample_weight``, not the metrics (the message says how to compute a weighted
            score).
        run_eagerly, steps_per_execution, jit_compile, auto_scale_loss
            Keras' ways to compile its step, checked (a bool; an integer >= 1; a bool or
            ``"auto"``; a bool) and without effect: nonlin runs each step in NumPy, one
            batch at a time, so batch hooks run after every batch (Keras: every
            ``steps_per_execution`` batches), and has no mixed precision to scale for.
            ``model.run_eagerly`` is then True, ``model.jit_compile`` False and
            ``model.steps_per_execution`` the value given.
        """
        from ._resolved_args import compiled

        check_loss_weights(loss_weights)
        check_weighted_metrics(weighted_metrics)
        check_bool("run_eagerly", run_eagerly)
        steps = check_positive_int("steps_per_execution", steps_per_execution)
        check_jit_compile(jit_compile)
        check_bool("auto_scale_loss", auto_scale_loss)
        self.optimizer, self.loss, self._metrics = compiled(  # None: Keras keeps its own
            self, self.loss if loss is None else loss, optimizer=optimizer,  # type: ignore[arg-type]
            metrics=self._metrics if metrics is None else metrics)
        # an instance given (not a name, which compiled resolved): fit(resume_from=...)
        # checks its settings against the checkpoint's, as fit(optimizer=instance)'s
        self.__dict__["_compiled_instance"] = (
            None if isinstance(optimizer, str) else self.optimizer)
        self.run_eagerly, self.jit_compile, self.steps_per_execution = True, False, steps
        self.stop_training = False
        forget(self)  # train_on_batch's kept state: the former optimizer and loss not held on

    @property
    def compiled(self) -> bool:
        """Keras' ``model.compiled``: whether the model has an optimizer, from ``compile``,
        a ``fit`` or a file's compile record (``nonlin.load``)."""
        return self.optimizer is not None

    def reset_metrics(self) -> None:
        """Keras' ``model.reset_metrics()``, for a loop of ``train_on_batch`` calls: nothing to
        reset, since nonlin's ``train_on_batch`` and ``test_on_batch`` report each batch alone
        and ``fit`` and ``evaluate`` start their metrics afresh (Keras 3 accumulated them over
        the calls until this reset)."""

    @property
    def metrics_names(self) -> list[str]:
        """The names of what ``evaluate(..., return_dict=False)`` lists, in its order:
        ``["loss", *compile's metric names]`` (each as given, ``"acc"`` -> ``"acc"``); ``[]``
        without a loss. Keras 3 names its compiled metrics as one, ``"compile_metrics"``
        (``tf.keras`` listed each); nonlin lists each, so with metrics ``dict(zip(
        model.metrics_names, model.evaluate(x, y, return_dict=False)))`` pairs every value
        with its name (without, ``evaluate`` gives the loss alone, a float, as Keras)."""
        if self.loss is None:
            return []
        from .evaluation import resolve_loss
        from .metrics import get_metrics

        metrics = get_metrics(self._metrics, loss=resolve_loss(self.loss),
                              n_outputs=getattr(self, "n_outputs", None))
        return ["loss", *(m.name for m in metrics)]

    # for type checkers: ``return_dict`` (True by default) gives a dict, False a list or float
    @overload
    def evaluate(self, x: Any, y: Any = ..., batch_size: int | None = ..., verbose: Any = ...,
                 sample_weight: Any = ..., steps: int | None = ..., callbacks: Any = ...,
                 return_dict: Literal[True] = ..., *, loss: Any = ...,
                 metrics: Iterable[Any] | None = ...) -> dict[str, float]: ...
    @overload
    def evaluate(self, x: Any, y: Any = ..., batch_size: int | None = ..., verbose: Any = ...,
                 sample_weight: Any = ..., steps: int | None = ..., callbacks: Any = ..., *,
                 return_dict: Literal[False], loss: Any = ...,
                 metrics: Iterable[Any] | None = ...) -> float | list[float]: ...
    @overload  # return_dict=False given by position (Keras' 8th)
    def evaluate(self, x: Any, y: Any, batch_size: int | None, verbose: Any, sample_weight: Any,
                 steps: int | None, callbacks: Any, return_dict: Literal[False], *,
                 loss: Any = ..., metrics: Iterable[Any] | None = ...) -> float | list[float]: ...
    @overload
    def evaluate(self, x: Any, y: Any = ..., batch_size: int | None = ..., verbose: Any = ...,
                 sample_weight: Any = ..., steps: int | None = ..., callbacks: Any = ...,
                 return_dict: bool = ..., *, loss: Any = ...,
                 metrics: Iterable[Any] | None = ...) -> dict[str, float] | float | list[float]: ...
    def evaluate(self, x: Any, y: Any = None, batch_size: int | None = None, verbose: Any = 0,
                 sample_weight: Any = None, steps: int | None = None, callbacks: Any = None,
                 return_dict: bool = True, *, loss: Any = None,
                 metrics: Iterable[Any] | None = None) -> dict[str, float] | float | list[float]:
        """Loss and metrics on ``(x, y)``, or on a batch source's batches, in inference mode.

        Keras 3's positional order (``x, y, batch_size, verbose, sample_weight, steps,
        callbacks, return_dict``); ``loss`` and ``metrics`` are nonlin's, keyword-only.

        Parameters
        ----------
        x : array or pandas DataFrame of shape (n_samples, n_features), or a batch source
            A source (the guide's "Streaming batches") gives ``(x, y)`` or
            ``(x, y, sample_weight)`` batches; the loss is then weighted by rows over all
            of them, as for arrays (a source of the same rows gives the same numbers).
        y : array of shape (n_samples,) or (n_samples, n_outputs), default None
            Targets as for ``fit``; None with a source.
        batch_size : int, optional
            Rows per chunk (1,024 by default): only bounds memory. None with a source.
        verbose : {0, 1, 2, "auto"}, default 0
            As in Keras: 0 silent, 1 or ``"auto"`` a progress bar over the chunks, then the
            results, 2 one line with the results at the end; on standard error. (Keras'
            default is ``"auto"``; nonlin's is silent.)
        sample_weight : array of shape (n_samples,), optional
            Weighs each sample's loss, as in ``fit``, not the metrics. None with a source.
        steps : int, optional
            Keras 3's: the rows of the first ``steps`` batches of ``batch_size`` rows (all
            rows without ``batch_size``); with a source, its first ``steps`` batches.
        callbacks : sequence of ``nonlin.callbacks.Callback``, optional
            Or one callback, or a ``CallbackList`` (its callbacks).
            Keras 3's: their ``on_test_begin`` runs before the pass and
            ``on_test_end`` after it with the results, as during ``fit``'s validation (the
            batch hooks run in neither), the dict returned (a key a hook adds is in it, last,
            as Keras 3 returns it); after a pass that fails once begun, with ``{}``
            (Keras skips it: ``SwapEMAWeights`` then leaves the average in the model).
        return_dict : bool, default True
            False (Keras' default there): the list of the values in ``metrics_names``'
            order, or the loss alone (as Keras 3, keys an ``on_test_end`` hook added
            follow, sorted; a key it removed is left out).
        loss : object or registry name, optional
            By default the model's (``compile``'s or the last ``fit``'s); the loss
            includes the layers' regularization terms, as during training.
        metrics : sequence of names or ``Metric``, optional
            As for ``fit``; by default ``compile``'s.

        Returns
        -------
        dict or list or float
            ``{"loss": ..., <metric name>: ...}`` (see ``return_dict``).
        """
        from .evaluation import evaluate

        return evaluate(self, x, y, loss=loss, metrics=metrics,  # type: ignore[arg-type]
                        batch_size=batch_size, sample_weight=sample_weight, verbose=verbose,
                        return_dict=return_dict, steps=steps, callbacks=callbacks)
