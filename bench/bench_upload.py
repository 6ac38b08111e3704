"""Upload-to-feedback time through the whole stack: p50 and p95 over 50 uploads, 10 at a time.

Starts, on this machine: PostgreSQL database ``myoqa_bench`` (dropped and re-created), gunicorn (Django), a Celery
worker on Redis (db 14) and the Node proxy serving the built front-end; 10 trainees upload the Sunnybrook trainee
SAV of frame SC-HF-I-1/59 to a case made from the real frame and its expert SAV, 5 uploads each, concurrently,
and poll their submission until it is evaluated, as the feedback page does (every 300 ms).

Measured per upload: from the start of the POST to the first poll that sees ``done``; and the analysis time the
worker recorded (``analysis_seconds``: consensus, assessment, overlay). Goal: p95 under 2 s on a 2-core machine.

Run: ``.venv/bin/python bench/bench_upload.py`` (needs PostgreSQL and Redis running, ``frontend/dist`` built and
``proxy/node_modules`` installed: ``make test`` prepares them).
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
DB = "myoqa_bench"
ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "REDIS_URL": "redis://127.0.0.1:6379/14",
    "MYOQA_VAR_DIR": str(REPO / "var" / "bench"),
    "DJANGO_SETTINGS_MODULE": "backend.config.settings",
    "PYTHONUNBUFFERED": "1",
}
PY = sys.executable
N_UPLOADS, CONCURRENCY = 50, 10
BACKEND_PORT, PROXY_PORT = 8701, 8702
POLL_S = 0.3  # the feedback page's polling interval (frontend get-submission.ts POLL_INTERVAL_MS)


def sh(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, env=ENV, check=True, capture_output=True, text=True, **kw)


def setup_data() -> None:
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB}")
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {DB}")
    sh(PY, "manage.py", "migrate", "-v0")
    code = f"""
from django.core.files.uploadedfile import SimpleUploadedFile as F
from backend.accounts.models import Role
from backend.accounts.services import *
from backend.cases.services import *
sup = user_create(username='sup', password='pw', role=Role.SUPERVISOR)
c = cohort_create(supervisor=sup, name='bench')
for i in range({CONCURRENCY}):
    cohort_add_trainee(cohort=c, username=f't{{i}}', password='pw')
ds = dataset_create(user=sup, name='bench', cohorts=[c])
d = open('{DATA}/scd-sunnybrook/dicoms/SCD0000101/59.dcm', 'rb').read()
g = open('{DATA}/scd-sunnybrook-sav/expert/SC-HF-I-1-059.sav', 'rb').read()
case = case_create(user=sup, dataset=ds, title='bench', image_files=[F('a.dcm', d)], gold_standard=F('g.sav', g))
print(case.pk)
"""
    return int(sh(PY, "manage.py", "shell", "-c", code).stdout.strip().splitlines()[-1])


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def token(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def req(self, method: str, path: str, body: bytes | None = None, ctype: str | None = None) -> dict:
        headers = {"X-CSRFToken": self.token()} if method != "GET" else {}
        if ctype:
            headers["Content-Type"] = ctype
        r = self.opener.open(urllib.request.Request(self.base + path, data=body, method=method, headers=headers))
        return json.loads(r.read() or b"null")

    def login(self, user: str) -> None:
        self.opener.open(self.base + "/api/auth/me").read()
        self.req(
            "POST", "/api/auth/login", json.dumps({"username": user, "password": "pw"}).encode(), "application/json"
        )


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    b = uuid.uuid4().hex
    parts = [f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    for k, (name, data) in files.items():
        parts.append(
            f'--{b}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    return b"".join(parts) + f"--{b}--\r\n".encode(), f"multipart/form-data; boundary={b}"


def main() -> None:
    case_id = setup_data()
    sav = (DATA / "scd-sunnybrook-sav" / "trainee" / "SC-HF-I-1-059-epi_out.sav").read_bytes()
    procs = [
        subprocess.Popen(
            [
                PY,
                "-m",
                "gunicorn",
                "backend.config.wsgi",
                "-b",
                f"127.0.0.1:{BACKEND_PORT}",
                "-w",
                "2",
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env=ENV,
        ),
        subprocess.Popen(
            [PY, "-m", "celery", "-A", "backend.config", "worker", "-c", "2", "-Q", "myoqa", "--loglevel", "WARNING"],
            cwd=REPO,
            env=ENV,
        ),
        subprocess.Popen(
            ["node", "proxy/server.js"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            env={**ENV, "PORT": str(PROXY_PORT), "BACKEND_URL": f"http://127.0.0.1:{BACKEND_PORT}"},
        ),
    ]
    base = f"http://127.0.0.1:{PROXY_PORT}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/auth/me", timeout=1).read()
                break
            except (OSError, http.client.HTTPException):  # not listening yet
                time.sleep(0.2)
        time.sleep(3)  # let the worker connect
        results: list[tuple[float, float]] = []
        lock = threading.Lock()

        def trainee(i: int) -> None:
            c = Client(base)
            c.login(f"t{i}")
            for _ in range(N_UPLOADS // CONCURRENCY):
                body, ctype = multipart({"case": str(case_id)}, {"contours": ("attempt.sav", sav)})
                t0 = time.perf_counter()
                sub = c.req("POST", "/api/submissions/", body, ctype)
                while True:
                    s = c.req("GET", f"/api/submissions/{sub['id']}")
                    if s["status"] in ("done", "failed"):
                        break
                    time.sleep(POLL_S)
                total = time.perf_counter() - t0
                assert s["status"] == "done", s["error"]
                with lock:
                    results.append((total, s["analysis_seconds"]))

        # Warm-up: one upload (imports, first connections), not counted.
        trainee_warm = Client(base)
        trainee_warm.login("t0")
        body, ctype = multipart({"case": str(case_id)}, {"contours": ("w.sav", sav)})
        wid = trainee_warm.req("POST", "/api/submissions/", body, ctype)["id"]
        while trainee_warm.req("GET", f"/api/submissions/{wid}")["status"] not in ("done", "failed"):
            time.sleep(0.1)
        t_all = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as ex:
            list(ex.map(trainee, range(CONCURRENCY)))
        wall = time.perf_counter() - t_all
        totals = sorted(r[0] for r in results)
        analysis = [r[1] for r in results]
        p = lambda q: totals[min(len(totals) - 1, round(q * (len(totals) - 1)))]  # noqa: E731
        print(
            f"machine: {os.cpu_count()} CPU(s); stack: proxy -> gunicorn (2 workers x 4 threads) -> PostgreSQL; "
            f"Celery worker (2 processes) on Redis"
        )
        print(f"uploads: {len(totals)} ({CONCURRENCY} at a time) in {wall:.1f} s")
        print(f"upload-to-feedback: p50 {p(0.5):.2f} s, p95 {p(0.95):.2f} s, max {totals[-1]:.2f} s (goal: p95 < 2 s)")
        print(
            f"analysis in the worker: median {statistics.median(analysis):.3f} s; share of the median upload time "
            f"{statistics.median(analysis) / statistics.median(totals):.0%}; of all time "
            f"{sum(analysis) / sum(totals):.0%}"
        )
    finally:
        for pr in procs:
            pr.terminate()
        for pr in procs:
            pr.wait(timeout=20)


if __name__ == "__main__":
    main()
