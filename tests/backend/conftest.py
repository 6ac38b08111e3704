"""Django is set up once for the backend tests (the analysis-core tests in tests/cmr never need it)."""
from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
django.setup()
