"""Keras 3's ``use_ema`` on nonlin's optimizers and ``SwapEMAWeights`` (session 21).

The reference is a NumPy transcription of Keras 3's ``BaseOptimizer``:
``_update_model_variables_moving_average`` after each update, with
``momentum = cast(iterations != 0) * ema_momentum`` and
``average <- momentum * average + (1 - momentum) * var`` (the average starting at zeros),
then ``_overwrite_model_variables_with_average_value`` when
``(iterations + 1) % ema_overwrite_frequency == 0``, ``iterations`` counted afterwards;
``fit`` ends with ``finalize_variable_values`` before ``on_train_end``.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import nonlin
import test_step_allocations as steps
from io_helpers import edit_meta
from nonlin import optimizers as opt
from nonlin._header import ModelFileError
from nonlin.callbacks import Callback, ModelCheckpoint, SwapEMAWeights
from test_checkpoint import FIT, _assert_same_run, _data, _layers

pytestmark = pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning")


def _keras_average(average, w, iterations, momentum):
    """Keras 3's update, in the dtype of ``w`` (``ops`` round the factors to it)."""
    m = np.asarray(float(iterations != 0), w.dtype) * np.asarray(momentum, w.dtype)
    return m * average + (np.asarray(1, w.dtype) - m) * w


def _packed(dtype=np.float64, seed=0):
    """A built model's packed parameters (one flat buffer, as fit steps them)."""
    model = nonlin.Sequential([nonlin.Dense(5), nonlin.ReLU(), nonlin.Dense(3)])
    return model.build(4, seed=seed, dtype=dtype).parameters()


def _grads(params, rng):
    for p in params:  # in place: the flat grad buffer stays bound
        p.grad[...] = rng.normal(size=p.grad.shape)


MAKERS = {"sgd": lambda **kw: opt.SGD(0.1, momentum=0.9, **kw),
          "adam": lambda **kw: opt.Adam(0.01, **kw),
          "rmsprop": lambda **kw: opt.RMSprop(0.01, **kw),
          "adagrad": lambda **kw: opt.Adagrad(0.05, **kw)}


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_average_follows_keras_formula_and_leaves_the_steps_alone(kind, dtype):
    params, plain = _packed(dtype), _packed(dtype)
    ema, other = MAKERS[kind](use_ema=True, ema_momentum=0.9), MAKERS[kind]()
    rng_a, rng_b = np.random.default_rng(1), np.random.default_rng(1)
    reference = [np.zeros_like(p.value) for p in params]
    for t in range(6):
        _grads(params, rng_a)
        _grads(plain, rng_b)
        ema.step(params)
        other.step(plain)
        reference = [_keras_average(a, p.value, t, 0.9)
                     for a, p in zip(reference, params, strict=True)]
        state = ema.state_dict()
        for i, (a, p, q) in enumerate(zip(reference, params, plain, strict=True)):
            assert p.value.tobytes() == q.value.tobytes()  # no overwrite: the same steps
            assert state[f"average.{i}"].dtype == dtype
            np.testing.assert_allclose(state[f"average.{i}"], a, rtol=0, atol=1e-12)
            assert state[f"average.{i}"].tobytes() == a.tobytes()  # the same operations
    assert ema.iterations == 6


def test_the_first_step_average_is_that_steps_weights():
    params = _packed()
    sgd = opt.SGD(0.1, use_ema=True)
    _grads(params, np.random.default_rng(0))
    sgd.step(params)
    for p, a in zip(params, sgd._param_slots["average"], strict=True):
        assert np.array_equal(p.value, a)


def test_ema_overwrite_frequency_step_by_step():
    params = _packed()
    sgd = opt.SGD(0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=3)
    rng = np.random.default_rng(2)
    weights = [p.value.copy() for p in params]
    average = [np.zeros_like(w) for w in weights]
    for t in range(7):
        _grads(params, rng)
        weights = [w - 0.1 * p.grad for w, p in zip(weights, params, strict=True)]  # Keras' SGD
        average = [_keras_average(a, w, t, 0.5) for a, w in zip(average, weights, strict=True)]
        overwrite = (t + 1) % 3 == 0
        if overwrite:
            weights = [a.copy() for a in average]
        sgd.step(params)
        for p, w, a in zip(params, weights, average, strict=True):
            np.testing.assert_allclose(p.value, w, rtol=0, atol=1e-12)
            assert np.array_equal(p.value, a) == overwrite or np.array_equal(w, a)


def test_a_refused_update_leaves_the_weights_and_keeps_the_average():
    params = _packed()
    sgd = opt.SGD(0.1, momentum=0.9, use_ema=True, ema_momentum=0.5)
    rng = np.random.default_rng(3)
    for _ in range(2):
        _grads(params, rng)
        sgd.step(params)
    sgd.check_finite = True
    before = [p.value.copy() for p in params]
    average = [a.copy() for a in sgd._param_slots["average"]]
    params[0].grad[0, 0] = np.inf
    with pytest.raises(nonlin.exceptions.NonFiniteUpdate):
        sgd.step(params)
    assert all(np.array_equal(p.value, w) for p, w in zip(params, before, strict=True))
    _grads(params, rng)
    sgd.step(params)  # the average goes on (finite: made of finite weights); the velocity restarts
    for p, w, a in zip(params, average, sgd._param_slots["average"], strict=True):
        np.testing.assert_allclose(a, 0.5 * w + 0.5 * p.value, rtol=0, atol=1e-15)


class _Seen(Callback):
    """Copies of the weights and the average at the last epoch's end and at on_train_end."""

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_end = self._now()

    def on_train_end(self, logs=None):
        self.train_end = self._now()

    def _now(self):
        model = self.model
        return ([p.value.copy() for p in model.parameters()],
                [a.copy() for a in model.optimizer._param_slots["average"]],
                {k: v.copy() for k, v in model.layers[1].get_state().items()})


def _fit(optimizer, callbacks=(), epochs=3, **kw):
    X, y = _data()
    model = nonlin.Sequential(_layers())
    model.fit(X, y, optimizer=optimizer, epochs=epochs, seed=7, callbacks=list(callbacks),
              **{**FIT, **kw})
    return model


@pytest.mark.parametrize("frequency", [None, 4])
def test_fit_ends_with_the_average_before_on_train_end(frequency):
    seen = _Seen()
    model = _fit(opt.Adam(0.02, use_ema=True, ema_overwrite_frequency=frequency), [seen])
    weights, average, statistics = seen.epoch_end
    # trained apart
    assert not all(np.array_equal(w, a) for w, a in zip(weights, average, strict=True))
    for p, a, w in zip(model.parameters(), average, seen.train_end[0], strict=True):
        assert p.value.tobytes() == a.tobytes() == w.tobytes()  # Keras: finalize, on_train_end
    # only the trainable weights: BatchNorm's running statistics are not averaged (Keras)
    assert len(model.optimizer._param_slots["average"]) == len(model.parameters())
    after = seen.train_end[2]
    assert statistics.keys() == after.keys() and statistics
    assert all(statistics[k].tobytes() == after[k].tobytes() for k in after)


def test_finalize_variable_values_is_keras_and_refuses_other_parameters():
    params = _packed()
    adam = opt.Adam(use_ema=True)
    adam.finalize_variable_values(params)  # no step yet: no average, nothing changes
    _grads(params, np.random.default_rng(0))
    adam.step(params)
    adam.step(params)
    adam.finalize_variable_values(params)
    for p, a in zip(params, adam._param_slots["average"], strict=True):
        assert np.array_equal(p.value, a)
    with pytest.raises(ValueError, match=r"Expected parameters of the shapes .* Received"):
        adam.finalize_variable_values(params[:2])
    opt.Adam().finalize_variable_values(params[:2])  # without use_ema: nothing (Keras)


class _Validated(Callback):
    """The weights the validation sees, and the average then."""

    def __init__(self):
        self.seen = []

    def on_test_begin(self, logs=None):
        self.seen.append([p.value.copy() for p in self.model.parameters()])


def test_swap_ema_weights_validates_with_the_average_and_restores_bit_for_bit():
    X, y = _data(seed=3)
    val = (X[:30], y[:30])
    probe, seen = _Validated(), _Seen()
    swapped = _fit(opt.Adam(0.02, use_ema=True), [SwapEMAWeights(), probe], epochs=2,
                   validation_split=0.0, validation_data=val)
    plain = _fit(opt.Adam(0.02, use_ema=True), [seen], epochs=2, validation_split=0.0,
                 validation_data=val)
    for wa, wb in zip(swapped.get_weights(), plain.get_weights(), strict=True):
        assert wa.tobytes() == wb.tobytes()  # the training went on from its own weights
    assert swapped.history.history["loss"] == plain.history.history["loss"]
    assert swapped.history.history["val_loss"] != plain.history.history["val_loss"]
    for w, a in zip(probe.seen[-1], seen.epoch_end[1], strict=True):  # the last epoch's average
        assert w.tobytes() == a.tobytes()
    check = nonlin.Sequential(_layers()).build(4, seed=0)
    check.set_weights(swapped.get_weights())  # the average (finalized), BatchNorm's statistics
    logs = check.evaluate(*val, loss="cross_entropy", verbose=0, return_dict=True)
    assert logs["loss"] == swapped.history.history["val_loss"][-1]


def test_swap_on_epoch_leaves_the_average_in_the_model_for_later_callbacks():
    seen = _Seen()
    swapped = _fit(opt.SGD(0.05, momentum=0.9, use_ema=True),
                   [SwapEMAWeights(swap_on_epoch=True), seen], epochs=3)
    plain_seen = _Seen()
    plain = _fit(opt.SGD(0.05, momentum=0.9, use_ema=True), [plain_seen], epochs=3)
    assert swapped.history.history["loss"] == plain.history.history["loss"]
    for w, a in zip(seen.epoch_end[0], plain_seen.epoch_end[1], strict=True):
        assert w.tobytes() == a.tobytes()  # after SwapEMAWeights: the average in the model
    for wa, wb in zip(swapped.get_weights(), plain.get_weights(), strict=True):
        assert wa.tobytes() == wb.tobytes()  # the end: the average, both ways


class _StopAfter(Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training = epoch == 1


def test_swap_on_epoch_then_an_early_stop_still_ends_with_the_average():
    seen = _Seen()
    stopped = _fit(opt.Adam(0.02, use_ema=True),
                   [SwapEMAWeights(swap_on_epoch=True), _StopAfter()], epochs=5)
    plain = _fit(opt.Adam(0.02, use_ema=True), [seen, _StopAfter()], epochs=5)
    assert stopped.history.epoch == plain.history.epoch == [0, 1]
    for p, a in zip(stopped.parameters(), seen.epoch_end[1], strict=True):
        assert p.value.tobytes() == a.tobytes()  # the average, not the last weights


def test_swap_ema_weights_in_evaluate_and_predict_restores_the_weights():
    model = _fit(opt.Adam(0.02, use_ema=True), epochs=1)
    average = [p.value.copy() for p in model.parameters()]  # fit ended with the average
    model.set_weights([w + 0.01 for w in model.get_weights()])
    weights = [p.value.copy() for p in model.parameters()]
    X, y = _data(seed=4)
    swapped = model.evaluate(X, y, verbose=0, callbacks=[SwapEMAWeights()], return_dict=True)
    predicted = model.predict(X, verbose=0, callbacks=[SwapEMAWeights()])
    for p, w in zip(model.parameters(), weights, strict=True):
        assert p.value.tobytes() == w.tobytes()
    own = model.evaluate(X, y, verbose=0, return_dict=True)
    for p, a in zip(model.parameters(), average, strict=True):
        p.value[...] = a
    assert model.evaluate(X, y, verbose=0, return_dict=True) == swapped != own
    assert np.array_equal(model.predict(X, verbose=0), predicted)


def test_swap_ema_weights_needs_use_ema():
    with pytest.raises(ValueError, match=r"Expected an optimizer with use_ema=True for "
                                         r"SwapEMAWeights. Received Adam with use_ema=False"):
        _fit(opt.Adam(), [SwapEMAWeights()], epochs=1)
    with pytest.raises(TypeError, match="Expected a bool. Received: swap_on_epoch='yes'"):
        SwapEMAWeights(swap_on_epoch="yes")


@pytest.mark.parametrize("swap", [False, True])
def test_resume_from_a_mid_run_checkpoint_is_bit_identical(tmp_path, swap):
    def callbacks(*more):
        return [SwapEMAWeights(swap_on_epoch=True)] * swap + list(more)

    path = tmp_path / "ck.safetensors"
    # 5 steps an epoch: an overwrite every 7 leaves the weights and the average apart
    make = lambda: opt.Adam(0.02, use_ema=True, ema_overwrite_frequency=7)  # noqa: E731
    straight = _fit(make(), callbacks(), epochs=4)
    _fit(make(), callbacks(ModelCheckpoint(path)), epochs=2)
    X, y = _data()
    resumed = nonlin.Sequential(_layers())
    resumed.fit(X, y, optimizer=make(), epochs=4, seed=99, resume_from=path,
                callbacks=callbacks(), **FIT)
    _assert_same_run(resumed, straight)
    a, b = resumed.optimizer.state_dict(), straight.optimizer.state_dict()
    assert a.keys() == b.keys() and "average.0" in a
    assert all(np.asarray(a[k]).tobytes() == np.asarray(b[k]).tobytes() for k in a)


def test_config_records_only_settings_off_their_defaults_and_round_trips():
    for cls in (opt.SGD, opt.Adam, opt.AdamW, opt.RMSprop, opt.Adagrad, opt.Adamax, opt.Nadam,
                opt.Adadelta, opt.Lion):
        config = cls().get_config()
        assert not {"use_ema", "ema_momentum", "ema_overwrite_frequency"} & set(config)
        ema = cls(use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=7)
        config = ema.get_config()
        assert (config["use_ema"], config["ema_momentum"],
                config["ema_overwrite_frequency"]) == (True, 0.9, 7)
        again = cls.from_config(config)
        assert again.get_config() == config and repr(again) == repr(ema)
    assert opt.Adam(use_ema=True, ema_overwrite_frequency=0).ema_overwrite_frequency is None


def test_state_pickles_checkpoints_and_model_files_keep_the_average(tmp_path):
    model = _fit(opt.Nadam(0.01, use_ema=True, ema_momentum=0.95), epochs=1)
    state = model.optimizer.state_dict()
    copy = pickle.loads(pickle.dumps(model.optimizer))
    assert copy.use_ema and copy.state_dict().keys() == state.keys()
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    again = loaded.optimizer.state_dict()
    assert all(np.asarray(again[k]).tobytes() == np.asarray(state[k]).tobytes() for k in state)
    other = opt.Nadam(0.01)  # the average is refused by an optimizer without use_ema
    with pytest.raises(ValueError, match=r"slot 'average' \(key 'average.0'\)"):
        other.load_state_dict(state)
    bad = {**state, "average.0": np.full_like(state["average.0"], np.nan)}
    with pytest.raises(ValueError, match=r"Expected finite values in the slot 'average'"):
        opt.Nadam(0.01, use_ema=True).load_state_dict(bad)


@pytest.mark.parametrize("name, value, message", [
    ("ema_momentum", float("nan"),
     r"Expected ema_momentum in \[0, 1\]. Received: ema_momentum=nan"),
    ("ema_momentum", 1.5, r"Expected ema_momentum in \[0, 1\]. Received: ema_momentum=1.5"),
    ("ema_momentum", -0.1, r"Received: ema_momentum=-0.1"),
    ("ema_momentum", "0.9", r"Received: ema_momentum='0.9'"),
    ("ema_overwrite_frequency", 2.5, r"Expected ema_overwrite_frequency, an integer >= 0 or "
                                     r"None \(0 or None: never overwrite\). "
                                     r"Received: ema_overwrite_frequency=2.5"),
    ("ema_overwrite_frequency", -1, r"Received: ema_overwrite_frequency=-1"),
    ("ema_overwrite_frequency", True, r"Received: ema_overwrite_frequency=True"),
    ("use_ema", "yes", r"Expected a bool"),
])
def test_hostile_settings_are_refused_naming_them(name, value, message):
    for cls in (opt.SGD, opt.Adam, opt.Lion):
        with pytest.raises((ValueError, TypeError), match=message):
            cls(**{"use_ema": True, name: value})


@pytest.mark.parametrize("value", [1.5, -1, "x"])
def test_a_file_with_a_hostile_ema_momentum_is_refused_naming_it(tmp_path, value):
    path = tmp_path / "ck.safetensors"
    _fit(opt.Adam(0.02, use_ema=True), [ModelCheckpoint(path)], epochs=1)

    def change(record):
        record["optimizer"]["config"]["ema_momentum"] = value
        return record

    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(edit_meta(path.read_bytes(), "checkpoint", change))
    with pytest.raises(ModelFileError, match=r"optimizer\.config.*ema_momentum"):
        nonlin.load_checkpoint(bad)


@pytest.mark.parametrize("make", [lambda: opt.Adam(1e-3, use_ema=True),
                                  lambda: opt.SGD(1.0, use_ema=True, ema_overwrite_frequency=2),
                                  lambda: opt.SGD(0.01, momentum=0.9, use_ema=True)])
def test_steps_with_use_ema_allocate_no_parameter_sized_array(make):
    old = np.setbufsize(steps.BUFSIZE)
    try:
        small, kept_small, _ = steps.fit_traced(steps.relu, steps.ce(), np.float32, *steps.SMALL,
                                                optimizer=make)
        big, kept_big, loop = steps.fit_traced(steps.relu, steps.ce(), np.float32, *steps.BIG,
                                               optimizer=make)
        again, _, _ = steps.fit_traced(steps.relu, steps.ce(), np.float32, *steps.BIG,
                                       optimizer=make)
    finally:
        np.setbufsize(old)
    assert loop.optimizer.use_ema and loop.optimizer._param_slots["average"]
    big = {where: min(size, again[where]) for where, size in big.items() if where in again}
    grown = {where: size for where, size in big.items() if size - small.get(where, 0) > 512}
    assert not grown, grown
    assert kept_big - kept_small <= 512
    assert loop.optimizer._slots["average"][0].dtype == np.float32
