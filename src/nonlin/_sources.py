"""Batch sources: what ``fit``, ``evaluate`` and ``predict`` take besides arrays.

A *source* gives batches ``(x, y)`` or ``(x, y, sample_weight)`` (a tuple or list;
``predict`` also takes ``x`` or ``(x,)``), each checked and converted as arrays are
(``data.make_dataset``). Three kinds, told apart as Keras 3 tells its adapters apart:

* a *sequence* (Keras 3's ``keras.utils.PyDataset`` protocol): ``__len__`` and
  ``__getitem__(i)`` giving batch ``i``; its ``on_epoch_begin()`` and ``on_epoch_end()``,
  if it has them, are called around each epoch's batches (``PyDatasetAdapter``);
  ``shuffle=True`` reorders its batches each epoch, drawn from ``model.rng`` (Keras 3's
  ``_finite_generator`` shuffles ``range(num_batches)`` with Python's ``random``);
* an *iterator* (``__next__``: a generator): batches are pulled; once exhausted it
  gives nothing more;
* a *re-iterable* (``__iter__`` returning a fresh iterator: a torch ``DataLoader``).

``BatchStream.epoch`` follows Keras 3's ``EpochIterator._enumerate_iterator``: with
``steps_per_epoch`` an epoch is that many batches and the iterator carries over to the
next epoch (a sequence's starts again, reshuffled, once its batches are used up, and a re-iterable's
when an epoch finds its pass ended at once; an epoch that finds fewer warns "ran out of
data"); without it an epoch is one pass (a
sequence's ``len``, else to ``StopIteration``). An iterator that runs out while training
goes on warns and ends the training there (``exhausted``).
"""

from __future__ import annotations

import warnings
from collections.abc import Generator, Iterator
from typing import Any

from ._feature_names import check_names
from ._quoting import quoted
from ._source_kind import source_kind
from ._stacklevel import user_stacklevel
from .data import Dataset, make_dataset, permutation

_END = object()  # what ``_pull`` returns at StopIteration


def refuse_with_source(what: str, **given: Any) -> None:
    """Refuse the arguments a batch source carries in its batches or cannot take (Keras 3
    refuses ``y`` and ``sample_weight`` too: "When providing `x` as a PyDataset, `y`
    should not be passed. Instead, the targets should be included as part of the
    PyDataset."); ``given``: name -> value, None (or 0) when not given."""
    why = {"y": "each batch carries its targets: (x, y) or (x, y, sample_weight)",
           "sample_weight": "each batch carries its weights: (x, y, sample_weight)",
           "batch_size": "the source's batches set their own sizes",
           "validation_split": "a source cannot be split (Keras 3 splits arrays only); "
                               "pass validation_data (arrays or another source)"}
    for name, value in given.items():
        if value is not None and not (name == "validation_split" and value == 0):
            default = "0" if name == "validation_split" else "None"
            raise ValueError(f"Expected {name}={default} when x is a batch source ({what}): "
                             f"{why[name]}. Received: {name}={quoted(value, 100)}")


def describe(value: Any) -> str:
    """A short account of a source's batch: its type, and its length or shape."""
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)} item{'s' * (len(value) != 1)}"
    shape = getattr(value, "shape", None)
    return f"a {type(value).__name__}" + ("" if shape is None else f" of shape {shape}")


def unpack(batch: Any, where: str, *, inputs_only: bool = False) -> tuple[Any, Any, Any]:
    """``(x, y, sample_weight)`` of one batch (y and sample_weight None when absent);
    ``inputs_only`` (``predict``): ``x`` alone and ``(x,)`` are taken too."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if inputs_only and not isinstance(batch, tuple):
        return batch, None, None
    sizes = (1, 2, 3) if inputs_only else (2, 3)
    if not isinstance(batch, tuple) or len(batch) not in sizes:
        forms = "x, (x,), " if inputs_only else ""
        raise ValueError(f"Expected each batch as {forms}(x, y) or (x, y, sample_weight) (a "
                         f"tuple or list). Received {describe(batch)} as {where}")
    return batch[0], (batch[1] if len(batch) > 1 else None), (batch[2] if len(batch) > 2
                                                               else None)


def in_batch(exc: Exception, where: str) -> Exception:
    """``exc`` again, its message prefixed with the batch it is about."""
    try:
        return type(exc)(f"In {where}: {exc}")
    except Exception:  # an exception class of its own signature
        return ValueError(f"In {where}: {exc}")


def prepare(batch: Any, where: str, loss: Any, model: Any, class_weight: Any = None) -> Dataset:
    """One batch checked and converted as ``fit`` checks arrays: finite, in the model's
    dtype, its width the model's, as many target rows as inputs, targets in the loss's form
    (``data.prepare_targets``); ``class_weight`` weighs its labels (times its own weights).
    A DataFrame's columns are checked against a fitted model's ``feature_names_in_``, as
    ``predict`` checks each batch (they are not recorded)."""
    x, y, w = unpack(batch, where)
    if y is None:  # not check_y's message, about arrays
        raise TypeError(f"In {where}: Expected the batch's targets y, its second item ((x, y) "
                        "or (x, y, sample_weight)). Received: y=None")
    try:
        check_names(model, x)
        return make_dataset(x, y, loss, model, sample_weight=w, class_weight=class_weight)
    except (ValueError, TypeError) as exc:
        raise in_batch(exc, where) from None


class BatchStream:
    """The batches of one source, epoch after epoch (Keras 3's ``EpochIterator``).

    ``epoch(rng)`` yields ``(where, batch)``: ``where`` names the batch for messages
    (``"x[3]"`` for a sequence, ``"batch 7 drawn from x"`` else, counted from the first).
    """

    def __init__(self, source: Any, name: str, steps: int | None, shuffle: bool,
                 steps_name: str = "steps_per_epoch") -> None:
        self.source, self.name, self.steps = source, name, steps
        self.steps_name = steps_name  # the argument that gave ``steps``, for warnings
        self.kind = source_kind(source)
        self.shuffle = shuffle and self.kind == "sequence"
        self.num_batches: int | None = None
        if self.kind == "sequence":
            self.num_batches = _length(source, name)
        self.current: Iterator[Any] | None = None
        self.seen = 0  # batches taken from ``current``
        self.drawn = 0  # batches pulled from an iterator or re-iterable, all epochs
        self.held: list[Any] = []  # pulled ahead (``first``), handed out first
        self.exhausted = False  # an iterator ran out: no more epochs
        self.during = ""  # where the batches go, for an error of the source (", at epoch 2")

    def total(self) -> int | None:
        """The batches of one epoch when known (a progress bar's total): ``steps``, a
        sequence's length, or a re-iterable's ``len`` (a torch ``DataLoader``'s)."""
        if self.steps is not None or self.num_batches is not None:
            return self.steps or self.num_batches
        if self.kind == "iterable" and hasattr(self.source, "__len__"):
            try:
                n = len(self.source)
            except TypeError:  # a DataLoader over an IterableDataset has no length
                return None
            return n if isinstance(n, int) and n > 0 else None
        return None

    def first(self) -> tuple[str, Any]:
        """The first batch, to build a model: a sequence's ``x[0]`` (read again in its
        turn), else pulled ahead and kept for the first epoch."""
        if self.kind == "sequence":
            if not self.num_batches:
                raise ValueError(f"Expected at least one batch in {self.name}. "
                                 f"Received a sequence of length {self.num_batches}")
            return f"{self.name}[0]", self._read(0)
        self.current, self.seen = self._fresh(None), 0
        batch = self._pull(self.current)
        if batch is _END:
            raise ValueError(f"Expected at least one batch from {self.name}. Received none: "
                             f"its {self.kind} ran out at once")
        self.held.append(batch)
        return self._where(), batch

    def _where(self) -> str:
        return f"batch {self.drawn - 1} drawn from {self.name}"

    def _fresh(self, rng: Any) -> Iterator[Any]:
        """A new pass: a sequence's batch order (shuffled from ``rng``), else ``iter()``
        (an iterator's is itself)."""
        if self.kind != "sequence":
            return iter(self.source)
        n = int(self.num_batches or 0)
        order = permutation(rng, n) if self.shuffle and rng is not None else range(n)
        return iter(order)

    def _pull(self, it: Iterator[Any]) -> Any:
        if self.held:
            return self.held.pop()
        try:
            batch = next(it)
        except StopIteration:
            return _END
        except Exception as exc:
            _note(exc, self.name, f"batch {self.drawn}{self.during}")
            raise
        self.drawn += 1
        return batch

    def _take(self, it: Iterator[Any]) -> tuple[str, Any] | None:
        """The next batch of ``it`` with its name; None when it ran out."""
        if self.kind != "sequence":
            batch = self._pull(it)
            return None if batch is _END else (self._where(), batch)
        i = next(it, None)
        return None if i is None else (f"{self.name}[{i}]", self._read(int(i)))

    def _read(self, i: int) -> Any:
        """A sequence's batch ``i``; an error of its own notes which batch it was giving."""
        try:
            return self.source[i]
        except Exception as exc:
            _note(exc, self.name, f"{self.name}[{i}]{self.during}")
            raise

    def epoch(self, rng: Any) -> Generator[tuple[str, Any], None, None]:
        """One epoch's batches (see the module's docstring); a sequence's ``on_epoch_begin``
        before them and ``on_epoch_end`` after them, when it has them."""
        _hook(self.source, "on_epoch_begin", self.kind)
        try:
            steps = self.steps or self.num_batches
            if steps is None:  # one pass to the end
                it = self.current if self.held and self.current else self._fresh(rng)
                self.current = None
                while (item := self._take(it)) is not None:
                    yield item
                if self.kind == "iterator":
                    self.exhausted = True
                return
            carried = not (self.current is None or (self.steps is None and not self.held))
            if not carried or self.current is None:
                self.current, self.seen = self._fresh(rng), 0
            yield from self._counted(steps, self.current, rng, reopen=carried)
        finally:
            _hook(self.source, "on_epoch_end", self.kind)

    def _counted(self, steps: int, it: Iterator[Any], rng: Any, *,
                 reopen: bool) -> Iterator[tuple[str, Any]]:
        """``steps`` batches of ``it``; with ``reopen`` (``it`` carried over, not a new pass),
        a re-iterable whose last pass ended at the last step before opens a new one (drawn
        with ``rng``; no batch lost)."""
        known = self.num_batches
        for step in range(steps):
            if known is not None and self.seen >= known:
                if self.steps:
                    ran_out(self, f"its {known} batch{'es are' if known != 1 else ' is'} used up")
                break
            item = self._take(it)
            if item is None and step == 0 and reopen and self.kind == "iterable":
                it = self.current = self._fresh(rng)
                item = self._take(it)
            if item is None:
                self.current = None
                if self.kind == "iterator":  # ran out for good: warned by whoever reads it
                    self.exhausted = True
                elif self.steps:
                    ran_out(self, "a pass over it ended")
                return
            self.seen += 1
            yield item
        if known is not None and self.seen >= known:
            self.current = None  # the next epoch starts a new pass (a new order)


def ran_out(stream: BatchStream, why: str) -> None:
    """Keras 3's warning when an epoch of ``steps_per_epoch`` batches (``validation_steps``,
    or ``steps`` of ``evaluate`` and ``predict``: ``stream.steps_name``) finds fewer."""
    name, steps = stream.steps_name, stream.steps
    this, per = ("", "") if name == "steps" else (" this epoch", " per epoch")
    warnings.warn(f"Your input ran out of data: {stream.name} gave fewer than {name}={steps} "
                  f"batches{this} ({why}; Keras 3 warns so too). Make sure that it can give "
                  f"at least {name} batches{per}", UserWarning, stacklevel=user_stacklevel())


def exhausted_warning(name: str, epoch: int) -> None:
    """An iterator that ran out with epochs to go: training ends (Keras 3 warns 'Your input
    ran out of data; interrupting training')."""
    warnings.warn(f"Your input ran out of data; interrupting training: the iterator {name} "
                  f"has no batch left for epoch {epoch}. Make sure that it can give "
                  "steps_per_epoch * epochs batches, or pass a sequence (len and getitem) "
                  "or a re-iterable (a fresh iterator per epoch)",
                  UserWarning, stacklevel=user_stacklevel())


def _length(source: Any, name: str) -> int:
    n = len(source)
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"Expected len({name}) as an integer >= 0. Received {quoted(n)}")
    return n


def _note(exc: Exception, name: str, where: str) -> None:
    """Note on ``exc`` (Python 3.11's ``add_note``: its type and attributes kept) which
    batch its source was giving (nothing trained on it: the model is as after the last
    step)."""
    add_note = getattr(exc, "add_note", None)
    if callable(add_note):
        add_note(f"(raised by the batch source {name} while giving {where})")


def _hook(source: Any, name: str, kind: str) -> None:
    if kind == "sequence":
        method = getattr(source, name, None)
        if callable(method):
            method()
