"""A class session through the whole stack: 100 trainees log in over 60 s and upload 3 attempts each.

Starts, on this machine: PostgreSQL database ``myoqa_bench_class`` (dropped and re-created), gunicorn (Django), a
real Celery worker (prefork) on Redis and the Node proxy serving the built front-end, as ``bench/bench_upload.py``
does. Trainee ``i`` logs in at ``i * spread / trainees`` seconds, then uploads the Sunnybrook trainee SAV of frame
SC-HF-I-1/59 to a case made from the real frame and its expert SAV, three times in a row, each time polling its
submission every 300 ms (the feedback page's interval) until the evaluation is done, as a trainee waiting for
feedback does.

Printed: p50 / p95 / max of the login request and of upload-to-feedback (from the start of the POST to the first
poll that sees ``done``), the worker's analysis time, the error count (any non-2xx answer, failed evaluation or
exception), the machine's load average before and after (other work on the machine slows every figure), and the
stack's sizes. Goal (issue 13): p95 upload-to-feedback under 3 s on 2 cores, no errors.

Run: ``.venv/bin/python bench/bench_class_session.py`` (needs PostgreSQL and Redis running, ``frontend/dist`` built
and ``proxy/node_modules`` installed: ``make test`` prepares them). Options: ``--trainees``, ``--spread``,
``--uploads``, ``--think``, ``--poll``, ``--web-workers``, ``--web-threads``, ``--worker-concurrency`` (defaults: the sizes of
docker-compose.yml and README "Scaling workers"), ``--redis-db``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_upload import Client, multipart  # the same HTTP client and multipart body

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
DB = "myoqa_bench_class"
PY = sys.executable
BACKEND_PORT, PROXY_PORT = 8711, 8712
POLL_S = 0.3  # the feedback page's polling interval (frontend get-submission.ts POLL_INTERVAL_MS)


def options() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trainees", type=int, default=100)
    p.add_argument("--spread", type=float, default=60.0, help="seconds over which the logins are spread")
    p.add_argument("--uploads", type=int, default=3, help="uploads per trainee, one after the other")
    p.add_argument("--web-workers", type=int, default=int(os.environ.get("MYOQA_WEB_WORKERS", "2")))
    p.add_argument("--web-threads", type=int, default=int(os.environ.get("MYOQA_WEB_THREADS", "4")))
    p.add_argument("--worker-concurrency", type=int, default=int(os.environ.get("MYOQA_WORKER_CONCURRENCY", "2")))
    p.add_argument("--poll", type=float, default=POLL_S, help="seconds between status polls (front-end: 0.3)")
    p.add_argument("--think", type=float, default=0.0, help="seconds a trainee waits between feedback and re-upload")
    p.add_argument("--redis-db", type=int, default=14)
    return p.parse_args()


def environment(o: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{o.redis_db}",
        "MYOQA_VAR_DIR": str(REPO / "var" / "bench-class"),
        "MYOQA_MEDIA_ROOT": str(REPO / "var" / "bench-class" / "media"),
        "DJANGO_SETTINGS_MODULE": "backend.config.settings",
        "PYTHONUNBUFFERED": "1",
    }


def setup_data(env: dict[str, str], trainees: int) -> int:
    def sh(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=REPO, env=env, check=True, capture_output=True, text=True)

    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB}")
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {DB}")
    sh(PY, "manage.py", "migrate", "-v0")
    code = f"""
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile as F
from backend.accounts.models import Role, User
from backend.accounts.services import *
from backend.cases.services import *
sup = user_create(username='sup', password='pw', role=Role.SUPERVISOR)
c = cohort_create(supervisor=sup, name='bench')
from django.test import override_settings
with override_settings(PASSWORD_HASHERS=['django.contrib.auth.hashers.MD5PasswordHasher']):  # quick set-up...
    for i in range({trainees}):
        cohort_add_trainee(cohort=c, username=f't{{i}}', password='pw')
User.objects.filter(username__startswith='t').update(password=make_password('pw'))  # ...then the site's hasher
ds = dataset_create(user=sup, name='bench', cohorts=[c])
d = open('{DATA}/scd-sunnybrook/dicoms/SCD0000101/59.dcm', 'rb').read()
g = open('{DATA}/scd-sunnybrook-sav/expert/SC-HF-I-1-059.sav', 'rb').read()
case = case_create(user=sup, dataset=ds, title='bench', image_files=[F('a.dcm', d)], gold_standard=F('g.sav', g))
print(case.pk)
"""
    return int(sh(PY, "manage.py", "shell", "-c", code).stdout.strip().splitlines()[-1])


def start_stack(o: argparse.Namespace, env: dict[str, str]) -> list[subprocess.Popen]:
    gunicorn = [PY, "-m", "gunicorn", "backend.config.wsgi", "-b", f"127.0.0.1:{BACKEND_PORT}"]
    gunicorn += ["-w", str(o.web_workers), "--threads", str(o.web_threads), "--log-level", "warning"]
    worker = [PY, "-m", "celery", "-A", "backend.config", "worker", "-c", str(o.worker_concurrency), "-Q", "myoqa"]
    return [
        subprocess.Popen(gunicorn, cwd=REPO, env=env),
        subprocess.Popen([*worker, "--loglevel", "WARNING"], cwd=REPO, env=env),
        subprocess.Popen(
            ["node", "proxy/server.js"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            env={**env, "PORT": str(PROXY_PORT), "BACKEND_URL": f"http://127.0.0.1:{BACKEND_PORT}"},
        ),
    ]


def upload_and_wait(c: Client, case_id: int, sav: bytes, poll: float = POLL_S) -> dict:
    """Upload, then wait as the feedback page does: poll the status endpoint (``poll`` s, slowing by half up to
    2 s, as frontend get-submission.ts ``pollDelay``), then fetch the whole attempt once."""
    body, ctype = multipart({"case": str(case_id)}, {"contours": ("attempt.sav", sav)})
    sub = c.req("POST", "/api/submissions/", body, ctype)
    n = 0
    while True:
        s = c.req("GET", f"/api/submissions/{sub['id']}/status")
        if s["status"] in ("done", "failed"):
            return c.req("GET", f"/api/submissions/{sub['id']}")
        time.sleep(min(2.0, poll * 1.5**n))
        n += 1


def cpu_seconds(root: int) -> float:
    """User + system CPU seconds of a process and its descendants (Linux ``/proc``; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    stats: dict[int, tuple[int, float]] = {}
    for d in Path("/proc").glob("[0-9]*"):
        try:
            f = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(d.name)] = (int(f[1]), (int(f[11]) + int(f[12])) / tick)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0.0))[1]
        todo += [child for child, (ppid, _) in stats.items() if ppid == pid]
    return total


def percentiles(xs: list[float]) -> str:
    if not xs:
        return "none"
    xs = sorted(xs)

    def p(q: float) -> float:
        return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]

    return f"p50 {p(0.5):.2f} s, p95 {p(0.95):.2f} s, max {xs[-1]:.2f} s (n={len(xs)})"


def main() -> None:
    o = options()
    env = environment(o)
    case_id = setup_data(env, o.trainees)
    sav = (DATA / "scd-sunnybrook-sav" / "trainee" / "SC-HF-I-1-059-epi_out.sav").read_bytes()
    procs = start_stack(o, env)
    base = f"http://127.0.0.1:{PROXY_PORT}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/api/auth/me", timeout=1).read()
                break
            except (OSError, http.client.HTTPException):  # not listening yet
                time.sleep(0.2)
        time.sleep(3)  # let the worker connect
        warm = Client(base)  # one upload first (imports, first connections), not counted
        warm.login("t0")
        upload_and_wait(warm, case_id, sav)

        logins: list[float] = []
        feedback: list[float] = []
        analysis: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        t_start = time.perf_counter()

        def trainee(i: int) -> None:
            delay = t_start + i * o.spread / o.trainees - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            c = Client(base)
            try:
                t0 = time.perf_counter()
                c.login(f"t{i}")
                with lock:
                    logins.append(time.perf_counter() - t0)
                for k in range(o.uploads):
                    if k and o.think:
                        time.sleep(o.think)
                    t0 = time.perf_counter()
                    s = upload_and_wait(c, case_id, sav, o.poll)
                    with lock:
                        if s["status"] != "done":
                            errors.append(f"t{i}: evaluation {s['status']}: {s.get('error')}")
                        else:
                            feedback.append(time.perf_counter() - t0)
                            analysis.append(s["analysis_seconds"])
            except (urllib.error.HTTPError, OSError, http.client.HTTPException, ValueError) as exc:
                with lock:
                    errors.append(f"t{i}: {exc!r}")

        load_before = os.getloadavg()
        cpu_before = [cpu_seconds(pr.pid) for pr in procs]
        with ThreadPoolExecutor(o.trainees) as ex:
            list(ex.map(trainee, range(o.trainees)))
        wall = time.perf_counter() - t_start
        load_after = os.getloadavg()
        cpu = [cpu_seconds(pr.pid) - b for pr, b in zip(procs, cpu_before, strict=True)]
        print(
            f"machine: {os.cpu_count()} CPU(s), load average before {load_before[0]:.2f} / {load_before[1]:.2f}, "
            f"after {load_after[0]:.2f} / {load_after[1]:.2f} (1 / 5 min; includes this benchmark)"
        )
        print(
            f"stack: proxy -> gunicorn ({o.web_workers} workers x {o.web_threads} threads) -> PostgreSQL; Celery "
            f"worker ({o.worker_concurrency} processes) on Redis; client threads on the same machine"
        )
        print(
            f"session: {o.trainees} trainees, logins over {o.spread:.0f} s, {o.uploads} uploads each "
            f"({o.think:g} s between feedback and the next upload, polls every {o.poll:g} s); "
            f"{len(feedback)} evaluated in {wall:.1f} s"
        )
        print(f"login: {percentiles(logins)}")
        print(f"upload-to-feedback: {percentiles(feedback)} (goal: p95 < 3 s)")
        if analysis:
            print(f"analysis in the worker: median {statistics.median(analysis):.3f} s, max {max(analysis):.3f} s")
        print(
            f"CPU seconds during the session: gunicorn {cpu[0]:.0f}, Celery worker {cpu[1]:.0f}, proxy {cpu[2]:.0f} "
            f"(of {wall * (os.cpu_count() or 1):.0f} CPU seconds the machine had)"
        )
        print(f"errors: {len(errors)}")
        for e in errors[:10]:
            print(f"  {e}")
    finally:
        for pr in procs:
            pr.terminate()
        for pr in procs:
            pr.wait(timeout=20)


if __name__ == "__main__":
    main()
