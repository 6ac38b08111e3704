"""Production settings (README, "Deploy"): ``manage.py check --deploy`` has nothing to say with the documented
production environment (behind the hospital's TLS proxy: secure cookies, HSTS, SSL redirect; a long random secret
key), and says what is missing without it; behind the TLS proxy a request that came in over https is served
(with HSTS) and one over plain http is redirected; the image runs the proxy on Node >= 20, as the proxy declares."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.test import Client

from tests.conftest import REPO

PRODUCTION_ENV = {
    "MYOQA_SECRET_KEY": secrets.token_urlsafe(50),
    "MYOQA_DEID_SECRET": secrets.token_urlsafe(50),
    "MYOQA_ALLOWED_HOSTS": "myoqa.hospital.lan",
    "MYOQA_CSRF_TRUSTED_ORIGINS": "https://myoqa.hospital.lan",
    "MYOQA_SECURE_COOKIES": "true",
    "MYOQA_SSL_REDIRECT": "true",
    "MYOQA_HSTS_SECONDS": "31536000",
}


def check_deploy(extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MYOQA_", "DJANGO_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "backend.config.settings", **extra})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_deploy_is_clean_with_the_documented_production_settings():
    r = check_deploy(PRODUCTION_ENV)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout, r.stdout + r.stderr


def test_check_deploy_names_what_is_missing_without_them():
    r = check_deploy({})
    assert r.returncode != 0
    out = r.stdout + r.stderr
    for code in ("security.W004", "security.W008", "security.W009", "security.W012", "security.W016"):
        assert code in out, (code, out)


@pytest.mark.django_db
def test_behind_the_tls_proxy_https_is_served_with_hsts_and_http_is_redirected(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.ALLOWED_HOSTS = ["myoqa.hospital.lan"]
    c = Client(HTTP_HOST="myoqa.hospital.lan")
    # What the MyoQA proxy forwards with TRUST_FORWARDED=true after the hospital's TLS proxy:
    r = c.get("/api/auth/me", HTTP_X_FORWARDED_PROTO="https")
    assert r.status_code == 200
    assert r["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert r.cookies["csrftoken"]["secure"]
    r = c.get("/api/auth/me", HTTP_X_FORWARDED_PROTO="http")
    assert r.status_code == 301 and r["Location"] == "https://myoqa.hospital.lan/api/auth/me"


def test_the_image_runs_the_proxy_on_node_20_or_newer():
    engines = json.loads((REPO / "proxy" / "package.json").read_text())["engines"]["node"]
    assert engines == ">=20"
    dockerfile = (REPO / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", dockerfile, flags=re.M)[1:]
    final = stages[-1]
    assert "nodejs" not in final, "the runtime stage installs Debian's nodejs (18 on bookworm)"
    source = re.search(r"COPY --from=(\S+) /usr/local/bin/node /usr/local/bin/node", final)
    assert source, "the runtime stage does not take node from a Node image"
    image = next(s.split()[0] for s in stages if re.search(rf"\bAS {re.escape(source.group(1))}\b", s.splitlines()[0]))
    major = int(re.match(r"node:(\d+)", image).group(1))
    assert major >= 20, image
    # The proxy's dependencies are installed by that Node's npm and run by that node.
    assert "COPY --from=proxy /src/proxy/node_modules proxy/node_modules" in final
