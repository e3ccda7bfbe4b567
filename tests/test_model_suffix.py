"""A model saved under a suffix that names another format (``model.h5``, ``model.pt``,
``model.pkl``, ...) is refused before anything is written, by every writer of model files:
``nonlin.save``, ``model.save``, the estimators' ``save``, ``save_checkpoint``,
``ModelCheckpoint`` and ``nonlin train --out``. Other suffixes are taken; loading a real
HDF5 or pickle file still says it is no nonlin model file."""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import error_line
from nonlin import cli
from nonlin.checkpoint import ModelCheckpoint, save_checkpoint

REFUSED = [".h5", ".keras", ".pt", ".pth", ".pkl", ".pickle", ".joblib", ".onnx"]
KIND = {".h5": "HDF5", ".hdf5": "HDF5", ".keras": "Keras 3", ".pt": "PyTorch", ".pth": "PyTorch",
        ".pkl": "pickle", ".pickle": "pickle", ".joblib": "joblib", ".onnx": "ONNX"}


def _fitted() -> nonlin.Sequential:
    rng = np.random.default_rng(0)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.fit(rng.normal(size=(12, 3)), rng.integers(0, 2, 12), loss="cross_entropy",
              optimizer="sgd", epochs=1, seed=0, verbose=0)
    return model


@pytest.fixture(scope="module")
def model() -> nonlin.Sequential:
    return _fitted()


def _check_message(message: str, suffix: str, name: str) -> None:
    assert f"its suffix {suffix} names" in message and KIND[suffix.lower()] in message
    assert "nonlin writes safetensors files" in message
    assert name.rsplit(".", 1)[0] + ".safetensors" in message


@pytest.mark.parametrize("suffix", REFUSED + [".H5", ".Pt", ".ONNX", ".hdf5"])
def test_save_refuses_a_suffix_of_another_format(model, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"model{suffix}"
    for save in (lambda: nonlin.save(model, path), lambda: model.save(str(path)),
                 lambda: save_checkpoint(model, os.fsencode(path), epoch=1)):
        with pytest.raises(ValueError, match="Expected a path for a safetensors model file") \
                as caught:  # was: a safetensors file written under that name
            save()
        _check_message(str(caught.value), suffix, str(path))
    assert list(tmp_path.iterdir()) == []


def test_the_one_list_holds_every_refused_suffix_in_lower_case() -> None:
    from nonlin._model_suffix import FOREIGN_SUFFIXES

    assert set(REFUSED) <= set(FOREIGN_SUFFIXES)
    assert all(s == s.lower() and s.startswith(".") for s in FOREIGN_SUFFIXES)


@pytest.mark.parametrize("name", ["model.bin", "model", "model.st", "model.safetensors",
                                  "model.h5.safetensors", "h5", ".pt"])
def test_other_suffixes_are_taken(model, tmp_path: Path, name: str) -> None:
    nonlin.save(model, tmp_path / name)
    np.testing.assert_array_equal(nonlin.load(tmp_path / name).get_weights()[0],
                                  model.get_weights()[0])


def test_model_checkpoint_refuses_the_suffix_before_training(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="its suffix .keras names a Keras 3 archive") as caught:
        ModelCheckpoint(str(tmp_path / "ck-{epoch:02d}.keras"))
    assert "'ck-{epoch:02d}.safetensors'" in str(caught.value).replace(str(tmp_path) + "/", "")
    ModelCheckpoint(str(tmp_path / "ck-{epoch:02d}.bin"))  # taken


def test_an_estimator_refuses_the_suffix(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    import nonlin.sklearn as nls

    X = np.random.default_rng(0).normal(size=(20, 2))
    est = nls.MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        est.fit(X, X[:, 0])
    with pytest.raises(ValueError, match="its suffix .joblib names a joblib file"):
        est.save(tmp_path / "est.joblib")
    assert list(tmp_path.iterdir()) == []


def test_train_out_refuses_the_suffix_before_reading_the_data(tmp_path: Path, capsys,
                                                               monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(10)))
    assert cli.main(["train", "d.csv", "--target", "y", "--out", "model.PTH", "--quiet"]) == 2
    error_line(capsys, "model.PTH: its suffix .PTH names a PyTorch file (torch.load)",
               "nonlin writes safetensors files", "save the model file (--out) as "
               "model.safetensors")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


def test_loading_a_real_pickle_or_hdf5_file_says_it_is_no_nonlin_file(tmp_path: Path) -> None:
    (tmp_path / "m.pkl").write_bytes(pickle.dumps({"weights": [1.0, 2.0]}))
    (tmp_path / "m.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(600))  # HDF5's signature
    with pytest.raises(nonlin.ModelFileError, match="this is a Python pickle .*not a safetensors"):
        nonlin.load(tmp_path / "m.pkl")
    with pytest.raises(nonlin.ModelFileError, match="this is an HDF5 file .*not a safetensors"):
        nonlin.load(tmp_path / "m.h5")
