"""Components of one's own written from the docs alone (session 24's extension review): a
mistake a researcher plausibly makes gets an error naming the component, what was expected
and what was received, before it trains anything wrong."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
import nonlin.schedules
from nonlin.core import Layer, Param
from nonlin.losses import Loss
from nonlin.metrics import Metric
from nonlin.optimizers import Optimizer
from nonlin.schedules import Schedule

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3))
Y = X @ np.array([[1.0], [-1.0], [0.5]])


class Cauchy(Loss):
    """l_i = sum_j log(1 + r_ij^2), no constructor of its own, as the guide's LogCosh."""

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        r = y_pred - y_true
        return np.log1p(r * r).sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray,
                    out: np.ndarray) -> np.ndarray:
        r = y_pred - y_true
        np.divide(2 * r, 1 + r * r, out=out)
        return out


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])


def test_own_loss_takes_reduction_from_the_base_class() -> None:
    loss_sum, loss_none = Cauchy(reduction="sum"), Cauchy(reduction="none")
    y_pred = Y + 1.0
    assert loss_sum(Y, y_pred) == pytest.approx(16 * np.log(2.0))
    assert loss_none(Y, y_pred).shape == (16,)
    assert Cauchy().reduction == "mean" and Cauchy(reduction=None).reduction == "none"
    assert loss_sum.get_config() == {"reduction": "sum"}
    with pytest.raises(ValueError, match="reduction"):
        Cauchy(reduction="avg")
    history = _model().fit(X, Y, loss=Cauchy(reduction="sum"), optimizer="sgd", epochs=1,
                           verbose=0, seed=0)
    assert np.isfinite(history.history["loss"][0])


class _Rate(Schedule):
    def __init__(self, value: object) -> None:
        self.value = value

    def __call__(self, step: int) -> float:
        return self.value  # type: ignore[return-value]


@pytest.mark.parametrize("value", [np.array([0.01]), "0.01", None, True])
def test_schedule_returning_no_number_is_refused_naming_it(value: object) -> None:
    expected = r"Expected a number \(the learning rate\) from the schedule _Rate\(.*Received"
    with pytest.raises(TypeError, match=expected + r" .* at step 0"):
        _model().fit(X, Y, loss="mse", optimizer=nonlin.SGD(_Rate(value)), epochs=1,
                     verbose=0, seed=0)


def test_schedule_returning_numpy_scalar_trains_as_its_float() -> None:
    optimizer = nonlin.SGD(_Rate(np.float64(0.01)))
    assert optimizer.current_lr() == 0.01 and type(optimizer.current_lr()) is float


class _NoBaseInit(Optimizer):
    """A researcher's optimizer whose constructor forgets super().__init__."""

    def __init__(self, lr: float) -> None:
        self.rate = lr

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        return [-lr * p.grad for p in params]


def test_optimizer_without_base_init_names_the_missing_call() -> None:
    expected = r"_NoBaseInit' object has no attribute .*call super\(\).__init__\(lr, ...\)"
    with pytest.raises(AttributeError, match=expected):
        _model().fit(X, Y, loss="mse", optimizer=_NoBaseInit(0.01), epochs=1, verbose=0)
    param = Param(np.ones((2, 3)), name="w")
    with pytest.raises(AttributeError, match=expected):
        _NoBaseInit(0.01).step([param])


class _PerColumnError(Metric):
    """A streaming metric of one's own whose result is one value per output: not a number."""

    streams = True

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name)
        self.reset_state()

    def reset_state(self) -> None:
        self.total = np.zeros(1)

    def _update_state(self, y_true: np.ndarray, y_pred: np.ndarray,
                      sample_weight: np.ndarray | None = None) -> None:
        self.total = self.total + np.abs(y_pred - y_true.reshape(y_pred.shape)).sum(axis=0)

    def result(self) -> float:
        return self.total  # type: ignore[return-value]

    def _compute(self, y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None) -> float:
        return np.abs(y_pred - y_true.reshape(y_pred.shape)).sum(axis=0)  # type: ignore


class _RowErrors(Metric):
    """A whole-array metric of one's own that returns one value per row."""

    def _compute(self, y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None) -> float:
        return np.abs(y_pred - y_true.reshape(y_pred.shape))  # type: ignore[return-value]


@pytest.mark.parametrize("metric", [_PerColumnError(), _RowErrors()])
@pytest.mark.parametrize("verbose", [0, 1])
def test_metric_giving_an_array_is_refused_naming_it(metric: Metric, verbose: int) -> None:
    name = type(metric).__name__
    expected = rf"Expected one number from metric '{metric.name}' \({name}\)\. Received: array"
    with pytest.raises(TypeError, match=expected):
        _model().fit(X, Y, loss="mse", optimizer="sgd", epochs=1, verbose=verbose, seed=0,
                     metrics=[metric])
    with pytest.raises(TypeError, match=expected):
        _model().build(3, seed=0).evaluate(X, Y, loss="mse", metrics=[metric])


def test_metric_of_ones_own_giving_a_number_logs_it() -> None:
    class MaxError(_PerColumnError):
        def result(self) -> float:
            return np.float64(self.total.max())  # type: ignore[return-value]

        def _compute(self, y_true: np.ndarray, y_pred: np.ndarray,
                     w: np.ndarray | None) -> float:
            return float(np.abs(y_pred - y_true.reshape(y_pred.shape)).sum(axis=0).max())

    history = _model().fit(X, Y, loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0,
                           metrics=[MaxError()], validation_split=0.25)
    assert set(history.history) >= {"max_error", "val_max_error"}


def test_metric_without_compute_names_it() -> None:
    class ResultOnly(Metric):  # no reset_state nor update: no fallback to them

        def result(self) -> float:
            return 0.0

    with pytest.raises(NotImplementedError, match=r"Expected ResultOnly to define _compute"
                                                  r".*without _compute, nor update_state or "
                                                  r"_update_state, reset_state"):
        _model().fit(X, Y, loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0,
                     metrics=[ResultOnly()], validation_split=0.25)


class _HeavyBall(Optimizer):
    """Momentum of one's own, as the Optimizer docstring's protocol has it: one slot."""

    _slot_names = ("velocity",)

    def __init__(self, lr: float = 0.01, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = beta

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        deltas = []
        for p, v in zip(params, self._slots["velocity"], strict=True):
            v *= self.beta
            v -= lr * p.grad
            deltas.append(v.copy())
        return deltas


class _FlatSlot(_HeavyBall):
    def _init_slots(self, params: list[Param]) -> None:
        self._slots = {"velocity": [np.zeros(p.value.size) for p in params]}


class _Float32Slot(_HeavyBall):
    def _init_slots(self, params: list[Param]) -> None:
        self._slots = {"velocity": [np.zeros(p.value.shape, np.float32) for p in params]}


class _FirstRowDelta(_HeavyBall):
    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        return [-lr * p.grad[:1] for p in params]  # (1, 3) broadcasts over a (2, 3) weight


def _params() -> list[Param]:
    params = [Param(np.ones((2, 3)), name="W"), Param(np.ones((1, 3)), name="b")]
    for p in params:
        p.grad[...] = 1.0
    return params


def test_own_optimizer_steps_as_documented() -> None:
    params, optimizer = _params(), _HeavyBall(0.1, beta=0.5)
    optimizer.step(params)
    optimizer.step(params)
    assert np.allclose(params[0].value, 1 - 0.1 - 0.15) and optimizer.iterations == 2
    assert set(optimizer.state_dict()) == {"iterations", "lr", "velocity.0", "velocity.1"}


@pytest.mark.parametrize(("optimizer", "received"), [
    (_FlatSlot(), r"shape \(6,\), dtype float64"),
    (_Float32Slot(), r"shape \(2, 3\), dtype float32")])
def test_slot_unlike_its_parameter_is_refused_naming_it(optimizer: Optimizer,
                                                         received: str) -> None:
    params = _params()
    expected = (rf"Expected {type(optimizer).__name__}._init_slots to make slot 'velocity' "
                rf"like its parameter, an array of shape \(2, 3\) and dtype float64 for "
                rf"params\[0\]\. Received {received}")
    with pytest.raises(ValueError, match=expected):
        optimizer.step(params)
    assert np.all(params[0].value == 1.0)


def test_slot_of_another_dtype_is_refused_by_fit() -> None:
    model = _model().build(3, seed=0)
    before = [w.copy() for w in model.get_weights()]
    expected = r"_Float32Slot._init_slots .* Received shape \(21,\), dtype float32"
    with pytest.raises(ValueError, match=expected):
        model.fit(X, Y, loss="mse", optimizer=_Float32Slot(), epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before, strict=True))


def test_deltas_of_another_shape_are_refused_before_any_weight_changes() -> None:
    params = _params()
    with pytest.raises(ValueError, match=r"Expected _FirstRowDelta._deltas to return one update "
                                         r"per parameter, of its shape: \[\(2, 3\), \(1, 3\)\]\."
                                         r" Received shape \(1, 3\), dtype float64; shape"):
        _FirstRowDelta().step(params)
    assert np.all(params[0].value == 1.0) and np.all(params[1].value == 1.0)


def _dense(init: object) -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4, init=init)])


def test_initializer_drawing_from_global_numpy_state_warns_naming_it() -> None:
    def global_init(rng: object, fan_in: int, fan_out: int) -> np.ndarray:
        return np.random.randn(fan_in, fan_out) * 0.01  # noqa: NPY002 (the mistake)

    with pytest.warns(UserWarning, match=r"Expected init=<function .*global_init.* to draw "
                                         r"from the generator it is given.*np\.random"):
        _dense(global_init).build(3, seed=0)


def test_initializer_drawing_from_its_generator_does_not_warn() -> None:
    def own_init(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        return rng.normal(0.0, 0.1, size=(fan_in, fan_out))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = _dense(own_init).build(3, seed=0).get_weights()[0]
    assert np.array_equal(first, _dense(own_init).build(3, seed=0).get_weights()[0])


@pytest.mark.parametrize("dtype", [complex, str])
def test_initializer_returning_no_real_numbers_is_refused(dtype: type) -> None:
    def odd_init(rng: object, fan_in: int, fan_out: int) -> np.ndarray:
        return np.ones((fan_in, fan_out), dtype=dtype)

    with pytest.raises(TypeError, match=r"Expected init to return real weights\. Received "
                                        r"dtype (complex128|<U1) from init=<function"):
        _dense(odd_init).build(3, seed=0)


def test_plain_function_as_lr_points_to_schedule() -> None:
    with pytest.raises(ValueError, match=r"Expected a finite learning rate >= 0, or a schedule: "
                                         r"a subclass of nonlin.schedules.Schedule .* Received: "
                                         r"lr=<function"):
        nonlin.SGD(lambda step: 0.01)


class _Square(Layer):
    """The design page's Square: y = x**2."""

    _inputs = ("_x",)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if training:
            self._x = x
        return x * x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * (2 * self._x)


class _SummedSquare(_Square):
    """The mistake: dL/dx summed over the batch, shape (1, k), which Tanh's backward would
    broadcast back to (n, k) without a word."""

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return (grad_out * (2 * self._x)).sum(axis=0, keepdims=True)


def _with(layer: Layer) -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), layer, nonlin.Dense(1)])


def test_backward_of_another_shape_is_refused_naming_the_layer() -> None:
    expected = (r"Expected layers\[2\].backward \(_SummedSquare\) to return dL/dx shaped like "
                r"its input, \(16, 4\)\. Received shape \(1, 4\)")
    model = _with(_SummedSquare()).build(3, seed=0)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=expected):
        model.fit(X, Y, loss="mse", optimizer="sgd", epochs=1, batch_size=16, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before, strict=True))
    with pytest.raises(ValueError, match=expected):
        model.train_on_batch(X, Y)


def test_own_layer_trains_and_checks_as_documented() -> None:
    model = _with(_Square()).build(3, seed=0)
    assert nonlin.gradcheck(model, nonlin.MeanSquaredError(), X[:7], Y[:7]) < 1e-6
    model.compile(optimizer="sgd", loss="mse")
    first = model.train_on_batch(X, Y)
    assert model.train_on_batch(X, Y) < first


class _Halving(Schedule):
    """A schedule of one's own: halves the rate every ``every`` steps."""

    def __init__(self, lr: float, every: int) -> None:
        self.lr, self.every = lr, every

    def __call__(self, step: int) -> float:
        return self.lr * 0.5 ** (step // self.every)


def test_backup_of_an_unregistered_optimizer_is_refused_before_training(tmp_path) -> None:
    model = _model().build(3, seed=0)
    before = [w.copy() for w in model.get_weights()]
    backup = nonlin.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    with pytest.raises(TypeError, match=r"Expected BackupAndRestore's backups to resume\. .*"
                                        r"not in nonlin.registry.OPTIMIZERS.*register its "
                                        r"class, nonlin.registry.OPTIMIZERS\['_HeavyBall'\]"):
        model.fit(X, Y, loss="mse", optimizer=_HeavyBall(), epochs=2, verbose=0,
                  callbacks=[backup])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before, strict=True))


def test_checkpoint_of_an_unregistered_schedule_warns_and_its_resume_says_why(
        tmp_path, monkeypatch) -> None:
    path = str(tmp_path / "ck.safetensors")
    with pytest.warns(UserWarning, match=r"ModelCheckpoint's files will not resume .*"
                                         r"nonlin.schedules.SCHEDULES\['_Halving'\] = _Halving"):
        _model().fit(X, Y, loss="mse", optimizer=nonlin.SGD(_Halving(0.01, 3)), epochs=1,
                     verbose=0, seed=0, callbacks=[nonlin.ModelCheckpoint(path)])
    with pytest.raises(ValueError, match=r"Expected a schedule entry with class_name in "):
        _model().fit(X, Y, loss="mse", epochs=2, verbose=0, resume_from=path)
    monkeypatch.setitem(nonlin.schedules.SCHEDULES, "_Halving", _Halving)
    resumed = _model().fit(X, Y, loss="mse", epochs=2, verbose=0, resume_from=path)
    assert resumed.epoch == [0, 1]  # the whole history, as fit with resume_from returns it


def test_resume_of_an_unregistered_optimizer_says_to_register_it(tmp_path,
                                                                 monkeypatch) -> None:
    path = str(tmp_path / "ck.safetensors")
    monkeypatch.setitem(nonlin.registry.OPTIMIZERS, "heavy_ball", _HeavyBall)
    _model().fit(X, Y, loss="mse", optimizer=_HeavyBall(), epochs=1, verbose=0, seed=0,
                 callbacks=[nonlin.ModelCheckpoint(path)])
    monkeypatch.delitem(nonlin.registry.OPTIMIZERS, "heavy_ball")
    with pytest.raises(ValueError, match=r"unknown optimizer '_HeavyBall'.*an optimizer of "
                                         r"your own: add its class to nonlin.registry.OPTIMIZERS"):
        _model().fit(X, Y, loss="mse", epochs=2, verbose=0, resume_from=path)
