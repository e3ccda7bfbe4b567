"""An estimator file whose Adam record asks for Keras' moving average (review21h).

scikit-learn's MLP has no ``use_ema``, and its ``fit`` never makes the weights the
average: a file asking for one (with the average's tensors, so that ``load_state_dict``
takes it) is refused naming the field, as other settings scikit-learn lacks.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

import nonlin.sklearn as nls  # noqa: E402
from nonlin.io import ModelFileError  # noqa: E402


@pytest.mark.parametrize("field, value", [("use_ema", True), ("ema_momentum", 0.5),
                                          ("ema_overwrite_frequency", 3)])
def test_an_estimator_file_with_an_ema_setting_is_refused_naming_it(tmp_path, field, value):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = nls.MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    path = tmp_path / "est.safetensors"
    est.save(path)
    data = path.read_bytes()
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])["__metadata__"]
    tensors = safetensors_numpy.load(data)
    record = json.loads(header["optimizer"])
    record["config"].update({"use_ema": True, field: value})
    header["optimizer"] = json.dumps(record)
    average = {k.replace(".m.", ".average."): v for k, v in tensors.items() if ".m." in k}
    safetensors_numpy.save_file({**tensors, **average}, path, metadata=header)
    with pytest.raises(ModelFileError, match=field):
        nls.load(path)
