"""Review s12 (fuzzing): the learning rate checked whenever it is set, and a model rebuilt
during fit refused."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import Dense, ReLU, Sequential, Softmax
from nonlin.schedules import ExponentialDecay

X = np.random.default_rng(0).normal(size=(30, 3))
Y = np.arange(30) % 2


def _model() -> Sequential:
    return Sequential([Dense(4), ReLU(), Dense(2), Softmax()])


class _SetLR(nonlin.Callback):
    def __init__(self, value, name: str = "lr") -> None:
        self.value, self.name = value, name

    def on_epoch_begin(self, epoch, logs=None) -> None:
        if epoch == 1:
            setattr(self.model.optimizer, self.name, self.value)


def _fit(callback: nonlin.Callback, optimizer=None):
    return _model().fit(X, Y, loss="cross_entropy", optimizer=optimizer or nonlin.SGD(0.5),
                        epochs=3, seed=0, verbose=0, callbacks=[callback])


# -- 1. optimizer.lr set during fit ------------------------------------------------------------
@pytest.mark.parametrize("value", [np.float32(0.05), 1, np.int64(1)])
@pytest.mark.parametrize("name", ["lr", "learning_rate"])
def test_lr_set_in_a_callback_to_a_number_is_stored_as_a_float(value, name) -> None:
    history = _fit(_SetLR(value, name))
    assert history.history["lr"][1:] == [float(value)] * 2
    assert all(isinstance(v, float) for v in history.history["lr"])


@pytest.mark.parametrize("value", [-0.5, float("nan"), float("inf"), None, "x", np.ones(2)])
@pytest.mark.parametrize("name", ["lr", "learning_rate"])
def test_lr_set_in_a_callback_to_a_bad_value_is_refused_naming_it(value, name) -> None:
    with pytest.raises(ValueError, match=r"learning rate >= 0\. Received: lr="):
        _fit(_SetLR(value, name))


def test_lr_set_to_a_schedule_is_kept_and_survives_state_and_config() -> None:
    opt = nonlin.Adam(0.01)
    opt.lr = ExponentialDecay(0.1, 10, 0.5)
    assert isinstance(opt.learning_rate, ExponentialDecay)
    assert opt.current_lr() == pytest.approx(0.1)
    again = nonlin.Adam.from_config(opt.get_config())
    assert again.get_config() == opt.get_config()
    opt.lr = np.float32(0.25)
    assert type(opt.lr) is float and opt.state_dict()["lr"] == 0.25
    fresh = nonlin.Adam(0.01)
    fresh.load_state_dict(opt.state_dict())
    assert type(fresh.lr) is float and fresh.lr == 0.25


def test_lr_given_to_the_constructor_as_an_int_is_a_float() -> None:
    assert type(nonlin.SGD(1).lr) is float
    assert type(nonlin.SGD(learning_rate=np.int8(2)).lr) is float


# -- 4. a model rebuilt during fit ---------------------------------------------------------------
class _Rebuild(nonlin.Callback):
    def __init__(self, hook: str) -> None:
        self.hook = hook

    def on_epoch_begin(self, epoch, logs=None) -> None:
        if self.hook == "epoch" and epoch == 1:
            self.model.build(3, seed=1)

    def on_train_batch_end(self, batch, logs=None) -> None:
        if self.hook == "batch" and batch == 1:
            self.model.build(3, seed=1)


@pytest.mark.parametrize("hook", ["epoch", "batch"])
def test_a_model_rebuilt_by_a_callback_during_fit_is_refused(hook) -> None:
    model = _model()
    with pytest.raises(RuntimeError, match=r"parameters changed during fit \(at epoch "
                                           rf"{1 if hook == 'epoch' else 0}\): a callback built"):
        model.fit(X, Y, loss="cross_entropy", optimizer="sgd", epochs=3, batch_size=8, seed=0,
                  verbose=0, callbacks=[_Rebuild(hook)])
    assert model.history.epoch == ([0] if hook == "epoch" else [])


def test_weights_set_in_place_by_a_callback_train_on() -> None:
    class Reset(nonlin.Callback):
        def on_epoch_begin(self, epoch, logs=None) -> None:
            self.model.set_weights([np.zeros_like(w) for w in self.model.get_weights()])

    history = _fit(Reset())
    assert history.epoch == [0, 1, 2]


# -- 8. errors that name the argument ----------------------------------------------------------
@pytest.mark.parametrize("loss", [nonlin.MeanSquaredError, nonlin.BinaryCrossEntropy,
                                  nonlin.CrossEntropy, nonlin.Huber])
def test_a_reduction_given_as_an_array_is_refused_naming_it(loss) -> None:
    with pytest.raises(ValueError, match=r"Received: reduction=array\(\['mean', 'sum'\]"):
        loss(reduction=np.array(["mean", "sum"]))


@pytest.mark.parametrize("n_features, units", [(3, 2**70), (2**62, 2)])
def test_a_dense_layer_too_large_for_numpy_is_refused_naming_its_sizes(n_features, units) -> None:
    model = Sequential([Dense(units)])
    with pytest.raises(ValueError, match=rf"Cannot build Dense: .*Received: \(in_features, "
                                         rf"units\) = \({n_features}, {units}\)"):
        model.build(n_features, seed=0)


def test_a_batchnorm_too_large_for_numpy_is_refused_naming_its_width() -> None:
    with pytest.raises(ValueError, match=rf"Cannot build BatchNorm: .*\({2**62},\)"):
        Sequential([nonlin.BatchNorm()]).build(2**62, seed=0)


def test_a_weight_matrix_beyond_free_memory_says_its_size(monkeypatch) -> None:
    def no_memory(rng, fan_in, fan_out):
        raise MemoryError("Unable to allocate 21.8 TiB")

    with pytest.raises(MemoryError, match=r"Cannot build Dense: a \(in_features, units\) = "
                                          r"\(3, 1000000000000\) float64 array needs 2.24e\+04"):
        Sequential([Dense(10**12, init=no_memory)]).build(3, seed=0)


@pytest.mark.parametrize("schedule", [nonlin.schedules.StepDecay(0.1, 10),
                                      nonlin.schedules.ExponentialDecay(0.1, 10, 0.5),
                                      nonlin.schedules.CosineDecay(0.1, 10),
                                      nonlin.schedules.Constant(0.1),
                                      nonlin.schedules.InverseTimeDecay(0.1, 10, 0.5),
                                      nonlin.schedules.CosineDecayRestarts(0.1, 10),
                                      nonlin.schedules.OneCycle(0.1, 100)])
@pytest.mark.parametrize("step", ["3", float("nan"), 2.0, None, True, np.array([1, 2])])
def test_a_schedule_refuses_a_step_that_is_not_an_integer(schedule, step) -> None:
    with pytest.raises(TypeError, match=r"Expected a step, an integer >= 0\. Received: step="):
        schedule(step)


def test_a_schedule_takes_a_numpy_integer_step() -> None:
    schedule = nonlin.schedules.StepDecay(0.1, 10)
    assert schedule(np.int64(25)) == schedule(25) == pytest.approx(0.001)


def test_metadata_faults_are_named_by_their_key_path(tmp_path) -> None:
    model = Sequential([Dense(1)]).build(2, seed=0)
    path = tmp_path / "m.safetensors"
    with pytest.raises(TypeError, match=r"Expected str keys in metadata\. Received: key 1 \(int\)"):
        nonlin.save(model, path, metadata={1: 2})
    with pytest.raises(ValueError, match=r"Received: metadata\['a'\]\['b'\] = nan$"):
        nonlin.save(model, path, metadata={"a": {"b": float("nan")}})
    with pytest.raises(ValueError, match=r"Received: metadata\['a'\]\[1\]\['c'\] = an array "):
        nonlin.save(model, path, metadata={"a": [0, {"c": np.array([1.0, np.inf])}]})
    with pytest.raises(ValueError, match=r"'set' values are not JSON-serializable .* Received: "
                                         r"metadata\['a'\] = \{1\}"):
        nonlin.save(model, path, metadata={"a": {1}})
    assert not path.exists()


# -- 11. accepted though meaningless -------------------------------------------------------------
def test_batchnorm_refuses_an_infinite_epsilon() -> None:
    with pytest.raises(ValueError, match=r"positive, finite epsilon\. Received: epsilon=inf"):
        nonlin.BatchNorm(epsilon=float("inf"))


def test_fit_refuses_callbacks_given_as_a_set() -> None:
    callbacks = {nonlin.Callback(), nonlin.Callback()}
    with pytest.raises(TypeError, match=r"Expected a list of Callback instances: they run in "
                                        r"its order, and a set has none"):
        _model().fit(X, Y, loss="cross_entropy", optimizer="sgd", epochs=1, verbose=0,
                     callbacks=callbacks)
    _model().fit(X, Y, loss="cross_entropy", optimizer="sgd", epochs=1, verbose=True,
                 callbacks=list(callbacks))  # verbose=True stays (Keras takes it)


# -- 10. cross-entropies of probabilities refuse values outside [0, 1] ---------------------------
@pytest.mark.parametrize("loss", [nonlin.CrossEntropy(), nonlin.BinaryCrossEntropy()])
@pytest.mark.parametrize("p", [[[3.0, -2.0], [-2.0, 3.0]], [[-0.5, 1.5], [1.5, -0.5]]])
def test_a_cross_entropy_of_probabilities_refuses_scores_naming_one(loss, p) -> None:
    y = np.eye(2)
    for call in (loss, loss.grad):
        with pytest.raises(ValueError, match=rf"Expected probabilities in \[0, 1\] in y_pred "
                                             rf"\(from_logits=False\)\. Received {p[0][0]} at "
                                             r"index \(0, 0\); .* use from_logits=True"):
            call(y, np.array(p))


@pytest.mark.parametrize("cls", [nonlin.CrossEntropy, nonlin.BinaryCrossEntropy])
def test_probabilities_at_the_bounds_and_logits_are_taken(cls) -> None:
    y = np.eye(2)
    assert np.isfinite(cls()(y, np.array([[1.0, 0.0], [0.0, 1.0]])))
    assert np.isfinite(cls(from_logits=True)(y, np.array([[3.0, -2.0], [-2.0, 3.0]])))
    assert np.isfinite(nonlin.MeanSquaredError()(y, np.array([[3.0, -2.0], [-2.0, 3.0]])))


def test_fit_of_a_cross_entropy_on_a_model_without_softmax_is_not_refused() -> None:
    model = Sequential([Dense(4), ReLU(), Dense(2)])  # fit's per-batch path: no range check
    with pytest.warns(UserWarning):
        history = model.fit(X, Y, loss="cross_entropy", optimizer="sgd", epochs=1, verbose=0,
                            seed=0)
    assert history.epoch == [0]
