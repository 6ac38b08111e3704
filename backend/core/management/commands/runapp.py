"""``python manage.py runapp``: migrate, seed the demo, and serve MyoQA through the Node proxy.

Starts three processes and supervises them: gunicorn (Django, 127.0.0.1:``MYOQA_BACKEND_PORT``), a Celery worker
(the filesystem broker on the embedded default, Redis with ``REDIS_URL``) and the Node proxy on ``PORT``
(default 8080) serving ``frontend/dist``. Prints one line with the URL and the word ``ready`` once the proxy and
Django answer, then the demo accounts. Ctrl-C stops all three.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from .seed_demo import CLASSMATES, DEMO_ACCOUNTS


def _wait_http(url: str, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return True
        except (OSError, http.client.HTTPException):  # refused, reset, timed out or a half-started server
            time.sleep(0.3)
    return False


class Command(BaseCommand):
    help = "Migrate, seed demo data and serve the app (Django + Celery worker + Node proxy)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-seed", action="store_true", help="do not create the demo data")

    def handle(self, *args, **opt) -> None:
        port = int(os.environ.get("PORT", "8080"))
        backend_port = int(os.environ.get("MYOQA_BACKEND_PORT", "8000"))
        node = shutil.which("node")
        if node is None:
            raise CommandError("Node.js is needed for the proxy (https://nodejs.org, version 20 or later).")
        dist = settings.BASE_DIR / "frontend" / "dist" / "index.html"
        if not dist.exists():
            raise CommandError(
                "The front-end is not built: run `make run` (or `npm ci && npm run build` in frontend/)."
            )
        Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        if not opt["no_seed"]:
            self.stdout.write("Preparing the demo data (cases, trainees' attempts)...")
            call_command("seed_demo", stdout=self.stdout)
        from backend.cnn.services import default_model_install

        self.stdout.write(default_model_install())
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        py = sys.executable
        procs = [
            subprocess.Popen(
                [
                    py,
                    "-m",
                    "gunicorn",
                    "backend.config.wsgi",
                    "--bind",
                    f"127.0.0.1:{backend_port}",
                    "--workers",
                    os.environ.get("MYOQA_WEB_WORKERS", "2"),
                    "--threads",
                    os.environ.get("MYOQA_WEB_THREADS", "4"),
                    "--timeout",
                    "120",
                    "--log-level",
                    "warning",
                ],
                env=env,
                cwd=settings.BASE_DIR,
            ),
            subprocess.Popen(
                [
                    py,
                    "-m",
                    "celery",
                    "-A",
                    "backend.config",
                    "worker",
                    "--loglevel",
                    "WARNING",
                    "-Q",
                    "myoqa,ml,ml-train",
                ],
                env=env,
                cwd=settings.BASE_DIR,
            ),
            subprocess.Popen(
                [node, "proxy/server.js"],
                cwd=settings.BASE_DIR,
                stdout=subprocess.DEVNULL,
                env={**env, "PORT": str(port), "BACKEND_URL": f"http://127.0.0.1:{backend_port}"},
            ),
        ]

        def stop(*_a) -> None:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()

        def stop_and_exit(*_a) -> None:
            stop()
            sys.exit(0)

        signal.signal(signal.SIGTERM, stop_and_exit)
        try:
            ok = _wait_http(f"http://127.0.0.1:{backend_port}/api/auth/me", 60) and _wait_http(
                f"http://127.0.0.1:{port}/healthz", 30
            )
            if not ok:
                raise CommandError("MyoQA did not start (see the messages above).")
            self.stdout.write(self.style.SUCCESS(f"MyoQA ready on http://localhost:{port}"))
            self.stdout.write("Demo accounts (username / password):")
            for u, p, role, name in DEMO_ACCOUNTS:
                self.stdout.write(f"  {role.label.lower():<10} {u:<11} / {p:<17} {name}")
            self.stdout.write(
                f"  (and {len(CLASSMATES)} classmates with earlier attempts: "
                f"{', '.join(u for u, _, _ in CLASSMATES)}, password <username>-demo)"
            )
            self.stdout.flush()
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            raise CommandError("A MyoQA process stopped; shutting down.")
        except KeyboardInterrupt:
            pass
        finally:
            stop()
