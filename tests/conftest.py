"""Shared test fixtures. Real data is read by path from ``../shared/data`` (never copied into the repository);
tests that need it skip, with the reason, on a clone that has no ``../shared``."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()


def shared_path(*parts: str) -> Path:
    """Path under ``../shared/data``; skips the calling test when the shared data is not beside the clone."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real data not available: {p} (CI has ../shared/data beside the clone; a user's clone may not)")
    return p


@pytest.fixture
def shared_data() -> Path:
    """The ``../shared/data`` folder (skips when absent)."""
    return shared_path()
