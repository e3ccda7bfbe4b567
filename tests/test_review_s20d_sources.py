"""Review of session 20 (d): a re-iterable whose pass ends at a step count's boundary.

``fit(X, y, validation_data=<re-iterable>, validation_steps=k)`` carries its iterator from
one validation to the next; when a pass ended exactly at a validation's last step, the
next validation found the spent iterator and refused ("Expected at least one batch from
validation_data. Received none") instead of iterating the re-iterable anew, as a
re-iterable is for. A re-iterable as ``x`` with ``steps_per_epoch`` equal to its batches
failed so at its second epoch. Both now open a new pass there, warning nothing (no
batch is missing); an iterator still runs out for good.

A sequence of length 0 as ``validation_data`` was refused only at the first validation,
after an epoch had trained the model; it is now refused before training, as empty
validation arrays and an empty sequence as ``x`` are.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pytest

import nonlin

RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(16, 3)), RNG.normal(size=(16, 2))
XV, YV = RNG.normal(size=(8, 3)), RNG.normal(size=(8, 2))


class _Batches:
    """A re-iterable (no len, no getitem): a fresh iterator over its 4-row batches."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = x, y

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(0, len(self.x), 4):
            yield self.x[start:start + 4], self.y[start:start + 4]


def _model() -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    model.compile("sgd", "mse")
    return model


class _Sequence(_Batches):
    """The same batches as a sequence (len and getitem), whose boundary is known."""

    def __len__(self) -> int:
        return len(self.x) // 4

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return self.x[4 * i:4 * i + 4], self.y[4 * i:4 * i + 4]


@pytest.mark.parametrize("steps", [1, 2])
def test_validation_reiterable_starts_a_new_pass_at_a_boundary(steps: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = _model().fit(X, Y, epochs=4, batch_size=4, verbose=0,
                               validation_data=_Batches(XV, YV), validation_steps=steps)
    as_sequence = _model().fit(X, Y, epochs=4, batch_size=4, verbose=0,
                               validation_data=_Sequence(XV, YV), validation_steps=steps)
    assert history.history == as_sequence.history


def test_x_reiterable_with_steps_per_epoch_of_its_length() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = _model().fit(_Batches(X, Y), epochs=3, verbose=0, steps_per_epoch=4)
    straight = _model().fit(_Batches(X, Y), epochs=3, verbose=0)
    assert history.history["loss"] == straight.history["loss"]


def test_an_iterator_still_runs_out() -> None:
    with pytest.raises(ValueError, match="Expected at least one batch from validation_data"):
        _model().fit(X, Y, epochs=3, batch_size=4, verbose=0, validation_steps=2,
                     validation_data=iter(list(_Batches(XV, YV))))


@pytest.mark.parametrize("as_x", [False, True])
def test_an_empty_validation_sequence_is_refused_before_training(as_x: bool) -> None:
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    data = (_Sequence(X, Y),) if as_x else (X, Y)
    with pytest.raises(ValueError, match=r"Expected at least one batch from validation_data\. "
                       r"Received none: len\(validation_data\) is 0"):
        model.fit(*data, epochs=2, verbose=0, validation_data=_Sequence(XV[:0], YV[:0]),
                  **({} if as_x else {"batch_size": 4}))
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
