"""Runs that do not use what session 20 changed write the model files they wrote before
(sha256 of the bytes, the training record's creation time replaced): through the header
read (``--weight``, a gzip file, standard input), ``--loss focal:G:A`` and
``huber:DELTA`` within the new bounds."""

from __future__ import annotations

import gzip
import hashlib
import io
import sys
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import cli

N = 60
RUNS = {  # name -> (data file, stdin?, options, sha256)
    "weight gzip": ("d.csv.gz", False, ["--target", "kind", "--weight", "w"],
                    "85ae1e5826957c204593a313da155e88e180cb0b578267e148fbf94c9f986395"),
    "weight stdin": ("-", True, ["--target", "kind", "--weight", "w"],
                     "4383ce77f528ddbd567eb89a0d107dca7ae838162e144c5fd5e40e4b4da3837d"),
    # session 34 recomputes a confident top class's 1 - p (CategoricalFocalCrossentropy from
    # logits, nonlin._loss_focal_top): a more accurate gradient, so this file changed then
    "focal": ("d.csv", False, ["--target", "kind", "--exclude", "t", "--loss", "focal:3:0.5"],
              "33c549219b698ec62170186082604ce1836c094e0a0c5e53c1160eb749a5305a"),
    "huber": ("d.csv", False, ["--target", "t", "--exclude", "kind", "--loss", "huber:0.5"],
              "3ab8fbb1dfebaa0cda9804d1384b73daf25cb899dfd8c0b229c98b89e0172970"),
}


def _text() -> str:
    rng = np.random.default_rng(20)
    X = rng.normal(size=(N, 2))
    kinds = np.where(X[:, 0] > 0.5, "hi", np.where(X[:, 1] > 0, "mid", "lo"))
    rows = [f"{a:.4f},{b:.4f},{1 + i % 3},{a - b:.4f},{k}"
            for i, ((a, b), k) in enumerate(zip(X, kinds, strict=True))]
    return "a,b,w,t,kind\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize("run", sorted(RUNS))
def test_the_model_file_is_the_one_written_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: str
) -> None:
    data, stdin, options, digest = RUNS[run]
    monkeypatch.chdir(tmp_path)
    Path("d.csv").write_text(_text())
    Path("d.csv.gz").write_bytes(gzip.compress(_text().encode(), mtime=0))
    if stdin:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(_text().encode()),
                                                           "utf-8"))
    assert cli.main(["train", data, *options, "--hidden", "4", "--epochs", "3", "--quiet",
                     "-o", "m.safetensors"]) == 0
    created = nonlin.load("m.safetensors").metadata["training"]["created"]
    content = Path("m.safetensors").read_bytes().replace(created.encode(), b"2000")
    assert hashlib.sha256(content).hexdigest() == digest
