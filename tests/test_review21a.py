"""Session 21's hostile review of the merged schedule audit (float ``warmup_steps``,
``OneCycle``'s PyTorch keywords) and model API audit (``compile``'s Keras keywords,
``model_from_json``); each test failed on the code as merged."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin.schedules import CosineDecay, OneCycle, PiecewiseConstantDecay, PolynomialDecay

DENSE = '{"class_name": "Dense", "config": {"units": 2}}'


def described(**fields: str) -> str:
    """The JSON of a one-Dense model, with ``fields`` (JSON text) added to its config."""
    extra = "".join(f', "{k}": {v}' for k, v in fields.items())
    return f'{{"class_name": "Sequential", "config": {{"layers": [{DENSE}]{extra}}}}}'


# -- model_from_json: every hostile text is a ValueError, as documented ---------------------
@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,  # json.loads: RecursionError
    described(name="[" * 500 + "]" * 500),  # read, but deeper than a model file may nest
    described(name='"\\ud800"'),  # a lone surrogate: a name that cannot be printed
], ids=["recursion", "deeper_than_a_file", "lone_surrogate"])
def test_model_from_json_refuses_what_load_refuses_with_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="Expected the JSON text of model.to_json"):
        nonlin.model_from_json(text)


@pytest.mark.parametrize(("fields", "named"), [
    ({"name": "5"}, "name=5"),
    ({"n_features_in": "true"}, "n_features=True"),
    ({"n_features_in": "3", "dtype": "5"}, "dtype=5"),
    ({"n_features_in": "3", "dtype": '"nonsense"'}, "dtype='nonsense'"),
])
def test_model_from_json_a_field_of_the_wrong_type_is_a_value_error(
        fields: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match="Expected the config of model.to_json") as info:
        nonlin.model_from_json(described(**fields))
    assert named in str(info.value)


def test_model_from_json_a_wrong_seed_stays_the_callers_type_error() -> None:
    with pytest.raises(TypeError, match="seed"):
        nonlin.model_from_json(described(n_features_in="3"), seed="x")
    model = nonlin.model_from_json(described(n_features_in="3"), seed=7)
    twin = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=7)
    assert np.array_equal(model.get_weights()[0], twin.get_weights()[0])


@pytest.mark.parametrize("dtype", [5, "nonsense", object()])
def test_build_names_a_dtype_numpy_cannot_read(dtype: object) -> None:
    with pytest.raises(TypeError, match=r"Expected dtype float32 or float64\. Received: dtype="):
        nonlin.Sequential([nonlin.Dense(2)]).build(3, dtype=dtype)


# -- schedules: huge integers -------------------------------------------------------------
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_cosine_decay_with_a_float_warmup_takes_any_step_as_an_integer_warmup_does(
        alpha: float) -> None:
    huge = 10**400  # step - 2.5 overflowed float64: OverflowError where warmup_steps=2 gives
    final = CosineDecay(0.1, 10, alpha, warmup_steps=2)(huge)  # the final rate
    assert CosineDecay(0.1, 10, alpha, warmup_steps=2.5)(huge) == final == 0.1 * alpha
    for step in range(16):  # unchanged where it computed, bit for bit
        cosine = 0.5 * (1.0 + math.cos(math.pi * min(step - 2.5, 10) / 10))
        assert CosineDecay(0.1, 10, alpha, warmup_steps=2.5)(step) == (
            0.0 + (0.1 - 0.0) * (step / 2.5) if step < 2.5 else
            0.1 * ((1.0 - alpha) * cosine + alpha))


def test_cosine_decay_warmup_steps_message_says_finite() -> None:
    with pytest.raises(ValueError, match=r"float >= 0, finite .* Received: warmup_steps=inf"):
        CosineDecay(0.1, 10, warmup_steps=float("inf"))


@pytest.mark.parametrize("steps", [
    {"total_steps": 2**1024 - 2**969},  # rounds up to 2**1024 as a float
    {"total_steps": 10**5000},  # beyond the 4300 digits str() writes
    {"epochs": 10**200, "steps_per_epoch": 10**200},
], ids=["float_rounding", "digits", "epochs"])
def test_one_cycle_total_steps_beyond_float64_is_a_value_error(steps: dict[str, int]) -> None:
    # the epochs form names the two given (review22a), not total_steps
    with pytest.raises(ValueError, match=r"Expected (total_steps|epochs \* steps_per_epoch) "
                                         r"that float64 holds.* bits"):
        OneCycle(0.1, **steps)  # OverflowError before (float(pct_start * total_steps))
    assert OneCycle(0.1, 2**1023)(0) == pytest.approx(0.1 / 25.0)  # float64 holds it


# -- compile: Keras 3 keeps the loss and the metrics given None; loss_weights is a number ----
def compiled_classifier() -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(3, seed=0)
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    return model


def test_compile_without_metrics_keeps_the_model_metrics_as_its_loss() -> None:
    model = compiled_classifier()
    model.compile(optimizer=nonlin.Adam(1e-5))  # Keras 3: loss and metrics kept
    assert model.metrics_names == ["loss", "accuracy"]
    x = np.random.default_rng(0).normal(size=(8, 3))
    history = model.fit(x, (x[:, 0] > 0).astype(int), verbose=0)
    assert "accuracy" in history.history
    model.compile(optimizer="adam", metrics=[])  # [] drops them
    assert model.metrics_names == ["loss"]


@pytest.mark.parametrize("weights", ["1", np.True_, [np.True_], {"out": "1.0"}, b"1"])
def test_compile_loss_weights_must_be_the_number_one(weights: object) -> None:
    with pytest.raises(ValueError, match=r"Expected loss_weights=None \(or 1\.0\)"):
        compiled_classifier().compile("adam", "mse", loss_weights=weights)


@pytest.mark.parametrize("weights", [1, 1.0, np.float32(1), [1.0], (1,), {"dense": 1.0}])
def test_compile_takes_a_loss_weight_of_one_in_any_numeric_form(weights: object) -> None:
    compiled_classifier().compile("adam", "mse", loss_weights=weights)


def test_compile_takes_an_empty_dict_of_weighted_metrics_as_an_empty_list() -> None:
    model = compiled_classifier()
    model.compile("adam", "mse", weighted_metrics={})  # Keras takes a dict per output
    model.compile("adam", "mse", weighted_metrics=[])
    with pytest.raises(ValueError, match="weighted_metrics"):
        model.compile("adam", "mse", weighted_metrics={"out": ["mae"]})


# -- the guide: PyTorch's ConstantLR and LinearLR have counterparts --------------------------
def _torch_rates(make: object, n: int, lr: float = 0.1) -> list[float]:
    torch = pytest.importorskip("torch")
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=lr)
    scheduler = make(torch.optim.lr_scheduler, optimizer)  # type: ignore[operator]
    rates = []
    for _ in range(n):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


@pytest.mark.parametrize(("ours", "make"), [
    (PiecewiseConstantDecay([4], [0.1 / 3, 0.1]), lambda L, o: L.ConstantLR(o, 1 / 3, 5)),
    (PolynomialDecay(0.08, 10, 0.02), lambda L, o: L.LinearLR(o, 0.8, 0.2, 10)),
    (CosineDecay(0.06, 1, 1.0, 10, 0.02), lambda L, o: L.LinearLR(o, 0.2, 0.6, 10)),
], ids=["ConstantLR", "LinearLR_falls", "LinearLR_climbs"])
def test_guide_names_constant_and_linear_lr_counterparts(ours: object, make: object) -> None:
    guide = " ".join((Path(__file__).parents[1] / "docs" / "guide.md").read_text().split())
    assert "a `LinearLR` alone" not in guide  # it said they had none
    assert ("`ConstantLR(factor, total_iters)` is `PiecewiseConstantDecay([total_iters - 1], "
            "[factor * lr, lr])`") in guide
    assert ("`PolynomialDecay(start_factor * lr, total_iters, end_factor * lr)` when it "
            "falls") in guide
    assert "`CosineDecay(end_factor * lr, 1, 1.0, total_iters, start_factor * lr)`" in guide
    theirs = _torch_rates(make, 40)
    rates = [ours(step) for step in range(40)]  # type: ignore[operator]
    assert rates == pytest.approx(theirs, abs=1e-15)


# -- evaluate and predict: a call refused for its arguments runs no callback hook (Keras) ----
class Hooks(nonlin.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def on_test_begin(self, logs: object = None) -> None:
        self.calls.append("test_begin")

    def on_test_end(self, logs: object = None) -> None:
        self.calls.append("test_end")

    def on_predict_begin(self, logs: object = None) -> None:
        self.calls.append("predict_begin")

    def on_predict_end(self, logs: object = None) -> None:
        self.calls.append("predict_end")


def _batches(x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(x[i:i + 4], y[i:i + 4]) for i in range(0, len(x), 4)]


@pytest.mark.parametrize("call", [
    lambda m, x, y, cb: nonlin.Sequential([nonlin.Dense(2)]).evaluate(x, y, callbacks=cb),
    lambda m, x, y, cb: m.evaluate(x[:, :2], y, callbacks=cb),  # wrong width
    lambda m, x, y, cb: m.evaluate(x, y[:3], callbacks=cb),  # rows differ
    lambda m, x, y, cb: m.evaluate(x, y, batch_size=0, callbacks=cb),
    lambda m, x, y, cb: m.evaluate(x, y, steps=0, callbacks=cb),
    lambda m, x, y, cb: m.evaluate(iter(_batches(x, y)), y, callbacks=cb),  # y with a source
    lambda m, x, y, cb: m.evaluate(x, y, metrics=["no_such_metric"], callbacks=cb),
    lambda m, x, y, cb: nonlin.Sequential([nonlin.Dense(2)]).predict(x, callbacks=cb),
    lambda m, x, y, cb: m.predict(x[:, :2], callbacks=cb),
    lambda m, x, y, cb: m.predict(x, batch_size=-1, callbacks=cb),
    lambda m, x, y, cb: m.predict(x, steps=0, callbacks=cb),
    lambda m, x, y, cb: m.predict(iter(_batches(x, y)), batch_size=4, callbacks=cb),
], ids=["unbuilt", "width", "rows", "batch_size", "steps", "source_y", "metric",
        "predict_unbuilt", "predict_width", "predict_batch_size", "predict_steps",
        "predict_source_batch_size"])
def test_a_refused_evaluate_or_predict_runs_no_hook(call: object) -> None:
    model = compiled_classifier()
    x = np.random.default_rng(0).normal(size=(8, 3))
    y = (x[:, 0] > 0).astype(int)
    hooks = Hooks()
    with pytest.raises((TypeError, ValueError, RuntimeError)):
        call(model, x, y, [hooks])  # type: ignore[operator]
    assert hooks.calls == []  # Keras checks the data before on_test_begin/on_predict_begin
    model.evaluate(x, y, callbacks=[hooks])
    model.predict(iter(_batches(x, y)), callbacks=[hooks])
    assert hooks.calls == ["test_begin", "test_end", "predict_begin", "predict_end"]
