"""save's check that the file's tensors back each width (``_saved_shapes.check_backed``)
builds the layers without arrays through ``_widths.check_widths``: on the model's own
layers, a ``Dropout``'s generator became that check's, so a fit with a ``ModelCheckpoint``
drew other masks after the first save and resuming it no longer gave a straight run's bits."""

from __future__ import annotations

import io

import numpy as np

import nonlin

NOISE = (nonlin.Dropout, nonlin.AlphaDropout, nonlin.GaussianDropout, nonlin.GaussianNoise)


def _model() -> nonlin.Sequential:
    layers = [nonlin.Dense(4), nonlin.ReLU()]
    for cls in NOISE:
        layers += [cls(0.3), nonlin.Dense(4)]
    return nonlin.Sequential([*layers, nonlin.Dense(1)])


def test_save_leaves_every_layer_drawing_from_the_models_generator() -> None:
    model = _model().build(3, seed=0)
    nonlin.save(model, io.BytesIO())
    for layer in model.layers:
        if isinstance(layer, NOISE):
            assert layer.rng is model.rng, type(layer).__name__


def test_a_checkpoint_each_epoch_leaves_the_training_as_it_was(tmp_path) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 3)), rng.normal(size=32)
    fit = dict(loss="mse", optimizer="sgd", epochs=3, batch_size=8, seed=0, verbose=0)
    plain, saved = _model(), _model()
    plain.fit(X, y, **fit)
    saved.fit(X, y, callbacks=[nonlin.ModelCheckpoint(tmp_path / "ck.safetensors")], **fit)
    for a, b in zip(plain.get_weights(), saved.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
