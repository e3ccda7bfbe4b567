"""Keras 3 names that nonlin's package lacks, met with nonlin's way instead of a bare
``AttributeError``.

A Keras script ported by changing ``import keras`` to ``import nonlin as keras`` writes
``keras.Input(shape=(20,))``, ``keras.layers.BatchNormalization()``,
``keras.utils.to_categorical``, ``keras.models.load_model`` and
``keras.regularizers.l2(1e-4)``. nonlin has other names for these, or needs none;
``nonlin.__getattr__`` adds the answer to Python's error (see ``_torch_habits``), so
``hasattr`` and ``getattr(nonlin, name, default)`` behave exactly as before.

Non-goals: the Keras namespaces themselves (``keras.utils``, ``keras.models``); aliases
resolve through ``registry`` alone, and a second path to the same objects is not one.
"""

from __future__ import annotations

KERAS_MODULE_HABITS = {
    "Input": ("nonlin needs no Input layer: leave keras.Input(shape=(20,)) out of the list; "
              "the first fit (or model.build(n_features, seed=0)) sets the input width"),
    "BatchNormalization": ("nonlin's name is BatchNorm(): BatchNorm(momentum=0.99, "
                           "epsilon=1e-3), Keras' defaults"),
    "Activation": ("put the activation layer itself in the model: ReLU() for Keras' "
                   "Activation('relu'), or nonlin.registry.activation('relu') from its name"),
    "utils": ("for keras.utils.set_random_seed(0): nonlin reads no global random state, give "
              "the model its seed, model.fit(X, y, ..., seed=0) or model.build(n_features, "
              "seed=0); for to_categorical: fit takes integer labels with "
              "loss='sparse_categorical_crossentropy' (np.eye(n_classes)[y] is one-hot)"),
    "models": ("nonlin.load(path) is keras.models.load_model(path) (model.save(path) writes a "
               ".safetensors file); nonlin.Sequential is keras.Sequential"),
    "regularizers": ("Dense(64, l2=1e-4) is Keras' Dense(64, "
                     "kernel_regularizer=regularizers.l2(1e-4))"),
}
