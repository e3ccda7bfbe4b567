"""Review of session 33's changes (review33a): resuming with ``--monitor val_loss``, the
pooled-metric warning for ``top_k``, and ``pd.NA`` in object columns."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import interrupt_after
from nonlin import cli
from nonlin.metrics import Precision, Recall


@pytest.fixture()
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2)).round(3)
    labels = np.where(X[:, 0] > 0.5, "fraud", "ok")
    rows = "".join(f"{a},{b},{label}\n" for (a, b), label in zip(X, labels, strict=True))
    (tmp_path / "d.csv").write_text("a,b,y\n" + rows)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "d.csv"


def test_resume_takes_monitor_val_loss_for_a_run_that_watched_the_default(
        data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a run without --monitor watched val_loss: naming it on resume is the same run
    from nonlin import cli_train_model

    run = ["train", "d.csv", "--target", "y", "--hidden", "3", "--quiet", "--epochs", "3",
           "--early-stopping", "2"]
    real = cli_train_model._callbacks
    monkeypatch.setattr(cli_train_model, "_callbacks",
                        lambda args: [*real(args), interrupt_after(0)])
    assert cli.main(run) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", real)
    assert cli.main([*run, "--resume", "model.checkpoint.safetensors",
                     "--monitor", "val_loss"]) == 0
    assert "monitor" not in nonlin.load("model.safetensors").metadata["training"]


@pytest.mark.parametrize("metric, warned", [
    (Recall(thresholds=0.7, top_k=1, name="m"), False),  # the top column above 0.7 only
    (Precision(thresholds=0.5, top_k=2, name="m"), True),  # top_k of both columns: none
    (Precision(thresholds=0.3, top_k=1, name="m"), True),  # the top column is >= 0.5
])
def test_pooled_warning_follows_top_k_with_a_threshold(metric: object, warned: bool) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = (X[:, 0] > 0).astype(int)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1,
                            verbose=0, seed=0, metrics=["accuracy", metric])
    pooled = any("reads the accuracy" in str(w.message) for w in caught)
    assert pooled == warned
    assert (history.history["m"] == history.history["accuracy"]) == warned  # what it reads


def test_pd_na_in_an_object_column_gets_the_missing_values_hint() -> None:
    pd = pytest.importorskip("pandas")
    model = nonlin.Sequential([nonlin.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    frame = pd.DataFrame({"a": [1, 2, pd.NA, 4], "b": [1.0, 2.0, 3.0, 4.0]})  # dtype object
    with pytest.raises(TypeError, match=r"column 'a' of dtype object; it holds numbers in an "
                       r"object column \(1\): convert it with .*pd\.to_numeric.*; and it holds "
                       r"pd.NA in row 2: fill in or drop the missing values first \(scikit-"
                       "learn's SimpleImputer"):  # both fixes (merged with tabular33b's)
        model.fit(frame, np.ones(4), epochs=1, verbose=0)
    with pytest.raises(TypeError, match="a Series of dtype object; it holds pd.NA in row 1"):
        model.fit(np.ones((4, 2)), pd.Series([1.0, pd.NA, 2.0, 3.0]), epochs=1, verbose=0)
    y = np.array([1.0, 2.0, pd.NA, 3.0], dtype=object)  # y.astype(float) fails on pd.NA
    with pytest.raises(TypeError, match=r"dtype object \(object\); it holds pd.NA in row 2"):
        model.fit(np.ones((4, 2)), y, epochs=1, verbose=0)
    with pytest.raises(TypeError, match="encode text and categories"):  # text: as before
        model.fit(pd.DataFrame({"a": ["u", pd.NA, "v", "w"]}), np.ones(4), epochs=1, verbose=0)


def test_resume_takes_the_default_positive_of_a_watched_recall(
        data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a run watching val_recall without --positive scored 'ok' (the second class)
    from nonlin import cli_train_model

    run = ["train", "d.csv", "--target", "y", "--hidden", "3", "--quiet", "--epochs", "3",
           "--early-stopping", "2", "--monitor", "val_recall"]
    real = cli_train_model._callbacks
    monkeypatch.setattr(cli_train_model, "_callbacks",
                        lambda args: [*real(args), interrupt_after(0)])
    assert cli.main(run) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", real)
    resume = [*run, "--resume", "model.checkpoint.safetensors"]
    assert cli.main([*resume, "--positive", "fraud"]) == 2  # another class: refused
    assert cli.main([*resume, "--positive", "ok"]) == 0
    training = nonlin.load("model.safetensors").metadata["training"]
    assert "positive" not in training and len(training["history"]["val_recall"]) == 3


def test_a_sparse_x_too_large_to_read_dense_names_its_shape_and_the_way_out() -> None:
    sp = pytest.importorskip("scipy.sparse")
    X = sp.csr_matrix((np.ones(2), ([0, 1], [0, 1])), shape=(2_000_000, 1_000_000))

    def toarray() -> np.ndarray:
        raise MemoryError  # as numpy, for the 14.6 TiB dense copy

    X.toarray = toarray  # (not allocated here whatever the machine's overcommit)
    model = nonlin.Sequential([nonlin.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(MemoryError, match=r"x that fits in memory as a dense array. Received "
                       r"a scipy.sparse matrix of shape \(2000000, 1000000\), 1.49e\+04 GiB "
                       r"dense \(float64\); nonlin.sklearn's MLPClassifier"):
        model.fit(X, np.ones(X.shape[0], dtype=np.float32), epochs=1, verbose=0)
