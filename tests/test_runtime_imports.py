"""runtime.skip_unused_imports: TensorFlow's optional JAX import is skipped, nothing else."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

CHECK = """
import sys
import runtime
runtime.skip_unused_imports()
import tensorflow
import spacy, sklearn, rasa.core.agent
assert sys.modules["tensorflow.lite.python.util"]._xla_computation is None, "JAX was imported"
assert not [m for m in sys.modules if m.split('.')[0] in ('jax', 'jaxlib')]
try:
    import jax
except ImportError as error:
    assert "not loaded by runtime" in str(error)
else:
    raise AssertionError("jax imported")
print("ok")
"""


def test_jax_is_skipped_and_tensorflow_still_loads() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
