"""Session 24 review of the checks for components of one's own (s24-extend24): what they
must not refuse or warn about."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin.losses import Loss


class _SumLoss(Loss):
    """A loss of one's own whose class body sets its reduction."""

    reduction = "sum"

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return ((y_pred - y_true) ** 2).sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray,
                    out: np.ndarray) -> np.ndarray:
        np.multiply(y_pred - y_true, 2.0, out=out)
        return out


def test_explicit_mean_overrides_a_class_body_reduction() -> None:
    assert _SumLoss().reduction == "sum"  # not given: the class's own
    assert _SumLoss(reduction="mean").reduction == "mean"  # given: the loss's, as Keras'
    loss = _SumLoss()
    loss.reduction = "mean"
    assert type(loss)(**loss.get_config()).reduction == "mean"  # its config rebuilds it


def _own_init(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """An initializer of one's own drawing from the generator it is given, as asked."""
    return rng.normal(0.0, 0.1, size=(fan_in, fan_out))


def _built(seed: object, init: object) -> list[warnings.WarningMessage]:
    model = nonlin.Sequential([nonlin.Dense(3, init=init), nonlin.Dense(1, init=init)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.build(2, seed=seed)
    return [w for w in caught if "global random state" in str(w.message)]


def test_generator_on_the_global_stream_is_not_warned_about() -> None:
    # random_state=None in scikit-learn's sense: a stream on NumPy's global bit generator
    shared = np.random.mtrand._rand._bit_generator
    for seed in (np.random.Generator(shared), np.random.RandomState(shared)):
        for init in (_own_init, "glorot_uniform"):
            assert _built(seed, init) == []


class _Busy(np.random.Generator):
    """A generator whose draws come while NumPy's global state moves: another thread drawing
    from ``np.random`` meanwhile (a threaded grid search), made deterministic."""

    def uniform(self, *args: object, **kwargs: object) -> np.ndarray:  # type: ignore[override]
        np.random.random()  # noqa: NPY002 (the other thread's draw)
        return super().uniform(*args, **kwargs)  # type: ignore[arg-type]

    def normal(self, *args: object, **kwargs: object) -> np.ndarray:  # type: ignore[override]
        np.random.random()  # noqa: NPY002
        return super().normal(*args, **kwargs)  # type: ignore[arg-type]


def test_nonlins_initializers_are_not_warned_about_for_another_threads_draw() -> None:
    state = np.random.get_state()  # noqa: NPY002 (restored: the test leaves it as it was)
    try:
        for init in ("glorot_uniform", "he_normal", nonlin.initializers_keras.GlorotNormal()):
            assert _built(_Busy(np.random.PCG64(0)), init) == []
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _python_calls(function: Callable[[], object]) -> int:
    calls = [0]

    def count(frame: object, event: str, arg: object) -> None:
        calls[0] += event == "call"

    sys.setprofile(count)
    try:
        function()
    finally:
        sys.setprofile(None)
    return calls[0]


def test_a_builtin_schedules_rate_costs_no_python_call_beyond_the_schedules() -> None:
    schedule = nonlin.schedules.ExponentialDecay(lr=0.1, decay_steps=3, decay_rate=0.9)
    optimizer = nonlin.optimizers.SGD(lr=schedule)
    optimizer.iterations = 5
    assert optimizer.current_lr() == schedule(5)
    # current_lr, then the schedule (as the lambda, then it): no check per step for a float
    assert _python_calls(optimizer.current_lr) == _python_calls(lambda: schedule(5))


class _EveryBatch(nonlin.callbacks.Callback):
    """A callback reading the batch logs, so that fit builds them at every step."""

    def on_train_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
        assert logs is not None and isinstance(logs["accuracy"], float)


def _checks_made(batch_size: int, source: bool) -> int:
    """The calls of the one-number checks in a fit of 16 rows in batches of ``batch_size``."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)), rng.integers(0, 2, 16)
    model = nonlin.Sequential([nonlin.Dense(2, activation="softmax")]).build(3, seed=0)
    data: Any = x
    if source:  # a generator of batches: fit's other loop (_source_loop)
        data = ((x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, 16, batch_size))
    calls = [0]

    def count(frame: Any, event: str, arg: object) -> None:
        calls[0] += event == "call" and frame.f_code.co_name in ("result_of", "one_number")

    sys.setprofile(count)
    try:
        model.fit(data, None if source else y, loss="sparse_categorical_crossentropy",
                  optimizer="sgd", metrics=["accuracy"], batch_size=None if source else batch_size,
                  epochs=1, verbose=0, callbacks=[_EveryBatch()])
    finally:
        sys.setprofile(None)
    return calls[0]


def test_a_builtin_metrics_batch_logs_cost_no_check_call_per_step() -> None:
    for source in (False, True):
        assert _checks_made(2, source) == _checks_made(8, source)


def test_train_on_batch_with_a_builtin_metric_makes_no_check_call() -> None:
    rng = np.random.default_rng(0)
    model = nonlin.Sequential([nonlin.Dense(2, activation="softmax")]).build(3, seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    x, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    model.train_on_batch(x, y)  # the first step's checks done
    calls = [0]

    def count(frame: Any, event: str, arg: object) -> None:
        calls[0] += event == "call" and frame.f_code.co_name in ("result_of", "one_number")

    sys.setprofile(count)
    try:
        model.train_on_batch(x, y)
    finally:
        sys.setprofile(None)
    assert calls[0] == 0


def _global_draw(rng: object, fan_in: int, fan_out: int) -> np.ndarray:
    """The classic mistake: NumPy's global random state, not the generator given."""
    return np.random.normal(0.0, 0.1, size=(fan_in, fan_out))  # noqa: NPY002


def test_a_pcg64_global_bit_generator_is_read_not_a_key_error() -> None:
    kept = np.random.get_bit_generator()  # noqa: NPY002 (restored below)
    np.random.set_bit_generator(np.random.PCG64(0))  # noqa: NPY002 (NumPy's own API)
    try:
        assert _built(np.random.default_rng(0), _own_init) == []
        assert len(_built(np.random.default_rng(0), _global_draw)) == 2  # one per Dense
    finally:
        np.random.set_bit_generator(kept)  # noqa: NPY002


class _ToList(nonlin.core.Layer):
    """A layer of one's own whose forward gives no array (a list)."""

    def build(self, n_features: int, rng: object) -> int:
        return n_features

    def parameters(self) -> list[Any]:
        return []

    def forward(self, x: np.ndarray, *, training: bool = False) -> Any:
        return (x * 2).tolist()

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * 2


def test_a_layer_giving_no_array_gets_the_next_layers_error_at_the_first_step() -> None:
    rng = np.random.default_rng(0)
    model = nonlin.Sequential([nonlin.Dense(3), _ToList(), nonlin.Dense(1)]).build(3, seed=0)
    with pytest.raises(TypeError, match="Expected a NumPy array for Dense.forward"):
        model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 1)), loss="mse",
                  optimizer="sgd", epochs=1, verbose=0)


class _GeneratorSGD(nonlin.optimizers.Optimizer):
    """An optimizer of one's own whose ``_deltas`` gives a generator, not a list."""

    _slot_names = ()

    def _deltas(self, params: list[Any], lr: float) -> Any:
        return (-lr * p.grad for p in params)


def test_deltas_as_a_generator_are_refused_naming_the_optimizer() -> None:
    rng = np.random.default_rng(0)
    model = nonlin.Sequential([nonlin.Dense(1)]).build(3, seed=0)
    with pytest.raises(TypeError, match=r"Expected _GeneratorSGD._deltas to return a list"):
        model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 1)), loss="mse",
                  optimizer=_GeneratorSGD(0.1), epochs=1, verbose=0)
