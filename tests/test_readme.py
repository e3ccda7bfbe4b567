"""The README's Python examples run as written, in order, on the data they assume."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def _run(index: int, namespace: dict) -> None:
    exec(compile(BLOCKS[index], f"README.md python block {index}", "exec"), namespace)  # noqa: S102


def test_the_tour_prints_the_predictions_and_the_check_it_promises(capsys):
    _run(0, {})
    out = capsys.readouterr().out
    predictions = [float(v) for v in re.findall(r"\d\.\d+", out)[:4]]
    comment = re.search(r"# \[\[(.*?)\]\]", BLOCKS[0]).group(1)
    for value, shown in zip(predictions, re.findall(r"\d\.\d+", comment), strict=True):
        assert f"{value:.10f}".startswith(shown)
    assert float(out.split()[-1]) < 1e-6  # gradcheck's "~1e-8"


def test_training_saving_and_resuming_run_in_order_as_written(tmp_path, monkeypatch):
    pytest.importorskip("sklearn", reason="the README's training block loads the digits")
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    _run(1, ns)  # training: the block loads and splits its own data
    assert len(ns["history"].history["val_accuracy"]) >= 6  # patience 5: at least 6 epochs
    X_test, y_test = ns["X_test"], ns["y_test"]
    assert ns["model"].evaluate(X_test, y_test, metrics=["accuracy"])["accuracy"] > 0.95
    before = ns["model"].predict(X_test)
    _run(2, ns)  # saving and loading
    np.testing.assert_array_equal(ns["model"].predict(X_test), before)
    assert ns["model"].metadata["classes"] == list("0123456789")
    _run(3, ns)  # a checkpoint every epoch, then resuming from it, as written
    resumed = ns["model"]
    assert len(resumed.history.history["loss"]) == 20 and Path("ck.safetensors").exists()
    straight = ns["digits_net"]()
    straight.fit(ns["X"], ns["y"], loss="cross_entropy", optimizer="adam", epochs=20, seed=0,
                 verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # "resume bit-identically"


def test_the_scaling_out_search_runs_on_dask_workers_as_a_local_run_would(monkeypatch):
    """The "Scaling out" block as written, only its scheduler address pointed at an in-process
    LocalCluster. On the README's whole digits set (25 fits of 50 epochs) it takes 12-55 s,
    and its claim ("the same as a local run") needs a second, local search: so X, y (the
    data the block expects the reader to have) are a stratified 120-row sample, ~2 s."""
    pytest.importorskip("sklearn", reason="the block runs a GridSearchCV")
    distributed = pytest.importorskip("dask.distributed", reason="the distributed extra")
    import threading
    import warnings

    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    from nonlin import datasets
    from nonlin.sklearn import MLPClassifier

    X, y = datasets.digits()
    X, _, y, _ = train_test_split(X / 16, y, train_size=120, stratify=y, random_state=0)
    threads: list[str] = []
    fit = MLPClassifier.fit

    def recorded_fit(self, *args, **kwargs):
        threads.append(threading.current_thread().name)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(MLPClassifier, "fit", recorded_fit)
    address = '"tcp://scheduler-host:8786"'
    assert BLOCKS[4].count(address) == 1
    ns: dict = {"X": X, "y": y}
    # two threads: with one, joblib counts n_jobs=1 and runs every fit in this thread
    with warnings.catch_warnings(), distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        warnings.simplefilter("ignore")  # max_iter=50: ConvergenceWarning
        code = BLOCKS[4].replace(address, repr(cluster.scheduler_address))
        try:
            exec(compile(code, "README.md python block 4", "exec"), ns)  # noqa: S102
        finally:
            if "client" in ns:
                ns["client"].close()
        # 8 candidates x 3 folds on the worker's threads, then the refit here
        assert len(threads) == 25 and threads[-1] == threading.current_thread().name
        assert not set(threads[:-1]) & {threading.current_thread().name}
        local = clone(ns["search"]).fit(X, y)  # the same search, without Dask
    search = ns["search"]
    assert (search.best_params_, search.best_score_) == (local.best_params_, local.best_score_)
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"],
                                  local.cv_results_["mean_test_score"])
