"""``save`` builds no layer of the model it saves: its check of the widths the file's
tensors back (``nonlin._widths``, run on the model's own layers for nonlin's classes) built
each activation and ``Dropout`` again, mid-fit under ``ModelCheckpoint``: a run resumed from
a checkpoint then no longer equalled the straight run (tests/test_checkpoint.py found it
after two merges, each green alone)."""

from __future__ import annotations

import io
from typing import Any

import nonlin


def test_save_builds_none_of_the_models_layers() -> None:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dropout(0.5),
                               nonlin.Dense(2), nonlin.Softmax()]).build(3, seed=0)
    calls: list[str] = []
    for layer in model.layers:
        def counted(*args: Any, _build: Any = layer.build, _name: str = type(layer).__name__,
                    **kwargs: Any) -> Any:
            calls.append(_name)
            return _build(*args, **kwargs)
        layer.build = counted  # type: ignore[method-assign]
    nonlin.save(model, io.BytesIO())
    assert calls == []
