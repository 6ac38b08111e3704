from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

MODULES = ["data", "evaluate", "infer", "model", "postprocess", "preprocess", "train"]


def test_the_consensus_model_package_never_imports_django():
    code = (
        "import sys\n"
        + "".join(f"import ml.{m}\n" for m in MODULES)
        + "import ml.model; ml.model.build_model('unet', width=0.0625)\n"
        + "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        + "assert not bad, bad\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
