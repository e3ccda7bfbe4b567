"""Leftovers of session 18: checkpoints written to file objects, Keras' schedule signatures.

- ``save_checkpoint(model, io.BytesIO(), epoch=1)`` and ``ModelCheckpoint(io.BytesIO())``
  said "Expected a file path ... Received: path=<_io.BytesIO object at 0x...>", as for any
  wrong value; they now say that checkpoints are written to paths only, atomically, and
  that ``nonlin.save`` takes file objects, as ``load_checkpoint`` says for reading.
- ``CosineDecay`` took Keras 3's positional order (``initial_learning_rate, decay_steps,
  alpha, name, warmup_target, warmup_steps``) for nonlin's (``..., alpha, warmup_steps,
  warmup_from``): ``CosineDecay(0.1, 1000, 0.0, "cosine")`` said warmup_steps='cosine'.
  The fourth argument, a name (a str or None), now selects Keras' order.
- ``InverseTimeDecay(0.1, 1.0, 0.5)``, Keras' own example, was refused: Keras takes a float
  ``decay_steps`` there; nonlin does now (an integer's rates are unchanged).
- An omitted ``decay_steps`` (None: the default, so that ``initial_learning_rate`` may be
  named) said "Received: decay_steps=None"; it now says the argument is required.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin.checkpoint import ModelCheckpoint, load_checkpoint, save_checkpoint
from nonlin.schedules import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    PolynomialDecay,
    schedule_from_config,
)

X = np.random.default_rng(0).normal(size=(6, 3))
Y = np.random.default_rng(1).normal(size=(6, 2))

_WRITTEN = (r"^Expected a checkpoint file path \(a str, bytes or os\.PathLike\): checkpoints are "
            r"written to paths only, atomically \(a temporary file next to the path, then "
            r"renamed over it\)\. Received a file object, {}: pass a path, or save the model "
            r"alone, without its training state, with nonlin\.save\(model, f\), which takes "
            r"file objects$")


def _fitted() -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    model.compile("sgd", "mse")
    model.fit(X, Y, epochs=1, verbose=0)
    return model


@pytest.mark.parametrize("target, named", [
    (io.BytesIO(), "BytesIO"), (io.StringIO(), "StringIO")])
def test_save_checkpoint_to_a_file_object_says_checkpoints_take_paths(
        target: Any, named: str) -> None:
    with pytest.raises(TypeError, match=_WRITTEN.format(named)):
        save_checkpoint(_fitted(), target, epoch=1)
    assert target.getvalue() in (b"", "")


def test_save_checkpoint_to_an_open_file_names_it(tmp_path: Path) -> None:
    model = _fitted()
    with open(tmp_path / "ck.safetensors", "wb") as handle:
        with pytest.raises(TypeError, match=_WRITTEN.format(
                r"BufferedWriter \('.*ck\.safetensors'\)")):
            save_checkpoint(model, handle, epoch=1)
    assert (tmp_path / "ck.safetensors").read_bytes() == b""
    save_checkpoint(model, tmp_path / "ck.safetensors", epoch=1)  # its path is taken
    assert load_checkpoint(tmp_path / "ck.safetensors").epoch == 1
    buffer = io.BytesIO()
    nonlin.save(model, buffer)  # what the message points to
    assert nonlin.load(io.BytesIO(buffer.getvalue())).get_weights()[0].shape == (3, 2)


@pytest.mark.parametrize("keyword", ["filepath", "path"])
def test_model_checkpoint_refuses_a_file_object_as_save_checkpoint_does(keyword: str) -> None:
    with pytest.raises(TypeError, match=_WRITTEN.format("BytesIO")):
        ModelCheckpoint(**{keyword: io.BytesIO()})


def test_other_wrong_paths_keep_their_message() -> None:
    with pytest.raises(TypeError, match=r"^Expected a file path \(a str, bytes or "
                                        r"os\.PathLike\)\. Received: path=3$"):
        save_checkpoint(_fitted(), 3, epoch=1)  # type: ignore[arg-type]


# -- schedules: Keras 3's signatures ---------------------------------------------------------
def _rates(schedule: Any, steps: range = range(0, 1300, 7)) -> list[float]:
    return [schedule(step) for step in steps]


def test_cosine_decay_takes_keras_positional_order_with_a_name() -> None:
    keras = CosineDecay(0.0, 1000, 0.0, "cosine", 0.1, 100)  # Keras 3's order, all positional
    named = CosineDecay(initial_learning_rate=0.0, decay_steps=1000, alpha=0.0, name="cosine",
                        warmup_target=0.1, warmup_steps=100)
    assert keras.get_config() == named.get_config()
    assert _rates(keras) == _rates(named)
    assert keras(0) == 0.0 and keras(100) == 0.1 and keras.name == "cosine"
    mixed = CosineDecay(0.0, 1000, 0.0, "cosine", warmup_target=0.1, warmup_steps=100)
    assert mixed.get_config() == named.get_config()


@pytest.mark.parametrize("args, name", [((0.1, 100, 0.2, "cos"), "cos"),
                                        ((0.1, 100, 0.2, None), None),
                                        ((0.1, 100, 0.2, "cos", None, 10), "cos")])
def test_cosine_decay_keras_order_without_target_decays_from_the_first_rate(
        args: tuple[Any, ...], name: str | None) -> None:
    """Keras: no warmup_target, no warm-up (warmup_steps unused)."""
    schedule = CosineDecay(*args)
    assert schedule.name == name and schedule.warmup_steps == 0
    assert _rates(schedule) == _rates(CosineDecay(0.1, 100, 0.2))


def test_cosine_decay_nonlins_positional_order_is_unchanged() -> None:
    own = CosineDecay(0.1, 300, 0.1, 30, 0.01)
    assert own.get_config() == {"lr": 0.1, "decay_steps": 300, "alpha": 0.1,
                                "warmup_steps": 30, "warmup_from": 0.01}
    assert _rates(own) == _rates(CosineDecay(0.1, 300, 0.1, warmup_steps=30, warmup_from=0.01))
    assert _rates(CosineDecay(0.1, 300, 0.1, 30)) == _rates(
        CosineDecay(0.1, 300, alpha=0.1, warmup_steps=30))


@pytest.mark.parametrize("make, match", [
    (lambda: CosineDecay(0.1, 100, 0.0, 5, warmup_steps=3),
     r"^Expected warmup_steps once\. Received it positionally, 5 \(nonlin's order: lr, "
     r"decay_steps, alpha, warmup_steps, warmup_from\), and by name, warmup_steps=3$"),
    (lambda: CosineDecay(0.0, 100, 0.0, "a", 0.1, name="b"),
     r"^Expected name once\. Received it positionally, 'a' \(Keras' order, a name fourth: "
     r".*\), and by name, name='b'$"),
    (lambda: CosineDecay(0.1, 100, 0.0, 5, 0.01, 7),
     r"^Expected at most 5 positional arguments \(nonlin's order: lr, decay_steps, alpha, "
     r"warmup_steps, warmup_from; Keras' order, a name fourth: initial_learning_rate, "
     r"decay_steps, alpha, name, warmup_target, warmup_steps\)\. Received 6$"),
    (lambda: CosineDecay(0.1, 100, 0.0, "a", warmup_from=0.01),
     r"not both\. Received: warmup_from=0\.01 with Keras' positional order \(a name fourth\)$"),
    (lambda: CosineDecay(0.0, 100, 0.0, "a", 0.1, 10, 3),
     r"^Expected at most 6 positional arguments \(Keras' order, a name fourth: .*; nonlin's "
     r"order: .*\)\. Received 7$"),
])
def test_cosine_decay_arguments_given_twice_or_too_many_are_refused(make: Any, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        make()


def test_inverse_time_decay_takes_a_float_decay_steps_as_keras_does() -> None:
    example = InverseTimeDecay(0.1, 1.0, 0.5)  # Keras' docstring's example
    assert _rates(example) == _rates(InverseTimeDecay(0.1, 1, 0.5))
    for staircase in (False, True):
        schedule = InverseTimeDecay(0.1, 2.5, 0.5, staircase)
        for step in range(40):
            p = step / 2.5
            expected = 0.1 / (1.0 + 0.5 * (math.floor(p) if staircase else p))  # Keras'
            assert schedule(step) == expected, (staircase, step)
        config = {"class_name": "InverseTimeDecay", "config": schedule.get_config()}
        assert config["config"]["decay_steps"] == 2.5
        assert _rates(schedule_from_config(config)) == _rates(schedule)
    assert InverseTimeDecay(0.1, 1e-310, 0.0)(5) == 0.1  # step / decay_steps is inf: no NaN
    assert InverseTimeDecay(0.1, 1e-310, 0.5)(5) == 0.0
    assert InverseTimeDecay(0.1, 0.5, 0.5)(10**400) == 0.0


@pytest.mark.parametrize("bad", [0.0, -2.5, math.inf, math.nan, "2"])
def test_inverse_time_decay_still_refuses_a_non_positive_or_non_finite_decay_steps(
        bad: Any) -> None:
    with pytest.raises(ValueError, match=r"Received: decay_steps="):
        InverseTimeDecay(0.1, bad, 0.5)


def test_a_fitted_model_with_a_float_decay_steps_saves_and_loads(tmp_path: Path) -> None:
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    model.compile(nonlin.SGD(InverseTimeDecay(0.1, 2.5, 0.5)), "mse")
    model.fit(X, Y, epochs=2, batch_size=2, verbose=0, seed=0)
    model.save(tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.current_lr() == model.optimizer.current_lr()


@pytest.mark.parametrize("make, name", [
    (lambda: ExponentialDecay(initial_learning_rate=0.1, decay_rate=0.9), "decay_steps"),
    (lambda: InverseTimeDecay(initial_learning_rate=0.1, decay_rate=0.5), "decay_steps"),
    (lambda: PolynomialDecay(initial_learning_rate=0.1), "decay_steps"),
    (lambda: CosineDecay(initial_learning_rate=0.1), "decay_steps"),
    (lambda: CosineDecay(0.1, None), "decay_steps"),
    (lambda: CosineDecayRestarts(initial_learning_rate=0.1), "first_decay_steps"),
])
def test_a_missing_decay_steps_is_said_to_be_required(make: Any, name: str) -> None:
    # InverseTimeDecay also takes a float decay_steps, and says so (test_audit18)
    with pytest.raises(ValueError, match=rf"^Expected an integer >= 1( or a float > 0 \(Keras "
                                         rf"takes both\))?: {name} is required \(it "
                                         rf"has no default\)\. Received: {name}=None$"):
        make()


# -- from nonlin import BatchNormalization (Input, the example before s21, exists now) -------
_NO_INPUT = r"nonlin's name is BatchNorm\(\)"  # Input exists since s21 (keras_layers)


def test_from_nonlin_import_input_gives_the_keras_hint() -> None:
    with pytest.raises(ImportError, match=r"^cannot import name 'BatchNormalization' from "
                                          r"'nonlin' \(.*__init__\.py\); " + _NO_INPUT) as raised:
        from nonlin import BatchNormalization  # noqa: F401
    assert raised.value.name == "nonlin" and not isinstance(raised.value, AttributeError)

    def inside_a_function() -> None:
        from nonlin import BatchNormalization, Dense  # noqa: F401

    with pytest.raises(ImportError, match=_NO_INPUT):
        inside_a_function()


def test_a_module_importing_input_gets_the_hint(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "ported_keras_script_s18.py"
    script.write_text("from nonlin import BatchNormalization\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImportError, match=_NO_INPUT):
        import ported_keras_script_s18  # noqa: F401


@pytest.mark.parametrize("module, name, hint", [
    ("nonlin.layers", "BatchNormalization", r"nonlin's name is BatchNorm\(\)"),
    ("nonlin.layers", "PReLU", r"nonlin.layers holds .*: every layer is nonlin\.PReLU"),
    ("nonlin", "manual_seed", r"nonlin reads no global random state"),
])
def test_other_from_imports_with_a_hint_get_it(module: str, name: str, hint: str) -> None:
    with pytest.raises(ImportError, match=rf"^cannot import name '{name}' from '{module}' "
                                          rf"\(.*\); {hint}"):
        exec(f"from {module} import {name}", {})


def test_attribute_look_ups_and_other_names_are_as_before() -> None:
    assert not hasattr(nonlin, "BatchNormalization")
    assert getattr(nonlin, "BatchNormalization", 5) == 5
    assert not hasattr(nonlin.layers, "BatchNormalization")
    with pytest.raises(AttributeError, match=r"^module 'nonlin' has no attribute "
                                             r"'BatchNormalization'; "
                                             + _NO_INPUT):
        nonlin.BatchNormalization  # noqa: B018
    with pytest.raises(ImportError, match=r"^cannot import name 'NoSuchName' from 'nonlin' "
                                          r"\(.*__init__\.py\)$"):
        from nonlin import NoSuchName  # type: ignore[attr-defined]  # noqa: F401
    namespace: dict[str, Any] = {}
    exec("from nonlin import Dense, schedules", namespace)
    assert namespace["Dense"] is nonlin.Dense and namespace["schedules"] is nonlin.schedules


def test_save_checkpoint_is_a_top_level_name_as_load_checkpoint_is(tmp_path: Path) -> None:
    import nonlin.checkpoint

    assert nonlin.save_checkpoint is nonlin.checkpoint.save_checkpoint
    assert "save_checkpoint" in nonlin.__all__ and "save_checkpoint" in dir(nonlin)
    X = np.random.default_rng(0).random((32, 3))
    y = (X.sum(axis=1) > 1.5).astype(int)
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, seed=0, verbose=0)
    path = tmp_path / "ck.safetensors"
    nonlin.save_checkpoint(model, path, epoch=2)  # epochs done: the guide's rule
    ck = nonlin.load_checkpoint(path)
    assert ck.epoch == 2 and ck.model.history.epoch == [0, 1]
