"""``fit``'s ``validation_data`` as a batch source (``nonlin._sources``), for arrays or a
source as ``x`` alike.

Keras 3 (``keras/src/trainers/trainer.py`` ``fit``, each backend's): ``validation_data``
that is not a tuple is unpacked to ``val_x`` alone, and one ``EpochIterator`` made for it
at the first validation (``_eval_epoch_iterator``, ``steps_per_epoch=validation_steps``)
serves every validation of the run. So a sequence gives every validation its batches again
(its ``len``; with ``validation_steps`` it carries over, starting a new pass when its
batches are used up); a re-iterable is iterated anew each time; an iterator without
``validation_steps`` is read to ``StopIteration`` by the first validation (Keras'
``catch_stop_iteration``: "Running out of data is how an unknown epoch size gets
discovered"), and with it gives ``validation_steps`` batches per validation, carried over,
warned "Your input ran out of data" when fewer come. What a later validation then reads
from an exhausted iterator is, in Keras 3, only the first batches its
``GeneratorDataAdapter`` peeked at to learn the tensor specs (``peek_and_restore``
chains them before the spent generator): numbers of a few batches under the name of the
validation set's. nonlin refuses that validation instead (``ValueError``, saying what to
pass), as it did with a source as ``x``.

``validation_batch_size`` is refused with a source (its batches set their own sizes), and
so is an iterator as ``validation_data`` with ``resume_from`` (nothing records how far it
was read, as for an iterator as ``x``); a sequence or re-iterable is read again.
"""

from __future__ import annotations

from typing import Any

from ._fit_keras_args import FitSteps
from ._source_eval import evaluate_stream
from ._source_kind import is_source, source_kind
from ._sources import BatchStream, ran_out
from .losses import Loss
from .metrics import Metric


def validation_stream(data: Any, steps: FitSteps) -> BatchStream:
    """``validation_data``, a batch source, as the stream every validation reads; a
    sequence of no batches is refused (before training)."""
    if steps.validation_batch_size is not None:
        raise ValueError("Expected validation_batch_size=None when validation_data is a "
                         "batch source: its batches set their own sizes (as batch_size "
                         "with a source x). Received: validation_batch_size="
                         f"{steps.validation_batch_size}")
    stream = BatchStream(data, "validation_data", steps.validation_steps, False,
                         "validation_steps")
    if stream.num_batches == 0:  # refused before training, as empty arrays are
        raise ValueError("Expected at least one batch from validation_data. Received none: "
                         f"len(validation_data) is 0 ({type(data).__name__}, a sequence)")
    return stream


def refuse_iterator_resume(data: Any, resume_from: Any) -> None:
    """An iterator as ``validation_data`` with ``resume_from``: refused (see the module's
    docstring), before the checkpoint is read."""
    if resume_from is not None and is_source(data) and source_kind(data) == "iterator":
        raise ValueError("Expected a sequence (len and getitem) or a re-iterable (a fresh "
                         "iterator per validation) as validation_data to resume_from a "
                         "checkpoint: nothing records how far an iterator was read. "
                         f"Received: validation_data={type(data).__name__}, an iterator")


def validate_stream(model: Any, loss: Loss, stream: BatchStream, metrics: list[Metric],
                    epoch: int, tick: Any = None) -> dict[str, float]:
    """The loss and metrics of one validation pass over ``stream`` (see the module's
    docstring): ``validation_steps`` batches, or one pass; an iterator that has run out
    is refused, one that gives fewer than ``validation_steps`` batches warned. ``tick``:
    told the batches done after each (the progress display's, or None)."""
    if stream.exhausted:
        raise ValueError(
            f"Expected batches from validation_data for the validation at epoch {epoch}. "
            "Received none: the iterator gave all its batches to an earlier validation (an "
            "iterator gives its batches once; Keras 3 would evaluate again only the first "
            "batches it peeked at). Pass a sequence (len and getitem) or a re-iterable (a "
            "fresh iterator per validation), or an endless generator with validation_steps")
    stream.during = f" for validation at epoch {epoch}"
    results = evaluate_stream(model, loss, stream, metrics, tick)
    if stream.exhausted and stream.steps:
        ran_out(stream, "the iterator ran out")
    return results
