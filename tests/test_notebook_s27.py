"""What a notebook user meets (session 27's review in Jupyter), reproduced without a kernel.

ipykernel runs a cell with a SIGINT handler of Python's that raises ``KeyboardInterrupt``
(the kernel's interrupt button); ``tqdm.auto`` gives the console bar where ipywidgets is
missing, and its positions follow the bars still open.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import nonlin
import nonlin.progress

tqdm = pytest.importorskip("tqdm")


def _kernel_handler(signum: int, frame: Any) -> None:
    """A cell's SIGINT handler of ipykernel's kind: Python's, raising KeyboardInterrupt."""
    raise KeyboardInterrupt


@pytest.fixture
def kernel_sigint() -> Iterator[None]:
    previous = signal.signal(signal.SIGINT, _kernel_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _InterruptAt(nonlin.Callback):
    """The interrupt button pressed during the batch ``at`` of epoch ``epoch``."""

    def __init__(self, epoch: int, at: int) -> None:
        self.epoch, self.at, self._now = epoch, at, -1

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self._now = epoch

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        if (self._now, batch) == (self.epoch, self.at):
            signal.raise_signal(signal.SIGINT)


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    return X, (X[:, 0] > 0).astype(int)


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])


def test_an_interrupted_fit_closes_its_bar_and_the_next_cells_bar_is_drawn_plainly(
        kernel_sigint: None, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a kernel's stream (ipykernel's OutStream) draws the bar; capsys' stands in for it
    monkeypatch.setattr(nonlin.progress, "redraws", lambda file: True)  # as on a terminal
    X, y = _data()
    model = _model()
    open_before = len(tqdm.tqdm._instances)
    with pytest.raises(KeyboardInterrupt) as interrupted:  # held, as a notebook holds it
        model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=5, batch_size=8,
                  seed=0, verbose=1, callbacks=[_InterruptAt(1, 3)])
    assert len(tqdm.tqdm._instances) == open_before  # the bar closed, not left to the GC
    assert model.history.epoch == [0]  # the epoch done, as before
    assert model.optimizer.iterations == 8 + 4  # epoch 0, then batches 0..3 of epoch 1
    assert signal.getsignal(signal.SIGINT) is _kernel_handler  # the kernel's handler back
    capsys.readouterr()
    model.fit(X, y, epochs=2, batch_size=8, verbose=1)  # the next cell
    err = capsys.readouterr().err
    assert "\x1b[A" not in err and not err.startswith("\n")  # tqdm's position 0, no cursor-up
    assert err.count("Epoch 2/2: 100%") >= 1 and interrupted.value is not None


def test_a_fit_that_raises_closes_its_bar(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = _data()

    class Broken(nonlin.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if batch == 2:
                raise RuntimeError("a callback's bug")

    open_before = len(tqdm.tqdm._instances)
    with pytest.raises(RuntimeError, match="a callback's bug") as raised:
        _model().fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=8,
                     seed=0, verbose=1, callbacks=[Broken()])
    assert len(tqdm.tqdm._instances) == open_before and raised.value is not None


_SQUARE = '''
class Square(Layer):
    _inputs = ("_x",)

    def forward(self, x, *, training=False):
        if training:
            self._x = x
        return x * x

    def backward(self, grad_out):
        return grad_out * (2 * self._x)


class Halved(Loss):
    def call(self, y_true, y_pred):
        return 0.5 * ((y_pred - y_true) ** 2).sum(axis=1)

    def grad_terms(self, y_true, y_pred, out):
        return np.subtract(y_pred, y_true, out=out)
'''


def _run_cell(namespace: dict[str, Any], registry: Any) -> None:
    """The notebook's cell defining and registering a layer and a loss, run (again)."""
    exec(_SQUARE, namespace)  # noqa: S102 (a cell's code, the test's own)
    registry.LAYERS["Square"], registry.LOSSES["halved"] = namespace["Square"], namespace["Halved"]


@pytest.fixture
def cell_namespace(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from nonlin import registry
    from nonlin.core import Layer
    from nonlin.losses import Loss

    monkeypatch.setitem(registry.LAYERS, "Square", None)
    monkeypatch.setitem(registry.LOSSES, "halved", None)
    return {"Layer": Layer, "Loss": Loss, "np": np, "__name__": "__main__"}


def test_saving_after_the_class_cell_ran_again_says_the_class_was_defined_again(
        cell_namespace: dict[str, Any], tmp_path: Any) -> None:
    from nonlin import registry

    _run_cell(cell_namespace, registry)
    model = nonlin.Sequential([nonlin.Dense(3), cell_namespace["Square"](), nonlin.Dense(1)])
    X = np.random.default_rng(0).normal(size=(16, 2))
    model.fit(X, X[:, :1], loss=cell_namespace["Halved"](), optimizer="sgd", seed=0, verbose=0)
    model.save(tmp_path / "first.nonlin")  # registered: saved, with its loss
    _run_cell(cell_namespace, registry)  # the cell again: new classes under the old names
    with pytest.raises(TypeError) as refused, pytest.warns(UserWarning, match="Halved"):
        model.save(tmp_path / "again.nonlin")  # the loss's warning first, then the refusal
    message = str(refused.value)
    assert "is another class Square than the one layers[1] was made from" in message
    assert "defined again" in message and "type(model.layers[1])" in message
    registry.LAYERS["Square"] = type(model.layers[1])  # as the message says: saved
    with pytest.warns(UserWarning, match=r"leaves out loss=Halved\(reduction='mean'\) "
                      r"\(another class named Halved in nonlin.registry.LOSSES is the one"):
        model.save(tmp_path / "again.nonlin")
    assert nonlin.load(tmp_path / "again.nonlin").predict(X).shape == (16, 1)


def test_an_unregistered_layer_is_still_told_to_register(tmp_path: Any) -> None:
    from nonlin.core import Layer

    class Twice(Layer):
        def forward(self, x: Any, *, training: bool = False) -> Any:
            return 2 * x

        def backward(self, grad_out: Any) -> Any:
            return 2 * grad_out

    model = nonlin.Sequential([nonlin.Dense(2), Twice()]).build(2, seed=0)
    with pytest.raises(TypeError, match=r"register a layer of your own first .*"
                       r"nonlin.registry.LAYERS\['Twice'\] = Twice"):
        model.save(tmp_path / "m.nonlin")
