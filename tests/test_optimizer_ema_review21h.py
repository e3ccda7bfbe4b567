"""Hostile review of Keras 3's optimizer EMA (session 21, review21h).

Each test fails on the code before its fix: a resumed run with no epoch left ends with the
average as the straight run does (``SwapEMAWeights(swap_on_epoch=True)`` had left it in the
model when the checkpoint was written); a refused update keeps the average (finite: made of
finite weights only), so a ``TerminateOnNaN`` stop ends with it whichever check refused the
step; a state whose slots disagree in shape is refused by ``load_state_dict`` instead of
restarting every slot at the next step, and one with or without the average says use_ema;
where the average is, is noted on the optimizer, so a ``SwapEMAWeights`` reused after
``fit``, or made anew after a crash in validation, exchanges the right way, and ``fit``
after such a crash trains the weights; ``use_ema`` switched on late and a swap without an
optimizer say so.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin import optimizers as opt
from nonlin.callbacks import Callback, ModelCheckpoint, SwapEMAWeights
from test_checkpoint import FIT, _data, _layers

pytestmark = pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning")


def _fit(callbacks, epochs, **kw):
    X, y = _data()
    model = nonlin.Sequential(_layers())
    model.fit(X, y, optimizer=opt.Adam(0.02, use_ema=True, ema_overwrite_frequency=7),
              epochs=epochs, seed=7, callbacks=callbacks, **{**FIT, **kw})
    return model


def test_resuming_a_finished_swapped_run_ends_with_the_average(tmp_path):
    path = tmp_path / "ck.safetensors"
    straight = _fit([SwapEMAWeights(swap_on_epoch=True)], 2)
    _fit([SwapEMAWeights(swap_on_epoch=True), ModelCheckpoint(path)], 2)
    resumed = _fit([SwapEMAWeights(swap_on_epoch=True)], 2, resume_from=path)
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()  # the average, not the weights the swap put aside
    a, b = resumed.optimizer.state_dict(), straight.optimizer.state_dict()
    assert all(np.asarray(a[k]).tobytes() == np.asarray(b[k]).tobytes() for k in b)


def _packed(seed=0):
    model = nonlin.Sequential([nonlin.Dense(5), nonlin.ReLU(), nonlin.Dense(3)])
    return model.build(4, seed=seed).parameters()


def _grads(params, rng):
    for p in params:
        p.grad[...] = rng.normal(size=p.grad.shape)


def test_a_refused_update_keeps_the_average_and_restarts_the_moments():
    params = _packed()
    adam = opt.Adam(0.1, use_ema=True, ema_momentum=0.5)
    rng = np.random.default_rng(3)
    for _ in range(3):
        _grads(params, rng)
        adam.step(params)
    average = [a.copy() for a in adam._param_slots["average"]]
    adam.check_finite = True
    params[0].grad[0, 0] = np.inf
    with pytest.raises(nonlin.exceptions.NonFiniteUpdate), np.errstate(all="ignore"):
        adam.step(params)
    state = adam.state_dict()  # a checkpoint now keeps the average, the moments at zero
    assert state["slots_since"] == 3 and not state["m.0"].any() and not state["v.0"].any()
    assert all(np.array_equal(state[f"average.{i}"], a) for i, a in enumerate(average))
    _grads(params, rng)
    adam.step(params)  # Keras' formula goes on from the kept average
    for p, a, new in zip(params, average, adam._param_slots["average"], strict=True):
        assert new.tobytes() == (0.5 * a + 0.5 * p.value).tobytes()


class _Boost(Callback):
    """At epoch 2's start, a rate whose first update overflows: the optimizer refuses it."""

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 2:
            self.model.optimizer.lr = 1.7e308

    def on_epoch_end(self, epoch, logs=None):
        self.average = [a.copy() for a in self.model.optimizer._param_slots["average"]]


def test_a_terminated_fit_ends_with_the_average_when_the_update_was_refused():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(1)])
    boost, terminate = _Boost(), nonlin.TerminateOnNaN()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, X.sum(1), loss="mse", optimizer=opt.SGD(0.01, use_ema=True), epochs=4,
                  seed=0, verbose=0, batch_size=16, callbacks=[boost, terminate])
    assert (terminate.stopped_epoch, terminate.stopped_batch) == (2, 0)
    for p, a in zip(model.parameters(), boost.average, strict=True):
        assert p.value.tobytes() == a.tobytes()  # "in any case" (the guide), as a loss refusal


@pytest.mark.parametrize("use_ema, key", [(True, "average.1"), (False, "v.0")])
def test_a_state_whose_slots_disagree_in_shape_is_refused(use_ema, key):
    params = _packed()
    adam = opt.Adam(0.1, use_ema=use_ema)
    _grads(params, np.random.default_rng(0))
    adam.step(params)
    state = adam.state_dict()
    state[key] = np.ones((3, 3))
    other = opt.Adam(0.1, use_ema=use_ema)
    with pytest.raises(ValueError, match=r"Expected the arrays of every slot shaped as those "
                                         r"of 'm'.*Received '(average|v)': \[.*\(3, 3\)"):
        other.load_state_dict(state)  # was taken, then every slot restarted at the next step
    assert other.iterations == 0 and not other.state_dict().keys() - {"iterations", "lr"}


def test_states_with_and_without_the_average_are_refused_saying_use_ema():
    params = _packed()
    ema = opt.Adam(0.1, use_ema=True)
    _grads(params, np.random.default_rng(0))
    ema.step(params)
    state = ema.state_dict()
    with pytest.raises(ValueError, match=r"Received slot 'average' \(key 'average.0'\): the "
                                         r"state of an optimizer with use_ema=True\?"):
        opt.Adam(0.1).load_state_dict(state)
    plain = {k: v for k, v in state.items() if not k.startswith("average")}
    with pytest.raises(ValueError, match=r"Received m: 4, v: 4, average: 0 \(no average: the "
                                         r"state of an optimizer with use_ema=False\?\)"):
        opt.Adam(0.1, use_ema=True).load_state_dict(plain)


def test_a_swap_callback_reused_after_fit_swaps_again():
    swap = SwapEMAWeights(swap_on_epoch=True)
    model = _fit([swap], 2)
    X, y = _data(seed=5)
    for _ in range(3):  # the weights move away from the average (Keras: no finalize here)
        model.train_on_batch(X[:16], y[:16])
    weights = [p.value.copy() for p in model.parameters()]
    average = [a.copy() for a in model.optimizer._param_slots["average"]]
    seen = []

    class _Probe(Callback):
        def on_test_begin(self, logs=None):
            seen.extend(p.value.copy() for p in self.model.parameters())

    model.evaluate(X, y, verbose=0, callbacks=[swap, _Probe()])
    assert all(s.tobytes() == a.tobytes() for s, a in zip(seen, average, strict=True))
    for p, w, a, kept in zip(model.parameters(), weights, average,
                             model.optimizer._param_slots["average"], strict=True):
        assert p.value.tobytes() == w.tobytes() and kept.tobytes() == a.tobytes()


def test_use_ema_switched_on_after_the_first_step_is_a_value_error():
    params = _packed()
    sgd = opt.SGD(0.1, momentum=0.9)
    _grads(params, np.random.default_rng(0))
    sgd.step(params)
    sgd.use_ema = True
    with pytest.raises(ValueError, match=r"Expected use_ema=True given when SGD is made .* "
                                         r"Received use_ema=True set after its slots velocity"):
        sgd.step(params)  # was a KeyError: 'average'


def test_swap_ema_weights_on_a_model_without_an_optimizer_says_so():
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    with pytest.raises(ValueError, match=r"Expected an optimizer with use_ema=True for "
                                         r"SwapEMAWeights. Received no optimizer \(model"
                                         r".optimizer is None: compile or fit first\)"):
        model.predict(np.ones((2, 3)), callbacks=[SwapEMAWeights()])  # was: NoneType


class _Crash(Callback):
    """Raises in fit's validation, after SwapEMAWeights put the average in the model."""

    def on_test_begin(self, logs=None):
        raise RuntimeError("crash during validation")


def test_a_new_swap_callback_after_a_crash_in_validation_restores_the_weights():
    X, y = _data()
    model = nonlin.Sequential(_layers())
    with pytest.raises(RuntimeError, match="crash during validation"):
        model.fit(X, y, optimizer=opt.Adam(0.02, use_ema=True), epochs=2, seed=7,
                  callbacks=[SwapEMAWeights(), _Crash()], **FIT)
    held = [p.value.copy() for p in model.parameters()]  # the average, left in the model
    aside = [a.copy() for a in model.optimizer._param_slots["average"]]  # the weights
    seen = []

    class _Probe(Callback):
        def on_test_begin(self, logs=None):
            seen.extend(p.value.copy() for p in self.model.parameters())

    model.evaluate(X, y, verbose=0, callbacks=[SwapEMAWeights(), _Probe()])
    assert all(s.tobytes() == h.tobytes() for s, h in zip(seen, held, strict=True))
    for p, w in zip(model.parameters(), aside, strict=True):  # each back where it belongs
        assert p.value.tobytes() == w.tobytes()
    assert all(a.tobytes() == h.tobytes()
               for a, h in zip(model.optimizer._param_slots["average"], held, strict=True))


def test_a_swapped_flag_without_an_average_is_not_noted():
    model = nonlin.Sequential(_layers()).build(4, seed=0)
    model.optimizer = opt.Adam(0.02, use_ema=True)  # no step yet: no average
    swap = SwapEMAWeights(swap_on_epoch=True)
    swap.set_model(model)
    swap.load_state_dict({"ema_weights_in_model": 1})  # a hostile or inconsistent file's
    assert not swap._ema_weights_in_model and swap.state_dict() == {}


def test_fit_after_a_crash_in_validation_trains_the_weights_not_the_average():
    X, y = _data()
    model = nonlin.Sequential(_layers())
    with pytest.raises(RuntimeError, match="crash during validation"):
        model.fit(X, y, optimizer=opt.Adam(0.02, use_ema=True), epochs=2, seed=7,
                  callbacks=[SwapEMAWeights(), _Crash()], **FIT)
    held = [p.value.copy() for p in model.parameters()]  # the average, left in the model
    aside = [a.copy() for a in model.optimizer._param_slots["average"]]  # the weights
    seen = {}

    class _First(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if not seen:
                seen["weights"] = [p.value.copy() for p in self.model.parameters()]
                seen["average"] = [a.copy() for a in self.model.optimizer._param_slots["average"]]

    model.fit(X, y, optimizer=model.optimizer, epochs=1, seed=7, callbacks=[_First()], **FIT)
    assert all(s.tobytes() == w.tobytes() for s, w in zip(seen["weights"], aside, strict=True))
    assert all(s.tobytes() == h.tobytes() for s, h in zip(seen["average"], held, strict=True))


def test_use_ema_switched_off_writes_files_that_load(tmp_path):
    model = _fit([], 1)
    model.optimizer.use_ema = False  # no longer averaged: its state leaves the average out
    assert not any(k.startswith("average.") for k in model.optimizer.state_dict())
    nonlin.save_checkpoint(model, tmp_path / "ck.safetensors", epoch=1)
    nonlin.save(model, tmp_path / "m.safetensors")
    assert not nonlin.load_checkpoint(tmp_path / "ck.safetensors").optimizer.use_ema
    assert not nonlin.load(tmp_path / "m.safetensors").optimizer.use_ema  # were refused
