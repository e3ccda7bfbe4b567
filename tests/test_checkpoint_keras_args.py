"""``ModelCheckpoint`` takes Keras 3's arguments: ``filepath``, ``verbose``,
``save_weights_only``, ``save_freq`` (batches, counted across epochs; a checkpoint
written mid-epoch resumes bit for bit) and ``initial_value_threshold``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta
from nonlin import Callback, ModelFileError
from nonlin.callbacks import CallbackList
from nonlin.checkpoint import ModelCheckpoint, load_checkpoint
from nonlin.tutorial import build_network
from test_checkpoint import _assert_same_run, _layers
from test_checkpoint_partial import _fit
from test_docs_claims_a import GUIDE, check_signature

# These tests train a Dense-last model with cross_entropy (probabilities expected) on
# purpose: fixed trajectories for resume and file checks, not a well-posed loss.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


class _Scores(Callback):
    """Put ``values`` into the logs as ``"score"``, one per epoch (before the checkpoint)."""

    def __init__(self, values):
        self.values = list(values)

    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = self.values[epoch]


class _Weights(Callback):
    """Copies of the weights at each epoch's end (after the checkpoint)."""

    def __init__(self):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([w.copy() for w in self.model.get_weights()])


def _small_fit(callbacks, epochs=3):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.fit(X, (X[:, 0] > 0).astype(int), loss="cross_entropy", optimizer="adam", seed=0,
              epochs=epochs, verbose=0, callbacks=callbacks)
    return model


# -- filepath ----------------------------------------------------------------------------
def test_filepath_is_keras_keyword_and_path_still_works(tmp_path):
    by_keras = ModelCheckpoint(filepath=tmp_path / "a.safetensors")
    by_nonlin = ModelCheckpoint(path=tmp_path / "b.safetensors")
    _small_fit([by_keras, by_nonlin], epochs=1)
    assert by_keras.saved == [str(tmp_path / "a.safetensors")]
    assert by_nonlin.saved == [str(tmp_path / "b.safetensors")]
    assert by_keras.path == by_keras.filepath == str(tmp_path / "a.safetensors")
    # Keras' positional order: filepath, monitor, verbose, save_best_only
    keras_order = ModelCheckpoint("c.safetensors", "loss", 0, True)
    assert (keras_order.monitor, keras_order.save_best_only) == ("loss", True)


def test_filepath_and_path_together_are_refused_naming_both():
    with pytest.raises(TypeError, match=r"filepath.*path.*Received both: "
                                        r"filepath='a.safetensors', path='b.safetensors'"):
        ModelCheckpoint(filepath="a.safetensors", path="b.safetensors")
    with pytest.raises(TypeError, match="Expected a file path"):
        ModelCheckpoint()


# -- verbose -----------------------------------------------------------------------------
def test_verbose_says_each_save_and_each_skip_in_keras_words(tmp_path, capsys):
    path = tmp_path / "best.safetensors"
    saver = ModelCheckpoint(path, monitor="score", mode="min", save_best_only=True, verbose=1)
    _small_fit([_Scores([0.5, 0.4, 0.45]), saver])
    err = capsys.readouterr()
    assert err.out == ""
    assert err.err.splitlines() == [
        f"Epoch 1: score improved from inf to 0.50000, saving model to {path}",
        f"Epoch 2: score improved from 0.50000 to 0.40000, saving model to {path}",
        "Epoch 3: score did not improve from 0.40000",
    ]
    every = ModelCheckpoint(tmp_path / "ck-{epoch}.safetensors", verbose=True)
    _small_fit([every], epochs=2)
    assert capsys.readouterr().err.splitlines() == [
        f"Epoch {e}: saving model to {tmp_path / f'ck-{e}.safetensors'}" for e in (1, 2)]
    _small_fit([ModelCheckpoint(tmp_path / "quiet.safetensors")], epochs=1)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("verbose", [2, -1, 0.5, "1", None])
def test_verbose_other_than_0_or_1_is_refused(verbose):
    with pytest.raises(ValueError, match=r"Expected verbose 0 or 1.*Received: verbose="):
        ModelCheckpoint("ck.safetensors", verbose=verbose)


# -- save_weights_only -------------------------------------------------------------------
def test_save_weights_only_writes_model_files_of_each_epochs_weights(tmp_path):
    saver = ModelCheckpoint(tmp_path / "w-{epoch}.safetensors", save_weights_only=True)
    weights = _Weights()
    model = _small_fit([saver, weights])
    assert saver.saved == [str(tmp_path / f"w-{e}.safetensors") for e in (1, 2, 3)]
    for path, expected in zip(saver.saved, weights.weights, strict=True):
        loaded = nonlin.load(path)
        for got, want in zip(loaded.get_weights(), expected, strict=True):
            assert got.tobytes() == want.tobytes()
        assert loaded.optimizer is None  # include_optimizer=False
    with pytest.raises(ModelFileError):
        load_checkpoint(saver.saved[-1])  # no resume record
    np.testing.assert_array_equal(nonlin.load(saver.saved[-1]).predict(np.ones((3, 2))),
                                  model.predict(np.ones((3, 2))))


def test_save_weights_only_takes_a_legacy_generator(tmp_path):
    """A checkpoint records a Generator's state; a weights-only file records none."""
    model = build_network()  # the tutorial's: RandomState(1)
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    saver = ModelCheckpoint(tmp_path / "w.safetensors", save_weights_only=True)
    model.fit(X, np.array([[0], [1], [1], [0]], dtype=float), loss="mse", optimizer="sgd",
              epochs=1, verbose=0, callbacks=[saver])
    assert isinstance(model.rng, np.random.RandomState)
    assert saver.saved == [str(tmp_path / "w.safetensors")]


# -- save_freq ---------------------------------------------------------------------------
def _batch_saver(folder, **kwargs):
    return ModelCheckpoint(folder / "ck-{epoch}-{batch}.safetensors", save_freq=3, **kwargs)


def test_save_freq_counts_batches_across_epochs(tmp_path):
    # 72 training rows in batches of 16: 5 batches an epoch, a save after every 3rd
    saver = _batch_saver(tmp_path)
    _fit(nonlin.Sequential(_layers()), "adam", 3, seed=7, callbacks=[saver])
    names = [p.rsplit("/", 1)[1] for p in saver.saved]
    assert names == ["ck-1-3.safetensors", "ck-2-1.safetensors", "ck-2-4.safetensors",
                     "ck-3-2.safetensors", "ck-3-5.safetensors"]  # none at an epoch's end


@pytest.mark.parametrize("name, epoch, rows", [("ck-2-4", 1, 64), ("ck-3-5", 2, 72)])
def test_a_mid_epoch_checkpoint_resumes_bit_identically(tmp_path, name, epoch, rows):
    straight = _fit(nonlin.Sequential(_layers()), "adam", 5, seed=7)
    (tmp_path / "a").mkdir()
    saver = _batch_saver(tmp_path / "a")
    with_saver = _fit(nonlin.Sequential(_layers()), "adam", 5, seed=7, callbacks=[saver])
    _assert_same_run(with_saver, straight)  # saving changes nothing
    path = tmp_path / "a" / f"{name}.safetensors"
    checkpoint = load_checkpoint(path)
    assert checkpoint.epoch == epoch and checkpoint.partial["rows"] == rows
    again = _batch_saver(tmp_path / "b")
    resumed = _fit(nonlin.Sequential(_layers()), "adam", 5, optimizer="adam", resume_from=path,
                   callbacks=[again])
    _assert_same_run(resumed, straight)
    # the batch count went on from the file: the same later saves as the straight run
    later = [p.rsplit("/", 1)[1] for p in saver.saved]
    assert [p.rsplit("/", 1)[1] for p in again.saved] == later[later.index(f"{name}.safetensors")
                                                                + 1:]


@pytest.mark.filterwarnings("ignore:The file's compile record leaves out:UserWarning")
def test_a_plain_metric_function_warns_that_mid_epoch_resume_restarts_the_epoch(tmp_path):
    def hits(y_true, y_pred):
        return float(np.mean(y_pred.argmax(axis=1) == y_true))

    with pytest.warns(UserWarning, match="cannot record the epoch in progress.*'hits'") as seen:
        warnings.simplefilter("always")  # the warning is given once per fit, not once per check
        _fit(nonlin.Sequential(_layers()), "adam", 1, seed=7, callbacks=[_batch_saver(tmp_path)],
             fit={"metrics": [hits]})
    assert sum("cannot record the epoch" in str(w.message) for w in seen) == 1


@pytest.mark.parametrize("count", [-1, 1.5, None])
def test_a_malformed_batch_count_in_the_checkpoint_is_refused(tmp_path, count):
    saver = _batch_saver(tmp_path)
    _fit(nonlin.Sequential(_layers()), "adam", 1, seed=7, callbacks=[saver])
    path = tmp_path / "ck-1-3.safetensors"

    def change(record):
        record["callbacks"][0]["state"]["batches_since_save"] = count
        return record

    path.write_bytes(edit_meta(path.read_bytes(), "checkpoint", change))
    with pytest.raises(ModelFileError, match="batches_since_save"):
        _fit(nonlin.Sequential(_layers()), "adam", 2, optimizer="adam", resume_from=path,
             callbacks=[_batch_saver(tmp_path)])


def test_an_epoch_saver_adds_no_batch_hook_and_a_batch_saver_does():
    assert not CallbackList([ModelCheckpoint("ck.safetensors")], None).wants_batches
    assert CallbackList([ModelCheckpoint("ck.safetensors", save_freq=2)], None).wants_batches


@pytest.mark.parametrize("kwargs, message", [
    ({"save_freq": 0}, "save_freq 'epoch' or a positive integer"),
    ({"save_freq": True}, "save_freq 'epoch' or a positive integer"),
    ({"save_freq": "batch"}, "save_freq 'epoch' or a positive integer"),
    ({"save_freq": 2.5}, "save_freq 'epoch' or a positive integer"),
    ({"save_freq": 10, "every": 2}, r"every \(epochs\) or an integer save_freq.*every=2, "
                                    "save_freq=10"),
])
def test_bad_save_freq_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=rf"Expected {message}.*|Expected .*{message}"):
        ModelCheckpoint("ck.safetensors", **kwargs)


def test_every_still_counts_epochs(tmp_path):
    saver = ModelCheckpoint(tmp_path / "ck-{epoch}.safetensors", every=2, save_freq="epoch")
    _small_fit([saver], epochs=4)
    assert saver.saved == [str(tmp_path / f"ck-{e}.safetensors") for e in (2, 4)]


# -- initial_value_threshold -------------------------------------------------------------
def test_initial_value_threshold_must_be_beaten_first(tmp_path, capsys):
    saver = ModelCheckpoint(tmp_path / "ck-{epoch}.safetensors", monitor="score", mode="min",
                            save_best_only=True, initial_value_threshold=0.45, verbose=1)
    _small_fit([_Scores([0.5, 0.4, 0.42]), saver])
    assert saver.saved == [str(tmp_path / "ck-2.safetensors")] and saver.best == 0.4
    assert capsys.readouterr().err.splitlines()[0] == "Epoch 1: score did not improve from 0.45000"


@pytest.mark.parametrize("value, error", [("0.5", TypeError), (True, TypeError),
                                          ([0.5], TypeError), (float("nan"), ValueError)])
def test_a_threshold_that_is_no_number_is_refused(value, error):
    with pytest.raises(error, match="Expected a number.*initial_value_threshold="):
        ModelCheckpoint("ck.safetensors", save_best_only=True, initial_value_threshold=value)


def test_the_guide_row_is_the_real_signature():
    text = GUIDE.read_text(encoding="utf-8")
    row = text[text.index("| `ModelCheckpoint("):].split("`")[1]
    check_signature(row, ModelCheckpoint, kinds=True)
    assert "save_freq" in row and "initial_value_threshold" in row
