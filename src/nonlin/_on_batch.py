"""``train_on_batch`` and ``test_on_batch`` (Keras 3's): ``fit``'s step and ``evaluate``'s
pass on one batch, through their own code.

``train_on_batch`` checks and converts the batch as ``fit`` does (``make_dataset``) at
every call, and the loss's and the optimizer's settings (``resolve_loss``,
``resolve_optimizer``) at a call that kept nothing from the last (below), then runs one
epoch of ``fit``'s loop (``nonlin._epoch_loop._Loop``) over it, unshuffled, with the batch
as the one step: the same forward/loss/backward, the same divergence checks and undo, the
same optimizer call (whose state carries over from call to call).
What the checks resolve (the loss, the optimizer, the metrics, the loop and its buffers) is
kept for the next call while the model, loss and optimizer stay as they were
(``nonlin._on_batch_state``): a changed setting, layer, flag or compile is checked again.
What it leaves out is what belongs to a ``fit`` run: the ``History``, callbacks,
progress bar, the one-class warning, checkpoints' records; ``fit``'s warnings on the
output layer come once per model and loss (``_warn_once``). ``test_on_batch`` is
``evaluate`` with the batch as one chunk.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary, ref

from ._backward_pass import MARK, TAKEN, WEIGHTS, drop
from ._callback_list import CallbackList
from ._epoch_loop import _Loop
from ._feature_names import check_names, fit_names, record_names
from ._fit_build import _build_if_needed, _unbuilt_if_refused
from ._interrupt import SigintGuard
from ._layer_caches import release
from ._layers_built import check_layers_as_built
from ._on_batch_state import KeptState, keep, kept_state
from ._one_class_scores import as_list, warn_pooled
from ._output_warnings import warn_outputs
from ._source_kind import is_source
from ._trainable import check_optimizer, fit_parameters
from .core import Sequential
from .data import Dataset, make_dataset
from .evaluation import evaluate, evaluate_dataset, resolve_loss, resolve_metrics
from .exceptions import DivergenceError
from .train import _bind_rng, resolve_optimizer
from .validation import check_bool

# the pairing of model, loss and layers train_on_batch last warned about (_warn_once)
_WARNED: WeakKeyDictionary[Sequential, tuple[Any, ...]] = WeakKeyDictionary()
# train_on_batch's loop calls no callback (its logs are run_epoch's)
_NO_CALLBACKS = CallbackList([], None, {"verbose": 0, "epochs": 1, "steps": 1})


class _OneStep(_Loop):
    """``fit``'s loop, keeping the step's own loss (the batch-end logs hold the epoch's
    running loss, which over one batch may differ from it in the last bit)."""

    value = float("nan")

    def _guarded_step(self, epoch: int, batch: int, start: int, stop: int, order: Any,
                      total: float) -> tuple[float, float]:
        self.value, total = super()._guarded_step(epoch, batch, start, stop, order, total)
        return self.value, total


def _compiled(model: Sequential, method: str, *, optimizer: bool) -> None:
    """Keras' ``_assert_compile_called``: a loss (and an optimizer) from ``compile`` or the
    last ``fit``, else ``ValueError`` naming ``compile``."""
    missing = [f"model.{name}=None" for name in ("loss", "optimizer")[: 1 + optimizer]
               if getattr(model, name, None) is None]
    if missing:
        raise ValueError(f"You must call compile() before {method}(): model.compile("
                         f"optimizer, loss, metrics) (or fit the model once with a loss and "
                         f"an optimizer). Received: {', '.join(missing)}")


def _results(logs: dict[str, float], return_dict: bool) -> Any:
    """Keras' answer: the dict, or ``[loss, *metrics]``, or the loss alone."""
    if return_dict:
        return logs
    values = list(logs.values())
    return values if len(values) > 1 else values[0]


def train_on_batch(model: Sequential, x: Any, y: Any, sample_weight: Any, class_weight: Any,
                   return_dict: bool) -> Any:
    """One ``fit`` step on ``(x, y)``; see ``Sequential.train_on_batch``."""
    return_dict = check_bool("return_dict", return_dict)
    if model.__dict__.get("_fit_running") == id(model):
        raise RuntimeError("Cannot call train_on_batch on a model whose fit is running (from "
                           "one of its callbacks?): let the fit step, or stop it first")
    _compiled(model, "train_on_batch", optimizer=True)
    names = fit_names(model, x, None)  # a DataFrame's columns, as fit checks them
    kept = kept_state(model)
    checked = kept is None
    if kept is None:  # the checks, and what they resolve kept for the next call
        loop, kept = _checked_loop(model, x, y, sample_weight, class_weight)
    else:  # the model, loss, optimizer and metrics as the last call checked them
        data = make_dataset(x, y, kept.loss, model, sample_weight=sample_weight,
                            class_weight=class_weight)
        kept.bind_rng(model)
        loop = _kept_loop(kept, model, data)
    try:  # from here the loop holds the model and the batch: cleared however the call ends
        record_names(model, names)
        epoch_logs = _one_step(loop)
        if checked and kept is not None:  # the optimizer as its step bound it: as checked
            kept.key = kept.key_now(model)
    finally:
        if kept is not None:  # the loop kept holds neither the model nor the batch
            loop.model = loop.objective.model = None  # type: ignore[assignment]
            loop.train = loop._batch = None  # type: ignore[assignment]
    logs = {"loss": float(loop.value)}
    logs.update({m.name: float(epoch_logs[m.name]) for m in loop.metrics})
    return _results(logs, return_dict)


def _checked_loop(model: Sequential, x: Any, y: Any, sample_weight: Any,
                  class_weight: Any) -> tuple[_OneStep, KeptState | None]:
    """Every check of a call, as ``fit`` makes them, and the loop for ``(x, y)``; kept for
    the next call (``KeptState``) where that can be."""
    with _unbuilt_if_refused(model):
        _build_if_needed(model, x, None)
        check_layers_as_built(model)
        loss, optimizer = resolve_loss(model.loss), resolve_optimizer(model.optimizer)
        data = make_dataset(x, y, loss, model, sample_weight=sample_weight,
                            class_weight=class_weight)
        check_optimizer(model, optimizer)
        _warn_once(model, loss)  # once the checks passed: a refused call warns of nothing
    fit_parameters(model)  # the trainable ones, packed anew if that set changed
    _bind_rng(model)
    metrics = resolve_metrics(model._metrics, loss, model)
    kept = keep(model, metrics) if loss is model.loss and optimizer is model.optimizer else None
    if kept is not None:
        return _kept_loop(kept, model, data), kept
    return _OneStep(model, loss, optimizer, data, None, metrics, len(data), False,
                    _NO_CALLBACKS), None


def _warn_once(model: Sequential, loss: Any) -> None:
    """``fit``'s warnings on the model's output for ``loss`` (``warn_outputs``), once per
    model, loss and layers: a call that checked again (a setting changed, or a loss that
    cannot be kept) warns only of a pairing not warned of before (Keras 3 warns in its
    cross-entropy ops, on every path that computes the loss, ``train_on_batch``'s too).
    The loss and layers are held weakly (``_held``): one freed since, whose id a new one
    may have, is no match. A warning raised as an error (``-W error``) marks nothing: the
    next call raises it again, as ``fit`` does (and this call's build is undone)."""
    logits, now = getattr(loss, "from_logits", None), (model.loss, *model.layers)
    try:
        if _warned(_WARNED.get(model), logits, now):
            return
    except TypeError:  # a model that is not hashable or weakly referenced: warned each time
        pass
    warn_outputs(model, loss)
    warn_pooled(as_list(model._metrics), loss, model)
    try:
        _WARNED[model] = (logits, *map(_held, now))
    except TypeError:
        pass


def _held(obj: Any) -> Any:
    """``obj`` as ``_WARNED`` keeps it: a weak reference, or, for a name (a str) or an object
    that cannot be weakly referenced (held until the model's next pairing), itself."""
    try:
        return ref(obj)
    except TypeError:
        return obj


def _warned(was: tuple[Any, ...] | None, logits: Any, now: tuple[Any, ...]) -> bool:
    """Whether ``was`` (``_warn_once``'s record) holds ``logits`` and the objects of ``now``
    (the model's loss, a name compared by value, and its layers)."""
    if was is None or len(was) != len(now) + 1 or was[0] != logits:
        return False
    for held, obj in zip(was[1:], now, strict=True):
        if isinstance(held, ref):
            held = held()
        if held is not obj and not (isinstance(obj, str) and held == obj):
            return False
    return True


def _kept_loop(kept: KeptState, model: Sequential, data: Dataset) -> _OneStep:
    """``kept``'s loop, given ``model`` and ``data``: made anew for a batch of another size
    or kind; else with what a new loop would read anew (the optimizer's step count, ``l2``,
    the loss's ``stop_on_nonfinite``)."""
    X, y = data.X, data.y  # len(data) and data.labels, read as they are
    shape = (X.shape[0], y.ndim, data.weight is None, X.dtype, y.dtype, y.shape[1:])
    loop: _OneStep | None = kept.loop
    if loop is None or shape != kept.shape:
        loop = kept.loop = _OneStep(model, kept.loss, kept.optimizer, data, None, kept.metrics,
                                    len(data), False, _NO_CALLBACKS)
        kept.shape = shape
        return loop
    loop.model = loop.objective.model = model
    loop.train, loop.has_penalty = data, kept.has_penalty()
    loop.start_steps = getattr(kept.optimizer, "iterations", None)
    loop.stop_on_nonfinite = getattr(kept.loss, "stop_on_nonfinite", True)
    return loop


def _one_step(loop: _OneStep) -> dict[str, float]:
    """``loop``'s one-batch epoch, as ``train._run`` runs an epoch: Ctrl-C deferred to the
    step's end, non-finite updates refused (a ``DivergenceError`` says train_on_batch);
    the epoch's logs."""
    model, optimizer, guard = loop.model, loop.optimizer, SigintGuard()
    previous = None  # a Ctrl-C before the guard is in place: the finally still runs
    checked = optimizer.check_finite  # a user's True kept after the call
    try:
        optimizer.check_finite = True
        model._fit_running = id(model)  # a fit from a callback of this call is refused
        previous = guard.install()
        loop.guard = guard
        return loop.run_epoch(0)
    except DivergenceError as error:
        error.args = (str(error).replace("at epoch 0, batch 0", "in train_on_batch")
                      .replace("of this fit", "of this call"),)
        raise
    finally:
        guard.uninstall(previous)
        optimizer.check_finite = checked
        model.__dict__.pop("_fit_running", None)
        state = model.__dict__
        if MARK in state or TAKEN in state or WEIGHTS in state:  # no backward after this step
            drop(model)  # (nonlin._backward_pass)
        release(model.layers)  # no reference to the batch kept (nonlin._layer_caches)


def test_on_batch(model: Sequential, x: Any, y: Any, sample_weight: Any,
                  return_dict: bool) -> Any:
    """``evaluate`` on ``(x, y)`` in one chunk; see ``Sequential.test_on_batch``. Where
    ``train_on_batch`` kept its checks (``KeptState``: the model, loss and metrics as it
    checked them), ``evaluate``'s own are not made again: the batch's are."""
    return_dict = check_bool("return_dict", return_dict)
    _compiled(model, "test_on_batch", optimizer=False)
    try:
        rows = len(x)
    except TypeError:  # no rows (a scalar, a 0-d array): evaluate's check says what x is
        rows = 0
    kept = kept_state(model) if rows else None
    if kept is None or is_source(x):
        return evaluate(model, x, y, batch_size=rows or None, sample_weight=sample_weight,
                        return_dict=return_dict)
    check_names(model, x)
    data = make_dataset(x, y, kept.loss, model, sample_weight=sample_weight, convert_X=False)
    results = evaluate_dataset(model, kept.loss, data, kept.metrics, rows)
    return results if return_dict else _results(results, False)
