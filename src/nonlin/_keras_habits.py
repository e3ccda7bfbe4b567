"""Keras 3 names that nonlin's package lacks, met with nonlin's way instead of a bare
``AttributeError``.

A Keras script ported by changing ``import keras`` to ``import nonlin as keras`` writes
``keras.layers.BatchNormalization()``, ``keras.utils.to_categorical`` and
``keras.models.load_model``. nonlin has other names for these, or needs none;
``nonlin.__getattr__`` adds the answer to Python's error (see ``_torch_habits``), so
``hasattr`` and ``getattr(nonlin, name, default)`` behave exactly as before.

``from nonlin import BatchNormalization`` gets it too (``module_error``). CPython's
from-import calls the module's ``__getattr__`` and drops an ``AttributeError`` from it for
its bare "cannot import name" (other exceptions pass through unchanged); an ``ImportError``
for every look-up would break ``hasattr``. So the importing frame's current instruction is
read: ``IMPORT_FROM`` gets an ``ImportError`` with the answer; anything else, or an
interpreter without those frames, Python's own errors.

Non-goals: the Keras namespaces themselves (``keras.utils``, ``keras.models``); aliases
resolve through ``registry`` alone, and a second path to the same objects is not one.
"""

from __future__ import annotations

import sys
from typing import Any

from ._param_state import FREEZE_WAY

KERAS_MODULE_HABITS = {
    "BatchNormalization": ("nonlin's name is BatchNorm(): BatchNorm(momentum=0.99, "
                           "epsilon=1e-3), Keras' defaults"),
    "utils": ("for keras.utils.set_random_seed(0): nonlin reads no global random state, give "
              "the model its seed, model.fit(X, y, ..., seed=0) or model.build(n_features, "
              "seed=0); for to_categorical: fit takes integer labels with "
              "loss='sparse_categorical_crossentropy' (np.eye(n_classes)[y] is one-hot)"),
    "models": ("nonlin.load(path) is keras.models.load_model(path) (model.save(path) writes a "
               ".safetensors file); nonlin.Sequential is keras.Sequential"),
}

CALLBACK_HABITS = {  # keras.callbacks names nonlin.callbacks lacks
    "TensorBoard": ("nonlin writes no TensorBoard event files: CSVLogger('log.csv') writes each "
                    "epoch's logs, fit's History holds them (history.history), and "
                    "nonlin.plots.plot_history(history, 'curves.png') draws them"),
    "ProgbarLogger": ("fit(verbose=1) shows the progress bar, verbose=2 one line per epoch: "
                      "no callback is needed"),
}

LAYER_HABITS = {
    **dict.fromkeys(("requires_grad", "requires_grad_"), f"PyTorch's; {FREEZE_WAY}"),
    "kernel": ("Dense's weight matrix is layer.W.value, shape (n_in, units) as Keras' kernel "
               "(layer.W is its Param, with .grad); the bias vector is layer.b.value "
               "(layer.bias is the bias=True flag)"),
}

MODEL_HABITS = {
    "input_shape": ("the model has no defined input shape yet (Keras 3's words): "
                    "Input(shape=(n_features,)) first in its list, model.build(n_features, "
                    "seed) or the first fit defines it"),
    "output_shape": ("the model has no defined output shape yet (Keras 3's words): "
                     "model.build(n_features, seed) or the first fit defines it, and after "
                     "add or pop, build again"),
    "save_weights": ("model.save(path) writes the weights (and the architecture) to a "
                     ".safetensors file; model.get_weights() gives them as arrays"),
    "load_weights": ("nonlin.load(path) reads a saved model; to put its weights into this "
                     "built model: model.set_weights(nonlin.load(path).get_weights())"),
}


def _importing(depth: int) -> bool:
    """Whether the frame ``depth`` calls up is running a from-import (``IMPORT_FROM``)."""
    try:
        frame = sys._getframe(depth + 1)
        running = frame.f_code.co_code[frame.f_lasti]
    except (AttributeError, ValueError, IndexError, TypeError):  # not CPython's frames
        return False
    import dis

    return running == dis.opmap.get("IMPORT_FROM")


def module_error(module: str, name: str, hint: str | None,
                 depth: int = 2) -> AttributeError | ImportError:
    """Python's ``AttributeError`` for ``<module>.<name>``, ``hint`` added; for ``from
    <module> import <name>`` (run ``depth`` calls up: 2 from a module's ``__getattr__``)
    with a hint, Python's ``ImportError`` with it added, which the import passes on."""
    if hint is None:
        return AttributeError(f"module {module!r} has no attribute {name!r}")
    if not _importing(depth):
        return AttributeError(f"module {module!r} has no attribute {name!r}; {hint}")
    path = getattr(sys.modules.get(module), "__file__", None)
    where = f" ({path})" if isinstance(path, str) else ""
    return ImportError(f"cannot import name {name!r} from {module!r}{where}; {hint}",
                       name=module, path=path)


def layers_module_error(name: str) -> AttributeError | ImportError:
    """Python's error for ``nonlin.layers.<name>`` (``from nonlin.layers import <name>``):
    Keras' ``layers.ReLU()`` goes, ``layers.PReLU()`` is ``nonlin.PReLU()``:
    ``nonlin.layers`` holds ``Dense``, ``Dropout`` and the first activations alone."""
    import nonlin

    hint = KERAS_MODULE_HABITS.get(name)
    if hint is None and name in nonlin.__all__:
        hint = (f"nonlin.layers holds Dense, Dropout and the first activations alone: "
                f"every layer is nonlin.{name} (from nonlin import {name})")
    return module_error("nonlin.layers", name, hint, depth=3)


def layers_getattr(name: str) -> Any:
    """``nonlin.layers.__getattr__``: Keras' ``layers.PReLU()`` (``from keras import
    layers``), nonlin's way in the error."""
    if name.startswith("__"):  # __path__, looked up by each `from .layers import`
        raise AttributeError(f"module 'nonlin.layers' has no attribute {name!r}")
    raise layers_module_error(name)
