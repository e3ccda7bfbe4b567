"""nonlin: neural networks in plain NumPy.

Readable backpropagation you can follow line by line, fast enough for real
tabular work, with model files that can never run code.

>>> import nonlin
>>> model = nonlin.Sequential([nonlin.Dense(4), nonlin.Sigmoid(), nonlin.Dense(1)])
"""

from typing import TYPE_CHECKING

from .activations import GELU, Exp, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .activations_hard import HardSigmoid, HardSwish, ReLU6, Softsign
from .activations_smooth import ELU, SELU, Mish, SiLU, Softplus
from .core import Layer, Param, Sequential
from .exceptions import DivergenceError, NotBuiltError
from .gradcheck import gradcheck, gradcheck_errors
from .keras_layers import Activation, Input, InputLayer
from .layer_norm import LayerNorm, LayerNormalization
from .layers import Dense, Dropout
from .noise import AlphaDropout, GaussianDropout, GaussianNoise
from .normalization import BatchNorm
from .prelu import PReLU
from .preprocessing import Normalization

if TYPE_CHECKING:  # what the deferred names below are, for type checkers and editors
    # the submodules reached as attributes (_SUBMODULES: nonlin.datasets.moons(...)), and
    # those ``import nonlin`` binds (nonlin.regularizers.L2: pyright wants each declared)
    from . import adaptive as adaptive
    from . import adaptive_more as adaptive_more
    from . import callbacks as callbacks
    from . import checkpoint as checkpoint
    from . import data as data
    from . import datasets as datasets
    from . import early_stopping as early_stopping
    from . import evaluation as evaluation
    from . import initializers as initializers
    from . import initializers_keras as initializers_keras
    from . import initializers_more as initializers_more
    from . import io as io
    from . import losses as losses
    from . import lr_callbacks as lr_callbacks
    from . import metrics as metrics
    from . import objective as objective
    from . import optim_extra as optim_extra
    from . import optimizers as optimizers
    from . import plots as plots
    from . import registry as registry
    from . import regularizers as regularizers
    from . import schedules as schedules
    from . import sequential as sequential
    from . import sgd as sgd
    from . import sklearn as sklearn
    from . import tabular as tabular
    from . import tutorial as tutorial
    from . import validation as validation
    from .callbacks import (
        BackupAndRestore,
        Callback,
        CSVLogger,
        EarlyStopping,
        History,
        LambdaCallback,
        LearningRateScheduler,
        ReduceLROnPlateau,
        SwapEMAWeights,
        TerminateOnNaN,
    )
    from .checkpoint import ModelCheckpoint, load_checkpoint, save_checkpoint
    from .io import ModelFileError, load, model_from_json, save
    from .losses import (  # from nonlin.losses, not their homes: ``nonlin.losses_margin`` is
        BinaryCrossEntropy,  # not an attribute of a freshly imported nonlin
        BinaryFocalCrossentropy,
        CategoricalFocalCrossentropy,
        CategoricalHinge,
        CosineSimilarity,
        CrossEntropy,
        Hinge,
        Huber,
        KLDivergence,
        LogCosh,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredError,
        MeanSquaredLogarithmicError,
        Poisson,
        SquaredHinge,
    )
    from .optimizers import (
        SGD,
        Adadelta,
        Adagrad,
        Adam,
        Adamax,
        AdamW,
        Lion,
        Nadam,
        Optimizer,
        RMSprop,
    )

__version__ = "0.1.0"

# Names imported from their module on first use (PEP 562), not with the package:
# ``import nonlin`` is paid on every cold start (a serverless function, a CI job, a
# small board), and building a model needs none of these, loading one and predicting
# only ``io``. ``nonlin.Adam``, ``from nonlin import Adam``, ``dir(nonlin)``, ``__all__``
# and the classes' homes are as before; tests/test_import_cost.py keeps the split.
_DEFERRED = {
    "callbacks": ("BackupAndRestore", "Callback", "CSVLogger", "EarlyStopping", "History",
                  "LambdaCallback", "LearningRateScheduler", "ReduceLROnPlateau",
                  "SwapEMAWeights", "TerminateOnNaN"),
    "checkpoint": ("ModelCheckpoint", "load_checkpoint", "save_checkpoint"),
    "io": ("ModelFileError", "load", "model_from_json", "save"),
    "losses": ("BinaryCrossEntropy", "CrossEntropy", "Huber", "MeanAbsoluteError",
               "MeanSquaredError", "KLDivergence", "LogCosh", "Poisson", "Hinge", "SquaredHinge",
               "CategoricalHinge", "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy",
               "MeanSquaredLogarithmicError",
               "MeanAbsolutePercentageError", "CosineSimilarity"),
    "optimizers": ("SGD", "Adagrad", "Adam", "AdamW", "Adamax", "Nadam", "Optimizer",
                   "RMSprop", "Adadelta", "Lion"),
}
_DEFERRED_NAMES = {name: module for module, names in _DEFERRED.items() for name in names}

# submodules reached as attributes on first use (``nonlin.datasets.moons(...)``), without
# importing them, or their optional extras, with the package; the last two lines: those that
# ``import nonlin`` imported (and so bound) before the deferral above
_SUBMODULES = ("datasets", "tabular", "plots", "schedules", "metrics", "callbacks",
               "initializers", "tutorial", "sklearn", "adaptive_more", "optim_extra",
               "adaptive", "checkpoint", "data", "early_stopping", "evaluation", "io", "losses",
               "lr_callbacks", "objective", "optimizers", "registry", "sgd")


if not TYPE_CHECKING:  # hidden from type checkers, which read the imports above: a typo
    # (``from nonlin import Adamw``) stays an error instead of an ``object``

    def __getattr__(name: str) -> object:
        import importlib

        if name in _DEFERRED_NAMES:
            value = getattr(importlib.import_module(f"{__name__}.{_DEFERRED_NAMES[name]}"), name)
            globals()[name] = value  # later look-ups skip this function
            return value
        if name in _SUBMODULES:
            return importlib.import_module(f"{__name__}.{name}")
        from ._keras_habits import KERAS_MODULE_HABITS, module_error
        from ._torch_habits import MODULE_HABITS

        habits = {**MODULE_HABITS, **KERAS_MODULE_HABITS}  # torch.manual_seed's, keras.utils'
        raise module_error(__name__, name, habits.get(name))  # from-imports too


def __dir__() -> list[str]:
    return sorted({*globals(), *_DEFERRED_NAMES, *_SUBMODULES})

__all__ = [
    "Activation",
    "Input",
    "InputLayer",
    "Adadelta",
    "Adagrad",
    "AlphaDropout",
    "GaussianDropout",
    "GaussianNoise",
    "HardSigmoid",
    "HardSwish",
    "Mish",
    "PReLU",
    "ReLU6",
    "Softsign",
    "BatchNorm",
    "Dropout",
    "Adam",
    "AdamW",
    "Adamax",
    "BackupAndRestore",
    "CSVLogger",
    "CategoricalHinge",
    "CosineSimilarity",
    "Callback",
    "DivergenceError",
    "NotBuiltError",
    "ELU",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "RMSprop",
    "ReduceLROnPlateau",
    "SwapEMAWeights",
    "TerminateOnNaN",
    "BinaryCrossEntropy",
    "BinaryFocalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CrossEntropy",
    "Dense",
    "GELU",
    "Huber",
    "Hinge",
    "KLDivergence",
    "LogCosh",
    "Poisson",
    "Exp",
    "Identity",
    "Layer",
    "LayerNorm",
    "LayerNormalization",
    "ModelCheckpoint",
    "ModelFileError",
    "Normalization",
    "LeakyReLU",
    "Lion",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Nadam",
    "Optimizer",
    "Param",
    "ReLU",
    "SELU",
    "SGD",
    "Sequential",
    "SiLU",
    "SquaredHinge",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "gradcheck",
    "gradcheck_errors",
    "load",
    "load_checkpoint",
    "model_from_json",
    "save",
    "save_checkpoint",
]
