"""Packed parameters: one flat value buffer and one grad buffer per model, stepped as one.

``Sequential.build`` packs; optimizers step the flat buffers when handed exactly
the packed list, and fall back to one parameter at a time otherwise. Both paths
must give the same bits (the update rules are elementwise).
"""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import SGD, Adagrad, Adam, AdamW, Param, RMSprop
from nonlin.core import flat_parameter, pack_parameters

OPTIMIZERS = [
    lambda: SGD(lr=0.05),
    lambda: SGD(lr=0.05, momentum=0.9),
    lambda: SGD(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda: Adam(lr=1e-2),
    lambda: AdamW(lr=1e-2, weight_decay=0.1),
    lambda: RMSprop(lr=1e-3),
    lambda: Adagrad(lr=1e-2),
    lambda: nonlin.Adadelta(lr=1.0),
    lambda: nonlin.Lion(lr=1e-3, weight_decay=0.1),
    lambda: nonlin.Adamax(lr=1e-2),
    lambda: nonlin.Nadam(lr=1e-2),
]


def _model(dtype=np.float64, n_features: int = 4) -> nonlin.Sequential:
    layers = [nonlin.Dense(6), nonlin.ReLU(), nonlin.Dense(5), nonlin.Tanh(), nonlin.Dense(3)]
    return nonlin.Sequential(layers).build(n_features, seed=3, dtype=dtype)


def _unpack(model: nonlin.Sequential) -> None:
    """Give every parameter its own arrays again, as an unpickled model has."""
    for p in model.parameters():
        p.value, p.grad = p.value.copy(), p.grad.copy()


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)


def test_build_packs_parameters_into_one_buffer_in_order() -> None:
    model = _model(np.float32)
    params = model.parameters()
    flat = flat_parameter(params)
    assert flat is not None and flat.value.dtype == np.float32
    assert flat.value.size == sum(p.value.size for p in params)
    np.testing.assert_array_equal(
        flat.value, np.concatenate([p.value.reshape(-1) for p in params]))
    params[2].grad[...] = 7.0
    start = params[0].value.size + params[1].value.size
    assert (flat.grad[start : start + params[2].value.size] == 7.0).all()


def test_flat_parameter_refuses_what_does_not_tile_the_buffer() -> None:
    params = _model().parameters()
    assert flat_parameter(params[:-1]) is None  # a part of the buffer
    assert flat_parameter(params[::-1]) is None  # out of order
    params[1].value = params[1].value.copy()  # rebound
    assert flat_parameter(params) is None
    single = [Param(np.ones(3))]
    pack_parameters(single)
    assert flat_parameter(single) is None


def test_pack_skips_repeated_or_mixed_parameters() -> None:
    shared = Param(np.ones(3))
    pack_parameters([shared, shared])
    assert shared.value.base is None
    mixed = [Param(np.ones(2, np.float32)), Param(np.ones(2))]
    pack_parameters(mixed)
    assert all(p.value.base is None for p in mixed)


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_flat_and_per_parameter_steps_give_the_same_bits(make) -> None:
    X, y = _data()
    runs = []
    for packed in (True, False):
        model = _model()
        if not packed:
            _unpack(model)
        assert (flat_parameter(model.parameters()) is not None) == packed
        opt = make()
        history = model.fit(X, y, loss=nonlin.CrossEntropy(from_logits=True), optimizer=opt,
                            epochs=3, batch_size=16, seed=1, verbose=0)
        runs.append((model.get_weights(), opt.state_dict(), history.history["loss"]))
    (w1, s1, h1), (w2, s2, h2) = runs
    assert h1 == h2
    for a, b in zip(w1, w2, strict=True):
        np.testing.assert_array_equal(a, b)
    assert s1.keys() == s2.keys()
    for key in s1:
        np.testing.assert_array_equal(s1[key], s2[key])


def test_state_of_a_packed_optimizer_has_one_array_per_parameter_and_resumes() -> None:
    X, y = _data()
    fit = dict(loss=nonlin.CrossEntropy(from_logits=True), batch_size=16, verbose=0)
    model, opt = _model(), Adam(lr=1e-2)
    model.fit(X, y, optimizer=opt, epochs=2, seed=1, **fit)
    state = opt.state_dict()
    shapes = [p.value.shape for p in model.parameters()]
    assert [state[f"m.{i}"].shape for i in range(len(shapes))] == shapes
    # the same weights and state in a fresh model and optimizer continue identically
    other, resumed = _model(), Adam(lr=1e-2)
    other.set_weights(model.get_weights())
    resumed.load_state_dict(state)
    model.fit(X, y, optimizer=opt, epochs=1, seed=2, **fit)
    other.fit(X, y, optimizer=resumed, epochs=1, seed=2, **fit)
    assert flat_parameter(other.parameters()) is not None
    for a, b in zip(model.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_rebinding_a_parameter_mid_training_keeps_the_slots() -> None:
    X, y = _data()
    fit = dict(loss=nonlin.CrossEntropy(from_logits=True), batch_size=16, verbose=0)
    runs = []
    for rebind in (False, True):
        model, opt = _model(), SGD(lr=0.05, momentum=0.9)
        model.fit(X, y, optimizer=opt, epochs=1, seed=1, **fit)
        if rebind:
            _unpack(model)
        model.fit(X, y, optimizer=opt, epochs=1, seed=2, **fit)
        runs.append(model.get_weights())
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_slots_made_for_other_parameters_are_refused_not_restarted() -> None:
    """Restarting them silently reset the momentum of two models stepped in turn
    (tests/test_misuse.py); a new optimizer starts afresh."""
    small, large = _model(), _model(n_features=7)
    opt = SGD(lr=0.1, momentum=0.9)
    for p in small.parameters():
        p.grad[...] = 1.0
    opt.step(small.parameters())
    for p in large.parameters():
        p.grad[...] = 1.0
    before = [p.value.copy() for p in large.parameters()]
    with pytest.raises(ValueError, match="state for other parameters"):
        opt.step(large.parameters())  # same count of parameters, other shapes
    SGD(lr=0.1, momentum=0.9).step(large.parameters())
    for p, b in zip(large.parameters(), before, strict=True):
        np.testing.assert_allclose(p.value, b - 0.1)  # a first step: v = -lr g


def test_an_unpickled_model_trains_like_the_original() -> None:
    """Unpickled arrays are no views of one buffer (their base may be ``bytes``) until the
    next fit packs them again: the same result."""
    import pickle

    X, y = _data()
    fit = dict(loss=nonlin.CrossEntropy(from_logits=True), batch_size=16, verbose=0)
    model = _model()
    copy = pickle.loads(pickle.dumps(model))
    assert flat_parameter(copy.parameters()) is None
    for m in (model, copy):
        m.fit(X, y, optimizer=SGD(lr=0.05, momentum=0.9), epochs=2, seed=1, **fit)
    for a, b in zip(model.get_weights(), copy.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def _rich_model() -> nonlin.Sequential:
    layers = [nonlin.Dense(8, l2=1e-3), nonlin.BatchNorm(), nonlin.ReLU(), nonlin.Dropout(0.2),
              nonlin.Dense(3)]
    return nonlin.Sequential(layers).build(4, seed=5)


@pytest.mark.parametrize("clipnorm", [None, 0.05])
def test_batch_norm_dropout_l2_and_clipping_train_alike_packed_or_not(clipnorm) -> None:
    X, y = _data()
    runs = []
    for packed in (True, False):
        model = _rich_model()
        if not packed:
            _unpack(model)
        model.fit(X, y, loss=nonlin.CrossEntropy(from_logits=True),
                  optimizer=Adam(lr=1e-2, clipnorm=clipnorm), epochs=3, batch_size=16, seed=1,
                  verbose=0)
        runs.append(model.get_weights())
    for a, b in zip(*runs, strict=True):
        if clipnorm is None:
            np.testing.assert_array_equal(a, b)
        else:  # the global norm is summed in another order: equal to rounding
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


class _HeavyBall(nonlin.optimizers.Optimizer):
    """A user-written optimizer in the documented form: ``_slot_names`` and ``_deltas``
    reading ``self._slots[name][i]`` for the i-th array it is handed."""

    _slot_names = ("v",)

    def _deltas(self, params, lr):
        deltas = []
        for i, p in enumerate(params):
            v = self._slots["v"][i]
            v *= 0.5
            v -= lr * p.grad
            deltas.append(v)
        return deltas


def test_a_user_written_optimizer_steps_packed_parameters_and_keeps_per_parameter_state():
    X, y = _data()
    fit = dict(loss=nonlin.CrossEntropy(from_logits=True), batch_size=16, verbose=0)
    runs = []
    for packed in (True, False):
        model, opt = _model(), _HeavyBall(lr=0.05)
        if not packed:
            _unpack(model)
        model.fit(X, y, optimizer=opt, epochs=2, seed=1, **fit)
        state = opt.state_dict()
        assert [state[f"v.{i}"].shape for i in range(6)] == [
            p.value.shape for p in model.parameters()]
        runs.append((model.get_weights(), state))
    (w1, s1), (w2, s2) = runs
    for a, b in zip(w1, w2, strict=True):
        np.testing.assert_array_equal(a, b)
    for key in s1:
        np.testing.assert_array_equal(s1[key], s2[key])
