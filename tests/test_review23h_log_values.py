"""Review 23h: a number a callback logs that is no float (a ``Fraction``; an int past the
floats) is shown by ``fit(verbose=2)`` and recorded by ``History`` as the other values are:
the Fraction as the float ``History`` records (before: ``fit`` raised a ``TypeError`` from
the progress line, ``Fraction.__format__`` taking no ``"e"``), the huge int as is, as Keras
records any value (before: an ``OverflowError`` from ``History``)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import History, LambdaCallback
from nonlin.progress import format_logs

RNG = np.random.default_rng(23)
X = RNG.normal(size=(16, 3))
Y = np.arange(16) % 2


def test_fit_verbose_2_shows_a_fraction_logged(capsys: pytest.CaptureFixture[str]) -> None:
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.compile(optimizer="sgd", loss="cross_entropy")
    third = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(part=Fraction(1, 3)))
    history = model.fit(X, Y, epochs=1, verbose=2, seed=0, callbacks=[third])
    assert "part: 0.3333" in capsys.readouterr().err
    assert history.history["part"] == [1 / 3]
    assert format_logs({"tiny": Fraction(1, 10**6)}) == "tiny: 1.0000e-06"


def test_history_records_an_int_past_the_floats_as_is() -> None:
    history = History()
    history.on_epoch_end(0, {"loss": 0.5, "count": 10**400})
    assert history.history == {"loss": [0.5], "count": [10**400]}
    assert format_logs({"count": 10**400}) == f"count: {10**400}"
