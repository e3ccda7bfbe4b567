"""Session 32: a ``mypy --strict`` user sees ``model.history``, ``model.optimizer`` and
``model.loss`` typed (``History | None``, ``Optimizer | None``, ``Loss | None``: None before
``compile`` or ``fit``, as Keras), not ``Any``, and each plot function's return typed by
its ``path``: matplotlib's ``Axes`` (``plot_history``: an array of them) without one, the
path written (``str``) with one. The overloads name ``Axes`` for type checkers only:
``import nonlin.plots`` imports no matplotlib, and ``typing.get_type_hints`` resolves
the functions' own hints without it."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from test_typing_s31 import _mypy

USER = '''\
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import NDArray

import nonlin
from nonlin import plots


def run(X: NDArray[np.float64], y: NDArray[np.int64], where: str | None) -> float:
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    reveal_type(model.history)
    reveal_type(model.optimizer)
    reveal_type(model.loss)
    history = model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, verbose=0)
    reveal_type(plots.plot_error_curve([1.0, 0.5]))
    reveal_type(plots.plot_error_curve([1.0, 0.5], "e.png", dpi=200))
    reveal_type(plots.plot_history(history))
    reveal_type(plots.plot_history(history, "h.png"))
    reveal_type(plots.plot_decision_boundary(model.predict, X, y, threshold=0.0))
    reveal_type(plots.plot_decision_boundary(model.predict, X, y, Path("b.svg")))
    reveal_type(plots.plot_confusion_matrix(np.eye(2)))
    reveal_type(plots.plot_confusion_matrix(np.eye(2), where))
    plots.plot_history(history)[0].set_yscale("log")  # the guide's
    fig, axes = plt.subplots(1, 2)
    plots.plot_history(history, ax=axes, label="adam")
    plots.plot_error_curve([1.0], ax=axes[0], title=None)
    if model.optimizer is not None:
        model.optimizer.lr = 0.01
    last: float = model.history.history["loss"][-1] if model.history is not None else 0.0
    return last
'''.replace("from __future__ import annotations\n", "from __future__ import annotations\n\n"
            "from pathlib import Path\n")

# each line ending in "# E" must be an error: what the types now catch
MISTAKES = '''\
import numpy as np

import nonlin
from nonlin import plots

model = nonlin.Sequential([nonlin.Dense(1)])
print(model.history.history)  # E
model.optimizer.lr = 0.1  # E
plots.plot_confusion_matrix(np.eye(2)).set_titel("counts")  # E
plots.plot_error_curve([1.0], dpi=200)  # E
plots.plot_confusion_matrix(np.eye(2), "c.png").upper()
'''

REVEALED = [  # USER's reveal_type lines, in order
    "nonlin.callbacks.History | None",
    "nonlin.optimizers.Optimizer | None",
    "nonlin.losses.Loss | None",
    "matplotlib.axes._axes.Axes",
    "str",
    "numpy.ndarray[",  # of Axes
    "str",
    "matplotlib.axes._axes.Axes",
    "str",
    "matplotlib.axes._axes.Axes",
    "matplotlib.axes._axes.Axes | str",  # a path that may be None: either
]


def test_a_strict_user_sees_the_model_attributes_and_plots_typed(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    pytest.importorskip("matplotlib")
    lines = _mypy(tmp_path, {"user.py": USER, "mistakes.py": MISTAKES})
    errors = [line for line in lines if ": error:" in line]
    assert [line for line in errors if line.startswith("user.py")] == [], "\n".join(lines)
    expected = {i for i, line in enumerate(MISTAKES.splitlines(), 1) if line.endswith("# E")}
    found = {int(line.split(":")[1]) for line in errors if line.startswith("mistakes.py")}
    assert found == expected, "\n".join(lines)
    revealed = [re.sub(r'.*Revealed type is "(.*)"$', r"\1", line) for line in lines
                if "Revealed type is" in line]
    assert len(revealed) == len(REVEALED), "\n".join(lines)
    for got, want in zip(revealed, REVEALED, strict=True):
        same = sorted(got.split(" | ")) == sorted(want.split(" | "))  # a union in any order
        assert same or (want.endswith("[") and got.startswith(want)), (got, want)


def test_the_plot_functions_hints_resolve_at_run_time() -> None:
    """A guard (it passes before the change too): the overloads' ``Axes`` is for type
    checkers only; the functions' own hints resolve (documentation tools, dataclasses)."""
    from nonlin import plots

    for name in ("plot_error_curve", "plot_history", "plot_decision_boundary",
                 "plot_confusion_matrix"):
        hints = typing.get_type_hints(getattr(plots, name))
        assert hints["return"] is typing.Any, name
