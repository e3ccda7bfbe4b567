"""A PyTorch user's own training loop with nonlin's parts (session 30).

The loop PyTorch teaches, written as the guide's "Your own training loop" writes it, checked
against PyTorch (float64, the weights copied in, a few epochs) and against ``fit`` over the
same batches; and the faults such a loop met: a ``backward`` after an inference pass (or a
second one of one pass) differentiated an earlier batch at earlier weights, silently; an
optimizer of one's own with a setting ``setting_checks`` leaves out raised a bare
``KeyError``; the refusal of an optimizer after a ``trainable`` change did not name it.
"""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.losses import Loss
from nonlin.optimizers import Optimizer
from nonlin.schedules import StepDecay

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 5))
Y_CLASS = RNG.integers(0, 3, 64)
Y_REAL = RNG.normal(size=(64, 2))
Y_BIN = RNG.integers(0, 2, (64, 1)).astype(float)
B = 16


def batches(y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(X[i:i + B], y[i:i + B]) for i in range(0, len(X), B)]


def net(outputs: int, *middle: object) -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(8), *middle, nonlin.Tanh(),
                              nonlin.Dense(outputs)]).build(5, seed=0)


def loop(model: nonlin.Sequential, loss: Loss, opt: Optimizer, data: list, epochs: int = 3
         ) -> nonlin.Sequential:
    for _ in range(epochs):
        for xb, yb in data:
            out = model(xb, training=True)
            model.backward(loss.grad(yb, out))
            opt.step(model.parameters())
    return model


def fitted(model: nonlin.Sequential, loss: Loss, opt: Optimizer, y: np.ndarray,
           epochs: int = 3) -> nonlin.Sequential:
    model.fit(X, y, batch_size=B, epochs=epochs, shuffle=False, loss=loss, optimizer=opt,
              verbose=0)
    return model


def same_bits(a: nonlin.Sequential, b: nonlin.Sequential) -> bool:
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights(),
                                                    strict=True))


def relative(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    # each array's largest difference over its largest entry (a frozen zero bias: absolute)
    return max(float(np.abs(u - v).max() / (np.abs(v).max() or 1.0))
               for u, v in zip(a, b, strict=True))


class LogCosh(Loss):
    def call(self, y_true, y_pred):
        r = np.abs(y_pred - y_true)
        return (r + np.log1p(np.exp(-2 * r)) - np.log(2)).sum(axis=1)

    def grad_terms(self, y_true, y_pred, out):
        np.subtract(y_pred, y_true, out=out)
        return np.tanh(out, out=out)


def _fraction(name, value):
    return float(value)


class HeavyBall(Optimizer):
    slot_names = ("velocity",)
    setting_checks = {"beta": _fraction}

    def __init__(self, lr=0.01, beta=0.9, **options):
        super().__init__(lr, **options)
        self.set_settings(beta=beta)

    def compute_updates(self, params, lr):
        deltas = []
        for p, v in zip(params, self.slots["velocity"], strict=True):
            v *= self.beta
            v -= lr * p.grad
            deltas.append(v)
        return deltas


# -- the faults ------------------------------------------------------------------------


def test_backward_after_fit_and_an_inference_pass_is_refused() -> None:
    # PyTorch's `out = model(xb)` is an inference pass here: its backward differentiated the
    # last batch fit cached, at the weights before fit's last step, without an error
    model = fitted(net(2), nonlin.MeanSquaredError(), nonlin.SGD(0.1), Y_REAL, epochs=1)
    out = model(X[:B])
    before = [p.grad.copy() for p in model.parameters()]
    with pytest.raises(RuntimeError, match=r"Expected a training forward before each backward"
                       r".*Received a backward of grad_out of shape \(16, 2\)"):
        model.backward(nonlin.MeanSquaredError().grad(Y_REAL[:B], out))
    assert all(np.array_equal(g, p.grad) for g, p in zip(before, model.parameters(), strict=True))


def test_backward_after_a_loop_step_and_an_inference_pass_is_refused() -> None:
    model, mse = net(2), nonlin.MeanSquaredError()
    loop(model, mse, nonlin.SGD(0.1), batches(Y_REAL)[:1], epochs=1)
    for call in (lambda x: model(x), lambda x: model.forward(x), model.predict):
        out = call(X[B:2 * B])
        with pytest.raises(RuntimeError, match="model.forward.x, training=True"):
            model.backward(mse.grad(Y_REAL[B:2 * B], out))


def test_one_backward_per_training_pass_and_input_grad_may_follow() -> None:
    model, mse = net(2), nonlin.MeanSquaredError()
    out = model(X[:B], training=True)
    grad = mse.grad(Y_REAL[:B], out)
    assert model.backward(grad) is None
    dx = model.backward(grad, input_grad=True)  # dL/dx of the same pass
    assert dx.shape == (B, 5)
    with pytest.raises(RuntimeError, match="one backward per pass"):
        model.backward(grad)
    model.forward(X[:B], training=True)  # a new pass takes its backward
    model.backward(grad)


def test_a_never_trained_model_says_to_run_a_training_pass() -> None:
    model = net(2)
    with pytest.raises(RuntimeError, match="training=True"):
        model.backward(np.zeros((4, 2)))


def test_an_optimizer_setting_left_out_of_setting_checks_is_named() -> None:
    class Unlisted(Optimizer):
        slot_names = ()

        def __init__(self, lr=0.01, beta=0.9):
            super().__init__(lr)
            self.set_settings(beta=beta)

    with pytest.raises(KeyError, match=r"Unlisted.setting_checks.*Received: beta; add 'beta'"):
        Unlisted()


def test_an_optimizer_after_a_trainable_change_is_refused_naming_it() -> None:
    model, mse, opt = net(2), nonlin.MeanSquaredError(), nonlin.Adam(0.01)
    loop(model, mse, opt, batches(Y_REAL), epochs=1)
    model.layers[0].trainable = False
    out = model(X[:B], training=True)
    model.backward(mse.grad(Y_REAL[:B], out))
    with pytest.raises(ValueError, match=r"holds state for \(4;.*Received others \(2\).*"
                       r"layer.trainable change"):
        opt.step(model.parameters())


def test_loss_arguments_in_pytorchs_order_negate_a_residual_gradient() -> None:
    # what the guide and Loss.grad's docstring warn about: no error can tell the two apart
    out, y = RNG.normal(size=(4, 2)), RNG.normal(size=(4, 2))
    for loss in (nonlin.MeanSquaredError(), nonlin.Huber(), nonlin.LogCosh()):
        assert loss(out, y) == pytest.approx(loss(y, out))
        np.testing.assert_allclose(loss.grad(out, y), -loss.grad(y, out))
    assert "Targets first" in Loss.grad.__doc__ and "Targets first" in Loss.__call__.__doc__


# -- a loop against fit: the same batches, the same bits ------------------------------

CASES = {
    "mse_sgd_momentum": (lambda: net(2), nonlin.MeanSquaredError, lambda: nonlin.SGD(
        0.05, momentum=0.9), Y_REAL),
    "huber_sgd": (lambda: net(2), lambda: nonlin.Huber(delta=0.5), lambda: nonlin.SGD(0.1),
                  3 * Y_REAL),
    "bce_logits_rmsprop": (lambda: net(1), lambda: nonlin.BinaryCrossEntropy(from_logits=True),
                           lambda: nonlin.RMSprop(0.01), Y_BIN),
    "dropout": (lambda: net(2, nonlin.Dropout(0.3)), nonlin.MeanSquaredError,
                lambda: nonlin.SGD(0.05), Y_REAL),
    "batch_norm": (lambda: net(2, nonlin.BatchNorm()), nonlin.MeanSquaredError,
                   lambda: nonlin.Adam(0.01), Y_REAL),
    "clipnorm": (lambda: net(2), nonlin.MeanSquaredError,
                 lambda: nonlin.SGD(0.1, clipnorm=0.1), 5 * Y_REAL),
    "schedule": (lambda: net(2), nonlin.MeanSquaredError,
                 lambda: nonlin.SGD(StepDecay(0.1, 4, 0.5)), Y_REAL),
    "own_loss_and_optimizer": (lambda: net(2), LogCosh, lambda: HeavyBall(0.05, 0.8), Y_REAL),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_loop_gives_fits_bits(case: str) -> None:
    make, loss, opt, y = CASES[case]
    assert same_bits(loop(make(), loss(), opt(), batches(y)), fitted(make(), loss(), opt(), y))


def test_a_cross_entropy_loop_gives_fits_weights_to_rounding() -> None:
    ce = lambda: nonlin.CrossEntropy(from_logits=True)  # noqa: E731
    a = loop(net(3), ce(), nonlin.Adam(0.01), batches(Y_CLASS))
    b = fitted(net(3), ce(), nonlin.Adam(0.01), Y_CLASS)
    assert relative(a.get_weights(), b.get_weights()) < 1e-14


@pytest.mark.parametrize("optimizer", [lambda: nonlin.Adam(0.01),
                                       lambda: nonlin.SGD(0.05, momentum=0.9)])
def test_switching_between_a_loop_and_fit_keeps_the_bits(optimizer) -> None:
    mse, whole = nonlin.MeanSquaredError(), fitted(net(2), nonlin.MeanSquaredError(),
                                                  optimizer(), Y_REAL)
    opt = optimizer()
    first = fitted(loop(net(2), mse, opt, batches(Y_REAL), epochs=2), mse, opt, Y_REAL, 1)
    assert same_bits(first, whole)
    opt = optimizer()
    second = loop(fitted(net(2), mse, opt, Y_REAL, 1), mse, opt, batches(Y_REAL), epochs=2)
    assert same_bits(second, whole)


def test_saving_in_the_middle_of_a_loop_and_going_on(tmp_path) -> None:
    mse, opt = nonlin.MeanSquaredError(), nonlin.Adam(0.01)
    model = loop(net(2), mse, opt, batches(Y_REAL), epochs=1)
    model.compile(optimizer=opt, loss=mse)
    nonlin.save(model, tmp_path / "mid.safetensors")
    resumed = nonlin.load(tmp_path / "mid.safetensors")
    assert resumed.optimizer.iterations == opt.iterations == 4
    loop(resumed, mse, resumed.optimizer, batches(Y_REAL), epochs=2)
    loop(model, mse, opt, batches(Y_REAL), epochs=2)
    assert same_bits(resumed, model)


def test_accumulating_micro_batches_is_one_batch() -> None:
    mse = nonlin.MeanSquaredError()
    whole = loop(net(2), mse, nonlin.SGD(0.1), batches(Y_REAL), epochs=1)
    model, opt = net(2), nonlin.SGD(0.1)
    for xb, yb in batches(Y_REAL):
        acc = [np.zeros_like(p.value) for p in model.parameters()]
        for i in range(0, B, 4):
            out = model(xb[i:i + 4], training=True)
            model.backward(mse.grad(yb[i:i + 4], out) / 4)
            for a, p in zip(acc, model.parameters(), strict=True):
                a += p.grad
        for a, p in zip(acc, model.parameters(), strict=True):
            p.grad[...] = a
        opt.step(model.parameters())
    assert relative(model.get_weights(), whole.get_weights()) < 1e-14


# -- a loop against PyTorch (float64, the weights copied in) ---------------------------


def _torch_twin(model: nonlin.Sequential):
    torch = pytest.importorskip("torch")
    modules = []
    for layer in model.layers:
        if isinstance(layer, nonlin.Dense):
            linear = torch.nn.Linear(*layer.W.value.shape, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(layer.W.value.T))
                linear.bias.copy_(torch.tensor(layer.b.value))
            modules.append(linear)
        elif isinstance(layer, nonlin.BatchNorm):
            modules.append(torch.nn.BatchNorm1d(layer.gamma.value.shape[0], eps=layer.epsilon,
                                                momentum=1 - layer.momentum,
                                                dtype=torch.float64))
        else:
            modules.append(torch.nn.Tanh())
    return torch, torch.nn.Sequential(*modules)


def _torch_weights(torch_model) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for m in torch_model:
        if m.__class__.__name__ == "Linear":
            out += [m.weight.detach().numpy().T, m.bias.detach().numpy()]
        elif m.__class__.__name__ == "BatchNorm1d":
            out += [m.weight.detach().numpy(), m.bias.detach().numpy(), m.running_mean.numpy()]
    return out


def _torch_loop(torch, torch_model, loss_fn, opt, data, epochs=3, clip=None, per_epoch=None):
    for epoch in range(epochs):
        if per_epoch is not None:
            per_epoch(epoch)
        for xb, yb in data:
            loss = loss_fn(torch_model(torch.tensor(xb)), torch.tensor(yb))
            opt.zero_grad()
            loss.backward()
            if clip is not None:
                clip(list(torch_model.parameters()))
            opt.step()


def _half_squares(out, y):
    return 0.5 * ((out - y) ** 2).sum(1).mean()


def test_a_classifier_loop_matches_pytorch() -> None:
    model = net(3)
    torch, twin = _torch_twin(model)
    loop(model, nonlin.CrossEntropy(from_logits=True), nonlin.Adam(0.01, epsilon=1e-30),
         batches(Y_CLASS))
    _torch_loop(torch, twin, torch.nn.CrossEntropyLoss(),
                torch.optim.Adam(twin.parameters(), 0.01, eps=1e-30), batches(Y_CLASS))
    assert relative(model.get_weights(), _torch_weights(twin)) < 1e-14


def test_regressor_binary_and_own_parts_loops_match_pytorch() -> None:
    cases = [
        (nonlin.MeanSquaredError(), nonlin.SGD(0.05, momentum=0.9), Y_REAL,
         lambda t: _half_squares, lambda t, p: t.optim.SGD(p, 0.05, momentum=0.9)),
        (nonlin.Huber(delta=0.5), nonlin.SGD(0.1), 3 * Y_REAL,
         lambda t: lambda o, y: t.nn.functional.huber_loss(o, y, delta=0.5, reduction="none"
                                                           ).sum(1).mean(),
         lambda t, p: t.optim.SGD(p, 0.1)),
        (nonlin.BinaryCrossEntropy(from_logits=True), nonlin.RMSprop(0.01, epsilon=1e-30),
         Y_BIN, lambda t: t.nn.BCEWithLogitsLoss(),
         lambda t, p: t.optim.RMSprop(p, 0.01, alpha=0.9, eps=0.0)),
        (LogCosh(), HeavyBall(0.05, 0.9), Y_REAL,
         lambda t: lambda o, y: t.log(t.cosh(o - y)).sum(1).mean(),
         lambda t, p: t.optim.SGD(p, 0.05, momentum=0.9)),
    ]
    for loss, opt, y, torch_loss, torch_opt in cases:
        model = net(y.shape[1])
        torch, twin = _torch_twin(model)
        loop(model, loss, opt, batches(y))
        _torch_loop(torch, twin, torch_loss(torch), torch_opt(torch, twin.parameters()),
                    batches(y))
        assert relative(model.get_weights(), _torch_weights(twin)) < 1e-14, type(loss)


def test_clipping_freezing_and_batch_norm_loops_match_pytorch() -> None:
    model = net(2)
    torch, twin = _torch_twin(model)
    loop(model, nonlin.MeanSquaredError(), nonlin.SGD(0.1, clipvalue=0.05), batches(5 * Y_REAL))
    _torch_loop(torch, twin, _half_squares, torch.optim.SGD(twin.parameters(), 0.1),
                batches(5 * Y_REAL), clip=lambda p: torch.nn.utils.clip_grad_value_(p, 0.05))
    assert relative(model.get_weights(), _torch_weights(twin)) < 1e-14

    model = net(2)
    model.layers[0].trainable = False
    torch, twin = _torch_twin(model)
    twin[0].requires_grad_(False)
    loop(model, nonlin.MeanSquaredError(), nonlin.Adam(0.01, epsilon=1e-30), batches(Y_REAL))
    _torch_loop(torch, twin, _half_squares, torch.optim.Adam(
        [p for p in twin.parameters() if p.requires_grad], 0.01, eps=1e-30), batches(Y_REAL))
    assert relative(model.get_weights(), _torch_weights(twin)) < 1e-14

    model = net(2, nonlin.BatchNorm(momentum=0.9, epsilon=1e-5))
    torch, twin = _torch_twin(model)
    loop(model, nonlin.MeanSquaredError(), nonlin.SGD(0.05), batches(Y_REAL))
    _torch_loop(torch, twin, _half_squares, torch.optim.SGD(twin.parameters(), 0.05),
                batches(Y_REAL))
    ours = model.get_weights()
    del ours[5]  # moving_variance: BatchNorm1d averages the unbiased variance
    theirs = _torch_weights(twin)
    del theirs[1]  # the bias before a BatchNorm gets no gradient: 0 here, ~1e-17 there
    del ours[1]
    assert relative(ours, theirs) < 1e-14


def test_a_rate_set_by_hand_each_epoch_matches_pytorchs_step_lr() -> None:
    model = net(2)
    torch, twin = _torch_twin(model)
    opt = nonlin.Adam(0.1, epsilon=1e-30)
    for epoch in range(3):
        opt.lr = 0.1 * 0.5 ** epoch
        loop(model, nonlin.MeanSquaredError(), opt, batches(Y_REAL), epochs=1)
    torch_opt = torch.optim.Adam(twin.parameters(), 0.1, eps=1e-30)
    schedule = torch.optim.lr_scheduler.StepLR(torch_opt, 1, gamma=0.5)
    _torch_loop(torch, twin, _half_squares, torch_opt, batches(Y_REAL),
                per_epoch=lambda epoch: epoch and schedule.step())
    assert relative(model.get_weights(), _torch_weights(twin)) < 1e-14


@pytest.mark.parametrize(("name", "hint"), [("requires_grad_", "trainable = False"),
                                            ("modules", "model.layers"),
                                            ("children", "model.layers")])
def test_more_pytorch_habits_of_a_model_get_nonlins_way(name: str, hint: str) -> None:
    model = net(2)
    with pytest.raises(AttributeError, match=f"no attribute '{name}'; .*{hint}"):
        getattr(model, name)
    assert not hasattr(model, name)


def test_clip_grad_value_points_to_clipvalue() -> None:
    with pytest.raises(AttributeError, match="clipvalue="):
        nonlin.clip_grad_value_  # noqa: B018


def test_binary_cross_entropy_in_pytorchs_order_says_to_swap() -> None:
    logits = RNG.normal(size=(8, 1))
    loss = nonlin.BinaryCrossEntropy(from_logits=True)
    for call in (loss, loss.grad):
        with pytest.raises(ValueError, match=r"Expected targets in \[0, 1\].*swapped, they pass"):
            call(logits, Y_BIN[:8])
    with pytest.raises(ValueError, match=r"Expected targets in \[0, 1\]") as caught:
        loss(logits, logits)  # swapped, they fail too: no hint
    assert "swap" not in str(caught.value)
    with pytest.raises(ValueError, match=r"Expected targets in \[0, 1\]") as caught:
        loss(logits, np.full((8, 1), 0.3))  # outputs, not hard labels, second: no hint
    assert "swap" not in str(caught.value)
    with pytest.raises(ValueError, match="swap them") as caught:  # one hint, not two
        nonlin.CrossEntropy()(np.full((4, 3), 1 / 3), np.array([0, 1, 2, 0]))
    assert str(caught.value).count("swap") == 1
