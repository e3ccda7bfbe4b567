"""review22a: ``nonlin train --lr-schedule step:EVERY`` whose steps float64 cannot hold
(session 22's schedules refuse them) is a usage error naming the option the user wrote,
not the library's ``step_size``, an argument the command line's user never typed."""

from pathlib import Path

import numpy as np

from nonlin import cli


def _data(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    lines = ["x1,x2,y"] + [f"{a:.3f},{b:.3f},{a + b:.3f}" for a, b in rng.normal(size=(20, 2))]
    path = folder / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_step_schedule_beyond_float64_names_the_option(tmp_path: Path, capsys) -> None:
    every = "1" * 400
    code = cli.main(["train", str(_data(tmp_path)), "--target", "y", "--hidden", "3",
                     "--epochs", "1", "--quiet", "--lr-schedule", f"step:{every}",
                     "-o", str(tmp_path / "m.safetensors")])
    err = capsys.readouterr().err
    assert code != 0
    assert "--lr-schedule 'step:1111" in err
    assert "step_size" not in err
    assert not (tmp_path / "m.safetensors").exists()
