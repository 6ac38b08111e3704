"""Test settings: the real stack (PostgreSQL, Redis) as on a deployment; media in a temporary folder.

``DATABASE_URL`` and ``REDIS_URL`` default to the local services (CI has them running); pytest-django creates and
drops the test database. Pattern: grand-challenge ``app/tests/settings.py``.
"""

import os
import tempfile

import dj_database_url

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from backend.config.settings import *  # noqa: F403

DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/myoqa"))
}
MEDIA_ROOT = tempfile.mkdtemp(prefix="myoqa-test-media-")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = False
