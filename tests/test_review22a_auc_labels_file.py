"""review22a: a model file's ``AUC(multi_label=True, num_labels=L)`` config is capped as
``num_thresholds`` is (``_compile_entries``: "a tiny file must not make load allocate
gigabytes"): its four arrays of (num_thresholds, L) entries are made as the metric is
built, so a header asking for 65536 x 100000 of them was built (four 49 GiB arrays); now
``load`` refuses it naming ``num_labels``, and ``save`` leaves such a metric out. Session
25: the cap counts the four arrays and the thresholds, 63 labels at 65536 thresholds
(where 256 labels made 512 MiB)."""

from __future__ import annotations

import json
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin._header import ModelFileError
from nonlin.metrics import AUC


def _saved(path: Path, **auc) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Sigmoid()]).build(3, seed=0)
    model.compile("sgd", "binary_cross_entropy", [AUC(multi_label=True, **auc)])
    model.save(path)
    return model


def _patched(path: Path, labels: int) -> None:
    """The file with its AUC's ``num_labels`` set to ``labels`` in the header."""
    data = path.read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header["__metadata__"]
    text = next(k for k, v in meta.items() if isinstance(v, str) and "num_labels" in v)
    record = json.loads(meta[text])
    found = []

    def visit(node):
        if isinstance(node, dict):
            if "num_labels" in node:
                node["num_labels"] = labels
                found.append(node)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(record)
    assert found
    meta[text] = json.dumps(record)
    raw = json.dumps(header).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data[8 + n:])


def test_load_refuses_a_multi_label_auc_too_large_for_a_file(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    _saved(path, num_labels=2, num_thresholds=65536)
    _patched(path, 100_000)
    with pytest.raises(ModelFileError, match=r"num_labels.*expected at most 63\. "
                                             r"Received: 100000"):
        nonlin.load(path)


def test_a_multi_label_auc_a_file_holds_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    _saved(path, num_labels=2, num_thresholds=200)
    _patched(path, 1000)  # 200 x 1000 entries: 1.6 MB an array
    loaded = nonlin.load(path)
    assert [m.num_labels for m in loaded._metrics] == [1000]


def test_save_leaves_out_such_a_metric_with_a_warning(tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _saved(tmp_path / "m.safetensors", num_labels=300, num_thresholds=65536)
    assert any("num_labels=300" in str(w.message) for w in caught)
    np.testing.assert_equal(nonlin.load(tmp_path / "m.safetensors").n_outputs, 2)
