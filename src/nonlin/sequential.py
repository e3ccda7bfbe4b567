"""``Sequential``: a chain of layers, built, run, trained and described.

It holds the layers, builds them for a number of input features from one
explicit generator (``model.rng``, also used by dropout and shuffling), runs
them forward and backward, and delegates ``fit`` to ``nonlin.train``. Weights, non-trainable state,
``get_config``, ``summary`` and ``from_config`` (which rebuilds the architecture through the
registry's allowlist) come from the ``ModelState`` mixin (``nonlin._model_state``). Keras'
``compile``, ``evaluate`` (``nonlin.evaluation``) and ``metrics_names`` come from the
``CompileMethods`` mixin (``nonlin._keras_compile``, with the attributes ``fit`` sets);
``add``, ``pop`` and ``*_on_batch`` from ``KerasMethods`` (``nonlin._keras_methods``);
``len``, indexing, iteration, ``repr`` and Keras' ``*weights`` lists from ``ContainerMethods``
(``nonlin._container``); ``name`` and ``get_layer`` from ``NamedModel``
(``nonlin._layer_names``); ``predict`` and ``model(x)`` from ``InferenceMethods``
(``nonlin._inference``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

import nonlin  # fit's return hint, read when the hints are (nonlin.History, lazy)

from ._backward_pass import MARK, TAKEN, check_unchanged, drop, remember, stale_backward_error
from ._container import ContainerMethods
from ._deferred_rng import LazyRng
from ._feature_names import forget_names
from ._inference import InferenceMethods, infer
from ._input_grad import backward_to_input
from ._kept_table import forget
from ._keras_compile import CompileMethods
from ._keras_methods import KerasMethods, check_layers
from ._layer_names import LayerList, NamedModel, assign_names, check_name
from ._model_state import ModelState, check_distinct_layers
from ._param_state import REQUIRES_GRAD, listed_names
from ._quoting import quoted
from ._random_hints import RandomLike, SeedLike
from ._saved_shapes import built_record
from .core import Layer, LayerProtocol, Param, as_rng, pack_parameters
from .keras_layers import input_width, keras_input_shape


class Sequential(ModelState, CompileMethods, KerasMethods, ContainerMethods, NamedModel,
                 InferenceMethods):
    """A chain of layers: ``y = f_L(... f_2(f_1(x)))``.

    Parameters
    ----------
    layers : sequence of layers, optional
        Objects following the layer protocol (see ``Layer``), after an optional Keras
        ``Input(shape=(n,))`` (the input width); none (Keras' ``Sequential()``) to ``add``
        them one by one.
    name : str, optional
        The model's name (Keras' ``name=``, ``model.name``; ``"sequential"`` by default).
        Layers are named too (``Dense(4, name="hidden")``, else ``dense``, ``dense_1``, ...
        by position): ``model.get_layer("hidden")`` finds one, ``summary()`` shows them.

    Examples
    --------
    >>> from nonlin import Sequential, Dense, Sigmoid
    >>> model = Sequential([Dense(4), Sigmoid(), Dense(1), Sigmoid()]).build(3, seed=0)
    >>> model.predict([[0.0, 1.0, 1.0]]).shape
    (1, 1)
    """

    if not TYPE_CHECKING:  # a loaded model's generator, made on first use (_deferred_rng)
        rng = LazyRng()
    requires_grad = REQUIRES_GRAD  # set (PyTorch's): an AttributeError naming trainable
    __dir__ = listed_names  # which dir(model) does not list (nonlin._param_state)
    if TYPE_CHECKING:  # NamedModel.layers, as type checkers see it: a LayerList (read as
        @property  # nonlin's layers) that takes any protocol layer, as the constructor
        def layers(self) -> LayerList: ...
        @layers.setter
        def layers(self, layers: Iterable[LayerProtocol]) -> None: ...

    def __init__(self, layers: Iterable[LayerProtocol] | None = None, *,
                 name: str | None = None) -> None:
        # checked and kept a LayerList by the setter (NamedModel.layers)
        self.layers = () if layers is None else layers
        self._name = check_name(name)
        self.n_features_in: int | None = None
        self.n_outputs: int | None = None
        self.dtype = np.dtype(np.float64)
        self.rng: RandomLike | None = None
        self._params: list[Param] = []
        self.optimizer: nonlin.optimizers.Optimizer | None = None  # compile's, fit's
        self.loss: nonlin.losses.Loss | None = None
        self._metrics: list[Any] = []  # compile's, for fit and evaluate
        self.history: nonlin.History | None = None  # the last fit's (Keras' model.history)
        self.stop_training = False

    # -- construction -------------------------------------------------------
    def build(
        self, n_features: int | None = None, seed: SeedLike = None, *, dtype: Any = np.float64,
        input_shape: Any = None,
    ) -> Sequential:
        """Create every layer's parameters for inputs of width ``n_features`` (None: the
        width of the model's ``Input(shape=(n,))``), in ``dtype`` (float32 or float64).

        The same ``seed`` gives the same bits whatever the global NumPy state.
        Returns ``self`` so that construction chains. Building again makes new parameters
        (an optimizer that stepped the old ones refuses them: use a new one).
        ``input_shape=`` is Keras' keyword for the first argument (``build(input_shape)``):
        a shape ``(None, n)`` or ``(n,)``, or the int ``n``, builds for ``n`` features.
        """
        if input_shape is not None:  # Keras' build(input_shape=(None, n)): the width n
            n_features = keras_input_shape(n_features, input_shape)
        n_features = input_width(self, n_features)  # checked, or the Input's
        try:
            dtype = np.dtype(dtype)
        except TypeError:  # dtype=5, "nonsense": NumPy's message names no argument
            raise TypeError("Expected dtype float32 or float64. "
                            f"Received: dtype={quoted(dtype)}") from None
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"Expected dtype float32 or float64. Received: dtype={dtype}")
        self._check_has_layers()
        check_layers(self.layers)  # model.layers edited by hand: layers only
        check_distinct_layers(self.layers)  # ... each object once (m.layers.append(d) again)
        assign_names(self.layers)  # model.layers edited by hand: checked, named anew
        held = self._claim_layers()  # layers holding weights made elsewhere: _build_layers
        forget_names(self)  # new weights: the next fit records the names anew
        self.rng = as_rng(seed)
        widths = self._build_layers(int(n_features), dtype, held)  # each input width, output's
        if isinstance(self.layers[0], Layer):
            self.layers[0].input_grad = False
        self.n_features_in, self.n_outputs, self.dtype = int(n_features), widths[-1], dtype
        layers = self._params_of = self.layers  # parameters() reads _params while it is the
        self._params_edits = layers._edits  # model's list, not edited since (LayerList._edits)
        self._params = [p for layer in layers for p in layer.parameters()]
        self._built_params = [layer.parameters() for layer in layers]  # _layers_built
        self._built_record = built_record(self, widths)  # what save's check compares with
        self._layers_edited = False  # add/pop set it: predict then checks _built_params
        pack_parameters(self._params)  # one flat buffer: optimizers step it in one go
        forget(self)  # train_on_batch's kept state: the former parameters not held on
        drop(self)  # a pass of the former parameters: no backward of it (_backward_pass)
        return self

    # -- computation --------------------------------------------------------
    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """Run the chain on a batch ``x`` of shape (n_samples, n_features_in): ``y = f_L(...
        f_2(f_1(x)))``, each layer's ``forward`` in turn, ``y`` of shape (n_samples, n_outputs).

        In training mode the result is a buffer owned by the last layer, valid
        until the next training forward. In inference mode it is a fresh array,
        never ``x`` itself (a chain of pass-through layers returns a copy).
        """
        if getattr(x, "ndim", None) != 2 or x.shape[1] != self.n_features_in:
            self._check_width(x)
        if not training:
            if TAKEN in self.__dict__:  # input_grad=True no longer follows (_backward_pass)
                self.__dict__.pop(TAKEN, None)  # (a pending mark stays: the caches do too)
            return infer(self.layers, x)
        remember(self)  # the weights it runs with, which backward checks (_pass_weights)
        self.__dict__[MARK] = True  # this pass waits for its backward (nonlin._backward_pass)
        for layer in self.layers:
            x = layer.forward(x, training=True)
        return x

    def backward(self, grad_out: np.ndarray, *, input_grad: bool = False) -> np.ndarray | None:
        """Propagate ``grad_out = dL/dy`` back through the chain, filling every ``Param.grad``.

        Returns ``dL/dx`` when ``input_grad`` is true, else ``None`` (the first
        layer then skips computing it). One backward per training forward
        (``model(x, training=True)``): another is a ``RuntimeError``
        (``nonlin._backward_pass``); ``input_grad=True`` may follow it, until the next
        inference pass, at the weights of that forward (a step between them: a ``RuntimeError``,
        ``nonlin._pass_weights``). A backward a layer refuses (``grad_out`` of another shape)
        leaves the pass waiting for the corrected one.
        """
        self._require_built()  # else the loop below would run over no layer, silently
        state = self.__dict__
        if MARK not in state and (not input_grad or TAKEN not in state):
            own = type(self).__name__ if type(self).forward is not Sequential.forward else None
            raise stale_backward_error(grad_out, input_grad, own)  # a stale batch's, silently
        check_unchanged(self)  # no step since the forward: a RuntimeError (_pass_weights)
        if input_grad:  # dL/dx of this pass, also after its backward
            grad_in = backward_to_input(self.layers, grad_out)
        else:  # self.layers as it is now: a layer replaced by hand (layers[i] = ...) is run
            for layer in reversed(self.layers):  # None comes from the first layer only
                grad_out = layer.backward(grad_out)  # type: ignore[assignment]
            grad_in = None
        state.pop(MARK, None)  # taken once the layers took it
        state[TAKEN] = True
        return grad_in

    # -- training (the loop lives in train.py; compile and evaluate: KerasMethods) --
    def fit(self, x: Any, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: int | str = 1, callbacks: Iterable[Any] | None = (),
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
            class_weight: dict[int, float] | None = None, sample_weight: Any = None,
            initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: int = 1, *, loss: Any = None, optimizer: Any = None,
            seed: SeedLike = None, metrics: Iterable[Any] | None = None,
            resume_from: Any = None) -> nonlin.History:
        """Train on ``(x, y)``, or on a batch source's batches, by mini-batch gradient descent;
        returns a ``History``.

        Keras 3's positional order (``x, y, batch_size, epochs, verbose, callbacks, ...,
        validation_freq``); ``loss``, ``optimizer``, ``seed``, ``metrics`` and ``resume_from``
        are nonlin's, keyword-only.

        Parameters
        ----------
        x : array or pandas DataFrame of shape (n_samples, n_features), or a batch source
            Builds the model (dtype float32 if x is, else float64) if needed. The
            first fit after ``build`` records a DataFrame's str column names as
            ``feature_names_in_``; later calls check them (``nonlin._feature_names``).
            A source gives ``(x, y)`` or ``(x, y, sample_weight)`` batches: a sequence
            (``len`` and ``x[i]``, Keras 3's PyDataset), an iterator or a re-iterable (the
            guide's "Streaming batches"); ``y``, ``sample_weight``, ``batch_size`` and
            ``validation_split`` are then refused (``nonlin._sources``).
        y : array of shape (n_samples,) or (n_samples, n_outputs), default None
            Integer labels or one-hot rows (cross-entropy), 0/1 columns (binary
            cross-entropy), or real targets; None with a source.
        batch_size : int or None, default None
            Rows per step; None means 32, as in Keras (see ``steps_per_epoch``).
        epochs : int
            Index of the last epoch + 1 (with ``initial_epoch``, as in Keras);
            0 trains nothing (the callbacks' ``on_train_begin`` and
            ``on_train_end`` still run) and returns an empty ``History``.
        verbose : {0, 1, 2, "auto"}
            0 silent, 1 (or "auto") a progress bar per epoch, 2 one line per epoch.
        callbacks : sequence of ``nonlin.callbacks.Callback``
            Or one callback; None means none (Keras 3 takes both). A ``CallbackList``
            runs its callbacks in its order, its ``History`` the one returned.
        validation_split : float in [0, 1)
            Hold out the last fraction of the rows (before shuffling).
        validation_data : (X_val, y_val) or (X_val, y_val, sample_weight), or a batch source
            A source (with arrays or a source as ``x``, as Keras 3) is read at each
            validation: a sequence or re-iterable anew, an iterator once (a later
            validation is refused; with ``validation_steps`` it carries over).
        shuffle : bool, default True
            Reshuffle the training rows (a sequence's batches) each epoch, from ``model.rng``.
        class_weight : dict {class index: weight}
            A class left out weighs 1; a key naming no class of the model is ignored (Keras).
        sample_weight : array of shape (n_samples,)
            Both scale each sample's loss (and gradient); they multiply.
        initial_epoch : int, default 0
            Epoch to start from when resuming; the History returned holds the epochs
            run (Keras 3), ``model.history`` all of them when this follows its last.
        steps_per_epoch, validation_steps : int, optional
            Keras 3's, where they cover the rows in one pass (without ``batch_size``,
            ``ceil(n_rows / steps)`` rows per batch); fewer are refused, as Keras would carry
            the rest over to the next epoch (``nonlin._fit_keras_args``). With a source:
            the batches of an epoch (of a validation pass), carried over as Keras 3 does.
        validation_batch_size : int, optional
            Rows per chunk of the validation pass (1,024 by default); only bounds memory.
            None when ``validation_data`` is a batch source.
        validation_freq : int >= 1, default 1
            Validate at the end of epochs ``validation_freq``, ``2 * validation_freq``, ...
            (counted from 1, as Keras); other epochs' logs have no ``val_*`` keys.
        loss, optimizer : object or registry name ("cross_entropy", "adam"), optional
            By default the model's: those of ``compile`` or of the last ``fit``.
        seed : int or numpy.random.Generator, optional
            Replace ``model.rng`` by a generator seeded with it (or by the generator
            given) first (shuffling and dropout draw from ``model.rng``; building
            draws from it too).
        metrics : sequence of names or ``nonlin.metrics.Metric``, optional
            Logged under the name given (``"acc"`` -> ``"acc"``, ``"val_acc"``), as in Keras;
            by default those of ``compile`` (none if not compiled).
        resume_from : str or path-like, optional
            A checkpoint (``nonlin.checkpoint.ModelCheckpoint``) to continue:
            weights, optimizer (replacing ``optimizer``, which must be of the
            same class; an instance given, with the same ``get_config()`` but for
            a float rate, else ``ValueError``), generator, history and epoch come from it. A
            checkpoint already at or past ``epochs`` trains nothing (Keras'
            ``initial_epoch >= epochs``) and returns its history. A sequence or re-iterable
            starts again at the checkpoint's epoch; an iterator (as ``x`` or as
            ``validation_data``) is refused. A ``BackupAndRestore`` callback's backup wins.

        Returns
        -------
        History
            This fit's epochs; also ``model.history`` (even when fit raises) unless
            that goes on (see ``initial_epoch``; ``resume_from`` returns it whole). A
            ``History`` in ``callbacks`` is the one returned and ``model.history`` (Keras 3).

        Raises
        ------
        DivergenceError
            When the loss or an update becomes NaN or infinite.
        """
        from .train import fit

        return fit(self, x, y, loss=loss, optimizer=optimizer, epochs=epochs,
                   batch_size=batch_size, shuffle=shuffle, seed=seed,
                   validation_split=validation_split, validation_data=validation_data,
                   callbacks=callbacks, metrics=metrics, class_weight=class_weight,
                   sample_weight=sample_weight, verbose=verbose, initial_epoch=initial_epoch,
                   resume_from=resume_from, validation_freq=validation_freq,
                   validation_batch_size=validation_batch_size,
                   steps_per_epoch=steps_per_epoch, validation_steps=validation_steps)
