"""Session 21 review of the cross-entropies' options (``label_smoothing``, ``pos_weight``,
``axis``): the default paths make no call for them per step; faults found, each with the
test that failed before its fix."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin.losses import BinaryCrossEntropy, CrossEntropy


def _counted(monkeypatch: pytest.MonkeyPatch, cls: type, name: str) -> list[int]:
    """Count the calls of ``cls.name`` (a method) from now on."""
    calls = [0]
    method = getattr(cls, name)

    def counting(self: Any, *args: Any) -> Any:
        calls[0] += 1
        return method(self, *args)

    monkeypatch.setattr(cls, name, counting)
    return calls


@pytest.mark.parametrize(("loss", "method", "target"), [
    (BinaryCrossEntropy, "_smooth_binary", "binary"),
    (CrossEntropy, "_smooth_rows", "labels"),
])
def test_a_loss_without_options_calls_no_smoothing_per_step(monkeypatch, loss, method,
                                                            target) -> None:
    """A ``HardSigmoid`` output trains through the loss's own ``_value`` / ``_grad`` (no
    fused path): without ``label_smoothing`` they make no call for it, as before it existed."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 3))
    y = (rng.random((16, 2)) > 0.5).astype(float) if target == "binary" else np.arange(16) % 2
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.HardSigmoid()]).build(3, seed=0)
    calls = _counted(monkeypatch, loss, method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y, loss=loss(), optimizer="sgd", epochs=2, batch_size=4, verbose=0)
    assert calls[0] == 0
    loss(label_smoothing=0.1)(y, model.predict(X, verbose=0))  # the method is the one used
    assert calls[0] > 0


@pytest.mark.parametrize("loss", [
    lambda: BinaryCrossEntropy(from_logits=True, pos_weight=[1.0, 2.0]),
    lambda: nonlin.losses.CategoricalFocalCrossentropy(alpha=[1.0, 2.0]),
])
def test_compile_refuses_a_per_output_weight_of_another_width(loss) -> None:
    """``compile`` on a built model refuses what ``fit`` and a loaded file refuse: else
    ``save`` writes a file that ``nonlin.load`` refuses (``compile.loss.config...``)."""
    model = nonlin.Sequential([nonlin.Dense(3)]).build(4, seed=0)
    with pytest.raises(ValueError, match=r"^Expected one (pos_weight per output|alpha per "
                                         r"class): 3 values.*Received 2"):
        model.compile(optimizer="sgd", loss=loss())
    assert model.loss is None  # nothing changed
    unbuilt = nonlin.Sequential([nonlin.Dense(3)])
    unbuilt.compile(optimizer="sgd", loss=loss())  # no width yet: fit checks it
    assert unbuilt.loss is not None


def test_an_estimator_file_with_a_hostile_option_says_expected_once(tmp_path) -> None:
    """A ``nonlin.sklearn`` file whose loss config its class refuses names the field and
    the value, its message starting with one "Expected" (not "Expected Expected")."""
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier, load

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), np.arange(20) % 2
    path = tmp_path / "m.safetensors"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0,
                      loss=BinaryCrossEntropy(label_smoothing=0.25)).fit(X, y).save(path)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"label_smoothing\\\":0.25", b"label_smoothing\\\":1.25"))
    with pytest.raises(nonlin.ModelFileError, match=r"label_smoothing=1\.25") as info:
        load(path)
    assert "training.params.loss" in str(info.value)
    assert "Expected Expected" not in str(info.value)


def test_a_pos_weight_set_on_a_cross_entropy_is_no_option_of_it() -> None:
    """``CrossEntropy`` has no ``pos_weight`` (its constructor refuses one): an attribute of
    that name set on it is not carried by ``get_config`` nor makes ``fit`` rebuild the loss
    with it (a ``TypeError`` there); it trains as without it, as before the options existed."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 4)), np.arange(12) % 3
    stray = CrossEntropy()
    stray.pos_weight = 2.0
    assert stray.get_config() == CrossEntropy().get_config()
    weights = []
    for loss in (CrossEntropy(), stray):
        model = nonlin.Sequential([nonlin.Dense(3), nonlin.Softmax()]).build(4, seed=0)
        model.fit(X, y, loss=loss, optimizer="adam", epochs=2, batch_size=4, verbose=0, seed=1)
        weights.append(model.get_weights())
    for a, b in zip(*weights, strict=True):
        assert a.tobytes() == b.tobytes()
