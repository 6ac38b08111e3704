"""MyoQA settings: one module, driven by the environment (see README, "Configuration").

Every variable has a default that runs the embedded set-up (SQLite, local media folder) on a newcomer's machine.
"""
from __future__ import annotations

from pathlib import Path

from .env import env_bool, env_int, env_json, env_str

BASE_DIR = Path(__file__).resolve().parents[2]

DEBUG = env_bool("MYOQA_DEBUG", False)
SECRET_KEY = env_str("MYOQA_SECRET_KEY", "insecure-development-key-change-me")
ALLOWED_HOSTS = [h for h in env_str("MYOQA_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "backend.submissions",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env_str("MYOQA_SQLITE_PATH", str(BASE_DIR / "var" / "myoqa.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# --- Analysis core -----------------------------------------------------------------------------------------------
# Site-specific SAV variable names, merged over backend.cmr.sav.DEFAULT_NAME_PATTERNS, e.g.
# MYOQA_SAV_NAMES='{"endocardium": ["LV_INNER"], "epicardium": ["LV_OUTER"]}'
CMR_SAV_NAMES = env_json("MYOQA_SAV_NAMES", None)
# Iron-overload thresholds (backend.cmr.relaxometry); None = the 1.5 T defaults of domain.md (abedi et al.).
CMR_IRON_THRESHOLDS = env_json("MYOQA_IRON_THRESHOLDS", None)
CMR_MAX_UPLOAD_BYTES = env_int("MYOQA_MAX_UPLOAD_BYTES", 200_000_000)
CMR_PARSE_TIMEOUT_S = env_int("MYOQA_PARSE_TIMEOUT_S", 10)
