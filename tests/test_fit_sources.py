"""``fit`` on batch sources: a sequence (Keras 3's PyDataset protocol), an iterator and a
re-iterable train as the arrays of the same batches do, bit for bit; Keras 3's
``steps_per_epoch`` carry-over, running out of data, ``on_epoch_end``, the batch order
shuffled from ``model.rng``, float32 kept, class weights, callbacks, divergence, Ctrl-C
and resuming."""

from __future__ import annotations

import signal
import warnings

import numpy as np
import pytest

import nonlin
from nonlin import DivergenceError, EarlyStopping
from nonlin.callbacks import Callback
from nonlin.checkpoint import ModelCheckpoint
from source_helpers import FIT, Reiterable, Seq, _Counts, batches, data, model, same_weights


def _arrays_fit(epochs: int = 3, **kwargs):
    X, y = data()
    m = model()
    history = m.fit(X, y, epochs=epochs, batch_size=8, shuffle=False, seed=1, **FIT, **kwargs)
    return m, history


@pytest.mark.parametrize("kind", ["sequence", "reiterable"])
def test_a_source_of_the_arrays_batches_trains_bit_identically(kind: str) -> None:
    X, y = data()
    w = np.linspace(0.5, 2.0, len(y))
    cw = {0: 2.0, 1: 0.5}
    metrics = ["accuracy", lambda t, p: float(np.mean(p[:, 1]))]  # one cannot stream
    a, ha = _arrays_fit(sample_weight=w, class_weight=cw, metrics=metrics)
    source = Seq(X, y, 8, w) if kind == "sequence" else Reiterable(X, y, 8)
    b = model()
    if kind == "reiterable":  # its batches carry no weights: compare with arrays without
        a, ha = _arrays_fit(class_weight=cw, metrics=metrics)
    hb = b.fit(source, epochs=3, shuffle=False, seed=1, class_weight=cw, metrics=metrics,
               **FIT)
    assert same_weights(a, b)
    assert ha.history == hb.history


def test_a_generator_trains_as_the_arrays_for_one_epoch_then_runs_out() -> None:
    X, y = data()
    a, ha = _arrays_fit(epochs=1)
    b = model()
    with pytest.warns(UserWarning, match="ran out of data; interrupting training.*epoch 1"):
        hb = b.fit(batches(X, y), epochs=3, seed=1, **FIT)
    assert same_weights(a, b) and ha.history == hb.history  # the one epoch it had
    assert b.optimizer.iterations == 5


def test_an_unbuilt_model_is_built_from_the_first_batch_which_it_trains_on() -> None:
    X, y = data()
    b = model()
    b.fit(batches(X.astype(np.float32), y), epochs=1, seed=0, **FIT)
    assert b.dtype == np.float32 and b.n_features_in == 3 and b.optimizer.iterations == 5


def test_steps_per_epoch_carries_an_iterator_over_the_epochs() -> None:
    X, y = data()
    log: list[int] = []
    counts = _Counts()
    model().fit(batches(X, y, repeat=True, log=log), epochs=3, steps_per_epoch=3, seed=0,
                callbacks=[counts], **FIT)
    assert log == [0, 1, 2, 3, 4, 0, 1, 2, 3]  # carried over, not restarted
    assert counts.per_epoch == [3, 3, 3] and counts.params["steps"] == 3


def test_an_iterator_that_runs_out_mid_training_warns_and_stops() -> None:
    X, y = data()
    with pytest.warns(UserWarning, match="ran out of data; interrupting training"):
        history = model().fit(batches(X, y), epochs=4, steps_per_epoch=3, seed=0, **FIT)
    assert len(history.epoch) == 2  # 3 batches, then the 2 left; no third epoch


def test_a_sequence_with_steps_per_epoch_goes_on_where_it_stopped_as_keras() -> None:
    X, y = data()
    seq = Seq(X, y, 8)
    counts = _Counts()
    with pytest.warns(UserWarning, match="ran out of data.*used up"):
        history = model().fit(seq, epochs=3, steps_per_epoch=3, shuffle=False, seed=0,
                              callbacks=[counts], **FIT)
    # Keras 3's EpochIterator: 3 batches, the 2 left (warned), then a new pass
    assert seq.read == [0] + [0, 1, 2, 3, 4, 0, 1, 2]  # x[0] read first to build the model
    assert counts.per_epoch == [3, 2, 3]
    assert len(history.epoch) == 3 and seq.ends == 3 and seq.begins == 3


def test_a_reiterable_is_iterated_once_per_epoch() -> None:
    X, y = data()
    source = Reiterable(X, y, 8)
    model().fit(source, epochs=3, seed=0, **FIT)
    assert source.passes == 3


def test_on_epoch_end_is_called_after_each_epoch_even_one_stopped_early() -> None:
    X, y = data()
    seq = Seq(X, y, 8)

    class Stop(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    history = model().fit(seq, epochs=4, shuffle=False, seed=0, callbacks=[Stop()], **FIT)
    assert len(history.epoch) == 1 and seq.ends == 1 and seq.read == [0, 0, 1]


def _order(seed: int) -> list[int]:
    X, y = data()
    seq = Seq(X, y, 8)
    model().fit(seq, epochs=3, seed=seed, **FIT)  # shuffle=True by default, as Keras
    return seq.read[1:]  # x[0] read first to build the model


def test_shuffle_reorders_a_sequences_batches_from_the_models_generator() -> None:
    first = _order(0)
    assert first == _order(0)
    assert first != _order(1)
    epochs = [first[i:i + 5] for i in range(0, 15, 5)]
    assert all(sorted(e) == [0, 1, 2, 3, 4] for e in epochs)
    assert epochs[0] != epochs[1] or epochs[1] != epochs[2]  # drawn anew each epoch


def test_shuffle_false_keeps_a_sequences_order() -> None:
    X, y = data()
    seq = Seq(X, y, 8)
    model().build(3, seed=0).fit(seq, epochs=2, shuffle=False, **FIT)  # built: no x[0] first
    assert seq.read == [0, 1, 2, 3, 4] * 2


def test_a_float32_model_steps_on_float32_batches(monkeypatch) -> None:
    from nonlin import objective

    seen: list[tuple] = []
    real = objective.Objective.step

    def step(self, x, y, w, sink=None):
        seen.append((x.dtype, None if w is None else w.dtype))
        return real(self, x, y, w, sink)

    monkeypatch.setattr(objective.Objective, "step", step)
    X, y = data()
    m = model().build(3, seed=0, dtype=np.float32)
    m.fit(Seq(X, y, 8, np.ones(len(y))), epochs=1, **FIT)  # float64 batches
    assert seen == [(np.float32, np.float32)] * 5
    assert all(p.dtype == np.float32 for p in m.get_weights())


def test_callbacks_see_each_batch_and_the_steps_when_known() -> None:
    X, y = data()
    counts = _Counts()
    model().fit(Seq(X, y, 8), epochs=2, seed=0, callbacks=[counts], **FIT)
    assert counts.per_epoch == [5, 5] and counts.params["steps"] == 5
    counts = _Counts()
    model().fit(Reiterable(X, y, 16), epochs=2, seed=0, callbacks=[counts], verbose=1,
                loss="cross_entropy", optimizer="adam")  # an open-ended progress bar
    assert counts.per_epoch == [3, 3] and counts.params["steps"] is None


def test_early_stopping_on_a_validation_source() -> None:
    X, y = data()
    stop = EarlyStopping(monitor="val_loss", min_delta=1e9, patience=1)
    history = model().fit(Seq(X, y, 8), validation_data=Seq(X, y, 16), epochs=10, seed=0,
                          callbacks=[stop], **FIT)
    assert len(history.epoch) == 2 and "val_loss" in history.history


def test_divergence_names_the_batch_and_keeps_the_last_finite_step() -> None:
    X, y = data()
    X[16:24] = 1e300  # batch 2
    kept = {}

    class Keep(Callback):
        def on_train_batch_end(self, batch, logs=None):
            kept[batch] = self.model.get_weights()

    m = model()
    with pytest.raises(DivergenceError, match="at epoch 0, batch 2") as info:
        m.fit(Seq(X, y, 8), epochs=2, shuffle=False, seed=0, callbacks=[Keep()], **FIT)
    assert (info.value.epoch, info.value.batch) == (0, 2)
    assert all(np.array_equal(p, q) for p, q in zip(m.get_weights(), kept[1], strict=True))


@pytest.mark.skipif(not hasattr(signal, "raise_signal"), reason="needs signal.raise_signal")
def test_ctrl_c_while_a_batch_is_read_stops_after_its_step() -> None:
    X, y = data()

    class Interrupted(Seq):
        def __getitem__(self, i):
            if len(self.read) == 7:  # x[0] to build, 5 batches, then epoch 1's second
                signal.raise_signal(signal.SIGINT)
            return super().__getitem__(i)

    m = model()
    with pytest.raises(KeyboardInterrupt):
        m.fit(Interrupted(X, y, 8), epochs=3, shuffle=False, seed=0, **FIT)
    assert m.optimizer.iterations == 7 and m.history.epoch == [0]  # after its step


def test_resuming_a_sequence_from_an_epoch_end_checkpoint_gives_the_straight_run(
        tmp_path) -> None:
    X, y = data()
    straight = model()
    straight.fit(Seq(X, y, 8), epochs=4, seed=3, **FIT)
    path = tmp_path / "run.safetensors"
    first = model()
    first.fit(Seq(X, y, 8), epochs=2, seed=3, callbacks=[ModelCheckpoint(path)], **FIT)
    resumed = model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a checkpoint without validation: no val_loss
        resumed.fit(Seq(X, y, 8), epochs=4, resume_from=path, **FIT)
    assert same_weights(straight, resumed)
    assert resumed.history.history == straight.history.history


def test_an_iterator_cannot_resume(tmp_path) -> None:
    X, y = data()
    with pytest.raises(ValueError, match="Expected a sequence .* to resume_from a checkpoint"
                       ".*Received: x=generator, an iterator"):
        model().fit(batches(X, y), epochs=2, resume_from=tmp_path / "none.safetensors", **FIT)


def test_validation_data_as_a_source_gives_the_arrays_numbers() -> None:
    X, y = data()
    Xv, yv = data(30, seed=5)
    a = model()
    ha = a.fit(X, y, validation_data=(Xv, yv), epochs=2, batch_size=8, shuffle=False, seed=0,
               metrics=["accuracy"], **FIT)
    b = model()
    hb = b.fit(Seq(X, y, 8), validation_data=Seq(Xv, yv, 7), epochs=2, shuffle=False, seed=0,
               metrics=["accuracy"], **FIT)
    assert same_weights(a, b)
    np.testing.assert_allclose(hb.history["val_loss"], ha.history["val_loss"], rtol=0,
                               atol=1e-12)
    assert hb.history["val_accuracy"] == ha.history["val_accuracy"]


def test_a_validation_iterator_used_up_is_refused_at_the_next_validation() -> None:
    X, y = data()
    with pytest.raises(ValueError, match="Expected batches from validation_data for the "
                       "validation at epoch 1. Received none: the iterator gave all"):
        model().fit(Seq(X, y, 8), validation_data=batches(X, y), epochs=2, seed=0, **FIT)
    assert isinstance(nonlin.Sequential, type)
