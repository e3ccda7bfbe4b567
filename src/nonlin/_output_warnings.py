"""The warnings ``fit`` gives, once, about a model's output layer and its loss:
``warn_double_activation`` (the last layer does not give what a cross-entropy takes) and
``warn_constant_softmax`` (a ``Softmax`` over a single column). ``nonlin.objective``
re-exports them; ``warn_outputs`` gives them with ``losses_more.warn_unbounded_output``,
for ``fit`` (each call, before the first epoch) and ``train_on_batch`` (once per model and loss).
"""

from __future__ import annotations

from ._dense_keras import output_layer
from ._stacklevel import user_stacklevel
from .activations import Sigmoid, Softmax
from .activations_hard import HardSigmoid
from .core import Sequential
from .losses import BinaryCrossEntropy, CrossEntropy, Loss
from .losses_more import warn_unbounded_output


def warn_outputs(model: Sequential, loss: Loss) -> None:
    """The warnings on ``model``'s output for ``loss`` (an instance), each pointing at the
    first frame outside nonlin: the user's call of ``fit`` or ``train_on_batch``, however
    deep inside nonlin this is called."""
    level = user_stacklevel()  # counted from here: each warning adds its own frame
    warn_double_activation(model, loss, stacklevel=level)
    warn_constant_softmax(model, stacklevel=level)
    warn_unbounded_output(model, loss, stacklevel=level)


def warn_constant_softmax(model: Sequential, stacklevel: int) -> None:
    """Warn when a ``Softmax`` acts on a single column: each row of one entry sums to 1, so
    its output is always 1 and nothing before it learns (``Dense(1)`` + ``Softmax()``).
    Once per ``fit``; the width is what ``build`` recorded (``in_features``)."""
    import warnings

    for i, given in enumerate(model.layers):
        layer = output_layer(given)  # Dense(1, activation="softmax") too
        if isinstance(layer, Softmax) and getattr(layer, "in_features", None) == 1:
            inside = "" if layer is given else " (Dense's activation=)"
            warnings.warn(
                f"Softmax() at layers[{i}]{inside} acts on a single column: its output is "
                "always 1.0, so the layers before it do not learn. For one output use "
                "Sigmoid() or activation='sigmoid' (with binary cross-entropy); for classes, "
                "Dense(n_classes) + Softmax() with cross-entropy.", stacklevel=stacklevel + 1)
            return


def warn_double_activation(model: Sequential, loss: Loss, stacklevel: int) -> None:
    """Warn when the model's last layer does not give what a cross-entropy takes.

    ``from_logits=True`` after a final ``Softmax`` (``CrossEntropy``) or ``Sigmoid``
    (``BinaryCrossEntropy``) would apply the activation a second time (Keras warns
    too). ``from_logits=False`` after any other built-in layer (``Dense``, ``ReLU``,
    ...; but ``HardSigmoid``, whose outputs are in [0, 1]) takes unbounded scores for
    probabilities: the loss can go below 0 and
    training goes astray, silently (PyTorch's ``CrossEntropyLoss`` takes such scores;
    here that is ``from_logits=True``). A custom last layer is trusted.
    """
    import warnings

    last = output_layer(model.layers[-1])  # an activated Dense: its activation
    kinds = ((CrossEntropy, Softmax), (BinaryCrossEntropy, Sigmoid))
    wanted = next((layer for kind, layer in kinds if isinstance(loss, kind)), None)
    if wanted is None or not isinstance(loss, CrossEntropy | BinaryCrossEntropy):
        return
    name, where, drop = type(last).__name__, f"layers[{len(model.layers) - 1}]", "layer"
    if last is not model.layers[-1]:  # Dense(k, activation="softmax")
        where, drop = f"{where}, Dense's activation=", "activation (activation=None)"
    if loss.from_logits and isinstance(last, wanted):
        message = (f"{type(loss).__name__}(from_logits=True) is given the outputs of the "
                   f"model's last layer, {name} ({where}): probabilities, not logits, so it "
                   f"would apply {name.lower()} twice. Drop the {name} {drop}, or use "
                   "from_logits=False.")
    elif (not loss.from_logits and not isinstance(last, Softmax | Sigmoid | HardSigmoid)
          and type(last).__module__.startswith("nonlin.")):
        message = (f"{type(loss).__name__} takes probabilities, but the model's last layer, "
                   f"{name} ({where}), gives unbounded scores: the loss can go below 0 and "
                   f"training goes astray. Add a {wanted.__name__}() layer, or use "
                   f"{type(loss).__name__}(from_logits=True) (what PyTorch's losses on "
                   "scores do).")
    else:
        return
    warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)
