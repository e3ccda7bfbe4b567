"""Review of typed31 (nonlin ships ``py.typed``): what a type checker is told holds at run time.

- ``from_config`` of a subclass is typed as that subclass for every base that has one: a
  ``Sequential`` subclass, an optimizer, a Keras initializer (as layers, metrics and schedules);
- every submodule that ``import nonlin`` binds is declared for type checkers (pyright, unlike
  mypy, reports ``nonlin.regularizers.L2`` as an unknown attribute otherwise), and each
  declared one is there at run time;
- the estimators' fitted-attribute annotations match the values of real fits (a regressor
  fitted on float32 data has ``np.float32`` losses, which are not ``float``s).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import types
import typing
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from test_typing_s31 import ROOT, _mypy

FROM_CONFIG = '''\
import nonlin
from nonlin import Adam, Sequential
from nonlin.initializers_keras import GlorotUniform


class MyNet(Sequential):
    pass


reveal_type(MyNet.from_config(Sequential([nonlin.Dense(1)]).get_config()))
reveal_type(Adam.from_config(Adam().get_config()))
reveal_type(GlorotUniform.from_config({}))
model = Sequential([nonlin.Dense(1)])
X = model.predict([[1.0]])
reveal_type(model.evaluate(X, X, None, 0, None, None, None, False))
reveal_type(model.train_on_batch(X, X, None, None, True))
reveal_type(model.test_on_batch(X, X, None, True))
'''


def test_from_config_is_typed_as_the_class_it_is_called_on(tmp_path: Path) -> None:
    """``MyNet.from_config`` gives a ``MyNet`` (run time) and is typed so (was ``Sequential``),
    ``Adam.from_config`` an ``Adam`` (was ``Optimizer``), ``GlorotUniform``'s a
    ``GlorotUniform`` (was ``Initializer``); ``return_dict`` given by position picks its
    overload too (was the union of both)."""
    class MyNet(nonlin.Sequential):
        pass

    assert type(MyNet.from_config(MyNet([nonlin.Dense(1)]).get_config())) is MyNet
    assert type(nonlin.Adam.from_config(nonlin.Adam().get_config())) is nonlin.Adam
    pytest.importorskip("mypy")
    lines = _mypy(tmp_path, {"from_config.py": FROM_CONFIG})
    revealed = [line.split('"')[1] for line in lines if "Revealed type is" in line]
    assert revealed == ["from_config.MyNet", "nonlin.adaptive.Adam",
                        "nonlin.initializers_keras.GlorotUniform", "float | list[float]",
                        "dict[str, float]", "dict[str, float]"], "\n".join(lines)


def _declared_submodules() -> set[str]:
    """The submodules ``nonlin/__init__.py`` declares: ``from . import x as x`` (under
    ``TYPE_CHECKING``) and the ``x`` of each top-level ``from .x import ...``."""
    tree = ast.parse((ROOT / "src" / "nonlin" / "__init__.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is None:
                names.update(alias.name for alias in node.names if alias.asname == alias.name)
            elif "." not in node.module:
                names.add(node.module)
    return {name for name in names if not name.startswith("_")}


def test_every_submodule_import_nonlin_binds_is_declared() -> None:
    """A fresh ``import nonlin`` binds ``nonlin.regularizers`` (documented:
    ``nonlin.regularizers.L2(x)``), ``nonlin.initializers_keras`` (``CLASSES``) and others;
    each is declared for type checkers, and each declared one is reachable at run time."""
    code = ("import json, types, nonlin; print(json.dumps(sorted(k for k, v in vars(nonlin)"
            ".items() if isinstance(v, types.ModuleType) and not k.startswith('_'))))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    bound = set(json.loads(done.stdout))
    declared = _declared_submodules()
    assert bound - declared == set()
    assert {"regularizers", "initializers_keras", "datasets", "sklearn"} <= declared


def test_every_declared_submodule_is_there_at_run_time() -> None:
    """No submodule is declared that a fresh ``nonlin`` lacks: the lazily imported losses
    are declared from ``nonlin.losses``, not from ``nonlin.losses_margin`` (which a type
    checker then took as an attribute, an ``AttributeError`` at run time)."""
    code = ("import nonlin, sys; there = {*vars(nonlin), *nonlin._SUBMODULES}; "  # lazily
            "print([n for n in sys.argv[1:] if n not in there])")  # served: _SUBMODULES
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", code, *sorted(_declared_submodules())],
                          capture_output=True, text=True, env=env, timeout=120, check=True)
    assert done.stdout.strip() == "[]"  # a module, or what shadows it (nonlin.gradcheck)


def _holds(value: object, hint: Any) -> bool:
    """``value`` is of the type ``hint`` (unions, ``None``, ``list[...]``, classes)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return any(_holds(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(_holds(v, item) for v in value)
    return hint is Any or isinstance(value, hint)


@pytest.mark.parametrize("kind, solver, early, dtype", [
    ("regressor", "adam", False, np.float32), ("regressor", "sgd", True, np.float32),
    ("regressor", "lbfgs", False, np.float32), ("classifier", "adam", True, np.float64),
    ("classifier", "sgd", False, np.float64), ("classifier", "lbfgs", False, np.float32)])
def test_fitted_attributes_have_their_declared_types(kind: str, solver: str, early: bool,
                                                     dtype: type) -> None:
    """Each fitted attribute a fit sets holds a value of its annotation (``loss_`` of a
    float32 regressor is an ``np.float32``: its annotation was ``float``)."""
    pytest.importorskip("sklearn")
    from nonlin._sklearn_fitted import FittedAttributes
    from nonlin.sklearn import MLPClassifier, MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)).astype(dtype)
    y = X[:, 0] if kind == "regressor" else (X[:, 0] > 0).astype(int)
    cls = MLPRegressor if kind == "regressor" else MLPClassifier
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged in 3 iterations
        est = cls(hidden_layer_sizes=(3,), solver=solver, early_stopping=early, max_iter=3,
                  random_state=0).fit(X, y)
    hints = typing.get_type_hints(FittedAttributes)
    present = {name for name in hints if hasattr(est, name)}
    assert {"coefs_", "loss_", "n_iter_", "model_"} <= present
    wrong = {name: type(getattr(est, name)) for name in present
             if not _holds(getattr(est, name), hints[name])}
    assert wrong == {}


TOUCHED = ("nonlin.core", "nonlin.optimizers", "nonlin.callbacks", "nonlin.losses",
           "nonlin.schedules", "nonlin.checkpoint", "nonlin.registry", "nonlin.regularizers",
           "nonlin.validation", "nonlin.metrics", "nonlin.sklearn", "nonlin.io")


def test_hints_resolve_for_the_public_callables_of_the_typed_modules() -> None:
    """``typing.get_type_hints`` raises nothing for a public function, class or method of
    the modules typed31 touched: ``nonlin.core.as_rng`` (``SeedLike``),
    ``backward_to_input`` (``LayerProtocol``), ``registry.loss`` / ``optimizer``
    (``losses``, ``optimizers``) and ``schedules.schedule_from_config`` (``Schedule``) raised
    ``NameError``: their hints named what was imported for type checkers only."""
    import importlib.util
    import inspect

    failures = {}
    for module_name in TOUCHED:
        if module_name == "nonlin.sklearn" and importlib.util.find_spec("sklearn") is None:
            continue  # the sklearn extra is not installed
        module = importlib.import_module(module_name)
        for name in [n for n in dir(module) if not n.startswith("_")]:
            obj = getattr(module, name)
            if not callable(obj) or not getattr(obj, "__module__", "").startswith("nonlin"):
                continue
            members = vars(obj).items() if inspect.isclass(obj) else ()
            for label, func in [(name, obj), *((f"{name}.{a}", getattr(obj, a))
                                               for a, m in members if inspect.isfunction(m))]:
                try:
                    typing.get_type_hints(func)
                except Exception as error:  # noqa: BLE001 -- each one is reported
                    failures[f"{module_name}.{label}"] = repr(error)
    assert failures == {}
