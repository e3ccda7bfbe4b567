"""The examples run as a reader would run them."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_xor_tutorial_example_reproduces_the_tutorial():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "xor_tutorial.py")],
        capture_output=True, text=True, env=env, check=True,
    ).stdout
    errors = [float(x) for x in re.findall(r"^Error: (\S+)$", out, flags=re.M)]
    assert len(errors) == 6 and abs(errors[-1] - 0.003510122567861676) < 1e-11
    check = float(re.search(r"gradient-check error: (\S+)", out).group(1))
    assert check < 1e-6


def test_design_doc_custom_layer_example_runs():
    text = (ROOT / "docs" / "design.md").read_text()
    block = re.search(r"## Writing and checking a layer\n\n```python\n(.*?)```", text, re.S)
    namespace: dict = {}
    exec(compile(block.group(1), "docs/design.md", "exec"), namespace)  # noqa: S102
    assert namespace["model"].n_outputs == 1


# -- every example runs in a subprocess, as a reader would run it --------------------------------
EXAMPLES = ROOT / "examples"
# example -> optional modules it needs (skipped, with the reason, when one is missing)
NEEDS = {"digits_mlp.py": ("sklearn",), "sklearn_dropin.py": ("sklearn",)}


def _run_example(name: str, cwd: Path, *args: str) -> str:
    import importlib.util

    import pytest

    for module in NEEDS.get(name, ()):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"examples/{name} needs {module} (pip install 'nonlin[sklearn]')")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True,
                            text=True, env=env, cwd=cwd)
    assert result.returncode == 0, f"examples/{name} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _number(label: str, out: str) -> float:
    found = re.search(rf"^{re.escape(label)}: (\S+)$", out, flags=re.M)
    assert found, f"no line '{label}: ...' in:\n{out}"
    return float(found.group(1))


def test_every_example_has_a_test():
    tested = {"xor_tutorial.py", "digits_mlp.py", "sklearn_dropin.py",
              "custom_loss_and_callback.py", "csv_to_model.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested
    for path in EXAMPLES.glob("*.py"):
        assert path.read_text().startswith('"""'), f"{path.name} starts without a docstring"


def test_digits_mlp_reaches_a_good_test_accuracy(tmp_path):
    out = _run_example("digits_mlp.py", tmp_path)
    assert _number("test accuracy", out) > 0.95
    assert 1 <= _number("epochs run", out) <= 40


def test_sklearn_dropin_searches_and_reloads(tmp_path):
    out = _run_example("sklearn_dropin.py", tmp_path)
    assert _number("test accuracy", out) > 0.9
    assert "'mlpclassifier__hidden_layer_sizes'" in out
    assert "predicts the same: True" in out
    assert (tmp_path / "digits-mlp.safetensors").exists()


def test_custom_loss_and_callback_checks_trains_and_stops(tmp_path):
    out = _run_example("custom_loss_and_callback.py", tmp_path)
    assert float(re.search(r"gradient check: (\S+)", out).group(1)) < 1e-6
    epochs = int(re.search(r"stopped after (\d+) epochs", out).group(1))
    assert epochs < 200  # the callback stopped training
    assert _number("clean r2", out) > 0.9


def test_csv_to_model_drives_the_command_line(tmp_path):
    out = _run_example("csv_to_model.py", tmp_path, str(tmp_path / "work"))
    assert _number("accuracy", out) > 0.95
    assert "prediction,proba_blue,proba_green,proba_red" in out
    assert (tmp_path / "work" / "spirals.safetensors").exists()
