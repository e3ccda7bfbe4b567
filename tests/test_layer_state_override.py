"""A layer of one's own that overrides ``get_state`` (and ``set_state``) but not the private
``_live_state`` is read through its ``get_state`` by the model's readers (``get_state``,
``get_weights``, ``summary``, the divergence snapshot), not bypassed; nonlin's own classes
keep their no-copy path."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin._weights import layer_state


class CountingBatchNorm(nonlin.BatchNorm):
    """A BatchNorm that also counts the training batches its statistics saw."""

    def build(self, in_features, rng):
        self.batches = np.zeros(1)
        return super().build(in_features, rng)

    def forward(self, x, *, training=False):
        if training:
            self.batches += 1
        return super().forward(x, training=training)

    def get_state(self):
        return {**super().get_state(), "batches": self.batches.copy()}

    def set_state(self, state):
        state = dict(state)
        batches = state.pop("batches")
        super().set_state(state)
        self.batches[...] = batches


class TaggedNormalization(nonlin.Normalization):
    """A Normalization whose state also holds the number of rows it adapted to."""

    def adapt(self, data):
        super().adapt(data)
        self.rows = np.array([float(len(data))])

    def get_state(self):
        return {**super().get_state(), "rows": self.rows.copy()}

    def set_state(self, state):
        state = dict(state)
        rows = state.pop("rows")
        super().set_state(state)
        self.rows = np.array(rows, dtype=float)


def _model(kind):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1))
    first = CountingBatchNorm() if kind == "batchnorm" else TaggedNormalization()
    model = nonlin.Sequential([first, nonlin.Dense(1)])
    model.build(3, seed=0)
    if kind == "normalization":
        first.adapt(X)
    model.fit(X, y, loss="mse", optimizer="sgd", epochs=2, batch_size=10, verbose=0)
    return model, first


@pytest.mark.parametrize("kind, extra, value", [("batchnorm", "batches", 8.0),
                                                ("normalization", "rows", 40.0)])
def test_an_overridden_get_state_is_what_the_model_reads(kind, extra, value):
    model, layer = _model(kind)
    assert set(layer_state(layer)) == set(layer.get_state())
    state = model.get_state()
    assert state[f"0.{extra}"] == pytest.approx([value]), state
    weights = model.get_weights()
    own = len(layer.parameters()) + len(layer.get_state())  # its parameters, then its state
    assert len(weights) == own + 2  # then Dense's W and b
    assert any(w.shape == (1,) and w[0] == value for w in weights[:own])
    twin, twin_layer = _model(kind)
    twin_layer.set_state({**twin_layer.get_state(), extra: np.array([0.0])})
    twin.set_weights(weights)  # the whole list, the extra entry included
    assert twin.get_state()[f"0.{extra}"] == pytest.approx([value])
    twin.set_state({**state, f"0.{extra}": np.array([3.0])})
    assert twin_layer.get_state()[extra] == pytest.approx([3.0])


def test_a_get_state_set_on_the_instance_is_read_too():
    _, layer = _model("batchnorm")
    layer.get_state = lambda: {"moving_mean": layer.moving_mean.copy()}
    assert list(layer_state(layer)) == ["moving_mean"]


def test_nonlins_own_layers_keep_the_live_arrays():
    plain = nonlin.Sequential([nonlin.BatchNorm(), nonlin.Dense(1)]).build(3, seed=0)
    live = layer_state(plain.layers[0])
    assert live["moving_mean"] is plain.layers[0].moving_mean  # not a copy
