"""docs/design.md's "Reading backprop in the source": its names resolve, its line counts hold
(within 10 %), and nonlin's tutorial network is the tutorial's code bit for bit."""

from __future__ import annotations

import collections
import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import SGD, Dense, MeanSquaredError, Sequential, Sigmoid, tutorial
from nonlin.initializers import uniform

ROOT = Path(__file__).resolve().parents[1]
# the package imported (src/nonlin in a checkout; site-packages where nonlin is installed)
SRC = Path(nonlin.__file__).parent
PAGE_DIGITS = [0.49641003190272537, 0.008584525653247153, 0.005789459862507809,
               0.004629176776769984, 0.003958765280273649, 0.003510122567861676]


def _section() -> str:
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    start = text.index("## Reading backprop in the source")
    return text[start:text.index("\n## ", start + 1)]


def _resolve(name: str) -> Any:
    """``layers.py:Dense.forward`` -> the function ``nonlin.layers.Dense.forward``."""
    file, qualname = name.split(":")
    obj: Any = importlib.import_module("nonlin." + file.removesuffix(".py").replace("/", "."))
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def test_every_function_the_map_names_exists() -> None:
    names = set(re.findall(r"`([\w/]+\.py:[\w.]+)`", _section()))
    assert len(names) >= 25
    for name in names:
        assert callable(_resolve(name)), name


def test_the_tutorial_docstring_names_functions_that_exist() -> None:
    doc = tutorial.__doc__ or ""
    for qualname, file in re.findall(r"(\w+\.\w+) \((\w+\.py)\)", doc):
        assert callable(_resolve(f"{file}:{qualname}")), qualname


def _traced(step: Any) -> tuple[int, int, int]:
    """(functions, their source lines, lines run) of nonlin in one call of ``step``."""
    lines: dict[str, set[int]] = collections.defaultdict(set)
    codes: dict[tuple[str, str, int], Any] = {}

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        code = frame.f_code
        if not code.co_filename.startswith(str(SRC)):
            return tracer
        if event == "call":
            codes[code.co_filename, code.co_name, code.co_firstlineno] = code
        elif event == "line":
            lines[code.co_filename].add(frame.f_lineno)
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        step()
    finally:
        sys.settrace(previous)
    source = sum(len(inspect.getsourcelines(code)[0]) for code in codes.values())
    return len(codes), source, sum(map(len, lines.values()))


@pytest.mark.skipif(sys.gettrace() is not None, reason="another tracer (coverage) is active")
def test_one_step_of_the_tour_runs_the_lines_the_page_counts() -> None:
    X, y = tutorial.X_XOR, tutorial.Y_XOR
    model = Sequential([Dense(4, bias=False, init=uniform), Sigmoid(),
                        Dense(1, bias=False, init=uniform), Sigmoid()])
    model.build(3, np.random.RandomState(1))
    loss, optimizer = MeanSquaredError(reduction="sum"), SGD(lr=1.0)

    def step() -> None:  # the README's tour
        out = model.forward(X, training=True)
        model.backward(loss.grad(y, out))
        optimizer.step(model.parameters())

    step()  # the first step makes the buffers
    functions, source, run = _traced(step)
    section = _section()
    said = re.search(r"runs (\d+) lines of nonlin in (\d+) functions \((\d+) lines in all",
                     " ".join(section.split()))
    assert said is not None
    for got, claimed in zip((run, functions, source), map(int, said.groups()), strict=True):
        assert abs(got - claimed) <= 0.1 * claimed, (got, claimed, "update docs/design.md")


@pytest.mark.skipif(sys.gettrace() is not None, reason="another tracer (coverage) is active")
def test_one_fit_step_runs_the_lines_the_page_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    from nonlin._epoch_loop import _Loop

    model = tutorial.build_network()
    counts: list[tuple[int, int, int]] = []
    original = _Loop._step

    def step(loop: Any, *args: Any) -> float:
        result: list[float] = []
        counts.append(_traced(lambda: result.append(original(loop, *args))))
        return result[0]

    monkeypatch.setattr(_Loop, "_step", step)
    model.fit(tutorial.X_XOR, tutorial.Y_XOR, loss=MeanSquaredError(reduction="sum"),
              optimizer=SGD(lr=1.0), epochs=3, batch_size=4, shuffle=False, verbose=0)
    functions, _, run = counts[-1]  # a step after the first, which makes the buffers
    said = re.search(r"One `fit` step of the tutorial's network runs (\d+) lines in (\d+) "
                     r"functions", " ".join(_section().split()))
    assert said is not None
    for got, claimed in zip((run, functions), map(int, said.groups()), strict=True):
        assert abs(got - claimed) <= 0.1 * claimed, (got, claimed, "update docs/design.md")


def test_the_tutorial_network_is_the_tutorial_code_bit_for_bit() -> None:
    """Every step's error and the final weights equal the tutorial's own loop's (int X and
    y, np.dot, ``+=``, as the page has it), and the page's six digits are within 2 ulps."""
    rs = np.random.RandomState(1)
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    y = np.array([[0], [1], [1], [0]])
    syn0, syn1 = 2 * rs.random((3, 4)) - 1, 2 * rs.random((4, 1)) - 1
    errors = np.empty(60_000)
    for step in range(60_000):
        l1 = 1 / (1 + np.exp(-(np.dot(X, syn0))))
        l2 = 1 / (1 + np.exp(-(np.dot(l1, syn1))))
        l2_error = y - l2
        errors[step] = np.mean(np.abs(l2_error))
        l2_delta = l2_error * (l2 * (1 - l2))
        l1_delta = l2_delta.dot(syn1.T) * (l1 * (1 - l1))
        syn1 += l1.T.dot(l2_delta)
        syn0 += X.T.dot(l1_delta)
    run = tutorial.train()
    np.testing.assert_array_equal(run.errors, errors)
    W0, W1 = run.model.get_weights()
    np.testing.assert_array_equal(W0, syn0)
    np.testing.assert_array_equal(W1, syn1)
    reports = errors[::10_000]
    ulps = np.abs(reports - PAGE_DIGITS) / np.spacing(np.array(PAGE_DIGITS))
    assert np.all(ulps <= 2), ulps
