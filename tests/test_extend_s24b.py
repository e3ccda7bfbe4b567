"""Components of one's own (session 24, second extension review): an optimizer or schedule
whose ``get_config`` leaves out a setting is not written to a file that would bring it back
with the default; a streaming metric written as Keras 3 writes one (``update_state``,
``result``, ``reset_state``) needs no ``_compute``."""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
import pytest

import nonlin
import nonlin.schedules
from nonlin import registry
from nonlin._compile_entries import _optimizer_entry
from nonlin.core import Param
from nonlin.metrics import Metric
from nonlin.optimizers import Optimizer
from nonlin.schedules import Schedule

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3))
Y = X @ np.array([[1.0], [-1.0], [0.5]])


def _fraction(name: str, value: Any) -> float:
    if not isinstance(value, float | int) or not 0 <= value < 1:
        raise ValueError(f"Expected {name} in [0, 1). Received: {name}={value!r}")
    return float(value)


class HeavyBall(Optimizer):
    """The guide's optimizer of one's own, its get_config returning beta."""

    _slot_names = ("velocity",)
    _settings = {**Optimizer._settings, "beta": _fraction}

    def __init__(self, lr: Any = 0.01, beta: float = 0.9, **options: Any) -> None:
        super().__init__(lr, **options)
        self._set(beta=beta)

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        deltas = []
        for p, v in zip(params, self._slots["velocity"], strict=True):
            v *= self.beta
            v -= lr * p.grad
            deltas.append(v)
        return deltas

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta": self.beta}


class ForgetfulBall(HeavyBall):
    """The same, its get_config forgetting beta (Optimizer's records lr and clipping alone)."""

    def get_config(self) -> dict[str, Any]:
        return Optimizer.get_config(self)


class Halving(Schedule):
    def __init__(self, lr: float, every: int = 3) -> None:
        self.lr, self.every = lr, every

    def __call__(self, step: int) -> float:
        return self.lr * 0.5 ** (step // self.every)

    def get_config(self) -> dict[str, Any]:
        return {"lr": self.lr}  # forgets every


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    for cls in (HeavyBall, ForgetfulBall):
        monkeypatch.setitem(registry.OPTIMIZERS, cls.__name__, cls)
    monkeypatch.setitem(nonlin.schedules.SCHEDULES, "Halving", Halving)


def _fitted(optimizer: Optimizer) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    model.fit(X, Y, loss="mse", optimizer=optimizer, epochs=1, verbose=0, seed=0)
    return model


LOST_BETA = (r"ForgetfulBall with beta=0\.9, not 0\.5: return every setting from "
             r"ForgetfulBall\.get_config")


@pytest.mark.usefixtures("registered")
def test_save_leaves_out_an_optimizer_whose_config_forgets_a_setting(tmp_path) -> None:
    path = str(tmp_path / "m.safetensors")
    with pytest.warns(UserWarning, match=r"leaves out optimizer=ForgetfulBall.*" + LOST_BETA):
        _fitted(ForgetfulBall(0.05, beta=0.5)).save(path)
    assert nonlin.load(path).optimizer is None  # not ForgetfulBall(beta=0.9)


@pytest.mark.usefixtures("registered")
def test_save_leaves_out_a_schedule_whose_config_forgets_a_setting(tmp_path) -> None:
    path = str(tmp_path / "m.safetensors")
    with pytest.warns(UserWarning, match=r"schedule Halving\(lr=0\.01\)'s config rebuilds "
                                         r"Halving with every=3, not 5"):
        _fitted(nonlin.SGD(Halving(0.01, every=5))).save(path)
    assert nonlin.load(path).optimizer is None


@pytest.mark.usefixtures("registered")
def test_checkpoint_of_an_optimizer_forgetting_a_setting_warns(tmp_path) -> None:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    with pytest.warns(UserWarning, match=r"ModelCheckpoint's files will not resume .*"
                                         + LOST_BETA):
        model.fit(X, Y, loss="mse", optimizer=ForgetfulBall(0.05, beta=0.5), epochs=1,
                  verbose=0, seed=0,
                  callbacks=[nonlin.ModelCheckpoint(str(tmp_path / "ck.safetensors"))])


@pytest.mark.usefixtures("registered")
def test_backup_of_an_optimizer_forgetting_a_setting_is_refused(tmp_path) -> None:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)]).build(3, seed=0)
    before = [w.copy() for w in model.get_weights()]
    backup = nonlin.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    with pytest.raises(TypeError, match=r"Expected BackupAndRestore's backups to resume.*"
                                        + LOST_BETA):
        model.fit(X, Y, loss="mse", optimizer=ForgetfulBall(0.05, beta=0.5), epochs=1,
                  verbose=0, callbacks=[backup])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before, strict=True))


@pytest.mark.usefixtures("registered")
def test_an_optimizer_whose_config_holds_its_settings_is_saved(tmp_path) -> None:
    path = str(tmp_path / "m.safetensors")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fitted(HeavyBall(0.05, beta=0.5)).save(path)
        # the default left out by a forgetful config comes back as it was: nothing lost
        _fitted(ForgetfulBall(0.05)).save(str(tmp_path / "default.safetensors"))
    loaded = nonlin.load(path).optimizer
    assert type(loaded) is HeavyBall and loaded.beta == 0.5


def _other_settings(cls: type) -> Optimizer:
    """``cls`` with each setting in (0, 1) halved, where its constructor takes that, clipping
    and a moving average on."""
    settings: dict[str, Any] = {"clipnorm": 1.0, "use_ema": True, "ema_momentum": 0.5}
    for name in cls._settings:  # type: ignore[attr-defined]
        value = getattr(cls(), name, None)
        if type(value) is float and 0 < value < 1:
            try:
                cls(**settings, **{name: value / 2})
            except (TypeError, ValueError):
                continue
            settings[name] = value / 2
    return cls(**settings)


SCHEDULES = [
    nonlin.schedules.Constant(0.1), nonlin.schedules.StepDecay(0.1, 5, 0.5),
    nonlin.schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True, name="e"),
    nonlin.schedules.CosineDecay(0.1, 100, 0.1, warmup_steps=5, warmup_target=0.2),
    nonlin.schedules.PiecewiseConstantDecay([5, 10], [0.1, 0.05, 0.01]),
    nonlin.schedules.PolynomialDecay(0.1, 50, 0.01, power=2.0, cycle=True),
    nonlin.schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=True),
    nonlin.schedules.CosineDecayRestarts(0.1, 10, 3.0, 0.5, 0.1),
    nonlin.schedules.OneCycle(0.1, epochs=3, steps_per_epoch=4, pct_start=0.2,
                              anneal_strategy="linear", three_phase=True),
]


@pytest.mark.parametrize("cls", list(registry.OPTIMIZERS.values()))
def test_builtin_optimizers_and_schedules_are_still_written(cls: type) -> None:
    for optimizer in (cls(), _other_settings(cls), *(cls(lr) for lr in SCHEDULES)):
        entry = _optimizer_entry(optimizer)
        assert isinstance(entry, tuple), (optimizer, entry)  # the record, not why not


class KerasMAE(Metric):
    """A metric as Keras 3 writes one: its state made in __init__, the streaming trio, no
    _compute (rows weighed by sample_weight)."""

    def __init__(self, name: str = "keras_mae") -> None:
        super().__init__(name=name)
        self.reset_state()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = np.asarray(y_pred, dtype=float).reshape(len(y_pred), -1)
        errors = np.abs(y_pred - np.asarray(y_true, dtype=float).reshape(y_pred.shape))
        w = np.ones(len(errors)) if sample_weight is None else np.asarray(sample_weight)
        self.total += float(w @ errors.mean(axis=1))
        self.count += float(w.sum())

    def result(self) -> float:
        return self.total / self.count if self.count else float("nan")

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0.0


class StreamingKerasMAE(KerasMAE):
    streams = True  # fit adds each batch to it, as to the built-in metrics


def test_a_keras_style_metric_is_called_on_whole_arrays_through_a_copy() -> None:
    metric, y_pred, w = KerasMAE(), Y + RNG.normal(size=Y.shape), RNG.uniform(size=16)
    metric.update_state(Y[:4], Y[:4] + 1.0)  # a running state the calls leave as it is
    assert metric(Y, y_pred) == pytest.approx(np.abs(y_pred - Y).mean())
    assert metric(Y[:, 0], y_pred[:, 0], sample_weight=w) == pytest.approx(
        np.sum(w * np.abs(y_pred - Y)[:, 0]) / w.sum())
    assert metric.result() == 1.0 and metric.count == 4


@pytest.mark.parametrize("cls", [KerasMAE, StreamingKerasMAE])
def test_a_keras_style_metric_works_in_fit_and_evaluate(cls: type) -> None:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    history = model.fit(X, Y, loss="mse", optimizer="sgd", epochs=2, batch_size=4, verbose=0,
                        seed=0, metrics=[cls(), "mae"], validation_split=0.25)
    for key in ("keras_mae", "val_keras_mae"):  # the built-in MAE, batch by batch
        assert history.history[key] == pytest.approx(history.history[key.replace("keras_",
                                                                                 "")])
    by_hand = np.abs(model.predict(X) - Y).mean()
    for batch_size in (None, 4):  # whole arrays; chunks (streamed when the metric streams)
        scores = model.evaluate(X, Y, batch_size=batch_size, metrics=[cls()], verbose=0,
                                return_dict=True)
        assert scores["keras_mae"] == pytest.approx(by_hand)


@pytest.mark.usefixtures("registered")
def test_an_estimators_file_leaves_out_a_schedule_whose_config_forgets_a_setting() -> None:
    sklearn = pytest.importorskip("nonlin.sklearn")
    pytest.importorskip("sklearn")
    est = sklearn.MLPRegressor(learning_rate=Halving(0.01, every=5), hidden_layer_sizes=(4,),
                               max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the two epochs
        est.fit(X, Y[:, 0])
    buffer = io.BytesIO()
    with pytest.warns(UserWarning, match=r"leaves out learning_rate=Halving"):
        est.save(buffer)
    buffer.seek(0)
    assert sklearn.load(buffer).learning_rate is None  # not Halving(every=3)


@pytest.mark.filterwarnings("ignore:The file's compile record leaves out metrics")
def test_a_mid_epoch_checkpoint_of_a_metric_without_state_dict_warns_and_resumes(
        tmp_path) -> None:
    path = str(tmp_path / "ck.safetensors")
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    with pytest.warns(UserWarning, match=r"metric 'keras_mae' streams but defines no "
                                         r"state_dict and load_state_dict"):
        model.fit(X, Y, loss="mse", optimizer="sgd", epochs=1, batch_size=4, verbose=0, seed=0,
                  metrics=[StreamingKerasMAE()],
                  callbacks=[nonlin.ModelCheckpoint(path, save_freq=3)])
    resumed = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    history = resumed.fit(X, Y, loss="mse", optimizer="sgd", epochs=2, batch_size=4, verbose=0,
                          metrics=[StreamingKerasMAE()], resume_from=path)
    assert len(history.history["keras_mae"]) == 2
