"""The resumability check's verdict against what resuming does (review of session 26's
contracts merge): an optimizer of one's own whose ``get_config`` holds a tuple or a NumPy
array resumes bit-identically from its checkpoint, so ``save_checkpoint`` must not warn,
``BackupAndRestore`` must not refuse and a model file keeps it; one whose own
``from_config`` alone rebuilds it (the readers call its constructor, ``cls(**config)``)
does not resume, so the check must say so."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.checkpoint import save_checkpoint
from nonlin.optimizers import Optimizer
from nonlin.schedules import SCHEDULES, Schedule

_X = np.random.default_rng(0).normal(size=(48, 3))
_Y = _X @ np.array([1.0, -2.0, 0.5])


class TupleBall(Optimizer):
    """Heavy ball whose settings are a tuple, as PyTorch's ``betas``: stored as a tuple,
    whatever sequence it was given (a file gives a list)."""

    slot_names = ("v",)

    def __init__(self, lr: float = 0.01, betas: Any = (0.9, 0.5), **options: Any) -> None:
        super().__init__(lr, **options)
        self.betas = tuple(float(b) for b in betas)

    def compute_updates(self, params: list[Any], lr: float) -> list[np.ndarray]:
        deltas = []
        for p, v in zip(params, self.slots["v"], strict=True):
            v *= self.betas[0]
            v -= lr * p.grad
            deltas.append(v)
        return deltas

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "betas": self.betas}


class ArrayBall(TupleBall):
    """Its settings an array in its config (a file gives a list)."""

    def __init__(self, lr: float = 0.01, betas: Any = (0.9, 0.5), **options: Any) -> None:
        super().__init__(lr, betas, **options)
        self.weights = np.asarray(betas, dtype=np.float64)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        return {**config, "betas": self.weights}


class OwnFromConfig(TupleBall):
    """A ``from_config`` of its own makes the tuple its constructor insists on; the readers
    call the constructor with the file's list."""

    def __init__(self, lr: float = 0.01, betas: Any = (0.9, 0.5), **options: Any) -> None:
        if not isinstance(betas, tuple):
            raise TypeError(f"Expected betas as a tuple. Received: {betas!r}")
        super().__init__(lr, betas, **options)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> OwnFromConfig:
        return cls(**{**config, "betas": tuple(config["betas"])})


class HalvingS26(Schedule):
    """A schedule of one's own keeping its steps as a tuple."""

    def __init__(self, lr: float, every: Any = (2, 3)) -> None:
        self.lr0, self.every = lr, tuple(int(k) for k in every)

    def __call__(self, step: int) -> float:
        return self.lr0 * 0.5 ** (step // self.every[0])

    def get_config(self) -> dict[str, Any]:
        return {"lr": self.lr0, "every": self.every}


@pytest.fixture(autouse=True)
def _registered() -> Iterator[None]:
    added = {"tupleball_s26": TupleBall, "arrayball_s26": ArrayBall,
             "ownfromconfig_s26": OwnFromConfig}
    registry.OPTIMIZERS.update(added)
    SCHEDULES["HalvingS26"] = HalvingS26
    try:
        yield
    finally:
        for key in added:
            registry.OPTIMIZERS.pop(key, None)
        SCHEDULES.pop("HalvingS26", None)


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])


def _fit(model: nonlin.Sequential, epochs: int, **kwargs: Any) -> nonlin.Sequential:
    model.fit(_X, _Y, loss="mse", epochs=epochs, seed=0, verbose=0, batch_size=16, **kwargs)
    return model


def _saved(tmp_path: Path, make: Any) -> tuple[Path, list[str]]:
    path = tmp_path / "c.nonlin"
    model = _fit(_model(), 2, optimizer=make())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        save_checkpoint(model, path, epoch=2)
    return path, [str(w.message) for w in caught if "resume" in str(w.message)]


@pytest.mark.parametrize("make", [lambda: TupleBall(0.05, (0.8, 0.5)),
                                  lambda: ArrayBall(0.05, (0.8, 0.5)),
                                  lambda: TupleBall(HalvingS26(0.05, (2, 3)), (0.8, 0.5))],
                         ids=["tuple", "array", "schedule's tuple"])
def test_a_config_a_file_gives_back_as_a_list_resumes_without_a_warning(
        tmp_path: Path, make: Any) -> None:
    # before: "its config does not rebuild it" (the rebuilt config's tuple, or array, was
    # compared with the file's list), though the resume below is bit-identical
    path, warned = _saved(tmp_path, make)
    assert warned == []
    resumed = _fit(_model(), 4, resume_from=path)
    straight = _fit(_model(), 4, optimizer=make())
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert resumed.optimizer.betas == straight.optimizer.betas == (0.8, 0.5)


def test_backup_and_restore_takes_a_tuple_setting(tmp_path: Path) -> None:
    # before: TypeError before the first epoch ("would not resume")
    model = _fit(_model(), 2, optimizer=TupleBall(0.05, (0.8, 0.5)),
                 callbacks=[nonlin.BackupAndRestore(tmp_path / "backup")])
    assert model.history.epoch == [0, 1]


def test_a_model_file_keeps_a_tuple_setting(tmp_path: Path) -> None:
    # before: the optimizer left out of the file, with a warning
    model = _fit(_model(), 2, optimizer=TupleBall(0.05, (0.8, 0.5)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert type(loaded.optimizer) is TupleBall
    assert loaded.optimizer.betas == (0.8, 0.5)


def test_a_from_config_of_its_own_is_not_what_resumes(tmp_path: Path) -> None:
    # the readers rebuild with the constructor, cls(**config), as Optimizer.from_config
    # does: one that only its own from_config rebuilds is named before it is trained (on
    # main by chance: its tuple against the file's list; the check asked from_config)
    path, warned = _saved(tmp_path, lambda: OwnFromConfig(0.05, (0.8, 0.5)))
    with pytest.raises(nonlin.ModelFileError, match="betas as a tuple"):
        _fit(_model(), 4, resume_from=path)
    assert len(warned) == 1
    assert "could not be rebuilt from it (its config does not rebuild it)" in warned[0]
    # the fix names what the file calls (main: "that from_config rebuilds it from", which
    # this class's does)
    assert "OwnFromConfig(**config) rebuilds it from" in warned[0]


def _named_twice(factor: float) -> type:
    """A class named ``Cell``, as a notebook cell (or a function) makes it each run."""

    class Cell(TupleBall):
        def compute_updates(self, params: list[Any], lr: float) -> list[np.ndarray]:
            return [factor * d for d in super().compute_updates(params, lr)]

    return Cell


def test_a_class_whose_name_another_registered_class_took_is_named(tmp_path: Path) -> None:
    # the readers look the class up by name, the last registered of that name: the first
    # Cell's checkpoint resumed silently with the second Cell's rule (before: no warning)
    first, second = _named_twice(0.5), _named_twice(2.0)
    registry.OPTIMIZERS["cell_s26_v1"] = first
    registry.OPTIMIZERS["cell_s26_v2"] = second
    try:
        path, warned = _saved(tmp_path, lambda: first(0.05))
        assert type(_fit(_model(), 4, resume_from=path).optimizer) is second
        assert len(warned) == 1
        assert "(another class named Cell in nonlin.registry.OPTIMIZERS is the one a file " \
               "rebuilds by that name)" in warned[0]
        assert _saved(tmp_path, lambda: second(0.05))[1] == []  # the one a file rebuilds
        with pytest.raises(TypeError, match="another class named Cell"):
            _fit(_model(), 1, optimizer=first(0.05),
                 callbacks=[nonlin.BackupAndRestore(tmp_path / "backup")])
    finally:
        registry.OPTIMIZERS.pop("cell_s26_v1", None)
        registry.OPTIMIZERS.pop("cell_s26_v2", None)
