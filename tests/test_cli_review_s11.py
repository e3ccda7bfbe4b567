"""Review s11 of the command line: text labels are not merged by their numeric spelling,
and output paths are proven writable before any training."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import write_csv
from nonlin import cli
from nonlin.cli_labels import encode_labels, find_classes


def _labelled(path: Path, labels: list[str], n: int = 30) -> Path:
    """``a, b, code`` rows: two features, the labels in turn."""
    rng = np.random.default_rng(0)
    rows = [[f"{rng.normal():.4f}", f"{rng.normal():.4f}", labels[i % len(labels)]]
            for i in range(n)]
    return write_csv(path, ["a", "b", "code"], rows)


def _train(folder: Path, data: str, *options: str) -> int:
    return cli.main(["train", str(folder / data), "--target", "code", "--epochs", "1",
                     "--quiet", "--out", str(folder / "m.safetensors"), *options])


# -- 1. text labels ------------------------------------------------------------
def test_find_classes_merges_spellings_only_in_a_column_of_numbers() -> None:
    assert find_classes(np.array(["007", "7", "A7", "007"])) == ["007", "7", "A7"]
    assert find_classes(np.array(["1_000", "1000"])) == ["1000", "1_000"]
    assert find_classes(np.array(["1", "1.0", "cat"])) == ["1", "1.0", "cat"]
    assert find_classes(np.array([" cat", "cat "])) == ["cat"]  # spaces around: ignored
    # every label a number as the CSV reader reads one: one class per number
    assert find_classes(np.array(["1", "1.0", " 01 ", "2e0"])) == [1, 2]
    assert find_classes(np.array([1.0, 0.5, 1.0])) == [0.5, 1]


def test_text_classes_match_labels_as_written() -> None:
    classes = ["007", "7", "A7"]
    y = np.array(["7", "A7", "007", " 007 "])
    assert encode_labels(y, classes, "d.csv", "code").tolist() == [1, 2, 0, 0]
    with pytest.raises(cli.UsageError, match=r"never saw: '07'; the model knows: '007', '7'"):
        encode_labels(np.array(["07", "A7"]), classes, "d.csv", "code")
    # classes that are one number in two spellings (a DataFrame's texts) stay two texts
    assert encode_labels(np.array(["7", "007"]), ["007", "7"], "d", "t").tolist() == [1, 0]
    # numeric classes still take any spelling of their numbers
    assert encode_labels(np.array(["1.0", "01", "2"]), [1, 2], "d", "t").tolist() == [0, 0, 1]


def test_train_keeps_007_7_and_a7_apart_and_predict_prints_them(
    tmp_path: Path, capsys
) -> None:
    _labelled(tmp_path / "codes.csv", ["007", "7", "A7"])
    assert _train(tmp_path, "codes.csv") == 0
    out = capsys.readouterr().out
    assert "classification of 3 classes (007, 7, A7)" in out
    model = nonlin.load(tmp_path / "m.safetensors")
    assert model.metadata["classes"] == ["007", "7", "A7"]
    assert cli.main(["predict", str(tmp_path / "m.safetensors"), str(tmp_path / "codes.csv"),
                     "--proba"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header == "prediction,proba_007,proba_7,proba_A7"


def test_underscored_number_and_plain_number_are_two_classes(tmp_path: Path, capsys) -> None:
    _labelled(tmp_path / "u.csv", ["1_000", "1000"])
    assert _train(tmp_path, "u.csv") == 0
    assert "classification of 2 classes (1000, 1_000)" in capsys.readouterr().out


def test_numeric_spellings_left_after_missing_drop_are_one_class(
    tmp_path: Path, capsys
) -> None:
    rows = [[i % 5, i % 3, ["1", "1.0", "2", "02"][i % 4]] for i in range(24)]
    rows += [["", 1, "cat"], ["", 2, "cat"]]  # text labels, on rows --missing drop drops
    write_csv(tmp_path / "d.csv", ["a", "b", "code"], rows)
    assert _train(tmp_path, "d.csv", "--missing", "drop") == 0
    assert "classification of 2 classes (1, 2)" in capsys.readouterr().out
    assert nonlin.load(tmp_path / "m.safetensors").metadata["classes"] == [1, 2]


def test_evaluate_reads_a_text_models_labels_as_written_in_a_file_of_numbers(
    tmp_path: Path, capsys
) -> None:
    _labelled(tmp_path / "codes.csv", ["007", "7", "A7"])
    assert _train(tmp_path, "codes.csv") == 0
    # no A7 here, so the reader finds numbers only (7.0 for both 007 and 7); a row with a
    # missing feature and one with a missing label are dropped in step with the labels
    rows = [["0.1", "0.2", "007"], ["", "0.3", "7"], ["0.5", "0.1", "7"],
            ["0.2", "0.2", ""], ["0.3", "-1", "007"], ["0.4", "0.4", "007"]]
    write_csv(tmp_path / "numbers.csv", ["a", "b", "code"], rows)
    capsys.readouterr()
    status = cli.main(["evaluate", str(tmp_path / "m.safetensors"),
                       str(tmp_path / "numbers.csv"), "--json", "--missing", "drop"])
    assert status == 0
    report = json.loads(capsys.readouterr().out)
    support = {row["label"]: row["support"] for row in report["classes"]}
    assert support == {"007": 3, "7": 1, "A7": 0}, report


# -- 2. output paths -----------------------------------------------------------
def _cannot_create_in(folder: str) -> bool:
    """Whether this process cannot create a file in ``folder`` (root can in most)."""
    if not os.path.isdir(folder):
        return False
    try:
        fd, probe = tempfile.mkstemp(dir=folder)
    except OSError:
        return True
    os.close(fd)
    os.unlink(probe)
    return False


def _fails_before_training(capsys, argv: list[str], *fragments: str) -> str:
    """``nonlin ARGV`` exits 2 with one line naming ``fragments``, having trained nothing."""
    status = cli.main(argv)
    captured = capsys.readouterr()
    assert status == 2, captured
    assert "final training" not in captured.out and "Epoch" not in captured.err
    lines = [line for line in captured.err.splitlines() if not line.startswith("note:")]
    assert len(lines) == 1, captured.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def test_a_name_too_long_for_the_file_system_fails_before_training(
    tmp_path: Path, capsys
) -> None:
    _labelled(tmp_path / "d.csv", ["p", "q"])
    out = str(tmp_path / ("a" * 300 + ".st"))
    _fails_before_training(capsys, ["train", str(tmp_path / "d.csv"), "--target", "code",
                                    "--epochs", "1", "--out", out], "file name is too long")
    assert sorted(os.listdir(tmp_path)) == ["d.csv"]  # the probe left nothing behind


def test_a_long_name_the_file_system_takes_is_saved(tmp_path: Path) -> None:
    # 250 bytes + ".st" is a valid name: write_atomic's temporary file cuts it (temp_prefix)
    _labelled(tmp_path / "d.csv", ["p", "q"])
    # 238 bytes in UTF-8 (its Ctrl-C checkpoint's name: 249), cut mid-character at 200
    out = tmp_path / ("x" + "\u00e9" * 117 + ".st")
    assert _train(tmp_path, "d.csv", "--out", str(out)) == 0
    assert sorted(os.listdir(tmp_path)) == sorted(["d.csv", out.name])
    assert nonlin.load(out).n_features_in == 2


@pytest.mark.parametrize("folder", ["/sys", "/proc"])
def test_a_folder_that_takes_no_new_file_fails_before_training_even_for_root(
    tmp_path: Path, capsys, folder: str
) -> None:
    if not _cannot_create_in(folder):
        pytest.skip(f"this process can create files in {folder}")
    _labelled(tmp_path / "d.csv", ["p", "q"])
    out = f"{folder}/nonlin-s11-model.safetensors"
    _fails_before_training(capsys, ["train", str(tmp_path / "d.csv"), "--target", "code",
                                    "--epochs", "1", "--out", out],
                           f"{out}: cannot create the model file (--out) in folder {folder}")


def test_a_folder_that_is_a_file_is_named_as_a_file(tmp_path: Path, capsys) -> None:
    data = _labelled(tmp_path / "d.csv", ["p", "q"])
    for out in (f"{data}/m.safetensors", f"{data}/sub/m.safetensors"):
        _fails_before_training(capsys, ["train", str(data), "--target", "code", "--out", out],
                               f"{out}: {data} is a file, not a folder")


def test_predict_and_plot_outputs_are_probed_too(tmp_path: Path, capsys) -> None:
    _labelled(tmp_path / "d.csv", ["p", "q"])
    assert _train(tmp_path, "d.csv") == 0
    long_name = str(tmp_path / ("b" * 300 + ".csv"))
    model, data = str(tmp_path / "m.safetensors"), str(tmp_path / "d.csv")
    capsys.readouterr()
    _fails_before_training(capsys, ["predict", model, data, "-o", long_name],
                           "file name is too long")
    _fails_before_training(capsys, ["evaluate", model, data, "--plot", long_name],
                           "file name is too long")
    _fails_before_training(capsys, ["demo", "moons", "--plot", long_name],
                           "file name is too long")


def test_a_save_that_fails_after_training_says_the_training_finished(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    _labelled(tmp_path / "d.csv", ["p", "q"])

    def disk_full(model, path, **kwargs) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(nonlin, "save", disk_full)
    assert _train(tmp_path, "d.csv") == 2
    captured = capsys.readouterr()
    assert "final training" in captured.out
    assert captured.err.strip() == (
        f"nonlin: error: training finished, but the model could not be written to "
        f"{tmp_path / 'm.safetensors'} (No space left on device); nothing was saved: free "
        "some space or choose another --out, and train again"
    )


def test_a_resumed_run_whose_save_fails_points_to_its_checkpoint(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    from cli_helpers import interrupt_after
    from nonlin import cli_train_model

    _labelled(tmp_path / "d.csv", ["p", "q"])
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
    assert _train(tmp_path, "d.csv", "--epochs", "3") == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    checkpoint = str(tmp_path / "m.checkpoint.safetensors")

    def read_only(model, path, **kwargs) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(nonlin, "save", read_only)
    capsys.readouterr()
    assert _train(tmp_path, "d.csv", "--epochs", "3", "--resume", checkpoint) == 2
    err = capsys.readouterr().err
    assert err.startswith("note: resuming ")  # a note on stderr, then the error
    error = err.strip().splitlines()[-1]
    assert error.startswith("nonlin: error: training finished, but the model could not be "
                            "written to"), error
    assert error.endswith(f"(Permission denied); nothing was saved; the checkpoint {checkpoint} "
                          "this run resumed from is unchanged: run the same command again "
                          "(with another --out if needed) to train from it"), error


@pytest.mark.parametrize(("message", "advice"), [
    ("The loss became nan at epoch 0, batch 0, before any update of this fit: ...",
     "check the data for extreme values"),
    ("The loss became nan at epoch 3, batch 2; the model is as after the last finite step.",
     "try a smaller --lr (now 0.01)"),
])
def test_a_divergence_says_lr_only_when_a_step_was_taken(tmp_path, monkeypatch, capsys,
                                                         message, advice) -> None:
    def diverge(self, *args, **kwargs):
        raise nonlin.DivergenceError(message, epoch=0, batch=0)

    monkeypatch.setattr(nonlin.Sequential, "fit", diverge)
    _labelled(tmp_path / "d.csv", ["x", "y"])
    assert _train(tmp_path, "d.csv", "--optimizer", "sgd", "--lr", "0.01") == 2
    err = capsys.readouterr().err
    assert err.rstrip().endswith(advice) and ("--lr" in err) == ("smaller" in advice)


def test_train_saves_the_loss_but_not_the_optimizers_state(tmp_path: Path) -> None:
    _labelled(tmp_path / "d.csv", ["p", "q"])
    assert _train(tmp_path, "d.csv") == 0
    model = nonlin.load(tmp_path / "m.safetensors")
    assert model.optimizer is None and type(model.loss).__name__ == "CrossEntropy"
    from safetensors import safe_open

    with safe_open(str(tmp_path / "m.safetensors"), framework="numpy") as handle:
        assert not [name for name in handle.keys() if name.startswith("optimizer.")]
