"""Leftovers of session 20 (b): a History given to fit, resume's optimizer, messages.

- ``fit(callbacks=[h])`` with ``h`` a ``History`` recorded into ``h`` but returned a History
  of its own and left ``model.history`` another; Keras 3 returns the user's History and
  sets it as ``model.history``, as nonlin now does (checkpoints and resuming unchanged).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import nonlin
from nonlin.checkpoint import ModelCheckpoint

X = np.random.default_rng(0).normal(size=(12, 3))
Y = np.random.default_rng(1).normal(size=(12, 2))


def _model() -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    model.compile("sgd", "mse")
    return model


# 1. a History given among the callbacks: fit returns it, model.history is it (Keras 3)


class _Tagged(nonlin.History):
    """A History subclass, as users write them."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        super().on_epoch_end(epoch, logs)
        self.tag = epoch


def test_fit_returns_the_history_given() -> None:
    model, given = _model(), nonlin.History()
    returned = model.fit(X, Y, epochs=3, batch_size=4, verbose=0, callbacks=[given])
    assert returned is given and model.history is given
    assert given.epoch == [0, 1, 2] and len(given.history["loss"]) == 3


def test_fit_returns_a_history_subclass_given_and_the_last_history() -> None:
    model, first, last = _model(), nonlin.History(), _Tagged()
    returned = model.fit(X, Y, epochs=2, batch_size=4, verbose=0, callbacks=[first, last])
    assert returned is last and model.history is last and last.tag == 1
    assert last.epoch == [0, 1] and first.epoch == [0, 1]


def test_history_given_bits_as_without_it() -> None:
    plain = _model()
    expected = plain.fit(X, Y, epochs=2, batch_size=4, verbose=0)
    model = _model()
    returned = model.fit(X, Y, epochs=2, batch_size=4, verbose=0, callbacks=[nonlin.History()])
    assert returned.history == expected.history and returned.epoch == expected.epoch
    for a, b in zip(model.get_weights(), plain.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_history_given_again_starts_anew_and_a_continued_fit_continues() -> None:
    model, given = _model(), nonlin.History()
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0, callbacks=[given])
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0, callbacks=[given])  # a new run
    assert given.epoch == [0, 1] and len(given.history["loss"]) == 2
    returned = model.fit(X, Y, epochs=4, initial_epoch=2, batch_size=4, verbose=0,
                         callbacks=[given])  # continues model.history: holds every epoch
    assert returned is given and model.history is given and given.epoch == [0, 1, 2, 3]


def test_history_given_checkpoint_and_resume(tmp_path: Path) -> None:
    path = str(tmp_path / "run.safetensors")
    straight = _model()
    straight.fit(X, Y, epochs=4, batch_size=4, verbose=0)
    model = _model()
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0,
              callbacks=[nonlin.History(), ModelCheckpoint(path)])
    resumed, given = _model(), _Tagged()
    returned = resumed.fit(X, Y, epochs=4, batch_size=4, verbose=0, resume_from=path,
                           callbacks=[ModelCheckpoint(path), given])
    assert returned is given and resumed.history is given and given.epoch == [0, 1, 2, 3]
    np.testing.assert_array_equal(given.history["loss"], straight.history.history["loss"])
    again = _model()
    assert again.fit(X, Y, epochs=4, batch_size=4, verbose=0,
                     resume_from=path).epoch == [0, 1, 2, 3]  # the checkpoint's epoch 3


class _Batches:
    """A re-iterable batch source: two batches per pass."""

    def __iter__(self):  # noqa: ANN204
        return iter([(X[:6], Y[:6]), (X[6:], Y[6:])])


def test_history_given_with_a_source() -> None:
    model, given = _model(), nonlin.History()
    returned = model.fit(_Batches(), epochs=2, verbose=0, callbacks=[given])
    assert returned is given and model.history is given and given.epoch == [0, 1]
