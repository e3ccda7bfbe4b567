"""Review s8 (command line): negative numbers as option values, Ctrl-C at start-up,
metrics named twice, Precision/Recall with a list of thresholds."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import cli
from nonlin.metrics import BinaryAccuracy, Precision, Recall, get_metrics


def _usage_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run ``nonlin ARGV`` in-process; it must stop in argparse with status 2 and one line."""
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("value", ["-1e-3", "-1E+2", "-inf", "-nan", "-.5e1", "-1_000.5", "-0.5"])
def test_a_negative_learning_rate_in_any_float_form_reaches_nonlins_check(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    line = _usage_error(capsys, ["train", "d.csv", "--target", "y", "--lr", value])
    assert "argument --lr: expected a" in line and f"received {value!r}" in line, line


@pytest.mark.parametrize(
    ("option", "value"),
    [("--epochs", "-3e2"), ("--val-split", "-1e-1"), ("--early-stopping", "-2e0"),
     ("--hidden", "-3,4"), ("--seed", "-inf"), ("--batch-size", "-1E3"), ("--dropout", "-.5e1")],
)
def test_every_numeric_option_takes_a_negative_number_as_its_value(
    capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    line = _usage_error(capsys, ["train", "d.csv", "--target", "y", option, value])
    assert f"argument {option}: expected a" in line and "received '-" in line, line
    line = _usage_error(capsys, ["xor", "--steps", value.split(",")[0]])
    assert "argument --steps: expected a positive integer" in line, line


@pytest.mark.parametrize("value", ["--epochs", "-h", "--quiet", "-x", "--lr"])
def test_an_option_where_a_value_belongs_is_not_taken_as_the_value(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    line = _usage_error(capsys, ["train", "d.csv", "--target", "y", "--lr", value, "3"])
    assert "argument --lr: expected one argument" in line, line


# -- 3. metrics named twice: Keras 3's suffixes (CompileMetrics.result) --------------
def _regression() -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).normal(size=(40, 3))
    return X, X.sum(axis=1, keepdims=True)


def test_a_metric_named_twice_is_logged_twice_with_keras_suffixes() -> None:
    X, y = _regression()
    model = nonlin.Sequential([nonlin.Dense(1)])
    history = model.fit(X, y, loss="mse", optimizer="sgd", epochs=2, verbose=0, seed=0,
                        metrics=["mae", "mae", "mae"], validation_split=0.25)
    logged = history.history
    assert [k for k in logged if "mae" in k] == [
        "mae", "mae_1", "mae_2", "val_mae", "val_mae_1", "val_mae_2"]
    assert logged["mae"] == logged["mae_1"] == logged["mae_2"]
    assert logged["val_mae"] == logged["val_mae_2"]
    results = model.evaluate(X, y, metrics=["mae", "mae"])
    assert results["mae"] == results["mae_1"]


def test_two_metric_objects_with_one_name_each_keep_their_own_value() -> None:
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(60, 2)), (rng.random(60) < 0.5).astype(float)
    loose, strict = BinaryAccuracy(0.2, name="hits"), BinaryAccuracy(0.8, name="hits")
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    logged = model.fit(X, y, loss="bce", optimizer="sgd", epochs=1, verbose=0, seed=0,
                       metrics=[loose, strict, loose]).history
    assert [k for k in logged if k.startswith("hits")] == ["hits", "hits_1", "hits_2"]
    results = model.evaluate(X, y, metrics=[loose, strict, loose])
    out = model.predict(X).ravel()
    assert results["hits"] == results["hits_2"] == np.mean((out > 0.2) == (y > 0.5))
    assert results["hits_1"] == np.mean((out > 0.8) == (y > 0.5))
    assert loose.name == strict.name == "hits"  # the user's objects are not renamed


def test_a_generated_suffix_does_not_overwrite_a_metric_named_so() -> None:
    hits, own = BinaryAccuracy(name="hits"), BinaryAccuracy(0.7, name="hits_1")
    metrics = get_metrics([hits, own, hits])
    assert [m.name for m in metrics] == ["hits", "hits_1", "hits_2"]
    assert metrics[1] is own and metrics[2].threshold == 0.5 and hits.name == "hits"


# -- 4. Precision / Recall with a list of thresholds -----------------------------------
@pytest.mark.parametrize("metric", [Precision, Recall])
def test_a_list_of_thresholds_is_refused_with_the_metric_to_write_instead(metric: type) -> None:
    # Keras 3's result() is then one value per threshold; a nonlin log is one number
    with pytest.raises(ValueError) as refused:
        metric(thresholds=[0.3, 0.5])
    message = str(refused.value)
    assert message.endswith("Received: thresholds=[0.3, 0.5]"), message
    assert f"e.g. {metric.__name__}(thresholds=0.3, name='{metric.name}_0.3')" in message


def test_one_metric_per_threshold_logs_each_under_its_name() -> None:
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(50, 2)), (rng.random(50) < 0.5).astype(float)
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    metrics = [Precision(thresholds=t, name=f"precision_{t}") for t in (0.3, 0.5)]
    logged = model.fit(X, y, loss="bce", optimizer="sgd", epochs=1, verbose=0, seed=0,
                       metrics=[*metrics, Recall(thresholds=0.3), Recall(thresholds=0.5)]).history
    assert {"precision_0.3", "precision_0.5", "recall", "recall_1"} <= set(logged)
    results = model.evaluate(X, y, metrics=[Recall(thresholds=0.3), Recall(thresholds=0.5)])
    out = model.predict(X).ravel()
    for key, threshold in (("recall", 0.3), ("recall_1", 0.5)):
        assert results[key] == pytest.approx(np.mean(out[y == 1] > threshold))


# -- every metric takes name=, as in Keras -------------------------------------
@pytest.mark.parametrize("cls", [nonlin.metrics.Accuracy, nonlin.metrics.MeanAbsoluteError,
                                 nonlin.metrics.MeanSquaredError,
                                 nonlin.metrics.RootMeanSquaredError,
                                 nonlin.metrics.MeanAbsolutePercentageError,
                                 nonlin.metrics.R2Score])
def test_accuracy_and_the_regression_metrics_take_a_name(cls) -> None:
    X, y = _regression()
    model = nonlin.Sequential([nonlin.Dense(1)]).build(3, seed=0)
    metric = cls(name="mine")
    assert metric.name == "mine" and metric.get_config()["name"] == "mine"
    history = model.fit(X, y, loss="mse", optimizer=nonlin.SGD(0.01), metrics=[metric],
                        epochs=1, verbose=0)
    assert "mine" in history.history
    with pytest.raises(TypeError, match="Received: name=3"):
        cls(name=3)
    assert cls().name == cls.name
