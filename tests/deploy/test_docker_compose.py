"""docker-compose.yml (written for deployment, not run here) parses, and its services match what the code reads."""

from __future__ import annotations

import importlib
import re

import pytest
import yaml

from tests.conftest import REPO

ENV_CALL = re.compile(
    r"""env_(?:str|bool|int|json)\(\s*["']([A-Z0-9_]+)["']|os\.environ(?:\.get)?[\[(]\s*["']([A-Z0-9_]+)["']"""
)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def django_env_names() -> set[str]:
    names = set()
    for f in (REPO / "backend" / "config").glob("*.py"):
        for a, b in ENV_CALL.findall(f.read_text()):
            names.add(a or b)
    return names


def proxy_env_names() -> set[str]:
    """Variable names the proxy reads: ``process.env.NAME``, ``env.NAME`` or a quoted upper-case name."""
    text = (REPO / "proxy" / "server.js").read_text()
    found = re.findall(r"process\.env\.([A-Z0-9_]+)|\benv\.([A-Z0-9_]+)|['\"]([A-Z][A-Z0-9_]{2,})['\"]", text)
    return {name for group in found for name in group if name}


def test_the_deployment_has_every_service_and_persistent_volumes(compose):
    services = compose["services"]
    assert {"proxy", "web", "worker", "ml-worker", "ml-trainer", "postgres", "redis"} <= set(services)
    assert {"pgdata", "media", "models"} <= set(compose["volumes"])
    for name in ("web", "worker", "ml-worker", "ml-trainer"):
        assert "media:/data/media" in services[name]["volumes"]
    for name in ("web", "ml-worker", "ml-trainer"):  # web registers models, the ml workers read them
        assert "models:/data/models" in services[name]["volumes"]
        assert services[name]["environment"]["MYOQA_MODEL_ROOT"] == "/data/models"
    assert services["proxy"]["ports"] == ["8080:8080"]


def test_backend_services_set_only_variables_the_settings_read(compose):
    read = django_env_names()
    assert {"DATABASE_URL", "REDIS_URL", "MYOQA_SECRET_KEY", "MYOQA_MEDIA_ROOT", "MYOQA_DEID_SECRET"} <= read
    for name in ("web", "worker", "ml-worker", "ml-trainer"):
        env = compose["services"][name]["environment"]
        unknown = set(env) - read
        assert not unknown, f"{name} sets variables nothing reads: {unknown}"
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://redis:")


def test_the_proxy_sets_only_variables_the_proxy_reads(compose):
    env = compose["services"]["proxy"]["environment"]
    read = proxy_env_names()
    assert set(env) <= read, set(env) - read
    assert env["BACKEND_URL"] == "http://web:8000"
    assert compose["services"]["proxy"]["command"] == ["node", "proxy/server.js"]
    assert (REPO / "proxy" / "server.js").exists()


def test_commands_name_modules_and_queues_that_exist(compose):
    from backend.config import celery_policy

    web = " ".join(compose["services"]["web"]["command"])
    assert "manage.py migrate" in web and "gunicorn backend.config.wsgi" in web
    assert hasattr(importlib.import_module("backend.config.wsgi"), "application")
    queues = {celery_policy.task_default_queue} | {r["queue"] for r in celery_policy.task_routes.values()}
    for name, queue in (("worker", "myoqa"), ("ml-worker", "ml"), ("ml-trainer", "ml-train")):
        cmd = compose["services"][name]["command"]
        assert cmd[:5] == ["python", "-m", "celery", "-A", "backend.config"]
        assert hasattr(importlib.import_module(cmd[4]), "celery_app")
        assert cmd[cmd.index("-Q") + 1] == queue and queue in queues


def test_each_worker_kind_has_its_own_visibility_timeout_above_its_time_limit(compose, settings):
    from backend.config import celery_policy

    services = compose["services"]
    timeouts = {}
    for name in ("worker", "ml-worker", "ml-trainer"):
        env = services[name]["environment"]
        cmd = services[name]["command"]
        queues = cmd[cmd.index("-Q") + 1].split(",")
        settings.CELERY_TASK_TIME_LIMIT_S = int(env.get("MYOQA_TASK_TIME_LIMIT_S", 300))
        settings.CELERY_TRAINING_TIME_LIMIT_S = int(env.get("MYOQA_TRAINING_TIME_LIMIT_S", 8 * 3600))
        settings.CELERY_BROKER_VISIBILITY_TIMEOUT_S = int(env["MYOQA_BROKER_VISIBILITY_TIMEOUT_S"])
        timeouts[name] = celery_policy.visibility_timeout_for(queues)  # refuses one below the time limit
    assert timeouts["worker"] <= 10 * 60  # a lost evaluation is back within minutes, not hours
    assert timeouts["ml-worker"] <= 15 * 60
    assert timeouts["ml-trainer"] > 8 * 3600
