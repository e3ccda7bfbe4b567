"""nonlin: neural networks in plain NumPy.

Readable backpropagation you can follow line by line, fast enough for real
tabular work, with model files that can never run code.

>>> import nonlin
>>> model = nonlin.Sequential([nonlin.Dense(4), nonlin.Sigmoid(), nonlin.Dense(1)])
"""

from .activations import GELU, Exp, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LearningRateScheduler,
    ReduceLROnPlateau,
)
from .checkpoint import ModelCheckpoint, load_checkpoint
from .core import Layer, Param, Sequential
from .exceptions import DivergenceError
from .gradcheck import gradcheck
from .io import ModelFileError, load, save
from .layers import Dense, Dropout
from .losses import BinaryCrossEntropy, CrossEntropy, Huber, MeanAbsoluteError, MeanSquaredError
from .normalization import BatchNorm
from .optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

__version__ = "0.1.0"

# submodules reached as attributes on first use (``nonlin.datasets.moons(...)``), without
# importing them, or their optional extras, with the package
_SUBMODULES = ("datasets", "tabular", "plots", "schedules", "metrics", "callbacks",
               "initializers", "tutorial", "sklearn")


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_SUBMODULES})

__all__ = [
    "Adagrad",
    "BatchNorm",
    "Dropout",
    "Adam",
    "AdamW",
    "CSVLogger",
    "Callback",
    "DivergenceError",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "RMSprop",
    "ReduceLROnPlateau",
    "BinaryCrossEntropy",
    "CrossEntropy",
    "Dense",
    "GELU",
    "Huber",
    "Exp",
    "Identity",
    "Layer",
    "ModelCheckpoint",
    "ModelFileError",
    "LeakyReLU",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Optimizer",
    "Param",
    "ReLU",
    "SGD",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "gradcheck",
    "load",
    "load_checkpoint",
    "save",
]
