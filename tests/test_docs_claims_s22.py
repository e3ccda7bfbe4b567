"""staledocs22: what session 22's changes made the docs say, checked against the code.

Plain-function metrics in batch-end logs (a row-weighted mean: Keras 3's log only for a
function returning a value per row), ``train_on_batch`` checking the loss's and optimizer's
settings at each call, the callers of ``_loss_checks.check_settings``, the schedules' float64
refusals the guide names, the ``num_thresholds`` ranges the docstrings give, a model file's
metric caps and ``save``'s settings check (file-format.md), and ``BackupAndRestore``'s
temporary-file names.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import _loss_checks
from nonlin._backup_callback import BackupAndRestore
from nonlin.metrics import (
    AUC,
    IoU,
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from nonlin.schedules import CosineDecayRestarts, OneCycle

ROOT = Path(__file__).resolve().parents[1]


def _flat(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("`", ""))


GUIDE = _flat((ROOT / "docs" / "guide.md").read_text(encoding="utf-8"))
FILE_FORMAT = _flat((ROOT / "docs" / "file-format.md").read_text(encoding="utf-8"))


def _data(n: int = 20) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] > 0).astype(np.int64)


# --- plain-function metrics in batch-end logs --------------------------------------------


def share_of_ones(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """One number per batch, a mean over its rows (as nonlin's plain functions return)."""
    return float(np.mean(y_true))


class _Logs(nonlin.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.logs: list[dict[str, Any]] = []

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.logs.append(dict(logs or {}))


def test_a_plain_function_batch_log_is_the_row_weighted_mean_not_keras_3s_batch_count() -> None:
    """The guide: the row-weighted mean of the batches' values; Keras 3 counts a number a
    function returns once per batch, so with a short last batch the two differ."""
    assert "as Keras 3 logs it: the mean of its value" not in GUIDE
    assert "nonlin's function returns one number per batch, and Keras 3 counts such a number " \
           "once per batch, unweighted" in GUIDE
    X, y = _data(20)  # batches of 8, 8 and 4 rows
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(2, seed=0)
    seen = _Logs()
    model.fit(X, y, loss="cross_entropy", optimizer="sgd", metrics=[share_of_ones], epochs=1,
              batch_size=8, shuffle=False, verbose=0, callbacks=[seen])
    values = [float(np.mean(y[i:i + 8])) for i in (0, 8, 16)]
    last = seen.logs[-1]["share_of_ones"]
    assert last == pytest.approx(float(np.mean(y)), abs=1e-12)  # by rows: the epoch's value
    assert last == pytest.approx(np.average(values, weights=[8, 8, 4]), abs=1e-12)
    assert abs(last - float(np.mean(values))) > 1e-3  # Keras 3's count of one per batch


def test_the_epoch_logs_docstring_says_whose_log_the_row_weighted_mean_is() -> None:
    from nonlin._epoch_logs import EpochLogs

    doc = _flat(EpochLogs._batch_mean.__doc__)
    assert "as Keras 3 logs it" not in doc
    assert "counts once per batch, unweighted" in doc


# --- train_on_batch checks the settings at each call --------------------------------------


def test_train_on_batch_refuses_a_setting_set_between_calls_as_its_docs_say() -> None:
    assert "Each call checks the loss's and the optimizer's settings again" in GUIDE
    assert "and train_on_batch at each call" in GUIDE
    doc = _flat(nonlin.Sequential.train_on_batch.__doc__)
    assert "Each call checks the loss's and the optimizer's settings again" in doc
    X, y = _data(40)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(2, seed=0)
    opt = nonlin.Adam()
    model.compile(optimizer=opt, loss="cross_entropy")
    model.train_on_batch(X[:20], y[:20])
    before = [w.copy() for w in model.get_weights()]
    opt.beta_1 = 1.5
    with pytest.raises(ValueError, match=r"Expected beta_1 .*Received: beta_1=1\.5"):
        model.train_on_batch(X[20:], y[20:])
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # refused before the step


def test_loss_checks_docstring_names_every_caller_of_check_settings() -> None:
    doc = _flat(_loss_checks.__doc__)
    for caller in ("fit", "compile", "evaluate", "train_on_batch", "save",
                   "checkpoint write", "_check_settings"):
        assert caller in doc, caller


# --- schedules beyond float64 -------------------------------------------------------------


def test_the_guide_names_onecycles_product_and_an_endless_restart_period() -> None:
    assert "epochs * steps_per_epoch beyond float64, naming both" in GUIDE
    assert "CosineDecayRestarts refuses a step in a period longer than float64 holds" in GUIDE
    with pytest.raises(ValueError, match=r"epochs=.*steps_per_epoch="):
        OneCycle(0.1, epochs=10**200, steps_per_epoch=10**200)
    with pytest.raises(ValueError, match=r"period 1.*t_mul=1e\+308"):
        CosineDecayRestarts(0.1, 10, t_mul=1e308)(50)


# --- num_thresholds: the ranges the docstrings give ---------------------------------------


@pytest.mark.parametrize("cls, args", [
    (AUC, ()), (PrecisionAtRecall, (0.5,)), (RecallAtPrecision, (0.5,)),
    (SensitivityAtSpecificity, (0.5,)), (SpecificityAtSensitivity, (0.5,))])
def test_num_thresholds_takes_exactly_the_range_its_docstring_gives(cls: Any, args: tuple) -> None:
    found = re.search(r"num_thresholds : int in \[(\d+), (\d+)\]", cls.__doc__ or "")
    assert found, f"{cls.__name__}'s docstring gives no range"
    low, high = int(found.group(1)), int(found.group(2))
    assert cls(*args, num_thresholds=low).num_thresholds == low
    assert cls(*args, num_thresholds=high).num_thresholds == high
    for bad in (low - 1, high + 1):
        with pytest.raises(ValueError, match="num_thresholds"):
            cls(*args, num_thresholds=bad)


# --- file-format.md: the metric caps and save's settings check ----------------------------


def test_file_format_gives_the_metric_caps_the_code_has() -> None:
    from nonlin._compile_entries import METRIC_ENTRIES, METRIC_SIZE_LIMITS

    assert dict(METRIC_SIZE_LIMITS) == {"num_thresholds": 65536, "num_classes": 4096}
    assert METRIC_ENTRIES == 2**24
    assert ("num_thresholds at most 65536 and num_classes at most 4096 (the constructors "
            "refuse more)") in FILE_FORMAT
    assert "(num_thresholds * (4 num_labels + 1) at most 2**24)" in FILE_FORMAT
    with pytest.raises(ValueError, match="num_classes"):
        IoU(4097, [0])


def test_save_refuses_a_setting_set_since_and_writes_nothing(tmp_path: Path) -> None:
    assert "a setting set since (opt.beta_1 = 1.5) raises its ValueError, and nothing is " \
           "written" in FILE_FORMAT
    X, y = _data(20)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, verbose=0, seed=0)
    model.optimizer.beta_1 = 1.5
    path = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match=r"Expected beta_1 .*Received: beta_1=1\.5"):
        model.save(path)
    assert not path.exists()


# --- BackupAndRestore: the temporary files its docstring names ----------------------------


def test_backup_and_restores_docstring_names_both_temporary_file_patterns() -> None:
    from nonlin._backup_temp import _STALE_NAME

    globs = re.findall(r"``(\._?latest\.safetensors\.\*\.tmp)``", BackupAndRestore.__doc__ or "")
    assert sorted(globs) == ["._latest.safetensors.*.tmp", ".latest.safetensors.*.tmp"]
    for glob in globs:
        assert _STALE_NAME.fullmatch(glob.replace("*", "abcd1234"))


def test_a_slot_setting_after_the_first_step_is_refused_where_the_guide_says(
        tmp_path: Path) -> None:
    assert ("is refused by fit, compile, train_on_batch and save once that step made the slots "
            "without it") in GUIDE
    X, y = _data(20)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, verbose=0, seed=0)
    model.optimizer.amsgrad = True
    for call in (lambda: model.fit(X, y, epochs=1, verbose=0),
                 lambda: model.compile(optimizer=model.optimizer, loss="cross_entropy"),
                 lambda: model.train_on_batch(X, y),
                 lambda: model.save(tmp_path / "m.safetensors")):
        with pytest.raises(ValueError, match=r"amsgrad=True\) needs the slot 'v_hat'"):
            call()
    assert not (tmp_path / "m.safetensors").exists()
