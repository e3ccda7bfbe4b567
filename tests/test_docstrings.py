"""The public docstrings document the parameters the code really has (numpydoc, checked
with the standard library alone).

Over every public callable (what ``nonlin`` and its public modules export, the public
methods of those classes, and their constructors, whose parameters the class docstring
documents):

* a ``Parameters`` section lists exactly the signature's parameters, in order (keyword-only
  ones included, ``*args`` / ``**kwargs`` with their stars), one ``name : type`` (or
  ``a, b : type``) line each with its description indented below; a default stated in the
  type (``float, default 0.01``) is the real default, and ``optional`` ones have one;
* a docstring without that section (the short ones) names each parameter, or the docstring
  of the same method (of the class, for a constructor) on a base class does: a protocol
  (``Layer.forward``, ``Callback.on_epoch_end``, ``Metric.update_state``) documents its
  parameters once. ``nonlin.sklearn``'s estimators take scikit-learn's parameters, which
  scikit-learn documents (their docstrings say so), and name their extras in the module
  docstring.

A parameter added without documentation fails here.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
from collections.abc import Iterator
from typing import Any

MODULES = ("nonlin", "nonlin.layers", "nonlin.losses", "nonlin.optimizers", "nonlin.callbacks",
           "nonlin.metrics", "nonlin.initializers", "nonlin.io", "nonlin.datasets",
           "nonlin.plots", "nonlin.gradcheck", "nonlin.sklearn", "nonlin.initializers_more",
           "nonlin.schedules", "nonlin.schedules_more", "nonlin.schedules_cyclic")


_HEADER = re.compile(r"^-{3,}$")
_ENTRY_NAME = re.compile(r"^\*{0,2}[A-Za-z_]\w*$")
_DEFAULT = re.compile(r"(?:^|,\s*)default\s+(?P<value>.+)$")


def _public_names(module: Any) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    # no __all__: what the module defines, and classes re-exported from private modules
    return [name for name, obj in vars(module).items() if not name.startswith("_") and (
        (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__ == module.__name__
        or inspect.isclass(obj) and obj.__module__.startswith("nonlin._"))]


def _methods(cls: type) -> Iterator[tuple[str, Any]]:
    for name in sorted(dir(cls)):
        if name.startswith("_") and name != "__call__":
            continue
        if isinstance(inspect.getattr_static(cls, name), property):
            continue
        method = getattr(cls, name)
        if (inspect.isfunction(method) or inspect.ismethod(method)) and (
                method.__module__ or "").startswith("nonlin"):
            yield name, method


def public_callables() -> dict[str, tuple[Any, type | None, str | None]]:
    """``{qualified name: (callable, owner class or None, method name or None)}``; a
    class stands for its constructor."""
    found: dict[str, tuple[Any, type | None, str | None]] = {}
    for module_name in MODULES:
        if module_name == "nonlin.sklearn" and importlib.util.find_spec("sklearn") is None:
            continue
        module = importlib.import_module(module_name)
        for name in _public_names(module):
            obj = getattr(module, name)
            if not callable(obj):
                continue
            key = f"{obj.__module__}.{obj.__qualname__}"
            found.setdefault(key, (obj, None, None))
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                for method_name, method in _methods(obj):
                    found.setdefault(f"{key}.{method_name}", (method, obj, method_name))
    return found


def parameter_names(obj: Any) -> list[str]:
    """The signature's parameters as numpydoc names them (``self`` / ``cls`` left out)."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    names = []
    for i, p in enumerate(signature.parameters.values()):
        if i == 0 and p.name in ("self", "cls") and not inspect.isclass(obj):
            continue
        stars = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        names.append(stars + p.name)
    return names


def parameters_section(doc: str) -> list[tuple[list[str], str]] | None:
    """The entries of the ``Parameters`` section as ``(names, type)``, or None without one.

    Raises ValueError for a line at the entries' indentation that is not an entry (prose
    inside the section, which numpydoc would read as parameters).
    """
    lines = doc.splitlines()
    starts = [i for i in range(len(lines) - 1)
              if lines[i].strip() == "Parameters" and _HEADER.match(lines[i + 1].strip())]
    if not starts:
        return None
    entries = []
    i = starts[0] + 2
    while i < len(lines) and not (i + 1 < len(lines) and _HEADER.match(lines[i + 1].strip())):
        line = lines[i]
        if line.strip() and not line[0].isspace():
            names, _, kind = line.partition(" : ")
            split = [n.strip() for n in names.split(",")]
            if not all(_ENTRY_NAME.match(n) for n in split):
                raise ValueError(f"not a parameter entry: {line!r}")
            entries.append((split, kind.strip()))
        i += 1
    return entries


def _stated_defaults(names: list[str], kind: str) -> list[tuple[str, str]]:
    match = _DEFAULT.search(kind)
    if not match:
        return []
    values = [v.strip() for v in match["value"].split(",")] if len(names) > 1 else [
        match["value"].strip()]
    return list(zip(names, values, strict=True))


def section_problems(obj: Any, entries: list[tuple[list[str], str]], gaps: set[str]) -> list[str]:
    documented = [name for names, _ in entries for name in names]
    expected = [name for name in parameter_names(obj) if name not in gaps]
    if documented != expected:
        return [f"documents {documented}, the signature has {expected}"]
    signature = inspect.signature(obj).parameters
    problems = []
    for names, kind in entries:
        for name, text in _stated_defaults(names, kind):
            default = signature[name.lstrip("*")].default
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                problems.append(f"{name}: cannot read the stated default {text!r}")
                continue
            if default is inspect.Parameter.empty or value != default:
                problems.append(f"{name}: states default {text}, the code has {default!r}")
        for name in names:
            required = signature[name.lstrip("*")].default is inspect.Parameter.empty
            if "optional" in kind and required:
                problems.append(f"{name}: documented optional, but has no default")
    return problems


def _named(name: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name.lstrip('*'))}(?!\w)", text) is not None


def documentation(obj: Any, owner: type | None, method: str | None) -> str:
    """The docstring, and those of the same method (the class docstrings, for a
    constructor) up the nonlin base classes; for ``nonlin.sklearn``, its module's too."""
    texts = [inspect.getdoc(obj) or ""]
    cls = owner if owner is not None else obj if inspect.isclass(obj) else None
    for base in inspect.getmro(cls) if cls is not None else ():
        source = getattr(base, method, None) if method else base
        if base.__module__.startswith("nonlin") and source is not None:
            texts.append(inspect.getdoc(source) or "")
    if cls is not None and cls.__module__ == "nonlin.sklearn":
        texts.append(importlib.import_module("nonlin.sklearn").__doc__ or "")
    return "\n".join(texts)


def scikit_learn_parameters(obj: Any, owner: type | None, method: str | None) -> set[str]:
    """The parameters scikit-learn's twin of a ``nonlin.sklearn`` estimator takes in the
    same callable (documented by scikit-learn); empty for everything else."""
    cls = owner if owner is not None else obj if inspect.isclass(obj) else None
    if cls is None or cls.__module__ != "nonlin.sklearn":
        return set()
    import sklearn.neural_network

    twin = getattr(sklearn.neural_network, cls.__name__)
    target = getattr(twin, method, None) if method else twin
    return set(parameter_names(target)) if target is not None else set()


def undocumented(key: str, gaps: set[str]) -> list[str]:
    """The problems of one public callable, ``gaps`` excepted."""
    obj, owner, method = CALLABLES[key]
    try:
        entries = parameters_section(inspect.getdoc(obj) or "")
    except ValueError as error:
        return [str(error)]
    if entries is not None:
        return section_problems(obj, entries, gaps)
    text = documentation(obj, owner, method)
    known = scikit_learn_parameters(obj, owner, method) | gaps
    return [f"{name} is not named in the docstring" for name in parameter_names(obj)
            if name not in known and not _named(name, text)]


CALLABLES = public_callables()


def test_the_checked_api_is_the_public_one() -> None:
    for key in ("nonlin.sequential.Sequential.fit", "nonlin.sequential.Sequential.evaluate",
                "nonlin.layers.Dense", "nonlin.layers.Dense.forward", "nonlin.sgd.SGD",
                "nonlin.losses.Loss.grad", "nonlin._metric_base.Metric.update_state",
                "nonlin._accuracy_metrics.Accuracy", "nonlin.callbacks.Callback.on_epoch_end",
                "nonlin.early_stopping.EarlyStopping", "nonlin.initializers.he_normal",
                "nonlin.io.save", "nonlin.datasets.load", "nonlin.plots.plot_history",
                "nonlin.gradcheck.gradcheck"):
        assert key in CALLABLES, key
    if importlib.util.find_spec("sklearn") is not None:
        assert "nonlin.sklearn.MLPClassifier.partial_fit" in CALLABLES


def test_every_public_parameter_is_documented_as_it_is() -> None:
    problems = {key: found for key in CALLABLES if (found := undocumented(key, set()))}
    assert not problems, "\n".join(f"{key}: {'; '.join(p)}" for key, p in problems.items())


def _documented(a: int, b: float = 0.5, *args: Any, c: str = "x", **kwargs: Any) -> None:
    """Parameters
    ----------
    a : int
    b : float, default 0.5
    *args
    c : str, default "x"
        Described.
    **kwargs
    """


def test_the_checks_find_what_they_are_meant_to() -> None:
    entries = parameters_section(inspect.getdoc(_documented))
    assert section_problems(_documented, entries, set()) == []
    wrong = [(["a"], "int"), (["c"], "str"), (["b"], "float"), (["*args"], ""), (["**kwargs"], "")]
    assert section_problems(_documented, wrong, set())  # out of order
    assert section_problems(_documented, entries[:-1], set())  # **kwargs left out
    misspelled = [(["a"], "int"), (["bb"], "float"), *entries[2:]]
    assert section_problems(_documented, misspelled, set())
    stale = [(["a"], "int"), (["b"], "float, default 0.1"), *entries[2:]]
    assert section_problems(_documented, stale, set()) == [
        "b: states default 0.1, the code has 0.5"]
    assert section_problems(_documented, [(["a"], "int, optional"), *entries[1:]], set())
    doc = "Parameters\n----------\na : int\n\nProse after the entries.\n"
    try:
        parameters_section(doc)
    except ValueError as error:
        assert "Prose after" in str(error)
    else:
        raise AssertionError("prose inside the section went unnoticed")
    assert _named("kwargs", "passing ``kwargs`` on") and not _named("rate", "a learning_rate")
