"""File suffixes that promise another program's format, refused when a model is saved.

nonlin writes safetensors files whatever the name. Saved as ``model.h5`` or ``model.pt``,
such a file makes a later ``keras.models.load_model``, ``torch.load`` or ``pickle.load`` fail
with a confusing message, far from the ``save`` that named it. So every writer of model files
(``nonlin.save`` and ``model.save``, the estimators' ``save``, ``save_checkpoint`` and
``ModelCheckpoint``, ``nonlin train --out``) refuses these suffixes, in any case, up front,
suggesting the same name with ``.safetensors``. Any other suffix (``.bin``, ``.st``, none) is
taken. Loading is unchanged: a real HDF5 or pickle file given to ``nonlin.load`` is already
refused as no nonlin model file.
"""

from __future__ import annotations

import os
from typing import Any

from ._quoting import quoted_path

# suffix (lower case) -> the kind of file it names, and what reads one: the one list of them
FOREIGN_SUFFIXES: dict[str, str] = {
    ".h5": "an HDF5 file (h5py, Keras 2's load_model)",
    ".hdf5": "an HDF5 file (h5py, Keras 2's load_model)",
    ".keras": "a Keras 3 archive (keras.models.load_model)",
    ".pt": "a PyTorch file (torch.load)",
    ".pth": "a PyTorch file (torch.load)",
    ".pkl": "a pickle file (pickle.load)",
    ".pickle": "a pickle file (pickle.load)",
    ".joblib": "a joblib file (joblib.load)",
    ".onnx": "an ONNX model (onnxruntime)",
}


def foreign_suffix(path: Any) -> tuple[str, str] | None:
    """``(why, name to use)`` when ``path`` (a str, bytes or path-like; anything else is left
    to the writer's own check) ends in a suffix of ``FOREIGN_SUFFIXES``, else None: ``why``
    says which kind of file the suffix names and that nonlin writes safetensors files."""
    if not isinstance(path, str | bytes | os.PathLike):
        return None
    root, suffix = os.path.splitext(os.fsdecode(os.fspath(path)))
    kind = FOREIGN_SUFFIXES.get(suffix.lower())
    if kind is None:
        return None
    return (f"its suffix {suffix} names {kind}, but nonlin writes safetensors files, which "
            "that reader cannot open", root + ".safetensors")


def check_model_suffix(path: Any, what: str = "path") -> None:
    """Raise ``ValueError`` when ``path``, where a model file is to be written, ends in a
    suffix of ``FOREIGN_SUFFIXES`` (``what``: the argument's name in the message)."""
    found = foreign_suffix(path)
    if found is not None:
        why, instead = found
        raise ValueError(f"Expected a path for a safetensors model file, such as "
                         f"model.safetensors. Received: {what}={quoted_path(path)}: {why}; "
                         f"save to {quoted_path(instead)}")
