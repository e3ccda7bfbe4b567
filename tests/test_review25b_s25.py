"""Session 25 review (review25b) of the count of a compile record's metrics.

An ``AUC(multi_label=True)`` without ``num_labels`` holds ``(num_thresholds, 0)`` counts as
it is made, and the F-scores none, but the first batch (of the model's ``n_outputs``
columns) makes ``(num_thresholds, n_outputs)`` and ``(n_outputs,)``: counted as made, three
such AUCs of 65536 thresholds in a file of 2 KB on a model of 64 outputs loaded, and its
first ``evaluate`` took 641 MB (256 of them on 63 outputs: 33 GB). They are now counted
by the model's outputs, at ``save`` and ``load`` alike.
"""

from __future__ import annotations

import io
import json
import warnings
from typing import Any

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta, refused_load
from nonlin import metrics as M
from nonlin._header import ModelFileError
from test_metric_entries_s25 import _MADE, _held_bytes


def _model(metrics: list[Any], outputs: int = 2, width: int = 3) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(outputs), nonlin.Sigmoid()]).build(width, seed=0)
    model.compile(optimizer="sgd", loss="binary_cross_entropy", metrics=metrics)
    return model


def _hostile(entries: list[Any], outputs: int = 2, width: int = 3) -> bytes:
    """A model file whose compile record holds ``entries``, as no ``save`` writes it."""
    from nonlin.io import to_bytes

    return edit_meta(to_bytes(_model(["accuracy"], outputs, width)), "compile",
                     lambda record: {**record, "metrics": entries})


_LABELS = {"class_name": "AUC", "config": {"num_thresholds": 65536, "multi_label": True}}


def test_a_multi_label_auc_without_num_labels_counts_the_models_outputs() -> None:
    data = _hostile([_LABELS] * 3, outputs=64)  # its first evaluate took 641 MB
    error, peak = refused_load(data)
    assert peak < 16 * 2**20, peak
    assert error.field == "compile.metrics[0]"
    assert "16,842,752 float64 entries" in str(error)  # 65536 * (4 * 64 + 1)
    assert len(nonlin.load(io.BytesIO(_hostile([_LABELS] * 3, outputs=1)))._metrics) == 3


def test_save_leaves_out_what_the_first_batch_would_make_too_large() -> None:
    from nonlin.io import to_bytes

    model = _model([M.AUC(65536, multi_label=True), "accuracy"], outputs=64)
    with pytest.warns(UserWarning, match=r"metrics\[0\]=.*16,842,752 float64 entries"):
        data = to_bytes(model)
    assert nonlin.load(io.BytesIO(data))._metrics == ["accuracy"]


def test_f_scores_count_one_entry_per_output_and_count() -> None:
    entry = {"class_name": "F1Score", "config": M.F1Score().get_config()}
    data = _hostile([entry] * 100, outputs=65536, width=1)  # 1.5 MB each after a batch
    with pytest.raises(ModelFileError) as info:
        nonlin.load(io.BytesIO(data))
    assert info.value.field == "compile.metrics[85]"  # 86 * 3 * 65536 > 2**24


@pytest.mark.parametrize("metric", _MADE, ids=[repr(m)[:40] for m in _MADE])
def test_no_metric_holds_more_after_a_batch_than_counted(metric: Any) -> None:
    config = json.loads(json.dumps(metric.get_config()))
    made = type(metric)(**config)
    k = config.get("num_labels") or 3  # the model's outputs
    y = (np.random.default_rng(0).random((8, k)) > 0.5).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        made.update_state(y, y)
    assert _held_bytes(made) <= 8 * type(metric)._held_entries(config, k)


def test_a_backup_resumed_without_its_metrics_still_has_its_loss_checked(tmp_path: Any) -> None:
    """``metrics_given`` set aside a fault of the record's metrics before ``_check_usable``
    ran: the loss's checks (``reduction="none"``) were skipped with them."""
    from nonlin._checkpoint_reader import resume_checkpoint
    from test_resume_metrics_s25 import _interrupted

    backup = _interrupted(tmp_path)  # its record holds 257 metrics at a rate
    data = backup.read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    record = json.loads(header["__metadata__"]["compile"])
    record["loss"]["config"]["reduction"] = "none"
    header["__metadata__"]["compile"] = json.dumps(record)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    backup.write_bytes(len(raw).to_bytes(8, "little") + raw + data[8 + n:])
    with pytest.raises(ModelFileError) as info:
        resume_checkpoint(backup, metrics_given=True)
    assert info.value.field == "compile.loss.config.reduction"


class _MySens(M.SensitivityAtSpecificity):
    """A subclass with a config of its own: ``_held_entries`` reads no num_thresholds."""

    def __init__(self, n: int = 200, name: str | None = None) -> None:
        super().__init__(0.5, num_thresholds=n, name=name)

    def get_config(self) -> dict[str, Any]:
        return {"n": self.num_thresholds, "name": self.name}


@pytest.fixture
def _registered() -> Any:
    from nonlin import registry

    registry.METRICS["_MySens"] = _MySens
    yield
    del registry.METRICS["_MySens"]


def test_a_subclass_with_its_own_config_is_counted_as_made(_registered: Any) -> None:
    """Counted 0 from its config, 100 of them in a file of 4 KB took 200 MB to load (1,000:
    2 GB); counted as made, load refuses the 65th, and save leaves it out."""
    from nonlin.io import to_bytes

    entry = {"class_name": "_MySens", "config": {"n": 65536, "name": "s"}}
    error, peak = refused_load(_hostile([entry] * 100))
    assert error.field == "compile.metrics[64]"
    assert peak < 140 * 2**20, peak
    with pytest.warns(UserWarning, match=r"metrics\[64\]=.*262,144 float64 entries"):
        data = to_bytes(_model([_MySens(65536, name=f"s{i}") for i in range(66)]))
    assert len(nonlin.load(io.BytesIO(data))._metrics) == 64


def test_a_metric_name_is_counted_as_the_metric_it_names() -> None:
    """Names counted 0: 100 ``"f1_score"`` on a model of 65536 outputs loaded (1 MB) and
    took 155 MB at the first batch of ``evaluate(batch_size=1)`` (1,000: 1.5 GB)."""
    from nonlin.io import to_bytes

    with pytest.raises(ModelFileError) as info:
        nonlin.load(io.BytesIO(_hostile(["f1_score"] * 100, outputs=65536, width=1)))
    assert info.value.field == "compile.metrics[85]"
    model = _model(["f1_score"] * 90, outputs=65536, width=1)
    with pytest.warns(UserWarning, match=r"metrics\[85\]='f1_score' \(its arrays hold 196,608"):
        data = to_bytes(model)
    assert len(nonlin.load(io.BytesIO(data))._metrics) == 85
    assert len(nonlin.load(io.BytesIO(_hostile(["auc", "f1_score"] * 400)))._metrics) == 800
