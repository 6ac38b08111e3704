"""The Celery application (``celery -A backend.config worker``); its policy is in :mod:`backend.config.celery_policy`."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")

app = Celery("myoqa")
app.config_from_object("backend.config.celery_policy")
app.autodiscover_tasks(["backend.submissions", "backend.progress", "backend.cnn"])
