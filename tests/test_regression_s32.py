"""Review s32 of regression on tabular data: a divergence caused by large targets (or by a
Poisson loss under a linear output) says so,
R2Score takes Keras 3's variance-weighted aggregation, ``nonlin train``'s final scores keep
the digits of a small-scale target, and ``--task auto`` notes counts it takes as classes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import write_csv
from nonlin import cli
from nonlin.cli_train_model import format_scores
from nonlin.metrics import R2Score, get_metric

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def _prices(scale: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    return X, (X @ np.array([1.0, -2.0, 0.5]) + 2.0) * scale


# -- 1. the divergence of a regression on unscaled targets names them ------------------------
def test_divergence_with_large_targets_names_them_and_says_to_standardize() -> None:
    X, y = _prices(1e5)  # house prices
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(1)])
    with pytest.raises(nonlin.DivergenceError, match="Lower the learning rate") as info:
        model.fit(X, y, loss="mse", optimizer=nonlin.SGD(0.1), epochs=3, seed=0, verbose=0)
    message = str(info.value)
    assert f"|y| = {np.abs(y).max():.3g}" in message
    assert "standardize them" in message and "predictions * std + mean" in message


def test_divergence_under_an_inverted_normalization_has_no_target_hint() -> None:
    """A model ending in Normalization(invert=True) adapted on y (Keras 3's way) outputs
    the targets' scale: its divergence is the learning rate's, as the message said before."""
    X, y = _prices(1e5)
    scale = nonlin.Normalization(invert=True)
    scale.adapt(y.reshape(-1, 1))
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(1), scale])
    with pytest.raises(nonlin.DivergenceError, match="Lower the learning rate") as info:
        model.fit(X, y, loss="mse", optimizer=nonlin.SGD(0.1), epochs=3, seed=0, verbose=0)
    assert "targets reach" not in str(info.value)


def test_divergence_with_small_targets_or_labels_has_no_target_hint() -> None:
    """Guard (passes before and after): the hint is for large real-valued targets only."""
    X, y = _prices(1.0)
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(1)])
    with pytest.raises(nonlin.DivergenceError) as info:
        model.fit(X * 1e3, y, loss="mse", optimizer=nonlin.SGD(10.0), epochs=3, seed=0,
                  verbose=0)
    assert "targets reach" not in str(info.value)
    labels = (np.arange(200) % 300).astype(np.int64) % 3
    classifier = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(3),
                                    nonlin.Softmax()])
    with pytest.raises(nonlin.DivergenceError) as info:
        classifier.fit(X * 1e6, labels, loss="cross_entropy", optimizer=nonlin.SGD(1e6),
                       epochs=3, seed=0, verbose=0)
    assert "targets reach" not in str(info.value)


def test_poisson_nan_from_a_linear_output_names_the_last_layer_not_the_data() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(100, 3)), rng.poisson(3.0, size=100).astype(float)  # demand counts
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(1)])
    with pytest.warns(UserWarning, match="Poisson takes rates"), \
            pytest.raises(nonlin.DivergenceError) as info:
        model.fit(X, y, loss="poisson", optimizer="adam", epochs=2, seed=0, verbose=0)
    message = str(info.value)
    assert "Dense (layers[2])" in message and "Exp() (the log link) or Softplus()" in message
    assert "the data (x or y)" not in message and "learning rate" not in message
    assert info.value.epoch == 0 and info.value.batch == 0
    rates = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(1), nonlin.Softplus()])
    rates.fit(X, y, loss="poisson", optimizer="adam", epochs=2, seed=0, verbose=0)  # trains


# -- 2. R2Score(class_aggregation=...) ---------------------------------------------------------
def _outputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.normal(size=(50, 3)) * np.array([1.0, 10.0, 100.0]) + np.array([0.0, 5.0, 1e3])
    p = y + rng.normal(size=(50, 3)) * np.array([0.5, 3.0, 10.0])
    return y, p, rng.uniform(0.1, 2.0, 50)


def test_r2_variance_weighted_is_scikit_learns_whole_weighted_and_streamed() -> None:
    y, p, w = _outputs()
    metric = R2Score(class_aggregation="variance_weighted_average")
    expected = sklearn_metrics.r2_score(y, p, multioutput="variance_weighted")
    assert expected - sklearn_metrics.r2_score(y, p) > 0.1  # the two aggregations differ here
    assert metric(y, p) == pytest.approx(expected, rel=1e-12)
    weighted = sklearn_metrics.r2_score(y, p, sample_weight=w, multioutput="variance_weighted")
    assert metric(y, p, sample_weight=w) == pytest.approx(weighted, rel=1e-12)
    metric.reset_state()
    for start in range(0, 50, 7):
        rows = slice(start, start + 7)
        metric.update_state(y[rows], p[rows], sample_weight=w[rows])
    assert metric.result() == pytest.approx(weighted, rel=1e-12)
    # the default stays the uniform mean, scikit-learn's and Keras' default
    assert get_metric("r2")(y, p) == pytest.approx(sklearn_metrics.r2_score(y, p), rel=1e-12)


def test_r2_variance_weighted_constant_outputs_weigh_nothing() -> None:
    y, p, _ = _outputs()
    y[:, 0] = 3.0  # a constant output, not predicted exactly: no weight in the average
    metric = R2Score(class_aggregation="variance_weighted_average")
    assert metric(y, p) == pytest.approx(
        sklearn_metrics.r2_score(y, p, multioutput="variance_weighted"), rel=1e-9)
    constant = np.full((10, 2), 4.0)  # every output constant: the plain mean, as scikit-learn
    assert metric(constant, constant) == 1.0
    assert metric(constant, constant + np.array([0.0, 1.0])) == 0.5


def test_r2_class_aggregation_is_checked_and_kept_in_the_config() -> None:
    for bad in (None, "raw_values", "variance_weighted", 1):
        with pytest.raises(ValueError, match="class_aggregation"):
            R2Score(class_aggregation=bad)  # type: ignore[arg-type]
    assert R2Score().get_config() == {"name": "r2"}  # files of before: as they were
    config = R2Score(class_aggregation="variance_weighted_average").get_config()
    assert R2Score(**config).class_aggregation == "variance_weighted_average"


def test_fit_logs_the_variance_weighted_r2(tmp_path: Path) -> None:
    y, _, _ = _outputs()
    X = np.random.default_rng(1).normal(size=(50, 2))
    model = nonlin.Sequential([nonlin.Dense(3)])
    model.compile(optimizer=nonlin.SGD(0.0), loss="mse",
                  metrics=[R2Score(name="r2vw", class_aggregation="variance_weighted_average")])
    model.fit(X, y, epochs=1, seed=0, verbose=0)
    expected = sklearn_metrics.r2_score(y, model.predict(X), multioutput="variance_weighted")
    assert model.history.history["r2vw"][0] == pytest.approx(expected, rel=1e-9)
    model.save(tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.evaluate(X, y)["r2vw"] == pytest.approx(expected, rel=1e-6)


# -- 3. nonlin train's final scores of a small-scale target -----------------------------------
def test_final_scores_keep_the_digits_of_small_values() -> None:
    text = format_scores({"training": {"rows": 240, "loss": 0.0009, "rmse": 4.4e-6,
                                       "mae": 3.397e-6, "r2": 0.9983}})
    assert "rmse 4.4e-06" in text and "mae 3.397e-06" in text and "0.0000" not in text
    assert "loss 0.0009" in text and "r2 0.9983" in text
    large = format_scores({"training": {"rows": 3, "rmse": 2.5e7, "accuracy": 0.0, "r2": None}})
    assert "rmse 2.5e+07" in large and "accuracy 0.0000" in large and "r2 n/a" in large


def test_train_prints_a_sensor_targets_rmse_in_its_units(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 2))
    t = 1e-5 * (X[:, 0] + 0.5 * X[:, 1])
    rows = [[repr(float(v)) for v in (*x, c)] for x, c in zip(X, t, strict=True)]
    data = write_csv(tmp_path / "sensor.csv", ["a", "b", "t"], rows)
    assert cli.main(["train", str(data), "--target", "t", "--epochs", "2", "--quiet",
                     "--out", str(tmp_path / "m.safetensors")]) == 0
    out = capsys.readouterr().out
    final = [line for line in out.splitlines() if line.startswith("final training")][0]
    rmse = float(final.split("rmse ")[1].split()[0])
    assert 0 < rmse < 1e-4, final


# -- 4. --task auto and counts -----------------------------------------------------------------
def _counts_csv(tmp_path: Path, values: np.ndarray) -> Path:
    rng = np.random.default_rng(2)
    rows = [[f"{rng.normal():.4f}", f"{rng.normal():.4f}", str(int(v))] for v in values]
    return write_csv(tmp_path / "demand.csv", ["a", "b", "units"], rows)


def test_auto_task_notes_counts_it_takes_as_classes(tmp_path: Path, capsys) -> None:
    counts = np.array([0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 17] * 6)  # skips values: counts
    data = _counts_csv(tmp_path, counts)
    assert cli.main(["train", str(data), "--target", "units", "--epochs", "1", "--quiet",
                     "--out", str(tmp_path / "m.safetensors")]) == 0
    err = capsys.readouterr().err
    assert "'units' holds 11 distinct integers from 0 to 17, taken as classes" in err
    assert "--task regression" in err


def test_auto_task_labels_of_consecutive_integers_get_no_note(tmp_path: Path, capsys) -> None:
    """Guard (passes before and after): labels 0..k-1 and an explicit --task stay quiet."""
    data = _counts_csv(tmp_path, np.arange(60) % 4)
    assert cli.main(["train", str(data), "--target", "units", "--epochs", "1", "--quiet",
                     "--out", str(tmp_path / "m.safetensors")]) == 0
    assert "taken as classes" not in capsys.readouterr().err
    data = _counts_csv(tmp_path, np.array([0, 2, 5] * 20))
    assert cli.main(["train", str(data), "--target", "units", "--epochs", "1", "--quiet",
                     "--task", "classification", "--out", str(tmp_path / "m.safetensors")]) == 0
    assert "taken as classes" not in capsys.readouterr().err
