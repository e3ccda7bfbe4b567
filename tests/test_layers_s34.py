"""A model built, edited and stepped by hand (session 34, layers34).

1. ``parameters()`` followed the list ``build`` made: after ``pop`` it still held the popped
   layer's parameters (and a hand-written loop's ``opt.step(model.parameters())`` stepped
   them), after ``layers[i] = Dense(...)`` the replaced layer's. Now it follows the layers
   held, as PyTorch's ``model.parameters()`` and Keras' ``trainable_weights`` do.
2. ``count_params()`` before ``build`` raised ``RuntimeError``; Keras 3 raises ``ValueError``
   ("the layer isn't built"): ``NotBuiltError`` is both. After ``add`` of a layer not built,
   it silently left that layer's weights out: refused too, as Keras' model is then not built.
3. An optimizer step (or an edit by hand) between ``model.forward(x, training=True)`` and
   ``model.backward(g)`` mixed the new weights with the old activations, silently; also a
   ``backward(input_grad=True)`` after the step that followed a backward. Refused, naming the
   weight (PyTorch: "modified by an inplace operation").
4. An optimizer's error about one parameter named it ``params[i]``: now by its layer; ``fit``'s
   refusal of a non-finite gradient named none: now the first one's layer.
5. ``dir(param)``, ``dir(layer)``, ``dir(model)`` listed ``requires_grad``, a name whose
   read always raises (it is there to refuse PyTorch's flag): no longer listed.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import nonlin
from nonlin import SGD, Adam, Dense, MeanSquaredError, ReLU, Sequential

X = np.random.default_rng(0).normal(size=(6, 3))
Y = np.zeros((6, 2))
MSE = MeanSquaredError()


def net() -> Sequential:
    return Sequential([Dense(4, name="d1"), ReLU(), Dense(3, name="d2"),
                       Dense(2, name="head")]).build(3, seed=0)


def ids(params: list[nonlin.core.Param]) -> list[int]:
    return [id(p) for p in params]


def held(model: Sequential) -> list[int]:
    return [id(p) for layer in model.layers for p in layer.parameters()]


# -- 1. parameters() follows the layers ---------------------------------------------------
def test_parameters_after_pop_are_those_of_the_layers_left() -> None:
    model = net()
    popped = model.pop()
    assert ids(model.parameters()) == held(model)
    assert not {id(p) for p in popped.parameters()} & set(ids(model.parameters()))
    assert len(model.trainable_weights) == len(model.parameters()) == 4
    assert model.count_params() == sum(p.value.size for p in model.parameters())


@pytest.mark.parametrize("edit", ["replace", "insert", "append", "delete", "assign"])
def test_parameters_after_editing_model_layers_by_hand(edit: str) -> None:
    model = net()
    new = Dense(3, name="new")
    new.build(4, np.random.default_rng(1))
    if edit == "replace":
        model.layers[2] = new
    elif edit == "insert":
        model.layers.insert(1, nonlin.Tanh())
        del model.layers[3]
    elif edit == "append":
        new.build(2, np.random.default_rng(2))
        model.layers.append(new)
    elif edit == "delete":
        del model.layers[0]
    else:
        model.layers = [model.layers[0], model.layers[1], new]
    assert ids(model.parameters()) == held(model)


def test_parameters_leave_a_frozen_layer_out_after_an_edit_too() -> None:
    model = net()
    model.pop()
    model.layers[0].trainable = False
    assert ids(model.parameters()) == ids(model.layers[2].parameters())


def test_a_layer_without_weights_swapped_keeps_the_parameters_and_fit_runs() -> None:
    model = net()
    before = ids(model.parameters())
    model.layers[1] = nonlin.Tanh()
    assert ids(model.parameters()) == before
    model.fit(X, Y, loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0)


def test_a_stepped_optimizer_refuses_the_parameters_left_after_pop() -> None:
    model, opt = net(), Adam(0.1)
    out = model.forward(X, training=True)
    model.backward(MSE.grad(Y, out))
    opt.step(model.parameters())
    model.pop()
    with pytest.raises(ValueError, match=r"holds state for \(6;.*Received others \(4\)"
                                         r".*model\.pop/add"):
        opt.step(model.parameters())


def test_parameters_of_a_pickle_made_after_pop() -> None:
    import pickle

    model = net()
    model.pop()
    again = pickle.loads(pickle.dumps(model))
    assert [layer.name for layer in again.layers] == ["d1", "re_lu", "d2"]
    assert ids(again.parameters()) == held(again)


def test_parameters_of_a_copy_and_after_build_again() -> None:
    model = net()
    twin = copy.deepcopy(model)
    assert ids(twin.parameters()) == held(twin)
    model.pop()
    model.build(3, seed=0)
    assert ids(model.parameters()) == held(model) and len(model.parameters()) == 4


# -- 2. count_params ----------------------------------------------------------------------
def test_count_params_before_build_is_keras_value_error_and_still_a_runtime_error() -> None:
    from nonlin.exceptions import NotBuiltError

    model = Sequential([Dense(2)])
    with pytest.raises(ValueError, match=r"count_params on model 'sequential'.*not built yet"):
        model.count_params()
    with pytest.raises(RuntimeError, match="not built yet"):
        model.count_params()
    assert issubclass(NotBuiltError, ValueError) and issubclass(NotBuiltError, RuntimeError)


def test_count_params_refuses_a_layer_added_after_build_not_counted() -> None:
    model = net()
    model.add(Dense(5, name="extra"))
    with pytest.raises(ValueError, match=r"layers\[4\] \(Dense 'extra'\) is not built yet"):
        model.count_params()
    model.pop()
    model.add(ReLU())  # no weights to draw: counted as it is
    assert model.count_params() == sum(w.size for w in model.get_weights())


# -- 3. a step between a training forward and its backward ---------------------------------
STEPPED = (r"Expected the weights of the training forward at its backward\. Received "
           r"layers\[0\] \(Dense 'd1'\)\.W changed in place since model\.forward.*optimizer "
           r"step.*modified by an inplace operation.*Step after the backward")


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Adam(0.01)])
def test_a_step_between_forward_and_backward_is_refused(make: object) -> None:
    model, opt = net(), make()  # type: ignore[operator]
    out = model.forward(X, training=True)
    model.backward(MSE.grad(Y, out))  # gradients to step by
    out = model.forward(X, training=True)
    opt.step(model.parameters())
    grads = [p.grad.copy() for p in model.parameters()]
    with pytest.raises(RuntimeError, match=STEPPED):
        model.backward(MSE.grad(Y, out))
    for g, p in zip(grads, model.parameters(), strict=True):  # nothing written
        np.testing.assert_array_equal(g, p.grad)
    out = model.forward(X, training=True)  # the way out: a training forward again
    model.backward(MSE.grad(Y, out))


def test_a_stepped_or_rebound_value_is_refused_naming_it() -> None:
    """(review34e: an edit by hand in place, ``b.value += 1``, is no longer seen: the check
    counts steps (``Param._version``) instead of copying every weight; ``_pass_weights``.)"""
    model, opt = net(), SGD(0.1)
    out = model.forward(X, training=True)
    opt.step([model.layers[3].b])
    with pytest.raises(RuntimeError, match=r"Received layers\[3\] \(Dense 'head'\)\.b changed"):
        model.backward(MSE.grad(Y, out))
    out = model.forward(X, training=True)
    model.layers[2].W.value = model.layers[2].W.value * 2
    with pytest.raises(RuntimeError, match=r"Received layers\[2\] \(Dense 'd2'\)\.W changed"):
        model.backward(MSE.grad(Y, out))


def test_input_grad_after_backward_and_a_step_is_refused() -> None:
    model, opt = net(), SGD(0.1)
    out = model.forward(X, training=True)
    g = MSE.grad(Y, out)
    model.backward(g)
    before = model.backward(g, input_grad=True)  # the same pass: allowed, as before
    opt.step(model.parameters())
    with pytest.raises(RuntimeError, match=STEPPED):
        model.backward(g, input_grad=True)
    assert before.shape == X.shape


def test_the_right_order_and_nan_weights_pass_and_fit_clears_the_copy() -> None:
    model, opt = net(), Adam(0.01)
    for _ in range(3):
        out = model.forward(X, training=True)
        model.backward(MSE.grad(Y, out))
        opt.step(model.parameters())
    kept = model.layers[0].W.value[0, 0]
    model.layers[0].W.value[0, 0] = np.nan  # NaN equals NaN bit for bit: no change
    out = model.forward(X, training=True)
    model.backward(np.ones_like(out))
    assert "_pass_weights" not in copy.deepcopy(model).__dict__
    model.layers[0].W.value[0, 0] = kept
    model.fit(X, Y, loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0)
    assert "_pass_weights" not in model.__dict__


def test_a_second_backward_without_a_new_forward_is_still_refused() -> None:
    """Guard (refused on main too): one backward per training pass."""
    model = net()
    out = model.forward(X, training=True)
    model.backward(MSE.grad(Y, out))
    with pytest.raises(RuntimeError, match="Expected a training forward before each backward"):
        model.backward(MSE.grad(Y, out))


# -- 4. an optimizer's error names the layer ----------------------------------------------
def test_a_grad_of_another_shape_is_named_by_its_layer() -> None:
    model = net()
    model.layers[2].W.grad = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"Expected the grad of layers\[2\] \(Dense 'd2'\)\.W "
                                         r"\(params\[2\]\) of shape \(4, 3\)"):
        Adam().step(model.parameters())


def test_integer_weights_and_a_missing_grad_are_named_by_their_layer() -> None:
    model = net()
    model.layers[3].W.value = model.layers[3].W.value.astype(int)
    with pytest.raises(TypeError, match=r"Received layers\[3\] \(Dense 'head'\)\.W "
                                        r"\(params\[4\]\) of dtype int"):
        SGD(0.1).step(model.parameters())
    model = net()
    model.layers[0].b.grad = None
    with pytest.raises(ValueError, match=r"grad of layers\[0\] \(Dense 'd1'\)\.b \(params\[1\]\)"
                                         r".*Received None"):
        SGD(0.1).step(model.parameters())


def test_a_parameter_no_model_holds_keeps_its_index_name() -> None:
    p = nonlin.core.Param(np.ones((3, 2)), "W")
    p.grad = np.ones(2)
    with pytest.raises(ValueError, match=r"Expected params\[0\]\.grad \(W\) of shape \(3, 2\)"):
        SGD(0.1).step([p])


class Spiky(nonlin.core.Layer):
    """Scales its input; its third backward writes an infinite gradient."""

    def build(self, in_features, rng):
        self.scale, self.calls = nonlin.core.Param(np.ones(in_features), "scale"), 0
        return in_features

    def parameters(self):
        return [self.scale]

    def forward(self, x, *, training=False):
        if training:
            self.x = x
        return x * self.scale.value

    def backward(self, grad_out):
        self.calls += 1
        self.scale.grad[...] = (grad_out * self.x).sum(axis=0)
        if self.calls == 3:
            self.scale.grad[0] = np.inf
        return grad_out * self.scale.value


def test_fit_names_the_layer_of_a_non_finite_gradient() -> None:
    model = Sequential([Dense(4), Spiky(name="spiky"), Dense(1)]).build(3, seed=0)
    x = np.random.default_rng(0).normal(size=(64, 3))
    with pytest.raises(nonlin.DivergenceError, match=r"\(the gradient of spiky\.scale holds "
                                                     r"inf\) at epoch 0, batch 2"):
        model.fit(x, x[:, :1], loss="mse", optimizer="sgd", batch_size=8, verbose=0, seed=0)


# -- 5. dir() does not list requires_grad --------------------------------------------------
def test_dir_lists_no_requires_grad_which_only_refuses() -> None:
    model = net()
    for obj in (model, model.layers[0], model.layers[1], model.layers[0].W):
        names = dir(obj)
        assert "requires_grad" not in names and "requires_grad_" not in names
        assert not hasattr(obj, "requires_grad")
    assert {"W", "b", "name", "trainable", "forward"} <= set(dir(model.layers[0]))
    assert {"value", "grad", "name", "cast"} <= set(dir(model.layers[0].W))
    assert {"fit", "layers", "parameters", "count_params"} <= set(dir(model))
    with pytest.raises(AttributeError, match="trainable = False"):
        model.layers[0].requires_grad = False
