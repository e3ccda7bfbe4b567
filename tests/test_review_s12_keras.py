"""Review s12 (a Keras 3 / PyTorch user's view): a continued fit's History, ``mode="auto"``
on keys of unknown direction, optimizer arguments in Keras' or torch's order, and layers
changed after build."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin


# -- finding 5: AdamW and RMSprop take only the arguments Keras orders alike by position --------
@pytest.mark.parametrize("call", [
    lambda: nonlin.AdamW(1e-3, 1e-4),          # Keras 3: (learning_rate, weight_decay, ...)
    lambda: nonlin.AdamW(1e-3, 0.9, 0.999),    # PyTorch's betas, then eps, weight_decay
    lambda: nonlin.RMSprop(1e-3, 0.9, 0.9),    # Keras 3: (learning_rate, rho, momentum, ...)
])
def test_a_positional_call_in_keras_or_torch_order_is_refused(call) -> None:
    with pytest.raises(TypeError, match="positional"):
        call()


def test_the_keyword_forms_and_the_positional_prefix_still_work() -> None:
    adamw = nonlin.AdamW(1e-3, beta_1=0.8, weight_decay=1e-4)
    assert (adamw.lr, adamw.beta_1, adamw.weight_decay) == (1e-3, 0.8, 1e-4)
    rms = nonlin.RMSprop(1e-2, 0.8, epsilon=1e-6)
    assert (rms.lr, rms.rho, rms.epsilon) == (1e-2, 0.8, 1e-6)
    for opt in (adamw, rms):
        again = type(opt).from_config(opt.get_config())
        assert again.get_config() == opt.get_config()
        assert nonlin.registry.optimizer(type(opt).__name__.lower(), **opt.get_config()
                                         ).get_config() == opt.get_config()


# -- finding 6: stop_training set in on_epoch_begin ends that epoch after its first batch ---------
@pytest.mark.parametrize("hook, epochs, steps", [
    ("on_train_begin", [0], 1),    # 4 batches an epoch: one step, then the flag is seen
    ("on_epoch_begin", [0, 1], 5),  # at epoch 1: epoch 0's 4 steps and epoch 1's first
    ("on_epoch_end", [0, 1], 8),    # at epoch 1: after that whole epoch
])
def test_stop_training_from_each_hook_ends_where_the_docs_say(hook, epochs, steps) -> None:
    from pathlib import Path

    def stop(self, *args):
        if hook == "on_train_begin" or args[0] == 1:
            self.model.stop_training = True

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    model = nonlin.Sequential([nonlin.Dense(1)])
    history = model.fit(X, X @ [1.0, 2, 3], loss="mse", optimizer="sgd", epochs=5,
                        batch_size=16, verbose=0,
                        callbacks=[type("Stop", (nonlin.Callback,), {hook: stop})()])
    assert (history.epoch, model.optimizer.iterations) == (epochs, steps)
    guide = (Path(__file__).resolve().parents[1] / "docs" / "guide.md").read_text()
    for text in (" ".join(nonlin.callbacks.__doc__.split()), " ".join(guide.split())):
        assert "`on_epoch_begin` (or `on_train_begin`), after the first batch of" in (
            text.replace("``", "`"))
