"""``fit(X, y, validation_data=<batch source>)``: arrays as training data, a sequence, a
generator or a re-iterable as validation data, as Keras 3 takes them. Its ``val_*``
numbers are those of the same rows as arrays; ``validation_steps`` carries a source over
from one validation to the next (Keras 3's one ``EpochIterator`` per run); an iterator
runs out; callbacks, float32, refusals, resuming; the batches are left as given."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin import EarlyStopping
from nonlin.callbacks import Callback
from nonlin.checkpoint import ModelCheckpoint
from source_helpers import FIT, Reiterable, Seq, batches, data, model, same_weights

ARGS = {"batch_size": 8, "shuffle": False, "seed": 0, "metrics": ["accuracy"], **FIT}


def _val() -> tuple[np.ndarray, np.ndarray]:
    return data(30, seed=5)


def _source(kind: str, Xv, yv, size: int = 7):
    if kind == "sequence":
        return Seq(Xv, yv, size)
    if kind == "reiterable":
        return Reiterable(Xv, yv, size)
    return batches(Xv, yv, size, repeat=True)  # endless: validation_steps reads one pass


def _close(a: list[float], b: list[float]) -> None:
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["sequence", "reiterable", "generator"])
def test_a_validation_source_gives_the_numbers_of_its_rows_as_arrays(kind: str) -> None:
    X, y = data()
    Xv, yv = _val()
    a, b = model(), model()
    ha = a.fit(X, y, validation_data=(Xv, yv), epochs=3, **ARGS)
    steps = {"validation_steps": 5} if kind == "generator" else {}  # 30 rows: 5 of 7
    hb = b.fit(X, y, validation_data=_source(kind, Xv, yv), epochs=3, **ARGS, **steps)
    assert same_weights(a, b)  # validation takes nothing from the training
    assert hb.history["loss"] == ha.history["loss"]
    _close(hb.history["val_loss"], ha.history["val_loss"])
    _close(hb.history["val_accuracy"], ha.history["val_accuracy"])
    assert sorted(hb.history) == sorted(ha.history)


def test_a_generator_without_validation_steps_is_read_to_its_end_for_one_epoch() -> None:
    X, y = data()
    Xv, yv = _val()
    ha = model().fit(X, y, validation_data=(Xv, yv), epochs=1, **ARGS)
    hb = model().fit(X, y, validation_data=batches(Xv, yv, 4), epochs=1, **ARGS)
    _close(hb.history["val_loss"], ha.history["val_loss"])


def test_validation_steps_carries_a_sequence_over_from_one_validation_to_the_next() -> None:
    X, y = data()
    Xv, yv = data(40, seed=5)
    seen: list[float] = []

    class Expected(Callback):  # the rows Keras 3 reads: batches 0-1, then 2-3
        def on_epoch_end(self, epoch, logs=None):
            rows = slice(16 * epoch, 16 * epoch + 16)
            seen.append(self.model.evaluate(Xv[rows], yv[rows], verbose=0)["loss"])

    seq = Seq(Xv, yv, 8)
    history = model().fit(X, y, validation_data=seq, validation_steps=2, epochs=2,
                          callbacks=[Expected()], **ARGS)
    assert seq.read == [0, 1, 2, 3]
    _close(history.history["val_loss"], seen)


def test_validation_freq_reads_the_source_only_at_the_validated_epochs() -> None:
    X, y = data()
    Xv, yv = _val()
    source = Reiterable(Xv, yv, 7)
    ha = model().fit(X, y, validation_data=(Xv, yv), validation_freq=2, epochs=4, **ARGS)
    hb = model().fit(X, y, validation_data=source, validation_freq=2, epochs=4, **ARGS)
    assert source.passes == 2
    assert np.isnan(hb.history["val_loss"][::2]).all()  # History's NaN: no validation
    _close(hb.history["val_loss"], ha.history["val_loss"])


def test_an_iterator_run_out_is_refused_at_the_next_validation() -> None:
    X, y = data()
    Xv, yv = _val()
    m = model()
    with pytest.raises(ValueError, match="Expected batches from validation_data for the "
                       "validation at epoch 1. Received none: the iterator gave all its "
                       "batches to an earlier validation"):
        m.fit(X, y, validation_data=batches(Xv, yv, 7), epochs=3, **ARGS)
    assert m.history.epoch == [0]


def test_an_iterator_short_of_validation_steps_warns_keras_ran_out_of_data() -> None:
    X, y = data()
    Xv, yv = _val()  # 5 batches of 7 rows (the last of 2)
    log: list[int] = []
    with pytest.warns(UserWarning, match="ran out of data: validation_data gave fewer than "
                      "validation_steps=3"):
        history = model().fit(X, y, validation_data=batches(Xv, yv, 7, log=log),
                              validation_steps=3, epochs=2, **ARGS)
    assert log == [0, 1, 2, 3, 4] and len(history.history["val_loss"]) == 2


def test_early_stopping_restores_the_best_weights_on_a_sources_val_loss() -> None:
    X, y = data()
    Xv, yv = _val()
    runs = []
    for validation in ((Xv, yv), Seq(Xv, yv, 7)):
        stop = EarlyStopping(monitor="val_loss", patience=1, min_delta=0.05,
                             restore_best_weights=True)
        m = model()
        history = m.fit(X, y, validation_data=validation, epochs=30, callbacks=[stop], **ARGS)
        runs.append((m, history, stop.stopped_epoch))
    (a, ha, stopped_a), (b, hb, stopped_b) = runs
    assert stopped_a == stopped_b > 0 and len(hb.epoch) < 30
    assert same_weights(a, b)
    _close(hb.history["val_loss"], ha.history["val_loss"])


def test_reduce_lr_on_plateau_reads_a_sources_val_loss() -> None:
    X, y = data()
    Xv, yv = _val()
    rates = []
    for validation in ((Xv, yv), Reiterable(Xv, yv, 7)):
        plateau = nonlin.ReduceLROnPlateau(monitor="val_loss", patience=0, min_delta=1e9)
        history = model().fit(X, y, validation_data=validation, epochs=3, callbacks=[plateau],
                              **ARGS)
        rates.append(history.history["lr"])
    assert rates[0] == rates[1] and rates[1][-1] < rates[1][0]


def test_on_test_begin_and_end_surround_each_validation_of_a_source() -> None:
    X, y = data()
    Xv, yv = _val()
    calls: list[tuple[str, int, dict]] = []

    class Hooks(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_test_begin(self, logs=None):
            calls.append(("begin", self.epoch, dict(logs or {})))

        def on_test_end(self, logs=None):
            calls.append(("end", self.epoch, dict(logs or {})))

    history = model().fit(X, y, validation_data=Seq(Xv, yv, 7), validation_freq=2, epochs=4,
                          callbacks=[Hooks()], **ARGS)
    assert [(c[0], c[1]) for c in calls] == [("begin", 1), ("end", 1), ("begin", 3), ("end", 3)]
    assert calls[3][2]["loss"] == history.history["val_loss"][3]
    assert set(calls[3][2]) == {"loss", "accuracy"}


def test_a_float32_model_validates_on_a_source_in_float32() -> None:
    X, y = data()
    Xv, yv = _val()
    X32, Xv32 = X.astype(np.float32), Xv.astype(np.float32)
    a, b = model(), model()
    ha = a.fit(X32, y, validation_data=(Xv32, yv), epochs=2, **ARGS)
    hb = b.fit(X32, y, validation_data=Seq(Xv32, yv, 7), epochs=2, **ARGS)
    assert a.dtype == b.dtype == np.float32 and same_weights(a, b)
    np.testing.assert_allclose(hb.history["val_loss"], ha.history["val_loss"], rtol=1e-6)
    assert hb.history["val_accuracy"] == ha.history["val_accuracy"]


def test_validation_batch_size_is_refused_with_a_validation_source() -> None:
    X, y = data()
    m = model()
    with pytest.raises(ValueError, match=r"Expected validation_batch_size=None when "
                       r"validation_data is a batch source.*Received: validation_batch_size=4"):
        m.fit(X, y, validation_data=Seq(*_val()), validation_batch_size=4, **ARGS)
    assert not m.built  # refused before anything changed


def test_an_iterator_as_validation_data_cannot_resume(tmp_path) -> None:
    X, y = data()
    with pytest.raises(ValueError, match="Expected a sequence .* as validation_data to "
                       "resume_from a checkpoint.*Received: validation_data=generator, an "
                       "iterator"):
        model().fit(X, y, validation_data=batches(*_val()), epochs=2,
                    resume_from=tmp_path / "none.safetensors", **ARGS)


def test_validation_data_of_another_form_is_refused_naming_the_batch_source() -> None:
    X, y = data()
    with pytest.raises(ValueError, match=r"Expected validation_data as \(X_val, y_val\), "
                       r"\(X_val, y_val, weights\) or a batch source. Received a tuple of "
                       "4 items"):
        model().fit(X, y, validation_data=(X, y, None, None), **ARGS)


def test_a_bad_validation_batch_is_named() -> None:
    X, y = data()
    Xv, yv = _val()
    with pytest.raises(ValueError, match=r"In validation_data\[0\]: .*Expected"):
        model().fit(X, y, validation_data=Seq(Xv[:, :2], yv, 7), **ARGS)


def test_resuming_with_a_validation_sequence_gives_the_straight_run(tmp_path) -> None:
    X, y = data()
    Xv, yv = _val()
    straight = model()
    straight.fit(X, y, validation_data=Seq(Xv, yv, 7), epochs=4, **ARGS)
    path = tmp_path / "run.safetensors"
    model().fit(X, y, validation_data=Seq(Xv, yv, 7), epochs=2,
                callbacks=[ModelCheckpoint(path)], **ARGS)
    resumed = model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resumed.fit(X, y, validation_data=Seq(Xv, yv, 7), epochs=4, resume_from=path,
                    **{**ARGS, "seed": None})
    assert same_weights(straight, resumed)
    assert resumed.history.history == straight.history.history


def test_the_sources_batches_are_left_as_given() -> None:
    X, y = data()
    Xv, yv = _val()
    w = np.linspace(0.5, 2.0, len(yv))
    seq = Seq(Xv, yv, 7, w)
    before = [tuple(np.array(a, copy=True) for a in seq[i]) for i in range(len(seq))]
    model().fit(X.astype(np.float32), y, validation_data=seq, epochs=2, **ARGS)
    after = [seq[i] for i in range(len(seq))]
    for old, new in zip(before, after, strict=True):
        assert all(np.array_equal(p, q) and p.dtype == q.dtype
                   for p, q in zip(old, new, strict=True))


@pytest.mark.parametrize("x_kind", ["arrays", "sequence"])
def test_csv_logger_has_the_val_columns_from_the_first_row_with_validation_freq(
        tmp_path, x_kind: str) -> None:
    X, y = data()
    Xv, yv = _val()
    path = tmp_path / "log.csv"
    train = (X, y) if x_kind == "arrays" else (Seq(X, y, 8),)
    args = ARGS if x_kind == "arrays" else {k: v for k, v in ARGS.items() if k != "batch_size"}
    model().fit(*train, validation_data=Seq(Xv, yv, 7), validation_freq=2, epochs=2,
                callbacks=[nonlin.CSVLogger(str(path))], **args)
    header = path.read_text().splitlines()[0].split(",")
    assert "val_loss" in header and "val_accuracy" in header
