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
