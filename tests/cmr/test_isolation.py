from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

MODULES = [
    "assessment",
    "consensus",
    "contours",
    "dicom",
    "errors",
    "metrics",
    "overlay",
    "phantom",
    "relaxometry",
    "sav",
    "savwrite",
    "segments",
    "wall",
]


def test_the_analysis_core_never_imports_django():
    code = (
        "import sys\n"
        + "".join(f"import backend.cmr.{m}\n" for m in MODULES)
        + "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        + "assert not bad, bad\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
