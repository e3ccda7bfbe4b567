"""A checkpoint keeps how its model was compiled, as Keras' ``ModelCheckpoint`` does.

Its ``compile`` record holds the loss and the run's metrics (the optimizer stays in the
``checkpoint`` record), so ``fit(X, y, resume_from=path)`` on a model that was never compiled
needs nothing repeated and ``load_checkpoint`` gives a compiled model. A loss or optimizer given
to the resumed fit still wins or is checked; a checkpoint written before the record (none in its
header) resumes as it did, with ``loss=``, and without it says that the loss is missing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors
from safetensors.numpy import save_file

import nonlin
from nonlin import ModelFileError
from nonlin.checkpoint import ModelCheckpoint, load_checkpoint, save_checkpoint
from nonlin.losses import CrossEntropy

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))
Y = (X[:, 0] - X[:, 2] > 0).astype(int) + (X[:, 1] > 0.5)  # three classes
RUN = dict(loss="cross_entropy", metrics=["accuracy"])
FIT = dict(batch_size=8, verbose=0, validation_split=0.25)
OPTIMIZERS = {"sgd_momentum": lambda: nonlin.SGD(0.05, momentum=0.9),
              "adam": lambda: nonlin.Adam(0.01)}


def net() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(6), nonlin.Tanh(), nonlin.Dense(3), nonlin.Softmax()])


def straight(optimizer: str, epochs: int = 4, **options: Any) -> nonlin.Sequential:
    model = net()
    model.fit(X, Y, optimizer=OPTIMIZERS[optimizer](), epochs=epochs, seed=0,
              **{**RUN, **FIT, **options})
    return model


def checkpointed(tmp_path: Path, optimizer: str = "adam", **options: Any) -> Path:
    """The checkpoint after 2 of ``straight``'s epochs."""
    path = tmp_path / "ck.safetensors"
    straight(optimizer, 2, callbacks=[ModelCheckpoint(path)], **options)
    return path


def assert_same_run(resumed: nonlin.Sequential, model: nonlin.Sequential) -> None:
    for a, b in zip(resumed.get_weights(), model.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    assert resumed.optimizer.iterations == model.optimizer.iterations
    assert resumed.history.epoch == model.history.epoch
    assert json.dumps(resumed.history.history) == json.dumps(model.history.history)


def header(path: Path) -> dict[str, str]:
    with safetensors.safe_open(str(path), "np") as f:
        return dict(f.metadata())


def without_record(path: Path) -> Path:
    """The checkpoint as nonlin wrote it before checkpoints kept a compile record."""
    meta = header(path)
    meta.pop("compile", None)  # (nonlin before it: none to strip)
    with safetensors.safe_open(str(path), "np") as f:
        tensors = {name: f.get_tensor(name) for name in f.keys()}  # noqa: SIM118
    old = path.with_name("old.safetensors")
    save_file(tensors, str(old), metadata=meta)
    return old


# -- a resumed fit needs nothing repeated ---------------------------------------------
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_resume_without_loss_matches_an_uninterrupted_fit(tmp_path, optimizer) -> None:
    path = checkpointed(tmp_path, optimizer)
    resumed = net()
    history = resumed.fit(X, Y, epochs=4, resume_from=path, **FIT)  # no loss, optimizer, metrics
    assert_same_run(resumed, straight(optimizer))
    assert sorted(history.history) == ["accuracy", "loss", "lr", "val_accuracy", "val_loss"]
    assert type(resumed.optimizer) is type(OPTIMIZERS[optimizer]())
    assert resumed._metrics == ["accuracy"]  # as compile's now


def test_the_record_holds_the_loss_and_the_runs_metrics_not_the_optimizer(tmp_path) -> None:
    record = json.loads(header(checkpointed(tmp_path))["compile"])
    assert record == {"loss": {"name": "cross_entropy",
                               "config": {"from_logits": False, "reduction": "mean"}},
                      "metrics": ["accuracy"]}  # as given: a model file's compile record


def test_load_checkpoint_gives_a_compiled_model(tmp_path) -> None:
    ck = load_checkpoint(checkpointed(tmp_path))
    assert isinstance(ck.model.loss, CrossEntropy) and ck.model.optimizer is ck.optimizer
    assert ck.model._metrics == ["accuracy"]  # as compile(metrics=["accuracy"]) keeps them
    ck.model.fit(X, Y, epochs=4, initial_epoch=ck.epoch, **FIT)
    assert_same_run(ck.model, straight("adam"))


def test_save_checkpoint_after_fit_records_compiles_metrics(tmp_path) -> None:
    model = net()
    model.compile(nonlin.Adam(0.01), "cross_entropy", ["accuracy"])
    model.fit(X, Y, epochs=1, seed=0, **FIT)
    save_checkpoint(model, tmp_path / "ck.safetensors", epoch=1)
    record = json.loads(header(tmp_path / "ck.safetensors")["compile"])
    assert record["metrics"] == ["accuracy"] and record["loss"]["name"] == "cross_entropy"


# -- what the resumed fit is given still wins, or is checked --------------------------
def test_an_explicit_loss_wins_over_the_record(tmp_path) -> None:
    path = checkpointed(tmp_path)
    resumed = net()
    total = CrossEntropy(reduction="sum")
    resumed.fit(X, Y, loss=total, epochs=3, resume_from=path, **FIT)
    assert resumed.loss is total
    compiled = net()
    compiled.compile(nonlin.Adam(0.01), CrossEntropy(reduction="sum"))  # compile's, too
    compiled.fit(X, Y, epochs=3, resume_from=path, **FIT)
    assert compiled.loss.reduction == "sum" and compiled._metrics == []


def test_an_optimizer_of_another_class_is_still_refused(tmp_path) -> None:
    path = checkpointed(tmp_path)
    model = net()
    with pytest.raises(ValueError, match=r"was trained with Adam\. Received: optimizer=SGD\("):
        model.fit(X, Y, optimizer="sgd", epochs=4, resume_from=path, **FIT)
    assert not model.built and model.loss is None  # a refused call changes nothing


# -- checkpoints written before the record ----------------------------------------------
@pytest.mark.parametrize("optimizer", [None, "adam"])
def test_an_old_checkpoint_resumes_with_loss_given(tmp_path, optimizer) -> None:
    old = without_record(checkpointed(tmp_path))
    assert "compile" not in header(old)
    ck = load_checkpoint(old)
    assert ck.model.loss is None and ck.model._metrics == [] and ck.epoch == 2
    resumed = net()
    resumed.fit(X, Y, optimizer=optimizer, epochs=4, resume_from=old, **RUN, **FIT)
    assert_same_run(resumed, straight("adam"))


def test_an_old_checkpoint_without_loss_names_the_missing_loss(tmp_path) -> None:
    old = without_record(checkpointed(tmp_path))
    model = net()
    with pytest.raises(TypeError, match=r"Expected a loss for fit: the checkpoint .*old"
                                        r"\.safetensors' has none in a compile record") as info:
        model.fit(X, Y, optimizer="adam", epochs=4, resume_from=old, **FIT)
    assert "loss=..." in str(info.value)
    assert not model.built and model.loss is None and model.optimizer is None


def test_nonlin_load_reads_a_checkpoint_compiled_and_an_old_one_bare(tmp_path) -> None:
    path = checkpointed(tmp_path)
    loaded, old = nonlin.load(path), nonlin.load(without_record(path))
    ck = load_checkpoint(path)
    assert isinstance(loaded.loss, CrossEntropy) and loaded._metrics == ["accuracy"]
    assert type(loaded.optimizer) is type(ck.optimizer)
    assert loaded.optimizer.state_dict().keys() == ck.optimizer.state_dict().keys()
    assert all(np.array_equal(value, ck.optimizer.state_dict()[key])
               for key, value in loaded.optimizer.state_dict().items())
    assert old.loss is None and old.optimizer is None  # as every checkpoint loaded before
    assert nonlin.load(path, compile=False).optimizer is None
    assert all(map(np.array_equal, loaded.get_weights(), old.get_weights()))
    loaded.fit(X, Y, epochs=1, **FIT)  # a model file's: fit needs nothing repeated
    assert loaded.optimizer.iterations > ck.optimizer.iterations


# -- what the registry does not hold, a tampered record ---------------------------------
class MyCrossEntropy(CrossEntropy):
    """Not in nonlin.registry.LOSSES: a file cannot rebuild it."""


def test_a_custom_loss_is_left_out_with_a_warning(tmp_path) -> None:
    path = tmp_path / "ck.safetensors"
    with pytest.warns(UserWarning, match=r"leaves out loss=.*resumed fit: fit\(X, y, loss="):
        straight("adam", 2, loss=MyCrossEntropy(), callbacks=[ModelCheckpoint(path)])
    assert "compile" not in header(path)
    with pytest.raises(TypeError, match="Expected a loss for fit"):
        net().fit(X, Y, epochs=4, resume_from=path, **FIT)
    resumed = net()
    resumed.fit(X, Y, loss=MyCrossEntropy(), metrics=["accuracy"], epochs=4, resume_from=path,
                **FIT)
    assert_same_run(resumed, straight("adam", loss=MyCrossEntropy()))


@pytest.mark.parametrize("change, field", [
    (lambda r: r.update(optimizer={"class_name": "Adam", "config": {}, "scalars": {}}),
     "compile"),
    (lambda r: r["loss"].update(name="os.system"), "compile.loss.name"),
])
def test_a_tampered_record_in_a_checkpoint_is_refused(tmp_path, change, field) -> None:
    path = checkpointed(tmp_path)
    meta = header(path)
    record = json.loads(meta["compile"])
    change(record)
    meta["compile"] = json.dumps(record)
    with safetensors.safe_open(str(path), "np") as f:
        tensors = {name: f.get_tensor(name) for name in f.keys()}  # noqa: SIM118
    save_file(tensors, str(path), metadata=meta)
    for load in (load_checkpoint, nonlin.load):
        with pytest.raises(ModelFileError) as info:
            load(path)
        assert info.value.field == field
    with pytest.raises(ModelFileError):
        net().fit(X, Y, epochs=4, resume_from=path, **FIT)


# -- the command line ---------------------------------------------------------------------
def test_nonlin_train_resume_still_continues_the_run(tmp_path, monkeypatch) -> None:
    from cli_helpers import interrupt_after
    from nonlin import cli, cli_train_model

    lines = [f"{a},{b},{int(a * b > 0)}\n" for a, b, _ in X]
    (tmp_path / "d.csv").write_text("a,b,y\n" + "".join(lines))
    monkeypatch.chdir(tmp_path)
    train = ["train", "d.csv", "--target", "y", "--epochs", "3", "--quiet", "--seed", "1",
             "--batch-size", "8", "--hidden", "4"]
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(0)])
    assert cli.main([*train, "--out", "r.safetensors"]) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    checkpoint = Path("r.checkpoint.safetensors")
    assert json.loads(header(checkpoint)["compile"])["loss"]["config"]["from_logits"] is True
    old = without_record(checkpoint)
    for resume in (checkpoint, old):
        assert cli.main([*train, "--out", f"{resume.stem}.out.safetensors",
                         "--resume", str(resume)]) == 0
    assert cli.main([*train, "--out", "straight.safetensors"]) == 0
    runs = [nonlin.load(name) for name in ("r.checkpoint.out.safetensors",
                                           "old.out.safetensors", "straight.safetensors")]
    for model in runs[:2]:
        for a, b in zip(model.get_weights(), runs[2].get_weights(), strict=True):
            assert a.tobytes() == b.tobytes()
