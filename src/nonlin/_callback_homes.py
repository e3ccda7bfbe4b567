"""Where ``nonlin.callbacks`` finds the callbacks defined elsewhere: its module ``__getattr__``.

``EarlyStopping``, ``ModelCheckpoint``, the learning-rate callbacks, ``BackupAndRestore``,
``TerminateOnNaN``, ``SwapEMAWeights`` and ``CallbackList`` live in modules of their own; each
imports ``nonlin.callbacks``, so ``nonlin.callbacks`` imports them on first use
(``_reexport``), which ``from nonlin.callbacks import EarlyStopping`` also goes through.
"""

from __future__ import annotations

from ._reexport import reexports

callbacks_getattr = reexports("nonlin.callbacks", EarlyStopping="early_stopping",
                              ModelCheckpoint="checkpoint", LearningRateScheduler="lr_callbacks",
                              ReduceLROnPlateau="lr_callbacks", CallbackList="_callback_list",
                              checked_callbacks="_callback_list",
                              BackupAndRestore="_backup_callback",
                              TerminateOnNaN="_terminate_on_nan",
                              SwapEMAWeights="swap_ema_weights")
