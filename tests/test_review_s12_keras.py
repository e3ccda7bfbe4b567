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


# -- finding 3: a fit continued with initial_epoch returns its own epochs, as Keras 3 -------------
def _regression(n: int = 40):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, X @ [1.0, 2.0, 3.0]


def test_a_continued_fit_returns_a_history_of_its_own_epochs(tmp_path) -> None:
    X, y = _regression()
    model = nonlin.Sequential([nonlin.Dense(1)])
    first = model.fit(X, y, loss="mse", optimizer="sgd", epochs=2, verbose=0, seed=0,
                      validation_split=0.25)
    saver = nonlin.checkpoint.ModelCheckpoint(tmp_path / "ck{epoch}.safetensors")
    second = model.fit(X, y, epochs=4, initial_epoch=2, verbose=0, callbacks=[saver])
    assert second.epoch == [2, 3] and first.epoch == [0, 1]
    assert {k: len(v) for k, v in second.history.items()} == {"loss": 2, "lr": 2}
    assert second.params["epochs"] == 4 and second.model is model
    # the model's History goes on, holding every epoch, as the checkpoints record them
    assert model.history.epoch == [0, 1, 2, 3]
    assert model.history.history["loss"][2:] == second.history["loss"]
    assert nonlin.load_checkpoint(saver.saved[-1]).history.epoch == [0, 1, 2, 3]
    # resume_from: the resumed run returns the whole curve
    resumed = nonlin.Sequential([nonlin.Dense(1)])
    whole = resumed.fit(X, y, loss="mse", optimizer="sgd", epochs=5, verbose=0,
                        resume_from=saver.saved[0])
    assert whole is resumed.history and whole.epoch == [0, 1, 2, 3, 4]
