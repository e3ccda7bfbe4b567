"""``nonlin train --class-weight balanced --weight COLUMN``: the classes counted by the
rows' weights, as the estimators' ``class_weight="balanced"`` with ``sample_weight`` and
scikit-learn's ``compute_class_weight(..., sample_weight=)`` count them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import cli

N = 60


def _data(folder: Path, weights: list[float]) -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(N, 2))
    rows = [f"{a:.3f},{b:.3f},{weights[i]:g},{'yes' if i % 5 == 0 else 'no'}"
            for i, (a, b) in enumerate(X)]
    (folder / "d.csv").write_text("a,b,w,y\n" + "\n".join(rows) + "\n")


def _recorded(folder: Path, *options: str) -> dict[str, float]:
    assert cli.main(["train", str(folder / "d.csv"), "--target", "y", "--hidden", "3",
                     "--epochs", "1", "--quiet", "-o", str(folder / "m.safetensors"),
                     "--class-weight", "balanced", *options]) == 0
    return nonlin.load(folder / "m.safetensors").metadata["training"]["class_weights"]


def _training_rows(weights: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """The training rows' labels (1 = yes) and weights: ``--val-split 0.2`` holds out the
    last 12 of ``default_rng(0).permutation`` (the seed's order)."""
    order = np.random.default_rng(0).permutation(N)[: N - 12]
    labels = np.array([i % 5 == 0 for i in range(N)], dtype=int)[order]
    return labels, np.asarray(weights)[order]


def test_balanced_counts_rows_by_their_weight_column(tmp_path: Path) -> None:
    sklearn = pytest.importorskip("sklearn.utils.class_weight")
    weights = [4.0 if i % 5 == 0 else 0.5 + (i % 3) for i in range(N)]
    _data(tmp_path, weights)
    table = _recorded(tmp_path, "--weight", "w")
    labels, w = _training_rows(weights)
    W, W_yes = w.sum(), w[labels == 1].sum()
    assert table["yes"] == pytest.approx(W / (2 * W_yes), rel=1e-12)
    assert table["no"] == pytest.approx(W / (2 * (W - W_yes)), rel=1e-12)
    expected = sklearn.compute_class_weight("balanced", classes=np.array([0, 1]), y=labels,
                                            sample_weight=w)
    assert [table["no"], table["yes"]] == pytest.approx(expected.tolist(), rel=1e-12)
    # the unweighted rows' count would give another table
    n_yes = int(labels.sum())
    assert table["yes"] != pytest.approx(len(labels) / (2 * n_yes))


def test_without_a_weight_column_the_rows_are_counted(tmp_path: Path) -> None:
    weights = [1.0] * N
    _data(tmp_path, weights)
    table = _recorded(tmp_path, "--exclude", "w")
    labels, _ = _training_rows(weights)
    n_yes = int(labels.sum())
    assert table == {"no": len(labels) / (2 * (len(labels) - n_yes)),
                     "yes": len(labels) / (2 * n_yes)}


def test_a_class_of_no_weight_weighs_one_and_is_not_counted(tmp_path: Path) -> None:
    weights = [0.0 if i % 5 == 0 else 1.0 + (i % 2) for i in range(N)]
    _data(tmp_path, weights)
    table = _recorded(tmp_path, "--weight", "w")
    assert table["yes"] == 1.0  # its rows weigh nothing
    assert table["no"] == pytest.approx(1.0)  # W / (1 * W_no): the one class of some weight


def test_resume_recomputes_the_weighted_table(tmp_path: Path, monkeypatch) -> None:
    """A checkpoint of a weighted balanced run resumes (its table is checked against the
    weighted counts, not the row counts)."""
    from cli_helpers import interrupt_after
    from nonlin import cli_train_model

    weights = [3.0 if i % 5 == 0 else 1.0 for i in range(N)]
    _data(tmp_path, weights)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
    run = ["train", "d.csv", "--target", "y", "--hidden", "3", "--epochs", "3", "--quiet",
           "--weight", "w", "--class-weight", "balanced", "-o", "r.safetensors"]
    assert cli.main(run) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    assert cli.main(["train", "d.csv", "--target", "y", "--epochs", "3", "--quiet", "-o",
                     "r.safetensors", "--resume", "r.checkpoint.safetensors"]) == 0
