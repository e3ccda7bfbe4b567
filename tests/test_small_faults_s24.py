"""Session 24's small faults: each test failed on the code before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

import nonlin.optimizers as opt


def test_ema_overwrite_frequency_message_names_the_range_it_accepts() -> None:
    # 0 is accepted (Keras 3 takes it as "never"), so the message may not say ">= 1"
    assert opt.SGD(use_ema=True, ema_overwrite_frequency=0).ema_overwrite_frequency is None
    with pytest.raises(ValueError) as info:
        opt.SGD(use_ema=True, ema_overwrite_frequency=-1)
    assert str(info.value) == ("Expected ema_overwrite_frequency, an integer >= 0 or None "
                               "(0 or None: never overwrite). "
                               "Received: ema_overwrite_frequency=-1")


def test_cli_class_weight_beyond_float32_names_its_class_and_value(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # fit's message named the weight by its class index: "Received class_weight[1]=1e+39"
    from nonlin.cli import main

    data = tmp_path / "d.csv"
    data.write_text("x,y\n0.1,yes\n0.5,no\n0.9,yes\n0.2,no\n", encoding="utf-8")
    code = main(["train", str(data), "--target", "y", "--class-weight", "yes=1e39,no=1",
                 "--epochs", "1", "--quiet", "--out", str(tmp_path / "m.safetensors")])
    err = capsys.readouterr().err
    assert code == 2 and not (tmp_path / "m.safetensors").exists()
    assert "--class-weight: class 'yes' weighs 1e+39, beyond float32's range" in err
    assert "class_weight[" not in err
