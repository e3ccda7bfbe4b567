"""A ``nonlin.sklearn`` estimator's metadata requests in its file: ``training.requests``.

scikit-learn's metadata routing keeps what ``est.set_fit_request(sample_weight=True)``
(``set_score_request``, ``set_partial_fit_request``) asked in the estimator's
``_metadata_request``; a pickle and ``clone`` keep it, and so does ``est.save``: the
record ``{method: {param: value}}`` of the requests set (``true``, ``false`` or an alias,
a str), written only when one is. ``nonlin.sklearn.load`` checks each against the
estimator's own methods and parameters and sets it as ``set_{method}_request`` does
(without asking for routing to be on, as unpickling does not ask). This module does not
import scikit-learn (the requests are the estimator's own objects).
"""

from __future__ import annotations

from typing import Any

from ._header import ModelFileError
from ._quoting import quoted

_FIELD = "training.requests"
_METHODS = ("fit", "partial_fit", "score")  # the estimators' methods that take metadata


def _known(requests: Any) -> dict[str, dict[str, Any]]:
    """``{method: {param: value}}`` of a ``MetadataRequest``, through its public fields."""
    return {method: dict(getattr(requests, method).requests) for method in _METHODS}


def request_record(est: Any) -> dict[str, dict[str, Any]] | None:
    """The requests set on ``est`` (``{"fit": {"sample_weight": True}}``), or None."""
    requests = est.__dict__.get("_metadata_request")
    if requests is None:
        return None
    record = {}
    for method, params in _known(requests).items():
        chosen = {param: value for param, value in params.items() if value is not None}
        if chosen:
            record[method] = chosen
    return record or None


def restore_requests(est: Any, record: Any, path: str) -> None:
    """Set the requests of ``record`` (``training.requests``; None: none) on the loaded
    ``est``, each checked: a ``ModelFileError`` naming the field and the value received."""
    if record is None:
        return
    requests = est._get_metadata_request()  # the defaults, from the methods' signatures
    known = _known(requests)  # {method: {param: None}}
    if not isinstance(record, dict):
        raise _refuse(path, _FIELD, record, "a JSON object of methods")
    for method, params in record.items():
        field = f"{_FIELD}{_key(method)}"
        if method not in known:
            raise _refuse(path, field, method, f"a method among {sorted(known)}")
        if not isinstance(params, dict) or not params:
            raise _refuse(path, field, params, "a JSON object of parameters")
        for param, value in params.items():
            if param not in known[method]:
                raise _refuse(path, f"{field}{_key(param)}", param,
                              f"a parameter of {method} among {sorted(known[method])}")
            if not (isinstance(value, bool) or isinstance(value, str) and value.isidentifier()):
                raise _refuse(path, f"{field}.{param}", value,
                              "true, false or an alias (a name)")
            getattr(requests, method).add_request(param=param, alias=value)
    est._metadata_request = requests


def _key(key: str) -> str:
    """A key of the file as its field's name ends: ``.predict`` when it is a name of up
    to 40 characters, else ``['...']``, quoted, escaped and cut (a key holding a line
    break or an escape code, or a megabyte of text, is not echoed raw)."""
    return f".{key}" if key.isidentifier() and len(key) <= 40 else f"[{quoted(key, 40)}]"


def _refuse(path: str, field: str, value: Any, expected: str) -> ModelFileError:
    return ModelFileError(path, f"Expected {expected}. Received {quoted(value, 120)}", field)
