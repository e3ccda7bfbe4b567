"""Review of s21-left21's compiled-instance check: the instance ``compile`` was given is kept
(for ``fit(resume_from=...)`` to check its settings) only while it is the model's optimizer; once
a ``fit`` given another replaces it, neither memory nor a pickle of the model holds its slots."""

from __future__ import annotations

import gc
import pickle
import re
import weakref
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin.checkpoint import ModelCheckpoint

X = np.random.default_rng(0).normal(size=(24, 20))
Y = np.random.default_rng(1).integers(0, 3, 24)
FIT = dict(loss=nonlin.CrossEntropy(from_logits=True), batch_size=8, seed=0, verbose=0)


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(64), nonlin.ReLU(), nonlin.Dense(3)])


@pytest.mark.parametrize("source", [False, True])
def test_a_fit_given_another_optimizer_lets_the_compiled_one_go(source) -> None:
    model = _model()
    compiled = nonlin.Adam()
    model.compile(compiled, FIT["loss"])
    model.fit(X, Y, epochs=1, **FIT)  # trains with the compiled instance: slots m and v
    gone = weakref.ref(compiled)
    del compiled
    if source:  # a data source's fit replaces it too
        model.fit(((X[i:i + 8], Y[i:i + 8]) for i in range(0, 24, 8)), optimizer=nonlin.Adam(),
                  epochs=1, verbose=0)
    else:
        model.fit(X, Y, optimizer=nonlin.Adam(), epochs=1, **FIT)
    gc.collect()
    assert gone() is None
    twin = _model()
    twin.fit(X, Y, optimizer=nonlin.Adam(), epochs=1, **FIT)
    twin.fit(X, Y, optimizer=nonlin.Adam(), epochs=1, **FIT)
    slots = 2 * sum(p.value.nbytes for p in twin.parameters())
    assert len(pickle.dumps(model)) < len(pickle.dumps(twin)) + slots // 4


def test_the_compiled_instance_that_trained_is_still_checked_on_resume(tmp_path: Path) -> None:
    path = str(tmp_path / "ck.safetensors")
    _model().fit(X, Y, optimizer=nonlin.Adam(), epochs=2, callbacks=[ModelCheckpoint(path)],
                 **FIT)
    model = _model()
    model.compile(nonlin.Adam(amsgrad=True), FIT["loss"])
    model.fit(X, Y, epochs=1, **FIT)  # its own fit keeps the compiled instance
    with pytest.raises(ValueError, match=re.escape("amsgrad=True)). Compile it by name")):
        model.fit(X, Y, epochs=3, resume_from=path, **FIT)
