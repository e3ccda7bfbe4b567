"""Leftovers of session 20 (b): a History given to fit, resume's optimizer, messages.

- ``fit(callbacks=[h])`` with ``h`` a ``History`` recorded into ``h`` but returned a History
  of its own and left ``model.history`` another; Keras 3 returns the user's History and
  sets it as ``model.history``, as nonlin now does (checkpoints and resuming unchanged).
- ``fit(resume_from=path, optimizer=Adam(amsgrad=True))`` for a checkpoint of a plain ``Adam``
  checked the class alone and resumed with amsgrad off: an optimizer instance whose
  ``get_config()`` is not the checkpoint's is now refused (a float learning rate aside: the
  checkpoint's goes on, as a ReduceLROnPlateau of the run may have lowered it).
- ``LearningRateScheduler`` and ``ReduceLROnPlateau`` refused a scheduled learning rate
  without "Expected ... Received ...": they now say both, naming the schedule.
- ``nonlin.sklearn``'s ``ConvergenceWarning`` (and the clipped ``batch_size`` warning) pointed
  at nonlin's files (``_callback_list.py``, ``sklearn.py``, ``_sklearn_engine.py``); they now
  point at the user's ``fit`` (scikit-learn's point at its own file).
- ``nonlin train --target a,b --task classification --loss mse`` (multilabel) listed the
  single-target ``focal[:GAMMA[:ALPHA[:SMOOTHING]]]``, whose ALPHA multilabel refuses; it now
  lists what a multilabel classifier takes, ``focal[:GAMMA[:1[:SMOOTHING]]]``.
- A batch source of one batch that ran out warned "its 1 batches are used up".
- ``nonlin/core.py`` was at 299 of its 300 lines: ``check_2d`` moved to ``nonlin.validation``
  and ``backward_to_input`` to ``nonlin._input_grad``; ``nonlin.core`` still offers both.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin
import nonlin.checkpoint
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


# 2. resume_from with an optimizer instance of other settings: refused, not dropped


def _checkpointed(tmp_path: Path, optimizer: object) -> str:
    path = str(tmp_path / "ck.safetensors")
    model = _model()
    model.fit(X, Y, optimizer=optimizer, epochs=2, batch_size=4, verbose=0,
              callbacks=[ModelCheckpoint(path)])
    return path


def test_resume_refuses_an_optimizer_of_other_settings(tmp_path: Path) -> None:
    path = _checkpointed(tmp_path, nonlin.Adam())
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=re.escape(
            "Received: optimizer=Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-08, "
            "amsgrad=True). Pass optimizer=None")) as info:
        model.fit(X, Y, optimizer=nonlin.Adam(amsgrad=True), epochs=3, verbose=0,
                  resume_from=path)
    assert str(info.value).startswith("Expected optimizer=None, or the settings of the ")
    assert "trains with: Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-08). Rec" in str(
        info.value)
    for a, b in zip(model.get_weights(), before, strict=True):  # nothing changed
        np.testing.assert_array_equal(a, b)


def test_resume_goes_on_with_the_checkpoints_learning_rate(tmp_path: Path) -> None:
    """A float rate is not a setting compared: the script that started a run, whose
    ReduceLROnPlateau lowered the rate, resumes it unchanged, at the lowered rate (as
    Keras 3's BackupAndRestore restores it); a schedule is compared."""
    path = str(tmp_path / "ck.safetensors")
    plateau = nonlin.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9)
    _model().fit(X, Y, optimizer=nonlin.SGD(lr=0.1, momentum=0.9), epochs=2, batch_size=4,
                 verbose=0, callbacks=[plateau, ModelCheckpoint(path)])
    model = _model()
    again = nonlin.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9)
    model.fit(X, Y, optimizer=nonlin.SGD(lr=0.1, momentum=0.9), epochs=3, batch_size=4,
              verbose=0, resume_from=path, callbacks=[again, ModelCheckpoint(path)])
    assert model.history.history["lr"] == [0.1, 0.1, 0.05]  # epoch 2 at the lowered rate
    assert model.optimizer.lr == 0.025  # halved again after it
    with pytest.raises(ValueError, match=r"Received: optimizer=SGD\(lr=0\.1, momentum=0\.5"):
        _model().fit(X, Y, optimizer=nonlin.SGD(lr=0.1, momentum=0.5), epochs=3, verbose=0,
                     resume_from=path)
    scheduled = _checkpointed(tmp_path, nonlin.SGD(lr=nonlin.schedules.ExponentialDecay(
        0.1, 10, 0.5)))
    with pytest.raises(ValueError, match=r"trains with: SGD\(lr=\{'class_name': 'Expon"):
        _model().fit(X, Y, optimizer=nonlin.SGD(lr=0.1), epochs=3, verbose=0,
                     resume_from=scheduled)


def test_resume_takes_the_same_settings_a_name_or_none(tmp_path: Path) -> None:
    path = _checkpointed(tmp_path, nonlin.Adam(amsgrad=True))
    same = _model().fit(X, Y, optimizer=nonlin.Adam(amsgrad=True), epochs=3, verbose=0,
                        resume_from=path)
    for given in ("adam", None):  # None: the checkpoint's, the model not compiled
        model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
        assert model.fit(X, Y, optimizer=given, epochs=3, verbose=0, loss="mse",
                         resume_from=path).history == same.history
        assert model.optimizer.get_config()["amsgrad"] is True
    epoch, optimizer = nonlin.checkpoint.resume(_model(), nonlin.Adam(amsgrad=True), path)
    assert epoch == 2 and optimizer.get_config()["amsgrad"] is True


def test_resume_of_a_source_refuses_an_optimizer_of_other_settings(tmp_path: Path) -> None:
    path = _checkpointed(tmp_path, nonlin.Adam())
    with pytest.raises(ValueError, match=r"amsgrad=True\)\. Pass optimizer=None"):
        _model().fit(_Batches(), optimizer=nonlin.Adam(amsgrad=True), epochs=3, verbose=0,
                     resume_from=path)


# 3. the learning-rate callbacks refuse a schedule in the house style


@pytest.mark.parametrize("make", [
    lambda: nonlin.ReduceLROnPlateau(monitor="loss"),
    lambda: nonlin.LearningRateScheduler(lambda epoch: 0.01),
], ids=["plateau", "scheduler"])
def test_lr_callbacks_refuse_a_schedule_saying_expected_and_received(make) -> None:
    from nonlin.schedules import ExponentialDecay

    callback = make()
    owner = type(callback).__name__
    with pytest.raises(TypeError) as info:
        _model().fit(X, Y, optimizer=nonlin.SGD(ExponentialDecay(0.1, 10, 0.5)), epochs=1,
                     verbose=0, callbacks=[callback])
    assert str(info.value) == (
        f"Expected an optimizer with a float learning rate, which {owner} sets between "
        "epochs: it cannot change a scheduled one, which the schedule sets at every step. "
        "Received: optimizer.lr=ExponentialDecay(lr=0.1, decay_steps=10, decay_rate=0.5, "
        f"staircase=False). Give the optimizer a float learning rate, or leave {owner} out "
        "and let the schedule set it")


# 4. the estimators' warnings point at the user's call (scikit-learn's point at its own file)


@pytest.mark.parametrize(("kind", "params"), [
    ("classifier", {}), ("regressor", {}), ("classifier", {"solver": "lbfgs"}),
    ("classifier", {"early_stopping": True}), ("classifier", {"batch_size": 100}),
], ids=["sgd-classifier", "regressor", "lbfgs", "early-stopping", "batch-size"])
def test_estimator_warnings_point_at_the_users_call(kind: str, params: dict) -> None:
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier, MLPRegressor

    target = (X[:, 0] > 0).astype(int) if kind == "classifier" else Y
    est = (MLPClassifier if kind == "classifier" else MLPRegressor)(
        hidden_layer_sizes=(4,), max_iter=2, random_state=0, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(np.vstack([X, X, X]), np.concatenate([target] * 3))
    assert caught and {w.filename for w in caught} == {__file__}, [
        (w.category.__name__, w.filename) for w in caught]


# 5. a multilabel classifier's bad --loss: the losses it takes (its focal's ALPHA is 1)


def test_multilabel_bad_loss_lists_what_multilabel_takes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli_helpers import error_line
    from nonlin import cli

    rng = np.random.default_rng(0)
    rows = rng.normal(size=(30, 2)).round(3)
    (tmp_path / "d.csv").write_text("x1,x2,a,b\n" + "".join(
        f"{u},{v},{int(u > 0)},{int(v > 0)}\n" for u, v in rows))
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "a,b", "--task",
                     "classification", "--loss", "mse", "--epochs", "1", "--quiet",
                     "-o", str(tmp_path / "m.safetensors")]) == 2
    line = error_line(capsys, "--loss mse is no loss of a multilabel classifier; expected one "
                      "of cross_entropy[:SMOOTHING], focal[:GAMMA[:1[:SMOOTHING]]] (focal: the "
                      "binary focal loss of each label, which takes GAMMA and SMOOTHING; its "
                      "ALPHA is 1)")
    assert "ALPHA[" not in line


def test_loss_fits_a_resumed_multilabel_record() -> None:
    from nonlin.cli_train_loss import loss_fits

    assert "focal[:GAMMA[:1[:SMOOTHING]]]" in loss_fits("huber", "classification", True)
    assert "focal[:GAMMA[:ALPHA[:SMOOTHING]]]" in loss_fits("huber", "classification")
    assert loss_fits("focal:3.0", "classification", True) is None


# 6. the ran-out-of-data warning: "its 1 batch is used up", not "its 1 batches are"


class _OneBatch:
    """A sequence of one batch."""

    def __len__(self) -> int:
        return 1

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if index != 0:
            raise IndexError(index)
        return X, Y


def test_ran_out_of_data_says_one_batch() -> None:
    model = _model()
    with pytest.warns(UserWarning, match="ran out of data") as record:
        model.evaluate(_OneBatch(), steps=3, verbose=0)
    texts = [str(w.message) for w in record if "ran out of data" in str(w.message)]
    assert len(texts) == 1 and "(its 1 batch is used up; Keras 3 warns so too)" in texts[0]


# 7. core.py's headroom: check_2d and backward_to_input moved, still offered by nonlin.core


def test_core_offers_the_moved_names_from_their_new_homes() -> None:
    import importlib

    import nonlin.core
    import nonlin.validation
    from nonlin.core import backward_to_input, check_2d

    inputs = importlib.import_module("nonlin._input_grad")
    assert check_2d is nonlin.validation.check_2d and "check_2d" in nonlin.core.__all__
    assert backward_to_input is inputs.backward_to_input
    assert nonlin.core.__file__ is not None
    assert len(Path(nonlin.core.__file__).read_text(encoding="utf-8").splitlines()) <= 270
    with pytest.raises(ValueError, match=r"Expected a 2-D array \(n_samples, n_features\) for X"):
        check_2d(np.zeros(3))
    model = _model()
    model.forward(X, training=True)
    assert model.backward(np.ones((12, 2)), input_grad=True).shape == X.shape
