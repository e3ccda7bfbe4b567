"""``evaluate`` and ``predict`` on a batch source (``nonlin._sources``), and ``fit``'s
validation on one.

The loss adds up as ``evaluation.evaluate_dataset`` adds up its chunks: ``sum_i w_i l_i``
over every row of every batch, divided by the number of rows (``"mean"``; ``"sum"``: the
total), plus the layers' penalty; so a source of the same rows gives the arrays' numbers
(up to the order of the additions). Streaming metrics update batch by batch; a metric
that cannot stream, or a loss with its own ``_value``, sees all the rows at once (copies
of the batches are then kept until the end: a source may reuse its arrays).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np

from ._metric_base import result_of
from ._sources import BatchStream, in_batch, prepare, refuse_with_source, unpack
from .data import Dataset
from .evaluation import _forward, _scored, evaluate_dataset, penalty, scoring_path
from .losses import Loss
from .metrics import Metric, streamed_update

Tick = Any  # called with the number of batches done, or None


def evaluate_stream(model: Any, loss: Loss, stream: BatchStream, metrics: list[Metric],
                    tick: Tick = None) -> dict[str, float]:
    """Loss (plus regularization) and metrics of ``model`` on one epoch of ``stream``."""
    scorer, head, last = scoring_path(model, loss)
    streaming = type(loss)._value is Loss._value and all(m.streams for m in metrics)
    for metric in metrics:
        metric.reset_state()
    updates = [streamed_update(m) for m in metrics]
    total, n, kept = 0.0, 0, []
    batches = stream.epoch(None)
    try:
        for step, (where, batch) in enumerate(batches, 1):
            data = prepare(batch, where, loss, model)
            n += len(data)
            if not streaming:  # copies: a source may fill the same buffers for each batch
                kept.append(Dataset(data.X.copy(), data.y.copy(), None if data.weight is None
                                    else data.weight.copy()))
                continue
            z = _forward(head, data.X)
            if scorer is None:
                out = z
                total += loss._sum(data.y, z, data.weight)
            else:
                chunk, scored = _scored(last, scorer, z, data.y, data.weight, bool(metrics))
                total, out = total + chunk, cast(np.ndarray, scored)
            for update in updates:
                update(data.y, out)
            if tick is not None:
                tick(step)
    finally:
        batches.close()
    if n == 0:
        raise ValueError(f"Expected at least one batch from {stream.name}. Received none: "
                         f"its {stream.kind} gave no batch"
                         + (" (an iterator gives its batches once)"
                            if stream.kind == "iterator" else ""))
    if not streaming:
        return evaluate_dataset(model, loss, _joined(kept), metrics, n)
    mean = getattr(loss, "reduction", "mean") == "mean"
    results = {"loss": (total / n if mean else total) + penalty(model)}
    results.update({m.name: result_of(m) for m in metrics})
    return results


def _joined(parts: list[Dataset]) -> Dataset:
    """The batches as one set (weights of 1 where a batch has none, if another has some)."""
    weights = None
    if any(p.weight is not None for p in parts):
        weights = np.concatenate([p.weight if p.weight is not None else
                                  np.ones(len(p), dtype=p.X.dtype) for p in parts])
    try:
        y = np.concatenate([p.y for p in parts])
    except ValueError:
        raise ValueError("Expected the same form of targets in every batch (integer labels "
                         "or one-hot rows). Received both") from None
    return Dataset(np.concatenate([p.X for p in parts]), y, weights)


def evaluate_source(model: Any, source: Any, loss: Loss, metrics: list[Metric], *, y: Any,
                    sample_weight: Any, batch_size: Any, steps: int | None,
                    verbose: int, begin: Callable[[], None] = lambda: None) -> dict[str, float]:
    """``Sequential.evaluate`` on a source: one pass, or ``steps`` batches (Keras 3);
    ``begin`` called once the arguments are checked (``on_test_begin``)."""
    from .progress import PassProgress

    refuse_with_source("evaluate", y=y, sample_weight=sample_weight, batch_size=batch_size)
    stream = BatchStream(source, "x", steps, shuffle=False, steps_name="steps")
    begin()
    with PassProgress(verbose, stream.total()) as progress:
        results = evaluate_stream(model, loss, stream, metrics,
                                  progress.update if verbose else None)
        progress.finish(results)
    return results


def predict_source(model: Any, source: Any, batch_size: Any, verbose: int,
                   steps: int | None, begin: Callable[[], None] = lambda: None) -> np.ndarray:
    """``Sequential.predict`` on a source: the outputs of its batches' ``x``, in order,
    shape (rows of all batches, n_outputs); a batch's ``y`` and weights are ignored;
    ``begin`` called once the arguments are checked (``on_predict_begin``)."""
    from ._inference import predict_rows
    from .progress import PassProgress

    refuse_with_source("predict", batch_size=batch_size)
    stream = BatchStream(source, "x", steps, shuffle=False, steps_name="steps")
    begin()
    outputs: list[np.ndarray] = []
    batches = stream.epoch(None)
    with PassProgress(verbose, stream.total()) as progress:
        try:
            for step, (where, batch) in enumerate(batches, 1):
                x = unpack(batch, where, inputs_only=True)[0]
                try:
                    outputs.append(predict_rows(model, x, None, 0))
                except (ValueError, TypeError) as exc:
                    raise in_batch(exc, where) from None
                progress.update(step)  # verbose=2's line counts them too
        finally:
            batches.close()
        progress.finish()
    if not outputs:
        raise ValueError("Expected at least one batch from x. Received none: its "
                         f"{stream.kind} gave no batch")
    return np.concatenate(outputs) if len(outputs) > 1 else outputs[0]
