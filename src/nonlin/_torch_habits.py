"""PyTorch habits met with nonlin's answer instead of a bare ``AttributeError`` or a
``TypeError`` about argument binding.

A hand-written PyTorch loop calls ``optimizer.zero_grad()``, ``model.train()``,
``model.eval()``, ``model.state_dict()`` and builds ``Adam(model.parameters(), lr=...)``.
nonlin has none of these, by design (``backward`` replaces each ``Param.grad``; the mode
is ``forward``'s ``training=``; an optimizer takes the parameters at each ``step``), and
Python's own errors for them say only that the name is missing or that ``lr`` got two
values. ``habit_error`` gives the same ``AttributeError`` with the nonlin way added, so
``hasattr`` and ``getattr(obj, name, default)`` behave exactly as before.

Non-goals: aliases that would run PyTorch code unchanged; nonlin's loop differs on
purpose (a ``zero_grad`` that did nothing would hide that gradients are not accumulated).
"""

from __future__ import annotations

from typing import Any

from .core import Param

_NO_ZERO_GRAD = ("nonlin needs none: backward replaces each Param.grad (PyTorch adds to .grad "
                 "until zero_grad()); to accumulate over micro-batches, add the gradients up "
                 "yourself before optimizer.step(model.parameters())")
_NO_DEVICE = ("nonlin computes with NumPy on the CPU, in the dtype the model is built with: "
              "model.build(n_features, seed, dtype=np.float32) (or float64, the default)")

MODEL_HABITS = {
    "zero_grad": _NO_ZERO_GRAD,
    "train": ("nonlin has no mode to switch: pass it per call, model.forward(X, training=True) "
              "for a training pass (Dropout on, BatchNorm on batch statistics)"),
    "eval": ("nonlin has no mode to switch: model.predict(X), model(X) and "
             "model.forward(X) (training=False, the default) run in inference mode"),
    "state_dict": ("model.get_weights() gives copies of every weight (and get_state() the "
                   "non-trainable ones by name); nonlin.save(model, path) writes them to a file"),
    "load_state_dict": ("model.set_weights(weights) takes get_weights()'s list back (on a built "
                        "model); nonlin.load(path) reads a saved model"),
    "named_parameters": ("model.parameters() gives the trainable Params, each with .name, "
                         ".value and .grad; the layer of each is in model.layers"),
    **dict.fromkeys(("to", "cpu", "cuda", "float", "double", "half"), _NO_DEVICE),
    **dict.fromkeys(("requires_grad_", "requires_grad"), (
        "layer.trainable = False freezes a layer (model.trainable = False every layer): "
        "model.parameters() then leaves its Params out")),
    **dict.fromkeys(("modules", "children"), "model.layers lists the layers (for layer in "
                    "model iterates them, model[i] is one)"),
}

OPTIMIZER_HABITS = {
    "zero_grad": _NO_ZERO_GRAD,
    "param_groups": ("a nonlin optimizer holds no parameters: it steps the list given to "
                     "optimizer.step(model.parameters()), and its learning rate is "
                     "optimizer.lr (a float or a schedule; set it to change it)"),
}
# what Optimizer.__init__ sets (its _reset too) and no class attribute stands in for: missing,
# a subclass's own __init__ did not call the base's
_NO_BASE_INIT = ("Expected the optimizer's __init__ to call super().__init__(lr, ...), "
                 "Optimizer's constructor, which sets the rate, the step count and the slots. "
                 "Received an optimizer whose constructor did not")
OPTIMIZER_HABITS.update(dict.fromkeys(
    ("_lr", "clipnorm", "iterations", "_slots_since", "check_finite", "_slots", "_param_slots",
     "_scratch", "_bound"), _NO_BASE_INIT))

MODULE_HABITS = {
    name: ("nonlin reads no global random state: seed each model, model.build(n_features, "
           "seed=0) or model.fit(X, y, ..., seed=0), which seeds model.rng for the weights, "
           "the shuffling and the dropout masks")
    for name in ("manual_seed", "seed")
}
MODULE_HABITS["no_grad"] = ("nonlin builds no graph to switch off: model.predict(X) and "
                            "forward(X) (training=False) cache nothing for backward")
MODULE_HABITS["clip_grad_norm_"] = ("give the optimizer clipnorm=, Adam(1e-3, clipnorm=1.0): "
                                    "every step then scales the gradients to that global norm")
MODULE_HABITS["clip_grad_value_"] = ("give the optimizer clipvalue=, Adam(1e-3, clipvalue=0.5)"
                                     ": every step then clips each gradient entry to it")


def habit_error(what: str, name: str, habits: dict[str, str]) -> AttributeError:
    """Python's ``AttributeError`` for ``name`` missing from ``what`` (``"'Sequential'
    object"``, ``"module 'nonlin'"``), with nonlin's way when ``name`` is one of ``habits``."""
    message = f"{what} has no attribute {name!r}"
    if name in habits:
        message += f"; {habits[name]}"
    return AttributeError(message)


def params_first(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> TypeError | None:
    """PyTorch's ``Adam(model.parameters(), lr=...)``: the error to raise, else None.

    Given a learning rate by name as well, Python would fail first with "got multiple values
    for argument 'lr'"; given ``learning_rate=`` it would drop the list without a word."""
    first = args[0] if args else None
    named = "lr" in kwargs or "learning_rate" in kwargs
    if not (named and isinstance(first, list | tuple) and first
            and all(isinstance(p, Param) for p in first)):
        return None
    return TypeError(f"Expected a learning rate first, not the parameters: a nonlin optimizer "
                     f"takes them at each step, opt.step(model.parameters()) (PyTorch's take "
                     f"them at construction). Received: {cls.__name__}(<a list of "
                     f"{len(first)} Params>, lr=...); write {cls.__name__}(lr=...) and pass the "
                     f"parameters to step")
