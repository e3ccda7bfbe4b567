"""Freezing layers as Keras 3 does: ``layer.trainable = False``, ``model.trainable = False``.

A frozen layer's parameters are left out of ``parameters()``, so ``fit`` keeps them bit for
bit while the others train; a frozen ``BatchNorm`` runs in inference mode (its statistics do
not move); the flag survives ``get_config`` / ``from_config``, ``nonlin.save`` / ``load`` and
checkpoints; an optimizer holding state for another trainable set is refused before anything
changes.
"""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import BatchNorm, Dense, ReLU, Sequential, Tanh
from nonlin.checkpoint import ModelCheckpoint
from nonlin.core import flat_parameter
from nonlin.registry import layer_from_config

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 3)) * 2 + 1
Y = X @ np.array([1.0, 2.0, 3.0])
FIT = dict(loss="mse", epochs=3, batch_size=16, verbose=0, seed=0)


def net(**dense) -> Sequential:
    return Sequential([Dense(4, **dense), Tanh(), Dense(4), BatchNorm(), ReLU(), Dense(1)])


def values(model: Sequential, index: int) -> list[np.ndarray]:
    return [p.value.copy() for p in model.layers[index].parameters()]


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(x.tobytes() == y.tobytes() for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("optimizer", [lambda: nonlin.SGD(0.05, momentum=0.9, clipnorm=0.5),
                                       lambda: nonlin.Adam(0.01), lambda: nonlin.AdamW(0.01)])
def test_a_frozen_layer_keeps_its_weights_bit_for_bit_while_the_others_train(optimizer) -> None:
    model = net(l2=0.01).build(3, seed=1)
    model.layers[0].trainable = False  # the Keras habit
    frozen, others = values(model, 0), values(model, 2) + values(model, 5)
    model.fit(X, Y, optimizer=optimizer(), **FIT)
    assert same(values(model, 0), frozen)
    trained = values(model, 2) + values(model, 5)
    assert not any(np.array_equal(a, b) for a, b in zip(trained, others, strict=True))
    assert [p.name for p in model.parameters()] == ["W", "b", "gamma", "beta", "W", "b"]
    assert flat_parameter(model.parameters()) is not None  # packed anew: one flat step


def test_a_frozen_dense_gives_dx_but_no_weight_gradient() -> None:
    model, twin = net().build(3, seed=1), net().build(3, seed=1)
    model.layers[2].trainable = False
    g = RNG.normal(size=(8, 1))
    for m in (model, twin):
        m.forward(X[:8], training=True)
    dx, want = model.backward(g, input_grad=True), twin.backward(g, input_grad=True)
    np.testing.assert_allclose(dx, want, rtol=1e-12)
    assert not model.layers[2].W.grad.any() and not model.layers[2].b.grad.any()
    with pytest.raises(ValueError, match=r"grad_out, dL/dy, of shape \(8, 4\)"):
        model.layers[2].backward(np.ones((8, 3)))


def test_model_trainable_false_then_true() -> None:
    model = net().build(3, seed=1)
    model.trainable = False
    assert model.trainable is False and not any(layer.trainable for layer in model.layers)
    assert model.parameters() == []
    before = model.get_weights()
    model.fit(X, Y, optimizer="adam", **FIT)  # Keras fits it too: nothing moves
    assert same(model.get_weights(), before)
    model.trainable = True
    assert model.trainable is True and len(model.parameters()) == 8
    model.fit(X, Y, optimizer="adam", **FIT)
    assert not same(values(model, 0), before[:2])
    assert flat_parameter(model.parameters()) is not None


def test_trainable_takes_only_a_bool() -> None:
    for obj in (Dense(2), net()):
        with pytest.raises(TypeError, match="Expected a bool. Received: trainable='no'"):
            obj.trainable = "no"  # type: ignore[assignment]
    layer = Dense(2)
    layer.trainable = np.False_
    assert layer.trainable is False


def test_a_frozen_batchnorm_runs_in_inference_mode_in_fit() -> None:
    model = net().build(3, seed=1)
    model.fit(X, Y, optimizer="adam", **FIT)  # statistics away from 0 and 1
    bn = model.layers[3]
    bn.trainable = False
    state, gamma_beta = model.get_state(), values(model, 3)
    np.testing.assert_allclose(model.forward(X, training=True), model.predict(X), rtol=1e-12)
    model.fit(X, Y, optimizer="adam", **FIT)
    assert same(list(model.get_state().values()), list(state.values()))
    assert same(values(model, 3), gamma_beta)
    # lr 0, one batch: fit's loss is the inference loss (the batch statistics would differ)
    history = model.fit(X, Y, loss="mse", optimizer=nonlin.SGD(0.0), batch_size=64, verbose=0)
    assert history.history["loss"][0] == pytest.approx(model.evaluate(X, Y)["loss"], rel=1e-12)


def test_a_frozen_layers_l2_term_leaves_the_loss_as_in_keras() -> None:
    model = Sequential([Dense(4, l2=1.0), Tanh(), Dense(1)]).build(3, seed=1)
    with_term = model.evaluate(X, Y, loss="mse")["loss"]
    model.layers[0].trainable = False
    without = model.evaluate(X, Y, loss="mse")["loss"]
    assert with_term - without == pytest.approx(model.layers[0].penalty())


def test_trainable_round_trips_through_config_save_and_load(tmp_path) -> None:
    model = net().build(3, seed=1)
    model.layers[0].trainable = model.layers[3].trainable = False
    config = model.get_config()
    assert config["layers"][0]["config"]["trainable"] is False
    assert ["trainable" in item["config"] for item in config["layers"]] == [
        True, False, False, True, False, False]
    assert "trainable=False" in repr(model.layers[0]) and "trainable" not in repr(model.layers[2])
    clone = Sequential.from_config(config, seed=0)
    assert [layer.trainable for layer in clone.layers] == [False, True, True, False, True, True]
    model.fit(X, Y, optimizer="adam", **FIT)
    model.save(tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.get_config() == model.get_config()
    frozen = values(loaded, 0)
    loaded.fit(X, Y, **FIT)  # the compile record's Adam: slots for the 6 trainable parameters
    assert same(values(loaded, 0), frozen)
    with pytest.raises(ValueError, match="Invalid config for layer Dense: Expected a bool"):
        layer_from_config({"class_name": "Dense", "config": {"units": 2, "trainable": "no"}})


def test_resuming_a_checkpoint_of_a_frozen_model_equals_the_straight_run(tmp_path) -> None:
    def frozen(epochs, **kwargs):
        model = net()
        model.layers[0].trainable = False
        model.fit(X, Y, loss="mse", optimizer="adam", epochs=epochs, batch_size=16, verbose=0,
                  seed=3, **kwargs)
        return model

    path = str(tmp_path / "ck.safetensors")
    frozen(2, callbacks=[ModelCheckpoint(path)])
    resumed = net()
    resumed.layers[0].trainable = False
    resumed.fit(X, Y, loss="mse", optimizer="adam", epochs=4, batch_size=16, verbose=0,
                resume_from=path)
    assert same(resumed.get_weights(), frozen(4).get_weights())
    assert same(values(resumed, 0), values(net().build(3, seed=3), 0))  # as built


def test_an_optimizer_with_state_for_another_trainable_set_is_refused_first() -> None:
    model = net().build(3, seed=1)
    model.compile(nonlin.Adam(0.01), "mse")
    model.fit(X, Y, **FIT)
    model.layers[0].trainable = False
    before, state, steps = model.get_weights(), model.get_state(), model.optimizer.iterations
    with pytest.raises(ValueError, match=r"this model's 6 trainable parameters. Received Adam "
                                         r"holding state \(slots m, v\) for 8 parameters"):
        model.fit(X, Y, **FIT)
    assert same(model.get_weights(), before) and model.optimizer.iterations == steps
    assert same(list(model.get_state().values()), list(state.values()))
    model.compile(nonlin.Adam(0.01), "mse")  # Keras: compile again after changing trainable
    model.fit(X, Y, **FIT)
    assert same(values(model, 0), before[:2])
    plain = nonlin.SGD(0.01)  # no state: it steps whichever parameters are trainable
    model.fit(X, Y, optimizer=plain, **FIT)
    model.layers[0].trainable = True
    model.fit(X, Y, optimizer=plain, **FIT)
    assert not same(values(model, 0), before[:2])


def test_summary_and_count_params_show_trainable_and_non_trainable_counts() -> None:
    model = net().build(3, seed=1)
    lines = model.summary().split("\n")
    # Dense 16, Dense 20, BatchNorm 4 x 4 (its statistics are weights too), Dense 5
    assert lines[-3:] == ["Total params: 57", "Trainable params: 49", "Non-trainable params: 8"]
    assert model.count_params() == 57
    model.layers[0].trainable = False
    assert model.summary().split("\n")[-2:] == ["Trainable params: 33",
                                                "Non-trainable params: 24"]
    assert model.count_params() == 57
    plain = Sequential([Dense(2)]).build(3, seed=0).summary().split("\n")
    assert plain[-3:] == ["Total params: 8", "Trainable params: 8", "Non-trainable params: 0"]


# -- files: slots are written only for the parameters they were made for -------------
def adam_fitted_then(flip) -> Sequential:
    """A model fitted with Adam, then ``flip(model)`` changing the trainable flags."""
    model = net().build(3, seed=1)
    model.fit(X, Y, optimizer=nonlin.Adam(0.01), **FIT)
    flip(model)
    return model


def freeze_first(model: Sequential) -> None:
    model.layers[0].trainable = False


def test_save_checkpoint_refuses_slots_made_before_a_flag_change(tmp_path) -> None:
    from nonlin.checkpoint import save_checkpoint

    model = adam_fitted_then(freeze_first)
    with pytest.raises(ValueError, match="made by steps on other parameters"):
        save_checkpoint(model, tmp_path / "ck.safetensors", epoch=3)
    assert list(tmp_path.iterdir()) == []  # no file, not even a temporary one


def test_model_checkpoint_after_an_unfreezing_callback_writes_nothing(tmp_path) -> None:
    class Unfreeze(nonlin.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None) -> None:
            self.model.layers[0].trainable = True

    model = net().build(3, seed=1)
    model.layers[0].trainable = False
    checkpoint = ModelCheckpoint(str(tmp_path / "ck-{epoch}.safetensors"))
    with pytest.warns(UserWarning, match="did not write .*made by steps on other parameters"), \
            pytest.raises(RuntimeError, match="parameters changed during fit"):
        model.fit(X, Y, optimizer="adam", callbacks=[Unfreeze(), checkpoint], **FIT)
    assert checkpoint.saved == [] and list(tmp_path.iterdir()) == []


def test_slots_are_not_saved_for_other_parameters_of_the_same_shapes(tmp_path) -> None:
    from nonlin.checkpoint import save_checkpoint

    def swap(model: Sequential) -> None:  # Dense(4) at 0 and 2 swap roles: shapes agree
        model.layers[0].trainable, model.layers[2].trainable = False, True

    model = Sequential([Dense(4), ReLU(), Dense(4), ReLU(), Dense(1)]).build(4, seed=0)
    model.layers[2].trainable = False
    model.fit(np.c_[X, X[:, :1]], Y, optimizer=nonlin.Adam(0.01), **FIT)
    swap(model)
    path = tmp_path / "m.safetensors"
    with pytest.warns(UserWarning, match="made by steps on other parameters") as caught:
        nonlin.save(model, path)
    assert "registered" not in str(caught[0].message)  # Adam is registered: not the cause
    loaded = nonlin.load(path)
    assert loaded.optimizer is None and type(loaded.loss).__name__ == "MeanSquaredError"
    with pytest.raises(ValueError, match="made by steps on other parameters"):
        save_checkpoint(model, tmp_path / "ck.safetensors", epoch=3)
