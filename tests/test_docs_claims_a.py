"""Claims of docs/guide.md, from its start to "## evaluate and predict", checked against the
library: the signatures its tables show, the activation names it lists, what a ``Metric``
subclass takes, the cross-entropies' cost of a saturated prediction.

The code blocks of the page run in tests/test_docs.py; these tests check the prose and tables.
"""

from __future__ import annotations

import inspect
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.metrics import Metric

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "guide.md"


def audited_text() -> str:
    """The part of the guide these tests cover: up to "## evaluate and predict"."""
    text = GUIDE.read_text(encoding="utf-8")
    return text[: text.index("## evaluate and predict")]


def doc_parameters(span: str) -> list[tuple[str, str, bool]]:
    """``(name, default, keyword_only)`` of each ``name=default`` in a signature written as
    ``f(a, b=1, *, c=None)`` (plain names, placeholders such as ``list``, are left out)."""
    inner = span[span.index("(") + 1: span.rindex(")")]
    found, keyword_only = [], False
    for part in (p.strip() for p in inner.split(",")):
        if part == "*":
            keyword_only = True
        elif "=" in part:
            name, default = part.split("=", 1)
            found.append((name.strip(), default.strip(), keyword_only))
    return found


def same_default(written: str, actual: Any) -> bool:
    value = eval(written, {"np": np})  # noqa: S307 -- a default written in our own docs
    return value == actual or (isinstance(value, tuple) and tuple(actual) == value)


def check_signature(span: str, func: Any, *, kinds: bool) -> None:
    """Each ``name=default`` of ``span`` names a parameter of ``func`` with that default;
    with ``kinds``, keyword-only exactly where the span puts it after ``*``."""
    params = inspect.signature(func).parameters
    for name, default, keyword_only in doc_parameters(span):
        assert name in params, f"{span}: {func.__qualname__} has no parameter {name!r}"
        assert same_default(default, params[name].default), (span, params[name])
        if kinds:
            actual = params[name].kind is inspect.Parameter.KEYWORD_ONLY
            assert actual == keyword_only, f"{span}: {name} keyword-only is {actual}"


def spans(name: str) -> list[str]:
    """The code spans ``name(...)`` of the audited text (``name`` alone, not ``x.name``)."""
    return re.findall(rf"`(?<![\w.]){re.escape(name)}\([^`]*\)`", audited_text())


MODEL_METHODS = ["build", "predict", "evaluate", "compile", "save", "summary", "forward",
                 "train_on_batch", "test_on_batch"]


@pytest.mark.parametrize("method", MODEL_METHODS)
def test_the_model_methods_signatures_in_the_guide_are_the_real_ones(method: str) -> None:
    # save(path, metadata=None) and forward(X, training=False) hid the keyword-only marker
    found = [s for s in spans(method) if "=" in s and "..." not in s]  # not a usage
    assert found, f"no signature of {method} in the guide"
    for span in found:
        check_signature(span.strip("`"), getattr(nonlin.Sequential, method), kinds=True)


def test_the_fit_signature_block_is_the_real_one() -> None:
    block = re.search(r"```\nmodel\.fit\((.*?)\)\n```", audited_text(), re.S)
    assert block is not None
    check_signature(f"fit({' '.join(block.group(1).split())})", nonlin.Sequential.fit,
                    kinds=True)


LAYER_ROWS = ["Dense", "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "PReLU",
              "BatchNorm", "LayerNormalization", "Normalization"]
CONSTRUCTORS = ["LeakyReLU", "ELU", "Huber", "BinaryCrossEntropy", "CrossEntropy",
                "BinaryFocalCrossentropy"]


@pytest.mark.parametrize("name", LAYER_ROWS)
def test_the_layer_table_signatures_are_the_real_ones(name: str) -> None:
    row = re.search(rf"^\| `({name}\([^`]*\))`", audited_text(), re.M)
    assert row is not None, name
    check_signature(row.group(1), getattr(nonlin, name), kinds=True)


@pytest.mark.parametrize("name", CONSTRUCTORS)
def test_the_defaults_the_tables_show_are_the_real_ones(name: str) -> None:
    row = re.search(rf"^\| `({name}\([^`]*\))`", audited_text(), re.M)
    assert row is not None, name
    check_signature(row.group(1), getattr(nonlin, name), kinds=False)


def test_the_gelu_row_shows_the_default() -> None:
    assert "| `GELU(approximate=False)` |" in audited_text()
    assert inspect.signature(nonlin.GELU).parameters["approximate"].default is False


# -- activation names ------------------------------------------------------------------------
def listed_activation_names() -> list[str]:
    text = audited_text()
    start = text.index("Where a string is accepted")
    paragraph = text[start: text.index("\n\n", start)]
    listing = paragraph[paragraph.index("the names are"): paragraph.index("(Keras'")]
    return [name for group in re.findall(r"`([\w/]+)`", listing) for name in group.split("/")]


def test_every_activation_name_the_guide_lists_is_accepted() -> None:
    names = listed_activation_names()
    assert len(names) >= 24
    for name in names:
        layer = registry.activation(name)
        assert registry.activation(name.upper()).__class__ is layer.__class__


@pytest.mark.parametrize(("name", "cls"), [("hardsigmoid", nonlin.HardSigmoid),
                                           ("hardswish", nonlin.HardSwish)])
def test_pytorch_spellings_of_the_hard_activations_are_accepted(name: str, cls: type) -> None:
    # "(Keras' and PyTorch's spellings)": F.hardsigmoid and F.hardswish were refused
    assert isinstance(registry.activation(name), cls)
    assert name in listed_activation_names()


# -- metrics -------------------------------------------------------------------------------
class LargestOutput(Metric):
    """The largest output: a subclass defining only ``_compute``, as the guide says."""

    greater_is_better = True

    def _compute(self, y_true: np.ndarray, y_pred: np.ndarray, w: Any) -> float:
        return float(np.max(y_pred))


class RowCount(Metric):
    """A streaming subclass written the Keras way: ``super().__init__(name=name)``."""

    streams = True

    def __init__(self, name: str = "rows") -> None:
        super().__init__(name=name)
        self.rows = 0

    def _compute(self, y_true: np.ndarray, y_pred: np.ndarray, w: Any) -> float:
        return float(len(y_true))

    def reset_state(self) -> None:
        self.rows = 0

    def _update_state(self, y_true: np.ndarray, y_pred: np.ndarray, w: Any = None) -> None:
        self.rows += len(y_true)

    def result(self) -> float:
        return float(self.rows)


def test_a_metric_subclass_takes_name_as_every_metric_object_does() -> None:
    # "Every metric object takes name=": the base class took no argument (TypeError)
    assert "Every metric object takes `name=`" in audited_text()
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 2, 40)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    history = model.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=1, seed=0,
                        verbose=0, batch_size=8, validation_split=0.25,
                        metrics=[LargestOutput(name="top"), RowCount()])
    assert {"top", "val_top", "rows", "val_rows"} <= set(history.history)
    assert history.history["rows"] == [30.0] and history.history["val_rows"] == [10.0]
    assert LargestOutput().name == "largest_output" and RowCount("n").name == "n"  # Keras 3
    with pytest.raises(TypeError, match="Expected a non-empty str name"):
        LargestOutput(name="")


# -- the cross-entropies' clip ---------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_saturated_wrong_prediction_costs_about_minus_log_eps(dtype: type) -> None:
    eps = 1e-7 if dtype is np.float32 else 1e-15
    y, p = np.array([[1.0, 0.0]], dtype=dtype), np.array([[0.0, 1.0]], dtype=dtype)
    per_entry = float(nonlin.BinaryCrossEntropy()(y, p)) / 2
    assert per_entry == pytest.approx(-math.log(eps), rel=1e-2)
    assert float(nonlin.CrossEntropy()(y, p)) == pytest.approx(-math.log(eps), rel=1e-6)
    if dtype is np.float64:  # 1 - 1e-15 rounds up: a little more than -log(eps), as now said
        assert per_entry > -math.log(eps)
        assert "a\nlittle more where `1 - eps` rounds up" in audited_text()
