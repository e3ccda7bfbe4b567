"""A refused ``fit(resume_from=path)`` changes nothing; layers' ``get_state`` returns copies."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import CSVLogger, EarlyStopping
from nonlin.checkpoint import ModelCheckpoint
from nonlin.lr_callbacks import LearningRateScheduler
from nonlin.preprocessing import Normalization

NAMES = ["a", "b", "c", "d"]
FIT = dict(loss="mse", batch_size=16, verbose=0)


def _data():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    return pd.DataFrame(X, columns=NAMES), X @ np.array([1.0, -2.0, 0.5, 0.0])


def _model():
    return nonlin.Sequential([nonlin.Dense(6), nonlin.BatchNorm(), nonlin.ReLU(),
                              nonlin.Dropout(0.2), nonlin.Dense(1)])


def _optimizer():
    return nonlin.registry.optimizer("adam", lr=nonlin.schedules.ExponentialDecay(0.01, 5, 0.9))


def _snapshot(model):
    """Everything a resume would put into ``model``, as plain values."""
    return {
        "weights": [w.tobytes() for w in model.get_weights()],
        "state": {k: v.tobytes() for k, v in model.get_state().items()},
        "rng": repr(model.rng.bit_generator.state),
        "history": repr(model.__dict__.get("history") and (model.history.epoch,
                                                            model.history.history)),
        "metadata": repr(model.__dict__.get("metadata")),
        "names": repr(model.__dict__.get("feature_names_in_")),
        "records": [k for k in ("_resume_callbacks", "_resume_partial") if k in model.__dict__],
    }


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "run.safetensors"
    X, y = _data()
    _model().fit(X, y, optimizer=_optimizer(), epochs=2, seed=3,
                 callbacks=[ModelCheckpoint(path), EarlyStopping(monitor="loss", patience=5)],
                 **FIT)
    return path


@pytest.mark.parametrize(("refused", "message"), [
    (lambda: CSVLogger("/no/such/dir/log.csv"), "CSVLogger cannot write"),  # the log file
    (lambda: EarlyStopping(monitor="no_such_key"), "no_such_key"),  # the monitored key
    # the checkpoint's optimizer (its ExponentialDecay), not the one passed to fit
    (lambda: LearningRateScheduler(lambda epoch: 0.1), "cannot change a scheduled"),
], ids=["csv-logger", "early-stopping", "lr-scheduler"])
def test_a_refused_resumed_fit_leaves_the_model_as_it_was(checkpoint, refused, message) -> None:
    X, y = _data()
    model = _model()
    model.build(4, seed=11)
    before = _snapshot(model)
    with pytest.raises((OSError, ValueError, TypeError), match=message):
        model.fit(X, y, optimizer="adam", epochs=4, resume_from=checkpoint,
                  callbacks=[refused()], **FIT)
    assert _snapshot(model) == before


def test_a_trained_model_refused_a_resume_keeps_its_own_run(checkpoint) -> None:
    X, y = _data()
    model = _model()
    model.fit(X.to_numpy(), y, optimizer="adam", epochs=1, seed=5, **FIT)
    before = _snapshot(model)
    with pytest.raises(OSError, match="CSVLogger"):
        model.fit(X, y, epochs=4, resume_from=checkpoint,
                  callbacks=[CSVLogger("/no/such/dir/log.csv")], **FIT)
    assert _snapshot(model) == before


def test_a_resume_after_a_refused_one_is_the_plain_resume(checkpoint, tmp_path) -> None:
    X, y = _data()
    plain, retried = _model(), _model()
    for model in (plain, retried):
        model.build(4, seed=11)
    with pytest.raises(ValueError, match="no_such_key"):
        retried.fit(X, y, optimizer="adam", epochs=3, resume_from=checkpoint,
                    callbacks=[EarlyStopping(monitor="no_such_key")], **FIT)
    for i, model in enumerate((plain, retried)):  # the callbacks whose records it holds
        model.fit(X, y, optimizer="adam", epochs=3, resume_from=checkpoint, **FIT,
                  callbacks=[ModelCheckpoint(tmp_path / f"{i}.safetensors"),
                             EarlyStopping(monitor="loss", patience=5)])
    assert _snapshot(retried) == _snapshot(plain)
    assert plain.history.epoch == [0, 1, 2]


def _batch_norm():
    layer = nonlin.BatchNorm()
    nonlin.Sequential([nonlin.Dense(3), layer]).build(2, seed=0)
    return layer


def _normalization():
    layer = Normalization()
    layer.adapt(np.random.default_rng(1).normal(size=(10, 3)))
    return layer


@pytest.mark.parametrize("make", [_batch_norm, _normalization], ids=["BatchNorm", "Normalization"])
def test_mutating_get_state_leaves_the_layer_unchanged(make) -> None:
    layer = make()
    before = {k: v.copy() for k, v in layer.get_state().items()}
    assert before
    for value in layer.get_state().values():
        value += 5.0
    assert all(np.array_equal(v, before[k]) for k, v in layer.get_state().items())
    state = layer.get_state()
    layer.set_state({k: v + 1.0 for k, v in state.items()})  # set_state still writes the layer
    assert all(np.array_equal(v, before[k] + 1.0) for k, v in layer.get_state().items())
    assert all(np.array_equal(v, before[k]) for k, v in state.items())
