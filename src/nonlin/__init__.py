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
