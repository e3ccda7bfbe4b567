"""train_on_batch keeps what its checks resolve for the next call (nonlin._on_batch_state),
which test_on_batch uses too: a call after any change gives what a fresh call gives (the same
results, errors, weights), the bits stay fit's, and a call costs a bounded number of Python
calls."""

from __future__ import annotations

import cProfile
import gc
import os
import pstats
import signal
import sys
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nonlin


def _forget_kept() -> None:
    """Nothing kept for any model: the next call checks and resolves everything (the code
    before the kept state had none: then these tests compare it with itself)."""
    try:
        from nonlin._on_batch_state import _KEPT
    except ImportError:
        return
    _KEPT.clear()


def _data(n: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)


def _model(optimizer: Any = None, metrics: Any = None, dtype: Any = np.float64,
           layers: list[Any] | None = None) -> nonlin.Sequential:
    layers = layers or [nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(3), nonlin.Softmax()]
    model = nonlin.Sequential(layers).build(6, seed=3, dtype=dtype)
    model.compile(optimizer=optimizer or nonlin.SGD(lr=0.05, momentum=0.9),
                  loss="cross_entropy", metrics=metrics)
    return model


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as error:  # noqa: BLE001 (compared with a fresh call's)
        return type(error), str(error)


def _runs(make: Callable[[], nonlin.Sequential], edit: Callable[[nonlin.Sequential], Any],
          fresh: bool, sizes: tuple[int, ...] = (8, 8, 8, 8)) -> tuple[list[Any], list[bytes]]:
    """Calls on batches of ``sizes``, ``edit`` before the third; ``fresh``: nothing kept
    between calls (every call checks and resolves everything, as the first)."""
    X, y = _data(sum(sizes))
    model, results, start = make(), [], 0
    for i, m in enumerate(sizes):
        if i == 2:
            results.append(_outcome(lambda: edit(model) and None))  # not the model built
        if fresh:
            _forget_kept()
        rows = slice(start, start + m)
        start += m
        results.append(_outcome(lambda rows=rows: model.train_on_batch(
            X[rows], y[rows], return_dict=True)))
        results.append(_outcome(lambda rows=rows: model.test_on_batch(  # evaluate's checks
            X[rows], y[rows], return_dict=True)))  # kept too
    return results, [np.ascontiguousarray(w).tobytes() for w in model.get_weights()]


def _set(obj_of: Callable[[nonlin.Sequential], Any], name: str, value: Any) -> Any:
    return lambda model: setattr(obj_of(model), name, value)


def _other_model_steps(model: nonlin.Sequential) -> None:
    """Another model steps this model's optimizer (its slots then belong to that one)."""
    other = _model(optimizer=model.optimizer)
    X, y = _data(8, seed=1)
    other.train_on_batch(X, y)


def _other_models_state_loaded(model: nonlin.Sequential) -> None:
    """State made for other shapes, loaded: checked before the step changes anything."""
    other = _model(optimizer=type(model.optimizer)(), layers=[nonlin.Dense(5), nonlin.Dense(3)])
    X, y = _data(8, seed=1)
    other.train_on_batch(X, y)
    model.optimizer.load_state_dict(other.optimizer.state_dict())


def _swap_layer(model: nonlin.Sequential) -> None:
    model.layers[1] = nonlin.Tanh()


def _rebuild_layer(model: nonlin.Sequential) -> None:
    model.layers[0] = nonlin.Dense(8)


def _layer_built_by_hand(model: nonlin.Sequential) -> None:
    model.layers[2].build(8, np.random.default_rng(1))  # its own new weights, unseen


EDITS: dict[str, Callable[[nonlin.Sequential], Any]] = {
    "nothing": lambda model: None,
    "new optimizer": lambda model: model.compile(nonlin.Adam(lr=0.01), "cross_entropy"),
    "same optimizer, new loss": lambda model: model.compile(
        model.optimizer, nonlin.CrossEntropy(label_smoothing=0.1)),
    "metrics compiled": lambda model: model.compile(model.optimizer, model.loss,
                                                    metrics=["accuracy"]),
    "momentum set": _set(lambda m: m.optimizer, "momentum", 0.5),
    "momentum refused": _set(lambda m: m.optimizer, "momentum", 1.5),
    "nesterov refused": _set(lambda m: m.optimizer, "nesterov", "yes"),
    "ema needs a slot": _set(lambda m: m.optimizer, "use_ema", True),
    "clipnorm set": _set(lambda m: m.optimizer, "clipnorm", 0.01),
    "both clips refused": lambda m: (setattr(m.optimizer, "clipnorm", 1.0),
                                     setattr(m.optimizer, "clipvalue", 1.0)),
    "loss option set": _set(lambda m: m.loss, "label_smoothing", 0.2),
    "loss option refused": _set(lambda m: m.loss, "label_smoothing", float("nan")),
    "loss reduction none": _set(lambda m: m.loss, "reduction", "none"),
    "loss from_logits": _set(lambda m: m.loss, "from_logits", True),
    "layer frozen (momentum: refused)": _set(lambda m: m.layers[0], "trainable", False),
    "l2 set": _set(lambda m: m.layers[0], "l2", 0.05),
    "layer added": lambda model: model.add(nonlin.Dense(3)),
    "activation swapped": _swap_layer,
    "layer replaced": _rebuild_layer,
    "layer built by hand": _layer_built_by_hand,
    "built again": lambda model: model.build(6, seed=4),
    "built again in float32": lambda model: model.build(6, seed=4, dtype=np.float32),
    "another model steps the optimizer": _other_model_steps,
    "another model's optimizer state loaded": _other_models_state_loaded,
    "optimizer state loaded": lambda model: model.optimizer.load_state_dict(
        model.optimizer.state_dict()),
}


def _stateful_model() -> nonlin.Sequential:
    layers = [nonlin.Dense(8, l2=1e-3), nonlin.BatchNorm(), nonlin.Dropout(0.3), nonlin.ReLU(),
              nonlin.Dense(3), nonlin.Softmax()]
    return _model(optimizer=nonlin.Adam(lr=0.01), metrics=["accuracy"], layers=layers)


STATEFUL_EDITS: dict[str, Callable[[nonlin.Sequential], Any]] = {
    **EDITS,
    "model's generator replaced": lambda m: setattr(m, "rng", np.random.default_rng(9)),
    "dropout's generator replaced": lambda m: setattr(m.layers[2], "rng",
                                                      np.random.default_rng(5)),
    "dropout rate set": _set(lambda m: m.layers[2], "rate", 0.6),
    "batch norm frozen": _set(lambda m: m.layers[1], "trainable", False),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_call_after_a_change_is_a_fresh_call(edit: str) -> None:
    kept = _runs(_model, EDITS[edit], fresh=False)
    assert kept == _runs(_model, EDITS[edit], fresh=True)


@pytest.mark.parametrize("edit", sorted(STATEFUL_EDITS))
def test_a_call_after_a_change_is_a_fresh_call_with_state(edit: str) -> None:
    """Batch norm, dropout (the model's generator), l2, Adam's slots, a metric."""
    kept = _runs(_stateful_model, STATEFUL_EDITS[edit], fresh=False)
    assert kept == _runs(_stateful_model, STATEFUL_EDITS[edit], fresh=True)


def _dense_head_model() -> nonlin.Sequential:
    return _model(layers=[nonlin.Dense(8, activation="relu"),
                          nonlin.Dense(3, activation="softmax")])


HEAD_EDITS: dict[str, Callable[[nonlin.Sequential], Any]] = {
    "output activation none": _set(lambda m: m.layers[-1], "activation", None),
    "output activation sigmoid": _set(lambda m: m.layers[-1], "activation", "sigmoid"),
    "output activation relu": _set(lambda m: m.layers[-1], "activation", "relu"),
    "hidden activation tanh": _set(lambda m: m.layers[0], "activation", "tanh"),
}


@pytest.mark.parametrize("edit", sorted(HEAD_EDITS))
def test_an_output_activation_set_by_hand_is_a_fresh_call(edit: str) -> None:
    """The last Dense's activation chooses the fused output path the kept loop holds."""
    kept = _runs(_dense_head_model, HEAD_EDITS[edit], fresh=False)
    assert kept == _runs(_dense_head_model, HEAD_EDITS[edit], fresh=True)


def test_a_frozen_layer_without_optimizer_state_is_a_fresh_call() -> None:
    def make() -> nonlin.Sequential:
        return _model(optimizer=nonlin.SGD(lr=0.05))

    edit = EDITS["layer frozen (momentum: refused)"]
    assert _runs(make, edit, fresh=False) == _runs(make, edit, fresh=True)


def _top_class_rate(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """A metric that does not stream: the loop keeps the epoch's outputs for it."""
    return float(np.mean(np.argmax(y_pred, axis=1) == y_true))


@pytest.mark.parametrize("sizes", [(8, 8, 8, 8), (8, 8, 5, 8), (4, 8, 8, 3)])
@pytest.mark.parametrize("weighted", [False, True])
def test_batches_of_other_sizes_and_weights(sizes: tuple[int, ...], weighted: bool) -> None:
    """The loop kept is made anew for a batch of another size, or with weights."""
    def edit(model: nonlin.Sequential) -> None:
        pass

    def make() -> nonlin.Sequential:  # a function's metric reads the outputs kept (store)
        return _model(metrics=["accuracy", "mae", _top_class_rate])

    X, y = _data(sum(sizes))
    w = np.linspace(0.5, 2.0, len(y))

    def run(fresh: bool) -> list[Any]:
        model, out, start = make(), [], 0
        for i, m in enumerate(sizes):
            if fresh:
                _forget_kept()
            rows = slice(start, start + m)
            start += m
            weights = w[rows] if weighted and i % 2 else None
            out.append(model.train_on_batch(X[rows], y[rows], sample_weight=weights,
                                            return_dict=True))
            out.append(model.test_on_batch(X[rows], y[rows], sample_weight=weights))
        return [out, [v.tobytes() for v in model.get_weights()]]

    assert run(False) == run(True)


def test_calls_give_fit_bits_on_the_concatenated_batches() -> None:
    """The docstring's promise through the kept loop: batches b_1, ..., b_k give fit's bits
    with batch_size=len(b_i), shuffle=False, epochs=1 (dropout, batch norm, l2, Adam)."""
    X, y = _data(40)
    by_calls, by_fit = _stateful_model(), _stateful_model()
    for start in range(0, 40, 8):
        by_calls.train_on_batch(X[start:start + 8], y[start:start + 8])
    by_fit.fit(X, y, batch_size=8, shuffle=False, epochs=1, verbose=0)
    for a, b in zip(by_calls.get_weights(), by_fit.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    assert by_calls.history is None


def test_divergence_leaves_the_model_as_before_and_the_next_call_trains() -> None:
    model = _stateful_model()
    X, y = _data(8)
    model.train_on_batch(X, y)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(nonlin.DivergenceError, match="in train_on_batch"):
        model.train_on_batch(X * 1e300, y)
    for a, b in zip(model.get_weights(), before, strict=True):
        assert a.tobytes() == b.tobytes()
    assert np.isfinite(model.train_on_batch(X, y)).all()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_dropped_model_is_not_kept_alive() -> None:
    model = _stateful_model()
    X, y = _data(8)
    model.train_on_batch(X, y)
    model.train_on_batch(X, y)
    gone = weakref.ref(model)
    del model
    gc.collect()
    assert gone() is None


def _calls_per_call(metrics: Any) -> float:
    rng = np.random.default_rng(0)
    X, y = rng.random((128, 20)), rng.integers(0, 3, 128)
    model = nonlin.Sequential([nonlin.Dense(16), nonlin.ReLU(), nonlin.Dense(3),
                               nonlin.Softmax()]).build(20, seed=0)
    model.compile(optimizer=nonlin.SGD(lr=0.01, momentum=0.9), loss="cross_entropy",
                  metrics=metrics)
    for _ in range(3):
        model.train_on_batch(X, y)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(20):
        model.train_on_batch(X, y)
    profile.disable()
    return pstats.Stats(profile).total_calls / 20  # type: ignore[attr-defined]


@pytest.mark.parametrize(("metrics", "bound"), [(None, 220), (["accuracy"], 250)])
def test_python_calls_per_train_on_batch_are_bounded(metrics: Any, bound: int) -> None:
    """~850 Python calls per call before the kept state (fit's step: ~110): the checks,
    the loop, the callback list and the SIGINT handler's enum conversions made anew
    (~200 with them kept, and ~10 for releasing the cached batch: nonlin._layer_caches)."""
    assert _calls_per_call(metrics) <= bound


def test_python_calls_per_test_on_batch_after_train_on_batch_are_bounded() -> None:
    """evaluate's checks of the model and loss (~280 calls before, ~190 with them kept)."""
    rng = np.random.default_rng(0)
    X, y = rng.random((128, 20)), rng.integers(0, 3, 128)
    model = nonlin.Sequential([nonlin.Dense(16), nonlin.ReLU(), nonlin.Dense(3),
                               nonlin.Softmax()]).build(20, seed=0)
    model.compile(optimizer=nonlin.SGD(lr=0.01, momentum=0.9), loss="cross_entropy")
    model.train_on_batch(X, y)
    model.test_on_batch(X, y)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(20):
        model.test_on_batch(X, y)
    profile.disable()
    assert pstats.Stats(profile).total_calls / 20 <= 210  # type: ignore[attr-defined]


class _CtrlCInForward(nonlin.ReLU):
    """A ReLU that sends this process SIGINT from its training forward pass, when armed."""

    armed = False

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if training and self.armed:
            os.kill(os.getpid(), signal.SIGINT)
        return super().forward(x, training=training)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to this process")
def test_ctrl_c_in_a_kept_call_ends_the_step_then_raises() -> None:
    """The guard installed per call (through signal's C functions): a Ctrl-C within the
    step is deferred to its end (the weights updated), then KeyboardInterrupt; the handler
    before the call is back, and the next call trains as a fresh one."""
    def run(fresh: bool) -> list[bytes]:
        relu = _CtrlCInForward()
        model = _model(layers=[nonlin.Dense(8), relu, nonlin.Dense(3), nonlin.Softmax()])
        X, y = _data(8)
        model.train_on_batch(X, y)
        model.train_on_batch(X, y)
        before = [w.tobytes() for w in model.get_weights()]
        relu.armed = True
        if fresh:
            _forget_kept()
        with pytest.raises(KeyboardInterrupt):
            model.train_on_batch(X, y)
        relu.armed = False
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert [w.tobytes() for w in model.get_weights()] != before  # the step ran to its end
        if fresh:
            _forget_kept()
        model.train_on_batch(X, y)
        return [w.tobytes() for w in model.get_weights()]

    assert run(False) == run(True)


def test_data_frame_columns_are_checked_at_each_call() -> None:
    pd = pytest.importorskip("pandas")

    def run(fresh: bool) -> list[Any]:
        X, y = _data(16)
        frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
        model, out = _model(), []
        for columns in (frame.columns, frame.columns, [f"g{i}" for i in range(6)]):
            if fresh:
                _forget_kept()
            batch = frame.set_axis(columns, axis=1)
            out.append(_outcome(lambda batch=batch: model.train_on_batch(batch, y)))
            out.append(_outcome(lambda batch=batch: model.test_on_batch(batch, y)))
        return out

    kept = run(False)
    assert kept == run(True)
    assert kept[-1][0] is ValueError and "feature names" in kept[-1][1]
