"""A saved model remembers how it was compiled, as in Keras: ``nonlin.save`` writes the loss,
the optimizer (config, schedule, step count, lr and slots) and ``compile``'s metrics;
``nonlin.load(path, compile=True)`` restores them so that ``fit`` continues. What the registry
does not hold is left out with one warning; a tampered record is a ``ModelFileError`` naming
the field; ``compile=False`` and files without a record load as before; a checkpoint's
record holds the loss and metrics alone (tests/test_checkpoint_compile.py)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from io_helpers import edit, edit_meta, model_bytes, small_model
from nonlin import ModelFileError, cli, registry, schedules
from nonlin.checkpoint import ModelCheckpoint, load_checkpoint
from nonlin.io import file_buffer, to_bytes
from nonlin.losses import Huber, MeanSquaredError
from nonlin.metrics import AUC, Precision

RNG = np.random.default_rng(0)
X = RNG.normal(size=(48, 3))
Y = (X[:, 0] + X[:, 1] > 0).astype(int)


def net(dropout: bool = False) -> nonlin.Sequential:
    middle = [nonlin.Dropout(0.3)] if dropout else []
    return nonlin.Sequential([nonlin.Dense(5), nonlin.Tanh(), *middle, nonlin.Dense(2),
                              nonlin.Softmax()])


def trained(optimizer: Any, epochs: int = 2, **options: Any) -> nonlin.Sequential:
    model = net(options.pop("dropout", False))
    model.compile(optimizer, "cross_entropy", options.pop("metrics", ["accuracy"]))
    model.fit(X, Y, epochs=epochs, batch_size=16, verbose=0, seed=0, **options)
    return model


def round_trip(model: nonlin.Sequential, tmp_path: Path, **load: Any) -> nonlin.Sequential:
    path = tmp_path / "m.safetensors"
    model.save(path)
    return nonlin.load(path, **load)


def same_state(a: Any, b: Any) -> bool:
    """Two optimizers' state_dicts equal, arrays bit for bit."""
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(
        np.array_equal(sa[k], sb[k]) if isinstance(sa[k], np.ndarray) else sa[k] == sb[k]
        for k in sa)


def header_of(data: bytes) -> dict[str, Any]:
    from io_helpers import split

    return split(data)[0]


# -- round trips ----------------------------------------------------------------
def test_sgd_with_momentum_round_trips(tmp_path) -> None:
    model = trained(nonlin.SGD(0.05, momentum=0.9, nesterov=True))
    loaded = round_trip(model, tmp_path)
    assert type(loaded.optimizer) is nonlin.SGD
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.iterations == model.optimizer.iterations == 6
    assert same_state(loaded.optimizer, model.optimizer)  # velocity slots, bit for bit
    assert repr(loaded.loss) == repr(model.loss) and loaded._metrics == ["accuracy"]


def test_adam_with_a_schedule_round_trips_in_float32(tmp_path) -> None:
    schedule = schedules.CosineDecay(0.01, decay_steps=20, warmup_steps=3, warmup_from=0.001)
    model = net().build(3, seed=0, dtype=np.float32)
    model.compile(nonlin.Adam(schedule, clipnorm=1.0), "cross_entropy")
    model.fit(X.astype(np.float32), Y, epochs=2, batch_size=16, verbose=0)
    loaded = round_trip(model, tmp_path)
    assert isinstance(loaded.optimizer.lr, schedules.CosineDecay)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.current_lr() == model.optimizer.current_lr()
    assert same_state(loaded.optimizer, model.optimizer)
    assert {a.dtype for a in loaded.optimizer.state_dict().values()
            if isinstance(a, np.ndarray)} == {np.dtype(np.float32)}


LOSSES = [(name, {}) for name in registry.LOSSES] + [
    ("huber", {"delta": 2.5, "reduction": "sum"}), ("cross_entropy", {"from_logits": True}),
    ("bce", {"from_logits": True, "reduction": "sum"}), ("mae", {"reduction": "sum"}),
    ("binary_focal_crossentropy", {"apply_class_balancing": True, "alpha": 0.4, "gamma": 0.5,
                                   "from_logits": True, "label_smoothing": 0.1,
                                   "reduction": "sum"})]


@pytest.mark.parametrize("name, config", LOSSES)
def test_each_registry_loss_round_trips(tmp_path, name, config) -> None:
    model = small_model()
    model.compile("sgd", registry.loss(name, **config))
    loaded = round_trip(model, tmp_path)
    assert type(loaded.loss) is type(model.loss)
    assert loaded.loss.get_config() == model.loss.get_config()


def test_metric_names_and_registered_metric_objects_round_trip(tmp_path) -> None:
    metrics = ["acc", "AUC", Precision(thresholds=0.3, name="p"), AUC(num_thresholds=50)]
    model = trained("adam", metrics=metrics)
    loaded = round_trip(model, tmp_path)
    assert loaded._metrics[:2] == ["acc", "AUC"]
    assert [(type(m), m.get_config()) for m in loaded._metrics[2:]] == [
        (type(m), m.get_config()) for m in metrics[2:]]
    logs = loaded.fit(X, Y, epochs=1, verbose=0).history
    assert set(logs) == {"loss", "acc", "AUC", "p", "auc", "lr"}


def test_a_compiled_model_never_fitted_saves_its_fresh_optimizer(tmp_path) -> None:
    model = small_model()
    model.compile(nonlin.RMSprop(0.01), "cross_entropy")
    data = to_bytes(model)
    assert not [name for name in header_of(data) if name.startswith("optimizer.")]
    loaded = round_trip(model, tmp_path)
    assert loaded.optimizer.iterations == 0
    model.fit(X, Y, epochs=1, verbose=0, shuffle=False)
    loaded.fit(X, Y, epochs=1, verbose=0, shuffle=False)
    assert all(map(np.array_equal, model.get_weights(), loaded.get_weights()))


def test_the_last_fits_loss_and_optimizer_are_saved_without_compile(tmp_path) -> None:
    model = net()
    model.fit(X, Y, loss="cross_entropy", optimizer="adamw", epochs=1, verbose=0)
    loaded = round_trip(model, tmp_path)
    assert type(loaded.optimizer) is nonlin.AdamW and loaded._metrics == []
    loaded.fit(X, Y, verbose=0)  # no loss or optimizer given: the file's


def test_saving_changes_nothing_and_gives_the_same_bytes(tmp_path) -> None:
    model = trained("adam")
    before = model.optimizer.state_dict()
    model.save(tmp_path / "a.safetensors")
    nonlin.save(model, tmp_path / "b.safetensors")
    assert (tmp_path / "a.safetensors").read_bytes() == (tmp_path / "b.safetensors").read_bytes()
    assert (tmp_path / "a.safetensors").read_bytes() == to_bytes(model)
    after = model.optimizer.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


# -- continued training --------------------------------------------------------
@pytest.mark.parametrize("optimizer", [lambda: nonlin.Adam(0.01),
                                       lambda: nonlin.SGD(0.1, momentum=0.9)])
def test_continued_training_equals_uninterrupted_training_without_shuffling(tmp_path,
                                                                          optimizer) -> None:
    """Compared: every weight, the optimizer's state_dict (slots, step count, lr) and the
    loss of each later epoch, bit for bit: 3 epochs, save, load, 2 more == 5 epochs."""
    straight = trained(optimizer(), epochs=3, shuffle=False)
    first = trained(optimizer(), epochs=3, shuffle=False)
    loaded = round_trip(first, tmp_path)
    later = straight.fit(X, Y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    resumed = loaded.fit(X, Y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    assert all(map(np.array_equal, straight.get_weights(), loaded.get_weights()))
    assert same_state(straight.optimizer, loaded.optimizer)
    assert resumed.history == later.history


def test_with_shuffling_and_dropout_the_generator_state_must_be_given_back(tmp_path) -> None:
    """The file does not keep ``model.rng``: continuing bit for bit needs its state."""
    straight = trained(nonlin.Adam(0.01), epochs=2, dropout=True)
    first = trained(nonlin.Adam(0.01), epochs=2, dropout=True)
    state = first.rng.bit_generator.state
    loaded = round_trip(first, tmp_path)
    assert loaded.rng.bit_generator.state != state  # not saved: seeded with 0
    loaded.rng = np.random.Generator(np.random.PCG64())
    loaded.rng.bit_generator.state = state
    straight.fit(X, Y, epochs=2, batch_size=16, verbose=0)
    loaded.fit(X, Y, epochs=2, batch_size=16, verbose=0)
    assert all(map(np.array_equal, straight.get_weights(), loaded.get_weights()))


# -- what cannot be saved ---------------------------------------------------------
class MyLoss(MeanSquaredError):
    """A user's loss: not in the registry, so never rebuilt from a file."""


def my_metric(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return 0.0


def test_a_custom_loss_warns_once_and_loads_uncompiled(tmp_path) -> None:
    model = small_model()
    model.compile(nonlin.Adam(0.01), MyLoss(), ["mae", my_metric])
    model.fit(X, np.eye(2)[Y], epochs=1, verbose=0)
    path = tmp_path / "m.safetensors"
    with pytest.warns(UserWarning) as caught:
        model.save(path)
    assert len(caught) == 1 and caught[0].filename == __file__
    message = str(caught[0].message)
    assert "MyLoss" in message and "my_metric" in message and "model.compile(" in message
    loaded = nonlin.load(path)
    assert loaded.loss is None and loaded._metrics == ["mae"]
    assert same_state(loaded.optimizer, model.optimizer)  # what is registered is kept
    with pytest.raises(TypeError, match="Expected a loss"):
        loaded.fit(X, np.eye(2)[Y], verbose=0)
    loaded.compile(loaded.optimizer, MyLoss(), ["mae", my_metric])
    loaded.fit(X, np.eye(2)[Y], verbose=0)


def test_with_neither_loss_nor_optimizer_registered_no_record_is_written(tmp_path) -> None:
    class MyAdam(nonlin.Adam):
        pass

    model = small_model()
    model.compile(MyAdam(0.01), Huber())
    model.loss = MyLoss()
    with pytest.warns(UserWarning, match="MyAdam.*not in nonlin.registry.OPTIMIZERS"):
        nonlin.save(model, tmp_path / "m.safetensors")
    assert "compile" not in header_of((tmp_path / "m.safetensors").read_bytes())["__metadata__"]
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.loss is None and loaded.optimizer is None


def test_a_custom_schedule_or_foreign_slots_leave_the_optimizer_out(tmp_path) -> None:
    class Halving(schedules.Schedule):
        def __call__(self, step: int) -> float:
            return 0.1 / 2 ** step

    model = small_model()
    model.compile(nonlin.SGD(Halving()), "cross_entropy")
    with pytest.warns(UserWarning, match="schedule is not in nonlin.schedules.SCHEDULES"):
        loaded = round_trip(model, tmp_path)
    assert loaded.optimizer is None and type(loaded.loss).__name__ == "CrossEntropy"
    other = trained("adam")  # its optimizer's slots are for another model's shapes
    model.compile(other.optimizer, "cross_entropy")
    with pytest.warns(UserWarning, match="does not fit this model"):
        assert round_trip(model, tmp_path).optimizer is None


def test_the_registry_sentence_only_when_something_unregistered_was_left_out(tmp_path) -> None:
    model = net().build(3, seed=0)
    model.compile(trained("adam").optimizer, "cross_entropy")  # registered, slots do not fit
    with pytest.warns(UserWarning, match="does not fit this model") as caught:
        round_trip(model, tmp_path)
    assert "registered" not in str(caught[0].message)
    assert str(caught[0].message).endswith("pass them again: model.compile(optimizer, loss, "
                                           "metrics)")
    model.compile(model.optimizer, "cross_entropy", [lambda y, p: 0.0])  # and an unregistered
    with pytest.warns(UserWarning, match="does not fit this model.*metrics.0.=.*only "
                                         "nonlin's registered losses"):
        round_trip(model, tmp_path)


# -- tampered records ----------------------------------------------------------------
def compiled_bytes() -> bytes:
    model = small_model()
    model.compile(nonlin.Adam(0.01), "cross_entropy", ["accuracy"])
    model.fit(X, Y, epochs=1, verbose=0)
    return to_bytes(model)


def record_edit(change: Any) -> bytes:
    def apply(record: dict[str, Any]) -> Any:
        return change(record) or record

    return edit_meta(compiled_bytes(), "compile", apply)


TAMPERED = [
    (lambda r: [1], "compile", "[1]"),
    (lambda r: {**r, "run": "os.system"}, "compile", "'run'"),
    (lambda r: r["loss"].update(name="pickle"), "compile.loss.name", "'pickle'"),
    (lambda r: r["loss"].update(name=3), "compile.loss.name", "3"),
    (lambda r: r.update(loss="mse"), "compile.loss", "'mse'"),
    (lambda r: r["loss"].update(config={"reduction": "median"}),
     "compile.loss.config.reduction", "'median'"),
    (lambda r: r["loss"].update(config={"__init__": 1}), "compile.loss.config", "__init__"),
    (lambda r: r["loss"].update(config=[]), "compile.loss.config", "[]"),
    (lambda r: r["optimizer"].update(class_name="posix.system"), "compile.optimizer",
     "'posix.system'"),
    (lambda r: r.update(optimizer="adam"), "compile.optimizer", "'adam'"),
    (lambda r: r["optimizer"]["config"].update(lr=-1), "compile.optimizer.config.lr", "-1"),
    (lambda r: r["optimizer"]["config"].update(lr={"class_name": "Eval", "config": {}}),
     "compile.optimizer.config.lr.config", "Eval"),
    (lambda r: r["optimizer"]["scalars"].update(lr="nan"), "compile.optimizer.scalars.lr",
     "'nan'"),
    (lambda r: r["optimizer"]["scalars"].update(lr=-1.0), "compile.optimizer.scalars.lr", "-1.0"),
    (lambda r: r["optimizer"]["scalars"].update(iterations=-2),
     "compile.optimizer.scalars.iterations", "-2"),
    (lambda r: r["optimizer"]["scalars"].update(iterations=True),
     "compile.optimizer.scalars.iterations", "True"),
    (lambda r: r.update(metrics="accuracy"), "compile.metrics", "'accuracy'"),
    (lambda r: r.update(metrics=["eval"]), "compile.metrics[0]", "'eval'"),
    (lambda r: r.update(metrics=[{"class_name": "Pickler", "config": {}}]),
     "compile.metrics[0].class_name", "'Pickler'"),
    (lambda r: r.update(metrics=[{"class_name": "AUC", "config": {"num_thresholds": -1}}]),
     "compile.metrics[0].config.num_thresholds", "-1"),
    # a 3 KB file must not make load allocate a list of 2e7 thresholds
    (lambda r: r.update(metrics=[{"class_name": "AUC",
                                  "config": {"num_thresholds": 20_000_000}}]),
     "compile.metrics[0].config.num_thresholds", "20000000"),
    # what compile and fit would refuse
    (lambda r: r["loss"].update(config={"from_logits": False, "reduction": "none"}),
     "compile.loss.config.reduction", "'none'"),
    (lambda r: r["loss"].update(config={"from_logits": False, "reduction": None}),
     "compile.loss.config.reduction", "'none'"),
    (lambda r: r.update(metrics=[{"class_name": "Precision", "config": {"name": "val_p"}}]),
     "compile.metrics", "'val_p'"),
]


@pytest.mark.parametrize("change, field, value", TAMPERED)
def test_a_tampered_record_names_the_field_and_the_value(tmp_path, change, field, value) -> None:
    path = tmp_path / "m.safetensors"
    path.write_bytes(record_edit(change))
    with pytest.raises(ModelFileError) as info:
        nonlin.load(path)
    assert info.value.field == field, str(info.value)
    assert value in str(info.value)
    assert nonlin.load(path, compile=False).optimizer is None  # the bare model still loads


def test_nan_in_the_record_is_refused_as_json(tmp_path) -> None:
    def nan_lr(header: dict[str, Any]) -> None:
        meta = header["__metadata__"]
        meta["compile"] = meta["compile"].replace('"lr":0.01}', '"lr":NaN}')

    path = tmp_path / "m.safetensors"
    path.write_bytes(edit(compiled_bytes(), nan_lr))
    with pytest.raises(ModelFileError, match="NaN") as info:
        nonlin.load(path)
    assert info.value.field == "compile"


def record_file(tmp_path: Path, record: dict[str, Any], tensors: dict[str, np.ndarray],
                **header: str) -> Path:
    """A file of ``small_model()`` with this compile record and extra tensors."""
    path = tmp_path / "m.safetensors"
    path.write_bytes(model_bytes(extra_tensors=tensors,
                                 extra_header={"compile": json.dumps(record), **header}))
    return path


ADAM = {"class_name": "Adam", "config": {"lr": 0.01}, "scalars": {"iterations": 3, "lr": 0.01}}


def adam_slots(shape0: tuple[int, ...] = (3, 4), names: tuple[str, ...] = ("m", "v")) -> dict:
    shapes = [shape0, (4,), (4, 2), (2,)]
    return {f"optimizer.{name}.{i}": np.ones(shape) for name in names
            for i, shape in enumerate(shapes)}


@pytest.mark.parametrize("tensors, field, fragment", [
    ({**adam_slots(), "optimizer.m.0": np.ones((4, 3))}, "tensor 'optimizer.m.0'",
     r"expected shape \(3, 4\)"),
    ({k: v for k, v in adam_slots().items() if k != "optimizer.v.3"},
     "tensor 'optimizer.v.*'", "one tensor per parameter"),
    (adam_slots(names=("velocity",)), "compile.optimizer", "'velocity'"),
])
def test_slots_that_do_not_fit_are_refused(tmp_path, tensors, field, fragment) -> None:
    path = record_file(tmp_path, {"optimizer": ADAM}, tensors)
    with pytest.raises(ModelFileError, match=fragment) as info:
        nonlin.load(path)
    assert info.value.field == field
    assert nonlin.load(record_file(tmp_path, {"optimizer": ADAM}, adam_slots())).optimizer


def test_slots_without_an_optimizer_or_a_record_beside_a_checkpoint_are_refused(tmp_path):
    path = record_file(tmp_path, {"metrics": []}, adam_slots())
    with pytest.raises(ModelFileError, match="no optimizer") as info:
        nonlin.load(path)
    assert info.value.field == "tensor 'optimizer.m.0'"
    path = record_file(tmp_path, {"optimizer": ADAM}, adam_slots(), checkpoint="{}")
    with pytest.raises(ModelFileError, match=r"alone.*\['checkpoint'\]"):
        nonlin.load(path)


# -- compile=False, old files, checkpoints, the command line -------------------------
def test_compile_false_gives_the_bare_model(tmp_path) -> None:
    model = trained("adam")
    loaded = round_trip(model, tmp_path, compile=False)
    assert loaded.loss is None and loaded.optimizer is None and loaded._metrics == []
    assert np.array_equal(loaded.predict(X), model.predict(X))
    with pytest.raises(TypeError, match="Expected a bool. Received: compile='no'"):
        nonlin.load(tmp_path / "m.safetensors", compile="no")


def test_a_file_written_before_the_record_loads_as_before(tmp_path) -> None:
    model = trained("adam")
    old = bytes(file_buffer(model))  # what nonlin.save wrote before: no record, no slots
    assert "compile" not in header_of(old)["__metadata__"]
    path = tmp_path / "old.safetensors"
    path.write_bytes(old)
    loaded = nonlin.load(path)
    assert loaded.loss is None and loaded.optimizer is None
    assert np.array_equal(loaded.predict(X), model.predict(X))


def test_a_checkpoints_record_has_no_optimizer_and_it_loads_compiled(tmp_path) -> None:
    model = net()
    model.compile(nonlin.Adam(0.01), "cross_entropy")
    path = tmp_path / "ck.safetensors"
    model.fit(X, Y, epochs=2, verbose=0, seed=0, callbacks=[ModelCheckpoint(path)])
    data = path.read_bytes()
    record = json.loads(header_of(data)["__metadata__"]["compile"])
    assert sorted(record) == ["loss", "metrics"]  # the checkpoint record keeps the optimizer
    loaded = nonlin.load(path)  # a checkpoint read as a model file: the checkpoint's optimizer
    assert isinstance(loaded.loss, type(model.loss)) and same_state(loaded.optimizer,
                                                                    model.optimizer)
    assert all(map(np.array_equal, loaded.get_weights(), model.get_weights()))
    assert nonlin.load(path, compile=False).loss is None
    assert load_checkpoint(path).epoch == 2
    model.save(tmp_path / "m.safetensors")
    with pytest.raises(ModelFileError, match="this is a model file, not a checkpoint"):
        load_checkpoint(tmp_path / "m.safetensors")


def test_info_shows_the_compile_record(tmp_path, capsys) -> None:
    model = trained(nonlin.SGD(0.1, momentum=0.9), metrics=["accuracy", "auc"])
    model.save(tmp_path / "m.safetensors")
    assert cli.main(["info", str(tmp_path / "m.safetensors")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "compile:" in lines and "  metrics:   accuracy, auc" in lines
    assert "  loss:      CrossEntropy(from_logits=False, reduction='mean')" in lines
    assert any(line.startswith("  optimizer: SGD(lr=0.1") and line.endswith("6 steps taken")
               for line in lines)
    schedule = schedules.CosineDecay(0.01, decay_steps=20, warmup_steps=3, warmup_from=0.001)
    model.compile(nonlin.Adam(schedule), "cross_entropy")
    model.save(tmp_path / "m.safetensors")
    assert cli.main(["info", str(tmp_path / "m.safetensors")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 100 and lines[-2].endswith("0 steps taken")
    assert lines[-2].startswith("  optimizer: Adam(lr=CosineDecay(lr=0.01, decay_steps=20")


def test_info_shows_a_file_whose_record_is_at_fault_without_it(tmp_path, capsys) -> None:
    path = tmp_path / "m.safetensors"
    path.write_bytes(record_edit(lambda r: r["loss"].update(name="pickle")))
    assert cli.main(["info", str(path)]) == 0
    captured = capsys.readouterr()
    assert "compile.loss.name" in captured.err and "shown without its compile record" in \
        captured.err
    assert "compile:" not in captured.out and "Total params" in captured.out


def test_the_left_out_warning_marks_a_cut_repr(tmp_path) -> None:
    class Mine(nonlin.MeanSquaredError):
        def __repr__(self) -> str:
            return "Mine(" + "x" * 100 + ")"

    model = net().build(3, seed=0)
    model.compile("sgd", Mine())
    # the cut shows "..." and the repr's whole length (_quoting.quoted, as every message)
    cut = r"leaves out loss=Mine\(x{72}\.\.\. \(106 characters\): only"
    with pytest.warns(UserWarning, match=cut):
        model.save(tmp_path / "m.safetensors")


def test_save_warns_at_the_callers_line_for_both_spellings(tmp_path) -> None:
    model = small_model()
    model.compile("adam", MyLoss())
    for save in (model.save, lambda p: nonlin.save(model, p)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            save(tmp_path / "m.safetensors")
        assert [w.filename for w in caught] == [__file__]


def test_include_optimizer_false_keeps_loss_and_metrics_and_drops_the_state(tmp_path) -> None:
    model = trained(nonlin.Adam(0.01))
    full, lean = tmp_path / "full.safetensors", tmp_path / "lean.safetensors"
    model.save(full)
    nonlin.save(model, lean, include_optimizer=False)
    assert lean.stat().st_size < full.stat().st_size / 2  # Adam: two moments per weight
    loaded = nonlin.load(lean)
    assert loaded.optimizer is None and repr(loaded.loss) == repr(model.loss)
    assert loaded._metrics == ["accuracy"]
    assert "optimizer" not in json.loads(header_of(lean.read_bytes())["__metadata__"]["compile"])
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    with pytest.raises(TypeError, match="include_optimizer"):
        model.save(lean, include_optimizer="no")


def test_an_adam_restarted_after_a_refused_update_keeps_its_count(tmp_path) -> None:
    model = trained(nonlin.Adam(0.01))
    state = model.optimizer.state_dict()
    model.optimizer.load_state_dict({**state, "slots_since": 4})  # as after a refusal at 4
    loaded = round_trip(model, tmp_path)
    assert loaded.optimizer.state_dict()["slots_since"] == 4
    assert same_state(loaded.optimizer, model.optimizer)
    path = tmp_path / "m.safetensors"
    path.write_bytes(edit_meta(path.read_bytes(), "compile", lambda r: r["optimizer"][
        "scalars"].update(slots_since=99) or r))
    with pytest.raises(ModelFileError, match=r"expected an integer in \[0, 6\]") as info:
        nonlin.load(path)
    assert info.value.field == "compile.optimizer.scalars.slots_since"
