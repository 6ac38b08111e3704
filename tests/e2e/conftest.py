"""The full stack for browser tests: Django (pytest-django's live server, PostgreSQL test database), a Celery
worker consuming both queues (``myoqa``, ``ml``) from Redis, and the Node proxy serving the built front-end. Skips, with the reason, where a part
is missing (CI installs them all)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from tests.conftest import REPO

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "e2e"


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (Debian package chromium; .ci/run installs it)"
    if shutil.which("node") is None:
        return "Node.js not found"
    if not (REPO / "frontend" / "dist" / "index.html").exists():
        return "front-end not built (make test builds it)"
    for d in ("proxy", "tests/e2e"):
        if not (REPO / d / "node_modules").exists():
            return f"{d}/node_modules missing (make test installs it)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def stack(live_server, transactional_db):
    """Yields the proxy's base URL; Django and a worker run behind it."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from backend.config.celery_app import app

    app.control.purge()
    port = free_port()
    proxy = subprocess.Popen(
        ["node", "proxy/server.js"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={
            **os.environ,
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "BACKEND_URL": live_server.url,
            "STATIC_DIR": str(REPO / "frontend" / "dist"),
        },
    )
    try:
        deadline = time.monotonic() + 20
        line = ""
        while time.monotonic() < deadline and "ready" not in line:
            line = proxy.stdout.readline()
            if not line and proxy.poll() is not None:
                pytest.fail("the proxy did not start")
        with start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30, queues=["myoqa", "ml"]
        ):
            yield f"http://127.0.0.1:{port}"
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)


def run_node(script: str, env: dict, timeout: int = 240) -> subprocess.CompletedProcess:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        ["node", str(REPO / "tests" / "e2e" / script)],
        cwd=REPO / "tests" / "e2e",
        env={**os.environ, "ARTIFACTS": str(ARTIFACTS), "CHROMIUM": CHROMIUM, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
