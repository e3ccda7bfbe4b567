"""The checks of ``Sequential.set_state``, run on everything before anything is copied.

``checked_state`` holds a state dict against the one ``get_state`` gives: the
same keys (none unknown, none missing: PyTorch's strict ``load_state_dict``),
and for each key an array of the current one's shape, of finite real numbers
within the model's dtype (converted to it). Messages name the key and the
offending value, as ``set_weights``' do. The layers' own checks (a
``BatchNorm`` variance >= 0) are theirs: ``set_layer_states`` runs them after
these, layer by layer, putting back what it set when one refuses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._quoting import quoted, quoted_list
from .validation import as_dtype


def _first_bad(value: np.ndarray, bad: np.ndarray) -> str:
    """``[i, j]=value`` of the first entry where ``bad`` is true (``bad`` has a true one)."""
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return f"[{', '.join(map(str, index))}]={value[index].item()!r}"


def check_keys(state: dict[Any, Any], expected: dict[str, np.ndarray]) -> None:
    """Refuse keys that ``get_state`` does not give, and keys of it that ``state`` lacks."""
    unknown = [key for key in state if key not in expected]
    if unknown:
        raise ValueError(
            f"Expected the keys of get_state(): {sorted(expected)}. Received unknown key"
            f"{'s' * (len(unknown) > 1)} {quoted_list(unknown)}"
        )
    missing = [key for key in expected if key not in state]
    if missing:
        raise ValueError(
            "Expected every key of get_state() (the whole state). Missing "
            f"{quoted_list(missing)}"
        )


_UNSHOWN = object()


def checked_array(arr: np.ndarray, current: np.ndarray, where: str, *, label: str = "",
                  wanted: tuple[str, str] = ("real numbers", "finite values"),
                  shown: Any = _UNSHOWN) -> np.ndarray:
    """``arr`` as an array of ``current``'s shape and dtype (``as_dtype``: within its
    range), refused unless of that shape, real (``fiu``) and finite: the checks of
    ``set_weights`` (``_weights.checked``) and of ``set_state`` (``checked_value``).

    Messages name ``label`` (else ``where``) and the first bad entry as ``where[i, j]``;
    ``wanted``: what they expect of the dtype and of the values; ``shown``: a value to
    quote after the dtype received.
    """
    label = label or where
    if arr.shape != current.shape:
        raise ValueError(f"Expected {label} of shape {current.shape}. "
                         f"Received shape {arr.shape}")
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"Expected {wanted[0]} in {label}. Received dtype {arr.dtype}"
                         + ("" if shown is _UNSHOWN else f": {quoted(shown)}"))
    finite = np.isfinite(arr)
    if not finite.all():
        raise ValueError(f"Expected {wanted[1]} in {label}. "
                         f"Received {where}{_first_bad(arr, ~finite)}")
    return as_dtype(arr, current.dtype, where, contiguous=False)


def checked_value(key: str, value: Any, current: np.ndarray) -> np.ndarray:
    """``value`` as an array of ``current``'s shape and dtype: finite real numbers."""
    where = f"state[{quoted(key)}]"
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # a ragged list
        raise ValueError(f"Expected an array of shape {current.shape} for {where}. "
                         f"Received: {quoted(value)}") from None
    return checked_array(arr, current, where, shown=value)


def checked_state(state: dict[Any, Any], expected: dict[str, np.ndarray]) -> dict[str, Any]:
    """``state`` checked against ``expected`` (``get_state()``), its values converted."""
    if not isinstance(state, dict):
        raise TypeError(f"Expected a dict from get_state(). Received: state={quoted(state)}")
    check_keys(state, expected)
    return {key: checked_value(key, state[key], current) for key, current in expected.items()}


def copy_statistics(state: dict[Any, Any], current: dict[str, np.ndarray],
                    variance: str) -> None:
    """Copy a mean-and-variance ``state`` into the layer's arrays ``current``
    (``get_state()``), all of it or nothing: ``checked_state``'s checks, then the entry
    ``variance`` refused if negative (``sqrt`` would make it NaN), naming the value."""
    values = checked_state(state, current)
    negative = negative_entry(f"state[{variance!r}]", values[variance])
    if negative:
        raise ValueError(f"Expected a {variance} >= 0. Received {negative}")
    for name, value in values.items():
        np.copyto(current[name], value)


def layer_part(state: dict[str, Any], i: int) -> dict[str, Any]:
    """The entries of layer ``i`` in a model's state, keyed by the layer's own names."""
    prefix = f"{i}."
    return {key[len(prefix):]: value for key, value in state.items() if key.startswith(prefix)}


def set_layer_states(layers: list[Any], values: dict[str, Any], before: dict[str, np.ndarray],
                     caller: str = "set_state", owner: str = "") -> None:
    """Hand each layer its part of the checked ``values``; when one refuses it, put
    every layer set so far back to ``before`` and raise, naming the key and the layer
    (and ``caller``, which changed nothing). ``owner``: ``layers`` is one layer's own
    (``Layer.set_weights``), named so, its keys its own."""
    parts = [(i, layer, layer_part(values, i)) for i, layer in enumerate(layers)]
    parts = [(i, layer, part) for i, layer, part in parts if part]
    for i, layer, _ in parts:
        if not callable(getattr(layer, "set_state", None)):
            raise TypeError(f"Expected a set_state method on layers[{i}] ({layer!r}), "
                            "which has a state (get_state). Received none")
    done: list[int] = []
    unadapted = {i for i, layer, _ in parts if getattr(layer, "is_adapted", True) is False}
    for i, layer, part in parts:
        done.append(i)
        try:
            layer.set_state(part)
        except (ValueError, TypeError) as exc:
            for j in done:  # the refusing layer too: a layer of one's own may be half set
                layers[j].set_state(layer_part(before, j))
                if j in unadapted:  # set_state adapts a Normalization: undo that too
                    layers[j]._ready = False
            kind = ValueError if isinstance(exc, ValueError) else TypeError
            message = str(exc) if owner else str(exc).replace("state['", f"state['{i}.")
            where = owner or f"layers[{i}], {type(layer).__name__}"  # the model's keys above
            raise kind(f"{message} ({where}); {caller} changed nothing") from None


def negative_entry(name: str, value: np.ndarray) -> str | None:
    """``name[i]=value`` of the first negative entry of ``value``, or None."""
    negative = value < 0
    return f"{name}{_first_bad(value, negative)}" if negative.any() else None
