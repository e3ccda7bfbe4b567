"""Session 34's consolidation review: faults between the session's merges.

* The README quoted the lines one tour step runs (132); ``docs/design.md``, whose count
  ``tests/test_reading_path_s27.py`` traces, said 165 after session 34's check of a step
  between forward and backward (150 after review34e's): the README points there instead.
* ``count_params`` raised ``NotBuiltError`` (a ``ValueError`` and a ``RuntimeError``) for an
  unbuilt model, while ``predict``, ``evaluate``, ``get_weights``, ``save`` and a model
  whose layers changed since ``build`` raised a plain ``RuntimeError`` or ``ValueError``:
  one ``except NotBuiltError`` now catches each.
* After ``add`` on a built model ``summary()`` ended with ``Total params`` of the layers
  built, the count ``count_params()`` refuses as wrong; it now says which layer is not built.
* ``nonlin --bogus`` (an unknown option before any command) printed the whole help without
  naming the option, where docs/cli.md promises one line ``nonlin: error: ...``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin.exceptions import NotBuiltError

ROOT = Path(__file__).resolve().parents[1]


def _flat(path: str) -> str:
    return " ".join((ROOT / path).read_text(encoding="utf-8").split())


def test_readme_quotes_no_step_count_but_design_md_s() -> None:
    # design.md's count is traced (tests/test_reading_path_s27.py) and changes with the code;
    # a copy in the README went stale (132 there, 165 then 150 in design.md): none is kept
    readme = re.search(r"one step runs (\d+) lines", _flat("README.md"))
    design = re.search(r"one such step runs (\d+) lines of nonlin", _flat("docs/design.md"))
    assert design is not None
    assert readme is None or readme.group(1) == design.group(1)
    assert "some 20" in _flat("README.md")  # the math lines, which design.md names


def _unbuilt_calls(model: nonlin.Sequential, tmp_path: Path) -> dict[str, Any]:
    X, y = np.ones((4, 3)), np.ones((4, 2))
    return {
        "predict": lambda: model.predict(X, verbose=0),
        "evaluate": lambda: model.evaluate(X, y, verbose=0),
        "get_weights": model.get_weights,
        "count_params": model.count_params,
        "save": lambda: nonlin.save(model, tmp_path / "m.safetensors"),
    }


@pytest.mark.parametrize("call", ["predict", "evaluate", "get_weights", "count_params", "save"])
def test_every_call_on_an_unbuilt_model_raises_not_built_error(call: str, tmp_path: Path) -> None:
    model = nonlin.Sequential([nonlin.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(NotBuiltError, match="not built") as caught:
        _unbuilt_calls(model, tmp_path)[call]()
    assert isinstance(caught.value, RuntimeError) and isinstance(caught.value, ValueError)
    assert not (tmp_path / "m.safetensors").exists()


@pytest.mark.parametrize("call", ["predict", "evaluate", "count_params", "save"])
def test_a_layer_added_since_build_raises_not_built_error(call: str, tmp_path: Path) -> None:
    model = nonlin.Sequential([nonlin.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    model.build(3, 0)
    model.add(nonlin.Dense(2))
    with pytest.raises(NotBuiltError, match="build"):
        _unbuilt_calls(model, tmp_path)[call]()


def test_an_unknown_option_before_any_command_is_one_error_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    from nonlin import cli

    with pytest.raises(SystemExit) as stop:  # was the whole help, the option not named
        cli.main(["--bogus"])
    assert stop.value.code == 2
    assert capsys.readouterr().err == (
        "nonlin: error: unrecognized arguments: --bogus (see 'nonlin --help')\n")
    assert cli.main([]) == 2  # a bare 'nonlin' still prints its help
    assert "usage: nonlin" in capsys.readouterr().err


def test_summary_gives_no_total_while_count_params_refuses_one() -> None:
    model = nonlin.Sequential([nonlin.Dense(2)])
    model.build(3, 0)
    model.add(nonlin.Dense(4))
    text = model.summary()
    assert "Total params" not in text  # was 'Total params: 8', the count refused below
    assert text.splitlines()[-1].startswith("Not built: layers[1] was added after build")
    with pytest.raises(NotBuiltError, match=r"layers\[1\]"):
        model.count_params()
    model.build(3, 0)
    assert f"Total params: {model.count_params()}" in model.summary()


@pytest.mark.parametrize(("cells", "values"), [
    (["$12", "$1,304.50"], [12.0, 1304.5]),
    (["12 USD", "EUR 3.50"], [12.0, 3.5]),
    (["€3,50", "€1.204,00"], [3.5, 1204.0]),
    (["-$5", "7"], [-5.0, 7.0]),
])
def test_the_fix_for_a_frame_of_currency_converts_it(cells: list[str],
                                                      values: list[float]) -> None:
    pd = pytest.importorskip("pandas")
    from nonlin.validation import check_X

    frame = pd.DataFrame({"a": cells})
    with pytest.raises(TypeError, match="with formatting") as caught:
        check_X(frame)
    message = str(caught.value)
    for statement in message.split("df['a'] = ")[1:]:  # the message's own code, in order
        depth = 0
        for end, char in enumerate(statement):  # each right side, its parentheses balanced
            depth += {"(": 1, ")": -1}.get(char, 0)
            if char == ")" and depth == 0:
                frame["a"] = eval(statement[:end + 1], {"pd": pd, "df": frame})
                break
    fixed = frame["a"]
    assert fixed.astype(float).tolist() == values  # was: ValueError, '$12' unparsed
