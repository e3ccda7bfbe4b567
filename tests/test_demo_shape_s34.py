"""``nonlin demo --samples/--noise/--classes``: the generators' own keywords, refused
where the chosen data set has none."""

from __future__ import annotations

import functools

import pytest

from nonlin import cli, datasets


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["demo", *argv, "--epochs", "1", "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


def test_samples_and_classes_reach_the_generator(capsys) -> None:
    code, out, _ = _run(capsys, "spirals", "--samples", "90", "--classes", "3")
    assert code == 0
    assert "demo spirals: 90 samples, 2 features, 3 classes" in out
    assert "held-out accuracy" in out and "(22 samples)" in out


def test_noise_is_the_generators_noise(capsys, monkeypatch) -> None:
    seen = {}
    real = datasets.moons

    @functools.wraps(real)  # its signature: the demo reads the keywords it takes
    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(datasets, "moons", spy)
    code, out, _ = _run(capsys, "moons", "--noise", "0.35", "--samples", "64", "--seed", "4")
    assert code == 0, out
    assert seen == {"seed": 4, "noise": 0.35, "n_samples": 64}


def test_defaults_unchanged_without_the_options(capsys) -> None:
    code, out, _ = _run(capsys, "circles")
    assert code == 0
    assert "demo circles: 1000 samples" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["digits", "--noise", "0.1"],
     "--noise applies to circles, moons, spirals; received it with digits"),
    (["digits", "--samples", "100"],
     "--samples applies to circles, moons, spirals; received it with digits"),
    (["moons", "--classes", "3"], "--classes applies to spirals; received it with moons"),
])
def test_options_a_data_set_lacks_are_refused(capsys, argv, message) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "held-out" not in out  # refused before training


@pytest.mark.parametrize(("argv", "message"), [
    (["moons", "--samples", "5"], "expected an integer >= 8, received '5'"),
    (["moons", "--noise", "-1"], "expected a number >= 0, received '-1'"),
    (["moons", "--noise", "inf"], "expected a finite number, received 'inf'"),
    (["spirals", "--classes", "1"], "expected an integer >= 2, received '1'"),
])
def test_bad_values_are_refused_by_the_parser(capsys, argv, message) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["demo", *argv])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
