"""Hostile files found by fuzzing the loaders: each is a ``ModelFileError`` naming the file and
the field, never another exception (at load, or later when the loaded object is used)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nonlin
from cli_helpers import interrupt_after
from io_helpers import edit_meta, model_bytes, split
from nonlin import ModelFileError
from nonlin.checkpoint import read_checkpoint
from nonlin.io import read_model

# These tests train a Dense-last model with cross_entropy (probabilities expected) on
# purpose: fixed trajectories for resume and file checks, not a well-posed loss.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")

HUGE = 10**400  # a JSON integer no float holds (json reads it as an int, not inf)


@pytest.fixture(scope="module")
def checkpoint() -> bytes:
    """A checkpoint with a history and EarlyStopping / ReduceLROnPlateau states."""
    from nonlin.checkpoint import checkpoint_bytes

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(24, 3)), np.arange(24) % 2
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(2)])
    callbacks = [nonlin.EarlyStopping(monitor="loss", patience=5),
                 nonlin.ReduceLROnPlateau(monitor="loss", patience=5)]
    model.fit(X, y, loss="cross_entropy", optimizer=nonlin.Adam(0.01), epochs=2,
              batch_size=8, verbose=0, seed=0, callbacks=callbacks)
    model._fit_callbacks = callbacks
    return checkpoint_bytes(model, epoch=2)


def _user(changes: dict) -> bytes:
    return edit_meta(model_bytes(), "metadata", lambda user: {**user, **changes})


def test_an_integer_beyond_float_range_in_preprocessing_is_named():
    data = _user({"preprocessing": {"type": "minmax", "low": [HUGE, 0, 0]}})
    with pytest.raises(ModelFileError, match=r"m\.st.*metadata.*overflows to infinity"):
        read_model(data, "m.st")


def test_an_integer_beyond_float_range_in_free_metadata_is_named():
    with pytest.raises(ModelFileError, match=r"__metadata__\['metadata'\].*infinity"):
        read_model(_user({"training": {"final": {"loss": -HUGE}}}), "m.st")


def test_integers_up_to_float_range_still_load():
    biggest = int(np.finfo(np.float64).max)
    model = read_model(_user({"training": {"n": biggest, "m": -biggest}}), "m.st")[0]
    assert model.metadata["training"] == {"n": biggest, "m": -biggest}


def test_saving_an_integer_beyond_float_range_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match="metadata.*overflows to infinity"):
        nonlin.save(nonlin.Sequential([nonlin.Dense(1)]).build(2, seed=0),
                    path, metadata={"training": {"n": HUGE}})
    assert not path.exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda record: record["history"]["history"]["loss"].__setitem__(0, HUGE),
        lambda record: record["callbacks"][0]["state"].__setitem__("best", -HUGE),
        lambda record: record["callbacks"][1]["state"].__setitem__("best", HUGE),
    ],
    ids=["history", "early-stopping-best", "reduce-lr-best"],
)
def test_an_integer_beyond_float_range_in_a_checkpoint_is_named(checkpoint, change):
    def edit(record: dict) -> dict:
        change(record)
        return record

    with pytest.raises(ModelFileError, match=r"c\.st.*checkpoint.*overflows to infinity"):
        read_checkpoint(edit_meta(checkpoint, "checkpoint", edit), "c.st")


@pytest.fixture(scope="module")
def estimator_file(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A small ``nonlin.sklearn`` classifier fitted with Adam, as saved."""
    sk = pytest.importorskip("nonlin.sklearn")
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("sk") / "clf.safetensors"
    with pytest.warns(Warning):  # not converged in 2 iterations
        est = sk.MLPClassifier((3,), max_iter=2, random_state=0).fit(
            rng.normal(size=(20, 2)), np.arange(20) % 2)
    est.save(path)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("key", "value"),
    [("loss_curve_", None), ("loss_curve_", "drop"), ("best_loss_", None),
     ("_no_improvement_count", "drop")],
)
def test_a_partial_solver_state_is_named(estimator_file, tmp_path, key, value):
    """Loaded, such a file made ``partial_fit`` fail (AttributeError, TypeError)."""
    pytest.importorskip("sklearn")
    import nonlin.sklearn as sk

    def change(user: dict) -> dict:
        fitted = user["training"]["fitted"]
        if value == "drop":
            del fitted[key]
        else:
            fitted[key] = value
        return user

    path = tmp_path / "clf.safetensors"
    path.write_bytes(edit_meta(estimator_file, "metadata", change))
    with pytest.raises(ModelFileError, match=r"training\.fitted.*stochastic solvers' state"):
        sk.load(path)


def test_a_whole_solver_state_loads_and_trains_on(estimator_file, tmp_path):
    pytest.importorskip("sklearn")
    import nonlin.sklearn as sk

    path = tmp_path / "clf.safetensors"
    path.write_bytes(estimator_file)
    est = sk.load(path)
    est.partial_fit(np.zeros((4, 2)), np.array([0, 1, 0, 1]))
    assert len(est.loss_curve_) == 3


def test_an_sgd_momentum_beyond_one_in_the_optimizer_record_is_named(tmp_path):
    """scikit-learn's range is [0, 1]; loaded, 1e308 made partial_fit diverge."""
    sk = pytest.importorskip("nonlin.sklearn")
    rng = np.random.default_rng(0)
    path = tmp_path / "clf.safetensors"
    with pytest.warns(Warning):  # not converged in 2 iterations
        sk.MLPClassifier((3,), solver="sgd", max_iter=2, random_state=0).fit(
            rng.normal(size=(20, 2)), np.arange(20) % 2).save(path)

    def change(record: dict) -> dict:
        record["config"]["momentum"] = 1e308
        return record

    path.write_bytes(edit_meta(path.read_bytes(), "optimizer", change))
    with pytest.raises(ModelFileError, match=r"\(optimizer\).*momentum=1e\+308"):
        sk.load(path)



@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [("val_split", 1e308, "number in [0, 1)"), ("batch_size", True, "positive integer"),
     ("seed", 1.5, "non-negative integer"), ("missing", "guess", "one of error, drop, mean")],
)
def test_a_run_option_the_command_line_refuses_is_named_on_resume(
    tmp_path, monkeypatch, capsys, option, value, fragment
):
    """``nonlin train --resume`` took these from the file unchecked: a crash (exit 1) or
    errors that named neither the file nor the field."""
    from nonlin import cli, cli_train_model

    rng = np.random.default_rng(0)
    rows = "".join(f"{a},{b},{int(a * b > 0)}\n" for a, b in rng.normal(size=(40, 2)))
    (tmp_path / "d.csv").write_text("a,b,y\n" + rows)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(0)])
    train = ["train", "d.csv", "--target", "y", "--quiet", "--out", "r.st"]
    assert cli.main([*train, "--epochs", "3", "--hidden", "3"]) == 130

    def change(user: dict) -> dict:
        user["training"][option] = value
        return user

    path = tmp_path / "r.checkpoint.st"
    path.write_bytes(edit_meta(path.read_bytes(), "metadata", change))
    capsys.readouterr()
    assert cli.main([*train, "--epochs", "3", "--resume", "r.checkpoint.st"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "Cannot load model file 'r.checkpoint.st'" in error, error
    assert f"metadata['training'][{option!r}]" in error and fragment in error, error


@pytest.mark.parametrize(("optimizer", "slot"), [(nonlin.Adam, "v"), (nonlin.AdamW, "v"),
                                                 (nonlin.RMSprop, "v"),
                                                 (nonlin.Adagrad, "accumulator")])
def test_a_negative_squared_gradient_slot_is_named(optimizer, slot):
    """Loaded, the slot made the resumed fit's first step NaN (a DivergenceError telling the
    user to lower the learning rate)."""
    import safetensors.numpy

    from nonlin.checkpoint import checkpoint_bytes

    rng = np.random.default_rng(0)
    model = nonlin.Sequential([nonlin.Dense(2)])
    model.fit(rng.normal(size=(8, 3)), np.arange(8) % 2, loss="cross_entropy",
              optimizer=optimizer(), epochs=1, verbose=0, seed=0)
    data = checkpoint_bytes(model, epoch=1)
    arrays = safetensors.numpy.load(data)
    arrays[f"optimizer.{slot}.0"][0, 0] = -1e-3
    header, _ = split(data)
    data = safetensors.numpy.save(arrays, metadata=header["__metadata__"])
    with pytest.raises(ModelFileError, match=rf"\(checkpoint\.optimizer\).*>= 0.*{slot!r}.*"
                                             rf"Received {slot}\.0\[0, 0\]=-0\.001"):
        read_checkpoint(data, "c.st")


def test_a_lone_surrogate_in_metadata_is_named():
    """It loaded, and then ``nonlin info`` / ``predict`` failed printing it ("'utf-8' codec
    can't encode character '\\ud800'", naming neither the file nor the field)."""
    data = _user({"classes": ["\ud800", "b"]})
    with pytest.raises(ModelFileError, match=r"__metadata__\['metadata'\].*lone surrogate"):
        read_model(data, "m.st")


def test_saving_a_lone_surrogate_is_refused_and_pairs_round_trip(tmp_path):
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    with pytest.raises(ValueError, match="metadata.*lone surrogate"):
        nonlin.save(model, tmp_path / "m.safetensors", metadata={"task": "x\udfffy"})
    names = ["\U0001f600", "caf\u00e9", "\\ud800"]  # an emoji (a pair once escaped), text
    nonlin.save(model, tmp_path / "m.safetensors", metadata={"feature_names": names})
    assert nonlin.load(tmp_path / "m.safetensors").metadata["feature_names"] == names


def test_metadata_nested_too_deep_is_named(tmp_path, capsys):
    """json reads nesting up to Python's recursion limit; 800 levels loaded, and then
    ``nonlin info --json`` crashed (RecursionError, exit 1)."""
    from nonlin import cli

    deep = json.loads("[" * 800 + "]" * 800)
    (tmp_path / "m.st").write_bytes(_user({"training": {"notes": deep}}))
    assert cli.main(["info", "--json", str(tmp_path / "m.st")]) == 2
    error = capsys.readouterr().err
    assert "__metadata__['metadata']" in error and "nested deeper than 100 levels" in error
    with pytest.raises(ValueError, match="metadata.*nested deeper than 100"):
        nonlin.save(nonlin.Sequential([nonlin.Dense(1)]).build(2, seed=0),
                    tmp_path / "n.st", metadata={"training": {"notes": deep}})
    shallow = json.loads("[" * 100 + "]" * 100)  # the innermost list at level 101
    with pytest.raises(ModelFileError, match="nested deeper"):
        read_model(_user({"training": {"notes": shallow}}), "m.st")
    fine = json.loads("[" * 98 + "]" * 98)
    model = read_model(_user({"training": {"notes": fine, "many": [[1]] * 200}}), "m.st")[0]
    assert model.metadata["training"]["notes"] == fine
