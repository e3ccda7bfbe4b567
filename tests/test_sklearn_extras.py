"""nonlin objects as the estimators' ``loss`` (a nonlin Loss) and ``learning_rate`` (a schedule)."""

from __future__ import annotations

import io
import pickle
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

import joblib  # noqa: E402
from sklearn.base import clone  # noqa: E402

import nonlin  # noqa: E402
from nonlin import schedules  # noqa: E402
from nonlin.losses import Loss  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor, load  # noqa: E402


class MyLogCosh(Loss):
    """docs/guide.md's "A custom loss": a user's own class, outside nonlin's registry."""

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        r = np.abs(y_pred - y_true)
        return (r + np.log1p(np.exp(-2 * r)) - np.log(2)).sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.subtract(y_pred, y_true, out=out)
        return np.tanh(out, out=out)


class Rates(nonlin.Callback):
    """Records the rate each optimizer step is about to use."""

    def __init__(self) -> None:
        self.rates: list[float] = []

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self.rates.append(self.model.optimizer.current_lr())


def _data(n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, 3.0 * X @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=n)


def _quiet(est, *args, method: str = "fit", **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the few epochs
        return getattr(est, method)(*args, **kwargs)


def _huber(r: np.ndarray, delta: float) -> np.ndarray:
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)).sum(axis=1)


def test_huber_delta_2_first_epoch_is_scikit_learns_rule_in_numpy() -> None:
    # scikit-learn's update with the Huber loss (delta 2): one full batch of nesterov SGD
    X, y = _data()
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=len(X))
    alpha, lr, momentum, delta = 1e-3, 0.01, 0.9, 2.0
    est = MLPRegressor(loss=nonlin.Huber(delta=delta), hidden_layer_sizes=(4,), solver="sgd",
                       alpha=alpha, batch_size=len(X), learning_rate_init=lr, max_iter=1,
                       shuffle=False, random_state=0)
    _quiet(est, X, y, sample_weight=w)
    rng = np.random.RandomState(0)  # scikit-learn's init: W then b per layer, U(-a, a)
    params = []
    for fan_in, fan_out in ((3, 4), (4, 1)):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        params += [rng.uniform(-bound, bound, (fan_in, fan_out)),
                   rng.uniform(-bound, bound, fan_out)]
    W1, b1, W2, b2 = params
    h = np.maximum(X @ W1 + b1, 0)
    r = h @ W2 + b2 - y[:, None]
    assert (np.abs(r) > delta).any() and (np.abs(r) < delta).any()  # both branches
    s = w.sum()
    value = (w @ _huber(r, delta) + 0.5 * alpha * ((W1**2).sum() + (W2**2).sum())) / s
    dz = np.clip(r, -delta, delta) * w[:, None] / s
    dh = (dz @ W2.T) * (h > 0)
    grads = [X.T @ dh + alpha * W1 / s, dh.sum(0), h.T @ dz + alpha * W2 / s, dz.sum(0)]
    after = [p - (1 + momentum) * lr * g for p, g in zip(params, grads, strict=True)]
    np.testing.assert_allclose(est.loss_curve_[0], value, rtol=1e-12)
    for got, want in zip([est.coefs_[0], est.intercepts_[0], est.coefs_[1], est.intercepts_[1]],
                         after, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(("name", "loss"), [("huber", nonlin.Huber()),
                                            ("absolute_error", nonlin.MeanAbsoluteError())])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_loss_object_trains_as_its_string(name: str, loss: Loss, solver: str) -> None:
    X, y = _data()
    kwargs = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0, "solver": solver}
    by_name = _quiet(MLPRegressor(loss=name, **kwargs), X, y)
    by_object = _quiet(MLPRegressor(loss=loss, **kwargs), X, y)
    assert by_object.loss_ == by_name.loss_
    for a, b in zip(by_object.coefs_, by_name.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("loss", [nonlin.LogCosh(), MyLogCosh(),
                                  nonlin.losses.MeanAbsolutePercentageError(),
                                  nonlin.losses.MeanSquaredLogarithmicError()])
def test_regression_losses_train_and_stay_as_given(loss: Loss) -> None:
    X, y = _data()
    y = np.abs(y) + 1.0  # MSLE takes y >= 0, MAPE stays away from 0
    est = MLPRegressor(loss=loss, hidden_layer_sizes=(8,), max_iter=30, learning_rate_init=0.01,
                       random_state=0)
    before = joblib.hash(loss)
    _quiet(est, X, y)
    assert joblib.hash(loss) == before and loss.reduction == "mean"
    assert est.get_params()["loss"] is loss and est.out_activation_ == "identity"
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    inner = est._optimizer.objective.inner  # the objective's own copy, summing over a batch
    assert inner is not loss and type(inner) is type(loss) and inner.reduction == "sum"
    assert est.loss_ == pytest.approx(loss(y[:, None], est.predict(X)[:, None]), rel=0.2)


def test_msle_refuses_negative_targets() -> None:
    X, y = _data()
    with pytest.raises(ValueError, match="targets >= 0"):
        MLPRegressor(loss=nonlin.losses.MeanSquaredLogarithmicError()).fit(X, y)


@pytest.mark.parametrize("loss", [nonlin.CrossEntropy(), nonlin.BinaryCrossEntropy(),
                                  nonlin.losses.Hinge(), nonlin.losses.Poisson(),
                                  nonlin.losses.KLDivergence()])
def test_classification_losses_are_refused_naming_them(loss: Loss) -> None:
    X, y = _data()
    est = MLPRegressor(loss=loss, max_iter=2)
    with pytest.raises(ValueError, match="Expected a regression loss") as info:
        est.fit(X, y)
    assert repr(loss) in str(info.value) and "model_" not in est.__dict__
    hint = "loss='poisson'" if isinstance(loss, nonlin.losses.Poisson) else "MLPClassifier"
    assert hint in str(info.value)


def test_clone_and_get_params_keep_the_objects() -> None:
    loss, schedule = nonlin.Huber(delta=2.0), schedules.CosineDecay(0.01, 100, warmup_steps=5)
    est = MLPRegressor(loss=loss, learning_rate=schedule)
    assert est.get_params()["loss"] is loss and est.get_params()["learning_rate"] is schedule
    copied = clone(est)
    assert repr(copied.loss) == repr(loss) and repr(copied.learning_rate) == repr(schedule)
    hashes = joblib.hash(loss), joblib.hash(schedule)
    _quiet(est, *_data())
    assert (joblib.hash(loss), joblib.hash(schedule)) == hashes
    assert est.loss is loss and est.learning_rate is schedule


def _rates_fit(est, X, y, method: str = "fit", **kwargs) -> list[float]:
    rates = Rates()
    est.set_params(callbacks=[rates])
    _quiet(est, X, y, method=method, **kwargs)
    return est.callbacks_[0].rates


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_schedule_gives_each_steps_rate(solver: str) -> None:
    X, y = _data()
    schedule = schedules.CosineDecay(0.05, 10, warmup_steps=3, warmup_from=0.001)
    est = MLPClassifier(solver=solver, learning_rate=schedule, batch_size=10, max_iter=3,
                        hidden_layer_sizes=(4,), random_state=0, learning_rate_init=0.5)
    rates = _rates_fit(est, X, y > 0)
    assert rates == [schedule(step) for step in range(12)]  # 4 steps an epoch
    est.set_params(warm_start=True, max_iter=1)  # a warm start goes on counting
    assert _rates_fit(est, X, y > 0) == [schedule(step) for step in range(12, 16)]
    assert _rates_fit(est, X, y > 0, method="partial_fit") == [schedule(s) for s in range(16, 20)]
    assert est._optimizer.iterations == est._optimizer.inner.iterations == 20


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_constant_schedule_trains_as_learning_rate_init(solver: str) -> None:
    X, y = _data()
    kwargs = {"solver": solver, "hidden_layer_sizes": (5,), "max_iter": 4, "random_state": 0}
    plain = _quiet(MLPRegressor(learning_rate_init=0.02, **kwargs), X, y)
    scheduled = _quiet(MLPRegressor(learning_rate=schedules.Constant(0.02), **kwargs), X, y)
    assert scheduled.loss_curve_ == plain.loss_curve_
    for est in (plain, scheduled):  # a warm start's new optimizer: Adam's moments afresh
        _quiet(est.set_params(warm_start=True), X, y)
    assert scheduled.loss_curve_ == plain.loss_curve_
    for a, b in zip(scheduled.coefs_, plain.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_schedule_with_lbfgs_warns() -> None:
    X, y = _data()
    est = MLPRegressor(solver="lbfgs", learning_rate=schedules.Constant(0.1), max_iter=3)
    with pytest.warns(UserWarning, match="learning_rate=Constant.*not used with solver='lbfgs'"):
        _quiet_but_user(est, X, y)


def _quiet_but_user(est, X, y) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="lbfgs failed")
        est.fit(X, y)


def _round_trip(est):
    buffer = io.BytesIO()
    est.save(buffer)
    buffer.seek(0)
    return load(buffer)


def test_save_load_keeps_a_registered_loss_and_schedule() -> None:
    X, y = _data()
    schedule = schedules.StepDecay(0.02, step_size=3, gamma=0.5)
    est = _quiet(MLPRegressor(loss=nonlin.Huber(delta=2.0), learning_rate=schedule,
                              solver="sgd", hidden_layer_sizes=(5,), batch_size=10, max_iter=2,
                              random_state=0), X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing left out
        loaded = _round_trip(est)
    assert repr(loaded.loss) == repr(est.loss) and loaded.loss.delta == 2.0
    assert repr(loaded.learning_rate) == repr(schedule)
    assert loaded._optimizer.inner.iterations == 8
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    rates = [_rates_fit(e, X, y, method="partial_fit") for e in (est, loaded)]
    assert rates[0] == rates[1] == [schedule(s) for s in range(8, 12)]
    for a, b in zip(loaded.coefs_, est.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert _round_trip(loaded).loss.delta == 2.0


def test_a_users_own_loss_is_left_out_of_the_file_with_a_warning() -> None:
    X, y = _data()
    est = _quiet(MLPRegressor(loss=MyLogCosh(), hidden_layer_sizes=(5,), max_iter=2,
                              random_state=0), X, y)
    buffer = io.BytesIO()
    with pytest.warns(UserWarning, match="leaves out loss=MyLogCosh"):
        est.save(buffer)
    buffer.seek(0)
    loaded = load(buffer)
    assert loaded.loss is None
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    for method in ("fit", "partial_fit"):
        with pytest.raises(ValueError, match=r"left out loss=MyLogCosh\(reduction='mean'\)"):
            getattr(loaded, method)(X, y)
    with pytest.warns(UserWarning, match="leaves out loss=MyLogCosh"):
        _round_trip(loaded)  # saved again: still named
    loaded.set_params(loss=MyLogCosh())
    _quiet(loaded, X, y, method="partial_fit")
    _quiet(est, X, y, method="partial_fit")
    for a, b in zip(loaded.coefs_, est.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_users_own_schedule_is_left_out_with_the_optimizer_state() -> None:
    class Halving(schedules.Schedule):
        def __call__(self, step: int) -> float:
            return 0.01 / 2 ** (step // 4)

    X, y = _data()
    est = _quiet(MLPRegressor(learning_rate=Halving(), hidden_layer_sizes=(5,), max_iter=2,
                              random_state=0), X, y)
    buffer = io.BytesIO()
    with pytest.warns(UserWarning, match="learning_rate=.*Halving.*and the optimizer's state"):
        est.save(buffer)
    buffer.seek(0)
    loaded = load(buffer)
    assert loaded.learning_rate is None and loaded._optimizer is None
    with pytest.raises(ValueError, match="left out learning_rate="):
        loaded.partial_fit(X, y)


def test_pickle_keeps_loss_and_schedule() -> None:
    X, y = _data()
    est = _quiet(MLPRegressor(loss=MyLogCosh(), learning_rate=schedules.ExponentialDecay(
        0.01, 5, 0.5), hidden_layer_sizes=(5,), max_iter=2, random_state=0), X, y)
    copy = pickle.loads(pickle.dumps(est))
    assert type(copy.loss) is MyLogCosh
    for e in (est, copy):
        _quiet(e, X, y, method="partial_fit")
    for a, b in zip(copy.coefs_, est.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


def _edited(est, name: str, value) -> io.BytesIO:
    """``est``'s file with ``training.params[name]`` replaced by ``value``."""
    import json
    import struct

    buffer = io.BytesIO()
    est.save(buffer)
    data = buffer.getvalue()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header["__metadata__"]
    metadata_json = json.loads(metadata["nonlin"]) if "nonlin" in metadata else None
    key = "nonlin" if metadata_json is not None else next(
        k for k, v in metadata.items() if "training" in v)
    record = json.loads(metadata[key])
    record["training"]["params"][name] = value
    metadata[key] = json.dumps(record)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return io.BytesIO(struct.pack("<Q", len(text)) + text + data[8 + length:])


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("loss", {"name": "cross_entropy", "config": {}}, "not a classification loss"),
    ("loss", {"name": "no_such_loss", "config": {}}, "nonlin.registry.LOSSES"),
    ("loss", {"name": "huber", "config": {"delta": -1}}, "positive"),
    ("loss", {"left_out": 5}, "left_out"),
    ("learning_rate", {"class_name": "os.system", "config": {}}, "class_name in"),
])
def test_a_files_loss_and_schedule_go_through_the_allowlists(name, value, reason) -> None:
    from nonlin.io import ModelFileError

    X, y = _data()
    est = _quiet(MLPRegressor(loss=nonlin.Huber(delta=2.0), learning_rate=schedules.Constant(
        0.01), hidden_layer_sizes=(3,), max_iter=1, random_state=0), X, y)
    with pytest.raises(ModelFileError, match=reason) as info:
        load(_edited(est, name, value))
    assert f"training.params.{name}" in str(info.value)


def test_a_left_out_loss_set_again_saves_whole() -> None:
    X, y = _data()
    est = _quiet(MLPRegressor(loss=MyLogCosh(), hidden_layer_sizes=(3,), max_iter=1,
                              random_state=0), X, y)
    with pytest.warns(UserWarning):
        loaded = _round_trip(est)
    loaded.set_params(loss=nonlin.LogCosh())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert type(_round_trip(loaded).loss) is nonlin.LogCosh
