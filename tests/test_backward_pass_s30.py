"""One backward per training pass, where session 30's loop30 left gaps (review30c).

``Sequential.backward`` refuses a backward with no training forward waiting for it
(``nonlin._backward_pass``). These found it accepted, silently, a gradient of an earlier batch
or of earlier weights: after ``gradcheck`` (whose forwards replace the caches), ``build``,
``set_weights``, a ``fit`` or ``train_on_batch`` run between a training forward and its backward
(with a layer that keeps its caches after fit), and ``backward(input_grad=True)`` after an
inference pass; a copy kept the mark but not the caches (the layer's error instead of the
model's); the estimators' lbfgs fit left a mark; a backward a layer refused (a ``grad_out`` of
another shape) took the mark, so the corrected one was refused.
"""

from __future__ import annotations

import copy
import pickle
import threading

import numpy as np
import pytest

import nonlin
from nonlin.core import Layer, Param

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 5))
Y = RNG.normal(size=(32, 2))
MSE = nonlin.MeanSquaredError()
STALE = "Expected a training forward before each backward"


def net() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(8), nonlin.Tanh(), nonlin.Dense(2)]).build(5, seed=0)


def grads(model: nonlin.Sequential) -> list[np.ndarray]:
    return [p.grad.copy() for p in model.parameters()]


class Linear(Layer):
    """A layer of one's own that keeps its input (no ``_inputs``: fit does not release it)."""

    def __init__(self, units: int) -> None:
        super().__init__()
        self.units = units

    def build(self, in_features, rng):
        self.W = Param(rng.normal(size=(in_features, self.units)) * 0.3, name="W")
        return self.units

    def parameters(self):
        return [self.W]

    def forward(self, x, *, training=False):
        if training:
            self.x = x
        return x @ self.W.value

    def backward(self, grad_out):
        self.W.grad[...] = self.x.T @ grad_out
        return grad_out @ self.W.value.T

    def get_config(self):
        return {"units": self.units}


def own() -> nonlin.Sequential:
    return nonlin.Sequential([Linear(8), nonlin.Tanh(), Linear(2)]).build(5, seed=0)


@pytest.mark.parametrize(("training", "check_input"), [(True, False), (False, True),
                                                        (True, True)])
def test_a_backward_after_gradcheck_and_an_inference_pass_is_refused(training, check_input):
    # gradcheck's last forward (at a perturbed entry) left the mark and its caches: the
    # backward of `out` differentiated that pass instead
    model = net()
    model(X[:8], training=True)  # a pass of the user's, replaced by gradcheck's
    nonlin.gradcheck(model, MSE, X[:8], Y[:8], training=training, check_input=check_input)
    out = model(X[8:16])
    with pytest.raises(RuntimeError, match=STALE):
        model.backward(MSE.grad(Y[8:16], out))
    out = model(X[8:16], training=True)  # the training pass works as before
    model.backward(MSE.grad(Y[8:16], out))


@pytest.mark.parametrize("between", ["build", "set_weights"])
def test_a_backward_after_build_or_set_weights_is_refused(between):
    # the pass cached activations of the former weights: dL/dW of them, dL/dx of the new
    model = net()
    out = model(X[:8], training=True)
    if between == "build":
        model.build(5, seed=1)
    else:
        model.set_weights([w + 0.5 for w in model.get_weights()])
    with pytest.raises(RuntimeError, match=STALE):
        model.backward(MSE.grad(Y[:8], out))


@pytest.mark.parametrize("run", ["fit", "train_on_batch"])
def test_a_pass_from_before_fit_takes_no_backward_after_it(run):
    # with a layer that keeps its input after fit, the mark left from before fit made the
    # backward of an inference pass differentiate fit's last batch at earlier weights
    model = own()
    model.compile(optimizer=nonlin.SGD(0.1), loss=MSE)
    model(X[:8], training=True)
    if run == "fit":
        model.fit(X, Y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    else:
        model.train_on_batch(X[8:16], Y[8:16])
    out = model(X[:8])
    before = grads(model)
    with pytest.raises(RuntimeError, match=STALE):
        model.backward(MSE.grad(Y[:8], out))
    assert all(np.array_equal(a, b) for a, b in zip(before, grads(model), strict=True))


def test_a_callbacks_training_pass_during_fit_takes_no_backward_after_it() -> None:
    model = own()

    class Peek(nonlin.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model(X[:8], training=True)  # left waiting when fit returns

    model.fit(X, Y, loss=MSE, optimizer=nonlin.SGD(0.1), epochs=1, batch_size=8, verbose=0,
              callbacks=[Peek()])
    out = model(X[:8])
    with pytest.raises(RuntimeError, match=STALE):
        model.backward(MSE.grad(Y[:8], out))


def test_input_grad_after_a_loop_step_and_an_inference_pass_is_refused() -> None:
    # PyTorch's saliency habit, out = model(x) then the input gradient: it was the input
    # gradient of the loop's last batch, at the weights before its step
    model, opt = net(), nonlin.SGD(0.5)
    out = model(X[:8], training=True)
    model.backward(MSE.grad(Y[:8], out))
    opt.step(model.parameters())
    for call in (lambda x: model(x), lambda x: model.forward(x), model.predict):
        out = call(X[8:16])
        with pytest.raises(RuntimeError, match=r"backward\(input_grad=True\).*until the next "
                                               r"inference pass"):
            model.backward(MSE.grad(Y[8:16], out), input_grad=True)
    with pytest.raises(RuntimeError, match=STALE):  # a model never trained: the model's error
        net().backward(np.ones((8, 2)), input_grad=True)


def test_input_grad_takes_a_waiting_pass_and_follows_its_backward() -> None:
    model, twin = net(), net()
    g = MSE.grad(Y[:8], model(X[:8], training=True))
    twin(X[:8], training=True)
    dx = model.backward(g, input_grad=True)  # the pass's backward, with dL/dx
    np.testing.assert_array_equal(model.backward(g, input_grad=True), dx)  # may follow
    with pytest.raises(RuntimeError, match="one backward per pass"):
        model.backward(g)
    assert twin.backward(g) is None  # the usual order: backward, then dL/dx of that pass
    np.testing.assert_array_equal(twin.backward(g, input_grad=True), dx)
    assert all(np.array_equal(a, b) for a, b in zip(grads(model), grads(twin), strict=True))
    model(X[:8], training=True)  # a pending pass survives an inference pass: same caches
    model.predict(X)
    np.testing.assert_array_equal(model.backward(g, input_grad=True), dx)


def test_a_backward_a_layer_refuses_leaves_the_pass_waiting() -> None:
    model, twin = net(), net()
    out = model(X[:8], training=True)
    with pytest.raises(ValueError, match="grad_out"):
        model.backward(np.ones((8, 3)))  # a mistake the layer names
    model.backward(MSE.grad(Y[:8], out))  # the corrected one is this pass's backward
    twin.backward(MSE.grad(Y[:8], twin(X[:8], training=True)))
    assert all(np.array_equal(a, b) for a, b in zip(grads(model), grads(twin), strict=True))


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copy_holds_no_pass_and_says_so(how):
    # a copy's layers hold no caches (nonlin._layer_caches): the mark it carried led to the
    # layer's error; the original still takes its backward
    model = net()
    out = model(X[:8], training=True)
    twin = copy.deepcopy(model) if how == "deepcopy" else pickle.loads(pickle.dumps(model))
    with pytest.raises(RuntimeError, match=STALE):
        twin.backward(MSE.grad(Y[:8], out))
    twin.backward(MSE.grad(Y[:8], twin(X[:8], training=True)))
    model.backward(MSE.grad(Y[:8], out))
    assert all(np.array_equal(a, b) for a, b in zip(grads(model), grads(twin), strict=True))


def test_an_estimators_lbfgs_fit_leaves_no_pass() -> None:
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPRegressor

    # its last training forward (BatchNorm's statistics over X) left the mark, the layers'
    # caches released: the first Dense's error, not the model's
    with pytest.warns(UserWarning):  # lbfgs stopped at max_iter
        est = MLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", batch_norm=True,
                           max_iter=5, random_state=0).fit(X, Y)
    assert est.model_.__dict__.get("_backward_pending") is None
    out = est.model_(X[:8])
    with pytest.raises(RuntimeError, match=STALE):
        est.model_.backward(MSE.grad(Y[:8], out))


def test_a_thread_predicting_does_not_break_a_loop_in_another() -> None:
    # an inference pass forgets only a backward's pass (TAKEN), never a waiting one
    model, opt, errors, done = net(), nonlin.SGD(0.01), [], threading.Event()

    def serve() -> None:
        while not done.is_set():
            model.predict(X)

    server = threading.Thread(target=serve)
    server.start()
    try:
        for _ in range(300):
            out = model(X[:8], training=True)
            try:
                model.backward(MSE.grad(Y[:8], out))
            except RuntimeError as error:  # pragma: no cover - the failure this test is for
                errors.append(error)
            opt.step(model.parameters())
    finally:
        done.set()
        server.join()
    assert errors == []


def test_a_subclass_with_a_forward_of_its_own_is_told_how_to_mark_its_pass() -> None:
    # its model(x, training=True) ran its own forward, which set no mark: the error said to
    # run model(x, training=True), which it had
    class Residual(nonlin.Sequential):
        def forward(self, x, *, training=False):
            out = x
            for layer in self.layers:
                out = layer.forward(out, training=training)
            return out + x[:, :2]

    model = Residual([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(2)]).build(5, seed=0)
    out = model(X[:8], training=True)
    with pytest.raises(RuntimeError, match=r"Residual.forward overrides Sequential.forward: "
                                           r"it marks its training pass by calling super"):
        model.backward(MSE.grad(Y[:8], out))


def test_a_pickle_written_with_a_mark_loads_without_it() -> None:
    # loop30's main pickled the mark (its __getstate__ kept it): such a pickle loads with none
    model = net()
    model(X[:8], training=True)
    state = model.__getstate__()
    state = ({**state[0], "_backward_pending": True}, state[1]) if isinstance(state, tuple) \
        else {**state, "_backward_pending": True}
    twin = nonlin.Sequential.__new__(nonlin.Sequential)
    twin.__setstate__(state)
    with pytest.raises(RuntimeError, match=STALE):
        twin.backward(np.ones((8, 2)))
