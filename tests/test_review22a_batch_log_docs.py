"""review22a: session 22 put plain-function metrics in ``on_train_batch_end``'s logs; the
docs that said they are left out (``nonlin.callbacks``' docstring, ``ModelCheckpoint``'s
``save_freq``, the guide's checkpoint section) now say what the logs hold, and a
``ModelCheckpoint`` at batch ends monitors such a metric."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

import nonlin
from nonlin import callbacks
from nonlin.callbacks import ModelCheckpoint

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "guide.md"


def _flat(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("`", ""))


def test_the_docs_no_longer_leave_plain_functions_out_of_batch_logs() -> None:
    assert "plain functions are left out" not in _flat(callbacks.__doc__)
    assert "running loss and streaming metrics" not in _flat(callbacks.__doc__)
    assert "running loss and streaming metrics" not in _flat(ModelCheckpoint.__doc__)
    assert "running loss and streaming metrics" not in _flat(GUIDE.read_text())


def hits(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_pred.argmax(axis=1) == y_true))


def test_a_batch_end_checkpoint_monitors_a_plain_function(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 3))
    y = (X[:, 0] > 0).astype(np.int64)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(3, seed=0)
    model.compile(nonlin.SGD(0.1), "cross_entropy", [hits])
    check = ModelCheckpoint(tmp_path / "m.safetensors", monitor="hits", mode="max",
                            save_best_only=True, save_freq=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y, epochs=1, batch_size=8, verbose=0, callbacks=[check])
    assert not [w for w in caught if "not available" in str(w.message)]  # "hits" is there
    assert (tmp_path / "m.safetensors").exists()
