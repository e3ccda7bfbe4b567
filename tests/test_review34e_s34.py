"""Review of layers34's merge (session 34, review34e).

1. The refusal of an optimizer step between ``model.forward(x, training=True)`` and its
   ``backward`` copied every weight at each training forward (a second copy of the model's
   parameters held in memory) and compared all of them bit by bit at each backward: every
   step of a hand-written loop paid it. Now each ``Param`` counts the steps taken on it
   (``_version``, PyTorch's version counter), bumped by every nonlin optimizer's ``step``;
   the forward notes the counts, the backward compares them: nothing per element, no copy.
   An edit of a weight in place by hand is then no longer seen (documented).
"""

from __future__ import annotations

import copy
import pickle
import tracemalloc

import numpy as np
import pytest

from nonlin import SGD, Adam, Dense, MeanSquaredError, ReLU, Sequential
from nonlin.core import Param
from nonlin.optimizers import Adadelta, Lion, Nadam

X = np.random.default_rng(0).normal(size=(6, 3))
Y = np.zeros((6, 2))
MSE = MeanSquaredError()
STEPPED = r"Received layers\[\d\] \(Dense '\w+'\)\.\w changed in place since model\.forward"


def net(width: int = 4) -> Sequential:
    return Sequential([Dense(width, name="d1"), ReLU(), Dense(3, name="d2"),
                       Dense(2, name="head")]).build(3, seed=0)


def test_a_training_forward_copies_no_weight() -> None:
    model = net(width=20_000)  # 100,000 weights: 800 kB a copy
    model.forward(X[:1], training=True)  # the layers' own buffers made
    model = net(width=20_000)
    tracemalloc.start()
    try:
        model.forward(X[:1], training=True)
        snapshot = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    noted = snapshot.filter_traces([tracemalloc.Filter(True, "*_backward_pass.py")])
    assert sum(stat.size for stat in noted.statistics("filename")) < 10_000


@pytest.mark.parametrize("make", [
    lambda: SGD(1.0),  # SGD's fast path
    lambda: SGD(0.1, momentum=0.9, nesterov=True),
    lambda: Adam(0.01, use_ema=True, ema_overwrite_frequency=1),
    Nadam, Lion, Adadelta])
def test_every_optimizer_step_between_forward_and_backward_is_refused(make: object) -> None:
    """Guard (refused on main too, by the copy): every optimizer's step is counted."""
    model, opt = net(), make()  # type: ignore[operator]
    out = model.forward(X, training=True)
    model.backward(MSE.grad(Y, out))
    out = model.forward(X, training=True)
    opt.step(model.parameters())
    with pytest.raises(RuntimeError, match=STEPPED):
        model.backward(MSE.grad(Y, out))


def test_the_average_written_into_the_weights_is_counted() -> None:
    """Guard: ``finalize_variable_values`` writes the weights in place."""
    model, opt = net(), Adam(0.01, use_ema=True)
    for _ in range(2):  # (the average of one step is the weights, bit for bit)
        out = model.forward(X, training=True)
        model.backward(MSE.grad(Y, out))
        opt.step(model.parameters())
    out = model.forward(X, training=True)
    opt.finalize_variable_values(model.parameters())
    with pytest.raises(RuntimeError, match=STEPPED):
        model.backward(MSE.grad(Y, out))


def test_another_models_step_between_them_is_not_refused() -> None:
    """Guard: only this model's weights count (two models trained in turn)."""
    a, b, opt_b = net(), net(), SGD(0.1)
    out = a.forward(X, training=True)
    out_b = b.forward(X, training=True)
    b.backward(MSE.grad(Y, out_b))
    opt_b.step(b.parameters())
    a.backward(MSE.grad(Y, out))


def test_an_edit_by_hand_in_place_is_not_seen_as_documented() -> None:
    model = net()
    out = model.forward(X, training=True)
    model.layers[0].W.value *= 2  # no hook on a NumPy array: not counted
    model.backward(MSE.grad(Y, out))


def test_a_stepped_param_pickles_and_copies_without_its_count() -> None:
    p = Param(np.ones(3), "w")
    opt = SGD(0.1)
    opt.step([p])
    assert p._version == 1
    assert set(p.__getstate__()) == {"value", "grad", "name"}
    for other in (copy.deepcopy(p), pickle.loads(pickle.dumps(p)), copy.copy(p)):
        assert other._version == 0


# -- 2. parameters() after every kind of edit ----------------------------------------------
def _held(model: Sequential) -> list[int]:
    return [id(p) for layer in model.layers for p in layer.parameters()]


def test_an_extend_that_fails_part_way_still_makes_parameters_follow() -> None:
    """``list.extend`` of a generator that raises keeps the layers it took: counted too."""
    model = net()
    model.parameters()  # the fast path: build's list
    extra = Dense(2, name="extra")
    extra.build(2, np.random.default_rng(0))

    def layers():  # noqa: ANN202
        yield extra
        raise KeyError("config")

    with pytest.raises(KeyError):
        model.layers.extend(layers())
    assert model.layers[-1] is extra
    assert [id(p) for p in model.parameters()] == _held(model)



@pytest.mark.parametrize("edit", ["build", "rebind"])
def test_a_layer_built_again_by_hand_is_refused_by_the_training_forward_as_by_fit(
        edit: str) -> None:
    """``parameters()`` gives build's list while the layer list is unedited: a hand-written
    loop would step the former weights while the forward runs the new ones, silently."""
    model = net()
    if edit == "build":
        model.layers[2].build(4, np.random.default_rng(1))
    else:
        model.layers[2].W = Param(np.zeros((4, 3)), "W")
    with pytest.raises(RuntimeError, match=r"layers\[2\] does not hold the weights built there"):
        model.fit(X, Y, loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0)
    with pytest.raises(RuntimeError, match=r"layers\[2\] does not hold the weights built there"):
        model.forward(X, training=True)
    model.build(3, seed=0)
    out = model.forward(X, training=True)
    model.backward(MSE.grad(Y, out))
