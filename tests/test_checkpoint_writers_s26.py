"""The writers of a checkpoint and their resumability check (session 26): the check reads the
optimizer's config, not a copy of its state (``save_checkpoint`` copies the state once, not
twice), with the same verdicts and messages; ``checkpoint_bytes`` warns as
``save_checkpoint`` does of a checkpoint that could not be resumed from."""

from __future__ import annotations

import io
import re
import warnings
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.checkpoint import checkpoint_bytes
from test_extend_s24b import ForgetfulBall
from test_resumable_s25 import REASONS, Unbuildable, _fitted


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    for cls in (ForgetfulBall, Unbuildable):
        monkeypatch.setitem(registry.OPTIMIZERS, cls.__name__, cls)


def _count_state_dicts(optimizer: Any) -> list[int]:
    """Count the calls of ``optimizer.state_dict`` (each a copy of every slot)."""
    calls = [0]
    method = optimizer.state_dict

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return method(*args, **kwargs)

    optimizer.state_dict = counted
    return calls


@pytest.mark.parametrize("make", [lambda: nonlin.Adam(0.01), lambda: nonlin.SGD(0.1, 0.9)])
def test_save_checkpoint_copies_the_optimizer_state_once(make: Any, tmp_path) -> None:
    model = _fitted(make())
    calls = _count_state_dicts(model.optimizer)
    nonlin.save_checkpoint(model, tmp_path / "ck.safetensors", epoch=1)
    assert calls == [1]  # on main: 2, the resumability check copying it too
    from nonlin._resumable import check_resumable

    check_resumable(model.optimizer, "save_checkpoint's file")
    assert calls == [1]
    assert nonlin.load_checkpoint(tmp_path / "ck.safetensors").step == 1


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize("kind", list(REASONS))
def test_the_check_without_the_state_gives_the_same_verdicts(kind: str) -> None:
    from nonlin._compile_entries import _optimizer_entry, unrebuilt
    from nonlin._rebuilt_settings import Unrebuilt

    optimizer = REASONS[kind][0]()
    found = unrebuilt(optimizer, optimizer.get_config())
    entry = _optimizer_entry(optimizer)
    assert isinstance(found, Unrebuilt) and isinstance(entry, Unrebuilt)
    assert (found.kind, found.reason) == (entry.kind, entry.reason) and found.kind == kind
    assert unrebuilt(nonlin.Adam(0.01), nonlin.Adam(0.01).get_config()) is None


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize("kind", list(REASONS))
def test_checkpoint_bytes_warns_as_save_checkpoint_and_gives_the_bytes(kind: str) -> None:
    make, reason = REASONS[kind]
    model = _fitted(make())
    # on main: no warning (checkpoint_bytes wrote without the check)
    with pytest.warns(UserWarning, match=re.escape(
            f"checkpoint_bytes's checkpoint will not resume (resume_from=): {reason}")):
        data = checkpoint_bytes(model, epoch=1)
    loaded = nonlin.load(io.BytesIO(data), compile=False)  # as the warning says
    assert all(np.array_equal(a, b) for a, b in zip(
        loaded.get_weights(), model.get_weights(), strict=True))


def test_checkpoint_bytes_of_a_resumable_optimizer_does_not_warn(tmp_path) -> None:
    model = _fitted(nonlin.Adam(0.01))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = checkpoint_bytes(model, epoch=1)
    path = tmp_path / "ck.safetensors"
    nonlin.save_checkpoint(model, path, epoch=1)
    assert data == path.read_bytes()  # the file save_checkpoint writes
