"""Where ``nonlin.callbacks`` finds the callbacks defined elsewhere: its module ``__getattr__``.

``EarlyStopping``, ``ModelCheckpoint``, the learning-rate callbacks, ``BackupAndRestore``,
``TerminateOnNaN``, ``SwapEMAWeights`` and ``CallbackList`` live in modules of their own; each
imports ``nonlin.callbacks``, so ``nonlin.callbacks`` imports them on first use
(``_reexport``), which ``from nonlin.callbacks import EarlyStopping`` also goes through.
A Keras 3 callback nonlin lacks (``TensorBoard``) gets Python's error with what to use instead.
"""

from __future__ import annotations

from typing import Any

from ._reexport import reexports

_reexported = reexports("nonlin.callbacks", EarlyStopping="early_stopping",
                        ModelCheckpoint="checkpoint", LearningRateScheduler="lr_callbacks",
                        ReduceLROnPlateau="lr_callbacks", CallbackList="_callback_list",
                        checked_callbacks="_callback_list", BackupAndRestore="_backup_callback",
                        TerminateOnNaN="_terminate_on_nan", SwapEMAWeights="swap_ema_weights")


def callbacks_getattr(name: str) -> Any:
    """``nonlin.callbacks.<name>``: a callback of another module, or for a Keras 3 callback
    nonlin lacks (``TensorBoard``), Python's error with what to use instead
    (``_keras_habits.CALLBACK_HABITS``; a from-import gets it as an ``ImportError``)."""
    from ._keras_habits import CALLBACK_HABITS, module_error

    hint = CALLBACK_HABITS.get(name)
    if hint is not None:
        raise module_error("nonlin.callbacks", name, hint)
    return _reexported(name)
