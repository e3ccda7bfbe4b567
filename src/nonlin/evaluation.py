"""Inference-mode passes over data: batched prediction, loss and metrics.

``evaluate`` (behind ``Sequential.evaluate``) and the validation pass of
``fit`` go through ``evaluate_dataset``: rows pass through the model a chunk
at a time, the loss and the streaming metrics add up chunk by chunk, so only
one chunk's outputs are held. Names given as strings ("cross_entropy",
"accuracy") are resolved here, once, through the registry.

A final ``Softmax`` or ``Sigmoid`` with its cross-entropy is scored as ``fit``
trains it (``objective.fused_kind``): the loss comes from the logits, unclipped,
so ``evaluate``, ``val_loss`` and the training loss agree even for confident
wrong predictions; the metrics still see the probabilities.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

import numpy as np

from ._dense_keras import fused_head, output_layer
from ._entropy_options import has_options
from ._feature_names import check_names
from ._fit_keras_args import check_steps, rows_for_steps
from ._inference import infer, put_chunk
from ._layers_built import check_layers_as_built
from ._loss_checks import check_settings
from ._metric_base import result_of
from ._objective_logits import logits_twin
from ._one_class_scores import as_list, warn_one_class, warn_pooled
from ._quoting import quoted
from ._source_kind import is_source
from .activations import Softmax, softmax_into
from .core import Sequential
from .data import Dataset, make_dataset
from .losses import BinaryCrossEntropy, CrossEntropy, Loss
from .metrics import Metric, get_metrics, streamed_update
from .objective import fused_kind
from .validation import as_dtype, check_bool, check_positive_int, check_verbose

_EVAL_BATCH = 1024
Tick = Callable[[int], None]  # told the number of batches done, for a progress display


def resolve_loss(loss: Any, *, per_sample: bool = False) -> Loss:
    """A ``Loss`` for a loss object or a registry name such as ``"cross_entropy"``.

    ``fit``, ``evaluate`` and ``compile`` need one number per batch: a loss with
    ``reduction="none"`` is refused, unless ``per_sample`` (``gradcheck``, which
    checks the sum of its per-sample losses).
    """
    from .registry import loss as loss_from_name

    if isinstance(loss, str):
        return loss_from_name(loss)
    if not isinstance(loss, Loss):
        hint = f"; create one: {loss.__name__}()" if isinstance(loss, type) else ""
        raise TypeError(f"Expected a Loss or a loss name. Received: loss={quoted(loss)}{hint}")
    check_settings(loss)  # attributes set since construction (loss.gamma = nan): refused
    if not per_sample and loss.reduction == "none":
        raise ValueError(
            f"Expected a loss with reduction='mean' (the default) or 'sum': training and "
            f"evaluation need one number per batch, and reduction='none' gives one loss per "
            f"sample. Use {type(loss).__name__}(reduction='mean'), or call the loss yourself "
            f"for per-sample values. Received: reduction={quoted(loss.reduction)}")
    return loss


def resolve_metrics(metrics: Iterable[Any], loss: Loss, model: Sequential) -> list[Metric]:
    """Metric objects for names, objects or functions (``"accuracy"`` follows the loss),
    each keyed by the name given (see ``metrics.get_metrics``)."""
    return get_metrics(metrics, loss=loss, n_outputs=model.n_outputs)


def penalty(model: Sequential) -> float:
    """Sum of the layers' regularization terms (e.g. ``l2 * sum(W**2)`` of ``Dense``); a
    frozen layer's (``trainable = False``) is left out, as Keras 3 does."""
    return sum(layer.penalty() for layer in model.layers
               if hasattr(layer, "penalty") and getattr(layer, "trainable", True))


def penalty_overflow(model: Sequential) -> str | None:
    """What of a layer's L2 term overflows ``model``'s dtype at its current weights: its
    value ``l2 * sum(W**2)`` (``"penalty"``), or its gradient ``2 * l2 * W``
    (``"gradient"``), which no learning rate makes finite; None when neither does."""
    largest = float(np.finfo(model.dtype).max)
    for layer in model.layers:
        W = getattr(getattr(layer, "W", None), "value", None)
        l2 = getattr(layer, "l2", 0)
        if (not l2 or W is None or not W.size or not hasattr(layer, "penalty")
                or not getattr(layer, "trainable", True)):
            continue
        if not layer.penalty() <= largest:
            return "penalty"
        if not 2.0 * l2 * float(np.max(np.abs(W))) <= largest:
            return "gradient"
    return None


def logit_loss(model: Sequential, loss: Loss) -> Loss | None:
    """The from-logits twin of ``loss`` when ``fit`` trains ``model`` through the logits
    of its final ``Softmax`` / ``Sigmoid`` (see ``objective.fused_kind``), else None."""
    if not fused_kind(model, loss)[1] or not isinstance(loss, CrossEntropy | BinaryCrossEntropy):
        return None  # (fused_kind fuses the cross-entropies alone)
    return logits_twin(loss)  # its options too (label_smoothing, pos_weight)


def scoring_path(model: Sequential, loss: Loss) -> tuple[Loss | None, list[Any], Any]:
    """How evaluation scores ``model``: ``(scorer, head, last)``, the ``logit_loss`` twin,
    the layers up to the logits and the output activation; ``(None, model.layers, None)``
    when the model's outputs are scored by ``loss`` itself."""
    scorer = logit_loss(model, loss)  # a cross-entropy then, reduced as ``loss``
    if scorer is None:
        return None, model.layers, None
    return scorer, fused_head(model.layers), output_layer(model.layers[-1])


def _forward(layers: list[Any], x: np.ndarray) -> np.ndarray:
    return infer(layers, x)


def _logits_unchecked(model: Sequential, layers: list[Any], X: np.ndarray,
                      batch_size: int, tick: Tick | None = None) -> np.ndarray:
    """Inference outputs of ``layers`` (the model's, or all but its output activation)
    for an already checked ``X`` in the model's dtype, batch by batch."""
    if batch_size >= X.shape[0]:
        return _forward(layers, X)
    out = np.empty((X.shape[0], cast(int, model.n_outputs)), dtype=model.dtype)
    for step, start in enumerate(range(0, X.shape[0], batch_size), 1):
        put_chunk(out, start, batch_size, _forward(layers, X[start : start + batch_size]))
        if tick is not None:
            tick(step)
    return out


def _scored(last: Any, scorer: Loss, z: np.ndarray, y: np.ndarray, w: np.ndarray | None,
            outputs: bool) -> tuple[float, np.ndarray | None]:
    """``sum_i w_i l_i`` from the logits ``z`` and, if ``outputs``, ``last.forward(z)``.

    With integer labels one softmax serves both: ``l_i = log s_i - (z_iy - m_i)``
    from ``softmax_into``'s row maxima and sums, the probabilities bit for bit
    those of ``Softmax`` (and of ``predict``).
    """
    if type(last) is Softmax and y.ndim == 1 and not has_options(scorer):
        out = np.empty_like(z)
        m, s = softmax_into(z, out)
        with np.errstate(over="ignore"):  # -inf for rows spanning +-1e308: an infinite loss
            picked = z[np.arange(z.shape[0]), y] - m[:, 0]
        losses = np.log(s[:, 0])
        losses -= picked
        return float((losses if w is None else losses * w).sum()), out
    return scorer._sum(y, z, w), (last.forward(z) if outputs else None)


def evaluate_dataset(model: Sequential, loss: Loss, data: Dataset, metrics: list[Metric],
                     batch_size: int | None = None, tick: Tick | None = None) -> dict[str, float]:
    """Loss (plus regularization) and metrics of ``model`` on a prepared dataset.

    Rows go through the model ``batch_size`` at a time (1,024 by default); the
    loss and the streaming metrics add up chunk by chunk, so only a chunk's
    outputs are held, unless a metric cannot stream or the loss overrides
    ``_value``. A final ``Softmax`` / ``Sigmoid`` with its cross-entropy is
    scored from the logits, as ``fit`` trains it (see ``logit_loss``). ``tick``, if
    given, is told the number of chunks done after each (a progress display).
    ``data.X`` may be in another real dtype (``evaluate`` leaves it so): each chunk
    is converted to the model's as it goes, never all of ``X`` at once.
    """
    batch_size = batch_size or _EVAL_BATCH
    n, X, y, w = len(data), data.X, data.y, data.weight
    mean = getattr(loss, "reduction", "mean") == "mean"  # else "sum": the total
    scorer, head, last = scoring_path(model, loss)  # scorer: a cross-entropy, as ``loss``
    # a loss that defines its own _value (not a sum of sample losses) sees every row at once
    adds_up = type(loss)._value is Loss._value
    if n <= batch_size or not adds_up or not all(m.streams for m in metrics):
        z = _logits_unchecked(model, head, as_dtype(X, model.dtype, "x"), batch_size, tick)
        if scorer is None:
            value, out = loss._value(y, z, w), z
        else:
            total, scored = _scored(last, scorer, z, y, w, True)
            value = total / n if mean else total
            out = cast(np.ndarray, scored)  # outputs asked for: not None
        results = {"loss": value + penalty(model)}
        # unchecked, as the streamed path's _update_state: an overflowing model scores inf
        results.update({m.name: m._call(y, out) for m in metrics})
        return results
    for metric in metrics:
        metric.reset_state()
    updates = [streamed_update(m) for m in metrics]  # unchecked: the data is checked
    total = 0.0
    for step, start in enumerate(range(0, n, batch_size), 1):
        rows = slice(start, start + batch_size)
        xb = as_dtype(X[rows], model.dtype, "x", first_row=start)  # a chunk's copy at most
        z, yb, wb = _forward(head, xb), y[rows], None if w is None else w[rows]
        if scorer is None:
            out = z
            total += loss._sum(yb, z, wb)
        else:
            chunk, scored = _scored(last, scorer, z, yb, wb, bool(metrics))
            total, out = total + chunk, cast(np.ndarray, scored)  # None: no metric reads it
        for update in updates:
            update(yb, out)
        if tick is not None:
            tick(step)
    value = total / n if mean else total
    results = {"loss": value + penalty(model)}
    results.update({m.name: result_of(m) for m in metrics})
    return results


def evaluate(model: Sequential, X: Any, y: Any = None, *, loss: Any = None, metrics: Any = None,
             batch_size: int | None = None, sample_weight: Any = None,
             verbose: Any = 0, return_dict: bool = True, steps: Any = None,
             callbacks: Any = None) -> Any:
    """Loss and metrics on ``(X, y)``; see ``Sequential.evaluate`` (``callbacks``: their
    ``on_test_begin`` before the pass, ``on_test_end`` with the results after it)."""
    if callbacks is None:
        return _evaluate(model, X, y, loss=loss, metrics=metrics, batch_size=batch_size,
                         sample_weight=sample_weight, verbose=verbose,
                         return_dict=return_dict, steps=steps)
    from ._callback_list import pass_callbacks, run_pass

    return_dict = check_bool("return_dict", return_dict)
    hooks = pass_callbacks(callbacks, model, verbose)
    names: list[str] = []  # the pass's keys in their order, before on_test_end changes them

    def run(begin: Callable[[], None]) -> dict[str, Any]:
        results = _evaluate(model, X, y, loss=loss, metrics=metrics, batch_size=batch_size,
                            sample_weight=sample_weight, verbose=verbose, return_dict=True,
                            steps=steps, begin=begin)
        names.extend(results)
        return results

    results = run_pass(hooks, "test", run)
    return results if return_dict else _listed_results(results, names)


def _evaluate(model: Sequential, X: Any, y: Any, *, loss: Any, metrics: Any,
              batch_size: int | None, sample_weight: Any, verbose: Any, return_dict: bool,
              steps: Any, begin: Callable[[], None] = lambda: None) -> Any:
    """``evaluate`` (``begin``: called once the arguments are checked, before the pass, as
    Keras calls ``on_test_begin``)."""
    from .progress import PassProgress

    verbose = check_verbose(verbose)
    return_dict = check_bool("return_dict", return_dict)
    model._require_built()
    check_layers_as_built(model)
    if not is_source(X):  # a source's batches: see nonlin._source_eval
        check_names(model, X)
    if loss is None:
        loss = getattr(model, "loss", None)
        if loss is None:
            raise ValueError("Expected a loss: pass loss=..., or compile or fit the model first")
    loss = resolve_loss(loss)
    given = as_list(getattr(model, "_metrics", []) if metrics is None else metrics)
    if is_source(X):  # batches from a sequence, iterator or re-iterable (nonlin._sources)
        from ._source_eval import evaluate_source

        metrics = resolve_metrics(given, loss, model)
        warn_pooled(given, loss, model)  # after resolve_metrics refused a bad name
        results = evaluate_source(
            model, X, loss, metrics, y=y, sample_weight=sample_weight, batch_size=batch_size,
            steps=check_steps("steps", steps), verbose=verbose, begin=begin)
        return results if return_dict else _listed_results(results)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size)
    data = make_dataset(X, y, loss, model, sample_weight=sample_weight, convert_X=False)
    if steps is not None:  # Keras 3's first ``steps`` batches (_fit_keras_args)
        rows = rows_for_steps(steps, batch_size, len(data))
        w = data.weight
        data = Dataset(data.X[:rows], data.y[:rows], None if w is None else w[:rows])
    metrics = resolve_metrics(given, loss, model)
    warn_pooled(given, loss, model)
    warn_one_class(metrics, data.y, data.weight, "The evaluated rows", model.n_outputs)
    begin()
    chunks = -(-len(data) // (batch_size or _EVAL_BATCH))
    with PassProgress(verbose, chunks) as progress:
        results = evaluate_dataset(model, loss, data, metrics, batch_size,
                                   progress.update if verbose == 1 else None)
        progress.finish(results)
    return results if return_dict else _listed_results(results)


def _listed_results(results: dict[str, Any], names: list[str] | None = None) -> Any:
    """Keras' ``return_dict=False``: ``[loss, *metrics]``, or the loss alone. As Keras 3's
    ``_flatten_metrics_in_order``: the values of ``names`` (the pass's keys; None: those of
    ``results``) that ``results`` still holds, then those of the keys an ``on_test_end``
    hook added, sorted; one value alone as itself, none as ``[]``."""
    order = list(results) if names is None else names
    values = [results[key] for key in order if key in results]
    values += [results[key] for key in sorted(set(results) - set(order), key=str)]
    return values[0] if len(values) == 1 else values
