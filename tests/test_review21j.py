"""review21j: run_pass (evaluate/predict(callbacks=...)) when a hook itself raises.

A begin hook that raises: only the callbacks whose begin hook ran to its end get the end
hook (a callback never begun is not ended). An end hook that raises after a failed pass:
the other end hooks still run (SwapEMAWeights puts the weights back) and the pass's own
error goes on, the hook's noted on it."""

import numpy as np
import pytest

from nonlin.callbacks import Callback, SwapEMAWeights
from test_pass_hooks_on_error_s21 import Recorder, _beyond_float32, _model


class BeginRaiser(Callback):
    def on_test_begin(self, logs=None):
        raise RuntimeError("begin hook failed")

    on_predict_begin = on_test_begin


class EndRaiser(Callback):
    def on_test_end(self, logs=None):
        raise KeyError("loss")  # a hook reading logs["loss"] given the failed pass's {}

    on_predict_end = on_test_end


def _pass(kind, model, x, y, callbacks):
    if kind == "predict":
        return model.predict(x, batch_size=8, callbacks=callbacks)
    return model.evaluate(x, y, batch_size=8, callbacks=callbacks)


@pytest.mark.parametrize("kind", ["predict", "evaluate"])
def test_a_begin_hook_that_raises_ends_only_the_callbacks_begun(kind):
    model, X, y = _model()
    first, second = Recorder(), Recorder()
    with pytest.raises(RuntimeError, match="begin hook failed"):
        _pass(kind, model, X, y, [first, BeginRaiser(), second])
    begun = "predict_begin" if kind == "predict" else "test_begin"
    ended = "predict_end" if kind == "predict" else "test_end"
    assert first.calls == [begun, ended]
    assert second.calls == []  # never begun: not ended either


@pytest.mark.parametrize("kind", ["predict", "evaluate"])
def test_a_begin_hook_that_raises_leaves_the_weights_of_a_swap_not_begun(kind):
    model, X, y = _model()
    swap = SwapEMAWeights()
    swap.set_model(model)
    swap.on_test_begin()  # the user holds the average in the model on purpose
    held = [p.value.copy() for p in model.parameters()]
    with pytest.raises(RuntimeError, match="begin hook failed"):
        _pass(kind, model, X, y, [BeginRaiser(), SwapEMAWeights()])
    for p, h in zip(model.parameters(), held, strict=True):
        np.testing.assert_array_equal(p.value, h)


@pytest.mark.parametrize("kind", ["predict", "evaluate"])
def test_an_end_hook_that_raises_after_a_failed_pass_keeps_the_pass_error(kind):
    model, X, y = _model()
    before = [p.value.copy() for p in model.parameters()]
    recorder = Recorder()
    with pytest.raises(ValueError) as info:
        _pass(kind, model, _beyond_float32(X), y, [EndRaiser(), SwapEMAWeights(), recorder])
    assert any("KeyError" in note for note in getattr(info.value, "__notes__", []))
    assert recorder.calls[-1] in ("predict_end", "test_end")
    for p, b in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.value, b)


def test_variance_scaling_takes_a_0d_array_as_its_number_as_the_other_initializers():
    from nonlin.initializers_keras import RandomNormal, VarianceScaling
    from nonlin.initializers_more import variance_scaling

    assert RandomNormal(stddev=np.array(1.0)).get_config()["stddev"] == 1.0  # left21b's
    made = VarianceScaling(scale=np.array(2.0), seed=0)
    assert type(made.get_config()["scale"]) is float
    plain = VarianceScaling(scale=2.0, seed=0)
    np.testing.assert_array_equal(made(np.random.default_rng(0), 3, 4),
                                  plain(np.random.default_rng(0), 3, 4))
    for scale in (np.array(2.0), np.array(2.0, dtype=np.float32)):
        np.testing.assert_array_equal(
            variance_scaling(np.random.default_rng(1), 3, 4, scale=scale, distribution="uniform"),
            variance_scaling(np.random.default_rng(1), 3, 4, scale=2.0, distribution="uniform"))
    with pytest.raises(ValueError, match=r"Received: scale=array\(-1\.\)"):
        VarianceScaling(scale=np.array(-1.0))


def test_a_callback_listed_twice_and_begun_once_is_ended_once():
    model, X, y = _model()
    recorder = Recorder()
    with pytest.raises(RuntimeError, match="begin hook failed"):
        model.evaluate(X, y, callbacks=[recorder, BeginRaiser(), recorder])
    assert recorder.calls == ["test_begin", "test_end"]
