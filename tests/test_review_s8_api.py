"""Review s8 (API leftovers): metric functions, chunked predict, path types, class_weight,
layer ownership under threads, plots of extreme data."""

from __future__ import annotations

import gc
import os
import threading
import warnings

import numpy as np
import pytest

from nonlin import Dense, Sequential, Softmax
from nonlin.core import Layer

FIT = dict(loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=8, verbose=0, seed=0)


def _task(n=24, k=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.integers(0, k, n)


# -- 1. a metric function cannot write into the user's arrays -----------------------------------
def _scribbler(seen):
    def scribble(y_true, y_pred):
        seen.append((len(y_true), y_true.flags.writeable, y_pred.flags.writeable))
        for arr in (y_true, y_pred):
            if arr.flags.writeable:
                arr[...] = 7
        return 0.0
    return scribble


def test_metric_functions_see_read_only_views_in_fit_validation_and_evaluate() -> None:
    X, y = _task()
    Xv, yv = _task(10, seed=1)
    kept = [a.copy() for a in (X, y, Xv, yv)]
    seen: list[tuple[int, bool, bool]] = []
    model = Sequential([Dense(2), Softmax()])
    model.fit(X, y, metrics=[_scribbler(seen)], validation_data=(Xv, yv), **FIT)
    model.evaluate(X, y, metrics=[_scribbler(seen)])
    assert sorted({n for n, *_ in seen}) == [10, 24]  # training, validation and evaluate
    assert all(not w_true and not w_pred for _, w_true, w_pred in seen)
    for now, before in zip((X, y, Xv, yv), kept, strict=True):
        np.testing.assert_array_equal(now, before)


# -- 2. chunked predict / evaluate refuse a chunk of the wrong shape ----------------------------
class _Cut(Layer):
    """Its build keeps the width (the Layer default), its forward returns ``x[rows, cols]``."""

    def __init__(self, rows=slice(None), cols=slice(None)):
        self.rows, self.cols = rows, cols

    def forward(self, x, *, training=False):
        return x[self.rows, self.cols].copy()

    def backward(self, grad_out):
        return grad_out


@pytest.mark.parametrize(("layer", "received"), [
    (_Cut(cols=slice(0, 1)), r"\(4, 1\)"), (_Cut(rows=slice(0, 1)), r"\(1, 3\)")])
def test_chunked_predict_refuses_outputs_of_another_shape_instead_of_broadcasting(
        layer, received) -> None:
    X = np.random.default_rng(0).normal(size=(10, 3))
    model = Sequential([layer]).build(3, seed=0)
    with pytest.raises(ValueError, match=r"rows 0:4 of shape \(4, 3\).*Received shape " + received):
        model.predict(X, batch_size=4)
    with pytest.raises(ValueError, match=r"Received shape " + received):
        model.evaluate(X, X, loss="mse", batch_size=4, metrics=[lambda a, b: 0.0])


def test_chunked_predict_still_matches_one_pass() -> None:
    X, y = _task(10)
    model = Sequential([Dense(2), Softmax()]).build(3, seed=0)
    np.testing.assert_array_equal(model.predict(X, batch_size=4), model.predict(X))


# -- 3. saving takes the path types loading takes (str, bytes, os.PathLike) ---------------------
def _paths(tmp_path, name):
    target = tmp_path / name
    return [str(target), os.fsencode(target), target]


def test_nonlin_save_and_load_take_str_bytes_and_pathlike(tmp_path) -> None:
    import nonlin

    model = Sequential([Dense(2)]).build(3, seed=0)
    X = np.ones((2, 3))
    for path in _paths(tmp_path, "m.safetensors"):
        nonlin.save(model, path)
        np.testing.assert_array_equal(nonlin.load(path).predict(X), model.predict(X))


def test_estimator_save_and_load_take_str_bytes_and_pathlike(tmp_path) -> None:
    pytest.importorskip("sklearn")
    from nonlin import sklearn as nsk

    X, y = _task()
    est = nsk.MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        est.fit(X, y)
    for path in _paths(tmp_path, "e.safetensors"):
        est.save(path)
        np.testing.assert_array_equal(nsk.load(path).predict_proba(X), est.predict_proba(X))


def test_checkpoints_take_str_bytes_and_pathlike(tmp_path) -> None:
    from nonlin.checkpoint import ModelCheckpoint, load_checkpoint, save_checkpoint

    X, y = _task()
    for path in _paths(tmp_path, "c.safetensors"):
        model = Sequential([Dense(2), Softmax()])
        model.fit(X, y, **FIT)
        save_checkpoint(model, path, epoch=1)
        assert load_checkpoint(path).epoch == 1
        again = Sequential([Dense(2), Softmax()]).build(3, seed=0)
        history = again.fit(X, y, **{**FIT, "epochs": 2}, resume_from=path)
        assert history.epoch == [0, 1]  # the checkpoint's epoch, then one more
    template = os.fsencode(tmp_path / "ck-{epoch}.safetensors")
    saver = ModelCheckpoint(template)
    Sequential([Dense(2), Softmax()]).fit(X, y, **FIT, callbacks=[saver])
    assert saver.saved == [str(tmp_path / "ck-1.safetensors")]


@pytest.mark.parametrize("path", [3, None, 1.5])
def test_save_and_load_refuse_a_non_path_naming_it(path, tmp_path) -> None:
    import nonlin

    model = Sequential([Dense(2)]).build(3, seed=0)
    for call in (lambda: nonlin.save(model, path), lambda: nonlin.load(path)):
        with pytest.raises(TypeError, match=rf"Received: path={path!r}"):
            call()


# -- 4. class_weight keys for classes the model lacks: Keras ignores them, so does fit -----------
@pytest.mark.parametrize("extra", [5, -1])
def test_fit_ignores_class_weight_keys_that_name_no_class_as_keras_does(extra) -> None:
    X, y = _task()
    runs = []
    for class_weight in ({0: 1.0, 1: 3.0}, {0: 1.0, 1: 3.0, extra: 9.0}, {1: 3.0, extra: 9.0}):
        runs.append(Sequential([Dense(2), Softmax()]).fit(
            X, y, class_weight=class_weight, **FIT).history["loss"])
    assert runs[0] == runs[1] == runs[2]  # an absent class weighs 1, an extra key nothing


@pytest.mark.parametrize(("class_weight", "match"), [
    ({"0": 1.0}, r"integer class indices. Received key '0'"),
    ({5: float("nan")}, r"class_weight\[5\]=nan")])
def test_fit_still_refuses_a_non_integer_key_or_a_bad_weight_of_an_extra_key(
        class_weight, match) -> None:
    X, y = _task()
    with pytest.raises(ValueError, match=match):
        Sequential([Dense(2), Softmax()]).fit(X, y, class_weight=class_weight, **FIT)


def test_estimators_follow_compute_sample_weight_on_class_weight_keys(tmp_path) -> None:
    pytest.importorskip("sklearn")
    from sklearn.utils.class_weight import compute_sample_weight

    from nonlin import sklearn as nsk

    X, y = _task()
    kwargs = dict(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        extra = nsk.MLPClassifier(**kwargs, class_weight={0: 1.0, 1: 3.0, 5: 9.0}).fit(X, y)
        plain = nsk.MLPClassifier(**kwargs, class_weight={0: 1.0, 1: 3.0}).fit(X, y)
        np.testing.assert_array_equal(extra.predict_proba(X), plain.predict_proba(X))
        extra.save(tmp_path / "e.safetensors")
        assert nsk.load(tmp_path / "e.safetensors").class_weight == {0: 1.0, 1: 3.0, 5: 9.0}
        with pytest.raises(ValueError, match=r"classes, \[1\], are not in class_weight"):
            compute_sample_weight({0: 1.0, 5: 9.0}, y)  # scikit-learn's own rule ...
        with pytest.raises(ValueError, match=r"classes, \[1\], are not in class_weight"):
            nsk.MLPClassifier(**kwargs, class_weight={0: 1.0, 5: 9.0}).fit(X, y)  # ... kept


# -- 5. layer ownership while another thread collects garbage -----------------------------------
class _SlowFinalizer:
    """In a reference cycle: collected by a full collection, whose finalizer step it holds
    up (releasing the GIL) for a bounded time, so that another thread runs meanwhile."""

    def __init__(self, started, release):
        self.started, self.release, self.me = started, release, self

    def __del__(self):
        self.started.set()
        self.release.wait(0.05)


def test_a_dropped_models_layers_serve_a_new_model_while_another_thread_collects() -> None:
    layers = [Dense(2), Softmax()]
    old = Sequential(layers).build(3, seed=0)
    old.me = old  # dropped below, kept alive by its cycle until a collection
    started, release = threading.Event(), threading.Event()
    enabled = gc.isenabled()
    gc.disable()  # only the collections below run
    try:
        _SlowFinalizer(started, release)
        collector = threading.Thread(target=gc.collect)
        collector.start()
        assert started.wait(5)  # the other thread is inside its collection now
        del old  # after that collection looked: only a collection run here frees it
        try:
            Sequential(layers).build(3, seed=0)  # gc.collect() here returns at once at first
        finally:
            release.set()
            collector.join()
    finally:
        if enabled:
            gc.enable()


# -- 6. plots: data near the float64 limit, a history key without a finite value -----------------
def _figures(monkeypatch):
    """The figures the plot functions save, captured instead of written."""
    from nonlin import plots

    figures: list = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig) or str(path))
    return figures


@pytest.mark.parametrize("X", [[[-1.7e308, 0.0], [1.7e308, 1.0]], [[1.7e308, 0.0], [1.6e308, 1.0]],
                               [[0.0, 0.0], [1e306, 1.0]]])
def test_decision_boundary_refuses_values_too_large_to_lay_out_naming_one(X, tmp_path) -> None:
    pytest.importorskip("matplotlib")
    from nonlin import plots

    def predict(points):
        return np.zeros(len(points), dtype=np.int64)

    with pytest.raises(ValueError, match=r"within \+-1e\+305.*Received X\[\d, 0\]=-?1\.?\d*e\+30"):
        plots.plot_decision_boundary(predict, X, [0, 1], tmp_path / "b.png")
    assert not (tmp_path / "b.png").exists()


def test_decision_boundary_still_draws_values_up_to_1e305(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    from nonlin import plots

    def predict(points):
        return (points[:, 0] > 0).astype(np.int64)

    X = [[-1e305, -1e305], [1e305, 1e305]]
    plots.plot_decision_boundary(predict, X, [0, 1], tmp_path / "b.png", resolution=10)
    assert (tmp_path / "b.png").stat().st_size > 0


def test_a_history_key_without_a_finite_value_gets_a_note_in_its_panel(tmp_path,
                                                                      monkeypatch) -> None:
    pytest.importorskip("matplotlib")
    from nonlin import plots

    figures = _figures(monkeypatch)
    nan = float("nan")
    plots.plot_history({"loss": [0.5, 0.4], "auc": [nan, nan], "val_auc": [nan, nan],
                        "mae": [nan, 0.3]}, tmp_path / "h.png")
    loss_ax, auc_ax, mae_ax = figures[0].axes
    assert [t.get_text() for t in auc_ax.texts] == ["no finite values"]
    assert not loss_ax.texts and not mae_ax.texts


def test_plots_take_a_bytes_path_and_keep_its_format(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    from nonlin import plots

    written = plots.plot_history({"loss": [0.5, 0.4]}, os.fsencode(tmp_path / "h.pdf"))
    assert written == str(tmp_path / "h.pdf")
    assert (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(("layer", "received"), [
    (_Cut(cols=slice(0, 1)), r"\(10, 1\)"), (_Cut(rows=slice(0, 1)), r"\(1, 3\)")])
def test_predict_in_one_pass_refuses_outputs_of_another_shape_too(layer, received) -> None:
    X = np.random.default_rng(0).normal(size=(10, 3))
    model = Sequential([layer]).build(3, seed=0)
    for batch_size in (None, 10, 64):
        with pytest.raises(ValueError, match=r"of shape \(10, 3\).*Received shape " + received):
            model.predict(X, batch_size=batch_size)


def test_csv_logger_and_read_csv_take_bytes_paths_and_name_a_bad_one(tmp_path) -> None:
    from nonlin.callbacks import CSVLogger
    from nonlin.tabular import read_csv

    log = tmp_path / "log.csv"
    model = Sequential([Dense(1)]).build(2, seed=0)
    model.fit(np.ones((4, 2)), np.ones(4), loss="mse", optimizer="sgd", epochs=2, verbose=0,
              callbacks=[CSVLogger(os.fsencode(log))])
    assert log.read_text().splitlines()[0].startswith("epoch,")
    table = tmp_path / "t.csv"
    table.write_text("a,y\n1,2\n3,4\n")
    np.testing.assert_array_equal(read_csv(os.fsencode(table), target="y").X, [[1.0], [3.0]])
    with pytest.raises(TypeError, match="Received: path=None"):
        read_csv(None, target="y")
