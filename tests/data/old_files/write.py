"""Write model files with the nonlin on ``sys.path`` and record what it predicts.

Run by ``rebuild.py`` under an old nonlin (``PYTHONPATH=<git archive of a commit>/src``):
``python3 write.py OUT_DIR COMMIT KIND...``. Only the API every nonlin since the first
commit that saved files has: ``Sequential([Dense, ReLU, ...])``, ``fit(X, y, loss=,
optimizer=, epochs=, batch_size=, seed=, verbose=)``, ``nonlin.save``, ``save_checkpoint``,
the estimators' ``save`` and ``nonlin train``; ``compile`` and ``BackupAndRestore`` for the
kinds that need them. ``OUT_DIR/expected.json`` holds the inputs and the old predictions
(JSON floats: repr round-trips each float64 exactly). No pickle anywhere.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from typing import Any

import numpy as np

import nonlin

KINDS = ("plain", "bn", "f32", "checkpoint", "compiled", "backup", "estimator", "estimator_sgd",
         "estimator_lbfgs", "cli")


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).normal(size=(48, 4))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64)
    return X, y, np.random.default_rng(1).normal(size=(6, 4))


def _net(extras: bool = False) -> Any:
    from nonlin import Dense, ReLU, Sequential

    if extras:
        from nonlin import BatchNorm, Dropout

        return Sequential([Dense(6), BatchNorm(), ReLU(), Dropout(0.25), Dense(2)])
    return Sequential([Dense(6), ReLU(), Dense(2)])


def _fit(model: Any, X: np.ndarray, y: np.ndarray, optimizer: Any = "sgd", epochs: int = 3,
         **kw: Any) -> None:
    model.fit(X, y, loss="cross_entropy", optimizer=optimizer, epochs=epochs, batch_size=16,
              verbose=0, **kw)


def _floats(a: Any) -> list:
    return np.asarray(a, dtype=np.float64).tolist()


def write(out: str, kind: str, rec: dict[str, Any]) -> None:
    """Write ``out/<kind>...`` and put its predictions in ``rec``."""
    from nonlin import Adam

    X, y, Xq = (np.asarray(rec[k]) for k in ("X", "y", "Xq"))
    if kind in ("plain", "bn", "f32"):
        model, dtype = _net(kind == "bn"), np.float32 if kind == "f32" else np.float64
        _fit(model, X.astype(dtype), y, seed=0)
        nonlin.save(model, f"{out}/{kind}.safetensors")
        rec[kind] = _floats(model.predict(Xq.astype(dtype)))
    elif kind == "checkpoint":  # then resumed by fit(resume_from=) to 4 epochs
        from nonlin.checkpoint import save_checkpoint

        model = _net()
        _fit(model, X, y, Adam(lr=0.01), 2, seed=0)
        save_checkpoint(model, f"{out}/checkpoint.safetensors", epoch=2)
        rec[kind] = _floats(model.predict(Xq))
        model = _net()
        _fit(model, X, y, "adam", 4, resume_from=f"{out}/checkpoint.safetensors")
        rec[kind + "_resumed"] = _floats(model.predict(Xq))
    elif kind == "compiled":  # Adam's state after 6 steps; then one more epoch
        model = _net()
        model.compile(loss="cross_entropy", optimizer=Adam(lr=0.01))
        model.fit(X, y, epochs=2, batch_size=16, seed=0, verbose=0)
        nonlin.save(model, f"{out}/compiled.safetensors")
        rec[kind] = _floats(model.predict(Xq))
        model = nonlin.load(f"{out}/compiled.safetensors")
        model.fit(X, y, epochs=1, batch_size=16, seed=1, verbose=0)
        rec[kind + "_resumed"] = _floats(model.predict(Xq))
    elif kind == "backup":
        _backup(out, rec, X, y, Xq)
    elif kind.startswith("estimator"):
        _estimator(out, kind, rec, X, y, Xq)
    elif kind == "cli":
        _cli(out, rec, X, y, Xq)
    else:
        raise ValueError(f"Expected one of {KINDS}. Received: {kind!r}")


def _backup(out: str, rec: dict[str, Any], X: np.ndarray, y: np.ndarray,
            Xq: np.ndarray) -> None:
    """A fit of 4 epochs stopped by an exception after epoch 2 leaves its backup; a new
    fit given the same BackupAndRestore folder resumes it to epoch 4."""
    from nonlin import Adam, BackupAndRestore, Callback

    class Stop(Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if epoch == 1:
                raise RuntimeError("stopped after epoch 2")

    try:
        _fit(_net(), X, y, Adam(lr=0.01), 4, seed=0,
             callbacks=[BackupAndRestore(f"{out}/backup"), Stop()])
    except RuntimeError:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(f"{out}/backup", f"{tmp}/backup")
        model = _net()
        _fit(model, X, y, Adam(lr=0.01), 4, seed=0,
             callbacks=[BackupAndRestore(f"{tmp}/backup")])
    rec["backup_resumed"] = _floats(model.predict(Xq))


def _estimator(out: str, kind: str, rec: dict[str, Any], X: np.ndarray, y: np.ndarray,
               Xq: np.ndarray) -> None:
    from nonlin.sklearn import MLPClassifier, MLPRegressor, load

    path = f"{out}/{kind}.safetensors"
    warnings.simplefilter("ignore")  # max_iter reached
    if kind == "estimator":  # Adam; then one partial_fit
        est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=15, random_state=0).fit(X, y)
        est.save(path)
        rec[kind] = _floats(est.predict_proba(Xq))
        rec[kind + "_attrs"] = {"n_iter_": int(est.n_iter_), "t_": int(est.t_),
                                "loss_": float(est.loss_), "classes_": est.classes_.tolist()}
        est = load(path)
        est.partial_fit(X, y)
        rec[kind + "_resumed"] = _floats(est.predict_proba(Xq))
    elif kind == "estimator_sgd":  # SGD, early stopping, batch_norm, dropout; warm start
        target = X[:, 0] - 2 * X[:, 3]
        est = MLPRegressor(hidden_layer_sizes=(4,), solver="sgd", early_stopping=True,
                           batch_norm=True, dropout=0.1, max_iter=12, random_state=0)
        est.fit(X, target).save(path)
        rec[kind] = _floats(est.predict(Xq))
        est = load(path).set_params(warm_start=True, max_iter=3).fit(X, target)
        rec[kind + "_resumed"] = _floats(est.predict(Xq))
    else:
        est = MLPClassifier(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=20,
                            random_state=0).fit(X, y)
        est.save(path)
        rec[kind] = _floats(est.predict_proba(Xq))


def _cli(out: str, rec: dict[str, Any], X: np.ndarray, y: np.ndarray, Xq: np.ndarray) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with open(f"{tmp}/data.csv", "w", newline="") as fh:
            rows = csv.writer(fh)
            rows.writerow(["a", "b", "c", "d", "y"])
            rows.writerows([*map(repr, map(float, x)), int(t)] for x, t in zip(X, y, strict=True))
        cmd = [sys.executable, "-m", "nonlin", "train", f"{tmp}/data.csv", "--target", "y",
               "--hidden", "5", "--epochs", "3", "--seed", "0", "--quiet",
               "--out", f"{out}/cli.safetensors"]
        subprocess.run(cmd, check=True, capture_output=True, cwd=tmp)
        with open(f"{tmp}/new.csv", "w") as fh:  # as test_upgrade_s31 writes it
            fh.write("a,b,c,d\n" + "".join(",".join(map(repr, row)) + "\n"
                                           for row in Xq.tolist()))
        cmd = [sys.executable, "-m", "nonlin", "predict", f"{out}/cli.safetensors",
               f"{tmp}/new.csv", "--proba"]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=tmp)
    rec["cli"] = _floats(nonlin.load(f"{out}/cli.safetensors").predict(Xq))
    rec["cli_predict"] = done.stdout  # what `nonlin predict --proba` printed


def main(out: str, commit: str, kinds: list[str]) -> None:
    os.makedirs(out, exist_ok=True)
    X, y, Xq = _data()
    rec: dict[str, Any] = {"commit": commit, "kinds": kinds, "X": X.tolist(), "y": y.tolist(),
                           "Xq": Xq.tolist()}
    for kind in kinds:
        write(os.path.abspath(out), kind, rec)
    with open(f"{out}/expected.json", "w") as fh:
        json.dump(rec, fh, indent=0)
        fh.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
