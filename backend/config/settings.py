"""MyoQA settings: one module, driven by the environment (see README, "Configuration").

Every variable has a default that runs the embedded set-up (SQLite, a filesystem Celery broker and a local worker,
media under ``var/``) on a newcomer's machine; ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
Pattern: healthchecks ``hc/settings.py`` (env helpers that fail loudly).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_float, env_int, env_json, env_str

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(env_str("MYOQA_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("MYOQA_DEBUG", False)
SECRET_KEY = env_str("MYOQA_SECRET_KEY", "insecure-development-key-change-me")
ALLOWED_HOSTS = [h.strip() for h in env_str("MYOQA_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env_str("MYOQA_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
# Behind the Node proxy: it sets X-Forwarded-Host / -Proto.
USE_X_FORWARDED_HOST = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "drf_spectacular",
    "axes",  # login throttling (backend/accounts/throttle.py)
    "backend.core",
    "backend.accounts",
    "backend.cases",
    "backend.submissions",
    "backend.progress",
    "backend.cnn",
    "auditlog",
    "backend.audit",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",  # DENY (the proxy sends it too)
    "axes.middleware.AxesMiddleware",  # a locked-out login becomes a 429 saying when to try again
    "auditlog.middleware.AuditlogMiddleware",  # the signed-in user is the actor of every change logged
    "backend.audit.middleware.AccessLogMiddleware",  # who viewed or downloaded which image, contour, result
]
ROOT_URLCONF = "backend.config.urls"
WSGI_APPLICATION = "backend.config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
AUTH_USER_MODEL = "accounts.User"

if "DATABASE_URL" not in __import__("os").environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded SQLite database lives there
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'myoqa.sqlite3'}"),
        conn_max_age=env_int("MYOQA_DB_CONN_MAX_AGE", 60),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-gb"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("MYOQA_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Production behind the hospital's TLS proxy (README, "Deploy"): `manage.py check --deploy` is clean with
# MYOQA_SECURE_COOKIES=true, MYOQA_SSL_REDIRECT=true and MYOQA_HSTS_SECONDS=31536000. The TLS proxy sets
# X-Forwarded-Proto; the MyoQA proxy passes it on when TRUST_FORWARDED=true (SECURE_PROXY_SSL_HEADER above).
SECURE_SSL_REDIRECT = env_bool("MYOQA_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("MYOQA_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("MYOQA_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("MYOQA_HSTS_PRELOAD", False)
# HSTS preloading is a submission of a public domain to the browsers' list: a hospital LAN name cannot be on it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Sign-in: local accounts, the hospital directory, throttling, password rules ---------------------------------
# The axes backend only refuses locked-out logins; the directory's (when configured) comes before the local one.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LDAP_ENABLED = bool(env_str("MYOQA_LDAP_SERVER_URI", "").strip())
if LDAP_ENABLED:
    from .ldap import ldap_settings

    globals().update(ldap_settings())
    AUTHENTICATION_BACKENDS.insert(1, "backend.accounts.ldap.DirectoryBackend")
# Local passwords (password change, a supervisor's reset, new trainee accounts, create_supervisor).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("MYOQA_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_ENABLED = env_bool("MYOQA_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = env_int("MYOQA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("MYOQA_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lock-out ends when the message says it does
AXES_CLIENT_IP_CALLABLE = "backend.accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "backend.accounts.throttle.lockout_response"
AXES_VERBOSE = False

# Uploads: stored outside any web root under generated names; only authorised views serve them.
STATIC_URL = "/static/"  # Django serves no static files itself; the proxy serves the front-end
MEDIA_ROOT = Path(env_str("MYOQA_MEDIA_ROOT", str(VAR_DIR / "media")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_000_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5_000_000
# Site secret for pseudonymous UIDs and patient IDs in de-identified DICOM (consistent across uploads).
DEID_SECRET = env_str("MYOQA_DEID_SECRET", SECRET_KEY)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MyoQA API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "DESCRIPTION": "Contour training and quality assessment for cardiac MR parametric mapping.",
    # Swagger UI from this server (drf-spectacular-sidecar's files, backend/core/docs.py; no CDN: the proxy's CSP
    # allows scripts from 'self' only, and a LAN may have no internet); its start-up script is a file too
    # (SpectacularSwaggerSplitView), not an inline script.
    "SWAGGER_UI_DIST": "/api/docs/assets/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": "/api/docs/assets/swagger-ui-dist/favicon-32x32.png",
    "REDOC_DIST": "/api/docs/assets/redoc",
    # `check --deploy` checks the deployment (tests/deploy/test_check_deploy.py); the schema's own warnings are
    # the OpenAPI tests' and `manage.py spectacular`'s to report.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

# --- Celery ------------------------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost//"
CELERY_FILESYSTEM_BROKER_DIR = VAR_DIR / "celery-broker"
CELERY_TASK_ALWAYS_EAGER = env_bool("MYOQA_CELERY_EAGER", False)
CELERY_TASK_TIME_LIMIT_S = env_int("MYOQA_TASK_TIME_LIMIT_S", 300)
CELERY_WORKER_CONCURRENCY = env_int("MYOQA_WORKER_CONCURRENCY", 2)
# Training a consensus model takes hours on a CPU: its own time limit (the broker's visibility timeout is above it).
CELERY_TRAINING_TIME_LIMIT_S = env_int("MYOQA_TRAINING_TIME_LIMIT_S", 8 * 3600)
# Redis redelivers a task whose worker died after this many seconds; per worker (it is an option of the consuming
# worker's connection). 0: chosen from the queues the worker consumes (celery_policy.visibility_timeout_for).
CELERY_BROKER_VISIBILITY_TIMEOUT_S = env_int("MYOQA_BROKER_VISIBILITY_TIMEOUT_S", 0)
# Evaluation workers re-queue evaluations stuck in "running" (worker lost) when they start and this often.
CELERY_STUCK_SWEEP_INTERVAL_S = env_int("MYOQA_STUCK_SWEEP_INTERVAL_S", 60)

# --- Consensus CNN (backend/cnn, ml/) ----------------------------------------------------------------------------
# Model folders (model.keras + model_card.json), one per version; shared by web and the ml workers.
MODEL_ROOT = Path(env_str("MYOQA_MODEL_ROOT", str(VAR_DIR / "models")))
# Load the active model when a worker child starts (set on the workers that consume the "ml" queue).
ML_PRELOAD = env_bool("MYOQA_ML_PRELOAD", False)
# A model can be activated only when its card holds a held-out evaluation (patients it never saw) whose consensus
# vs experts myocardium Dice is at least this (issue 10: a site minimum; 0.85 by default).
CONSENSUS_MIN_HELDOUT_DICE = env_float("MYOQA_CONSENSUS_MIN_HELDOUT_DICE", 0.85)
# ... and only when it abstained on at most this fraction of the held-out inputs (a model that scores only the easy
# images must not pass on their Dice).
CONSENSUS_MAX_HELDOUT_ABSTENTION = env_float("MYOQA_CONSENSUS_MAX_HELDOUT_ABSTENTION", 0.5)
# The model shipped with MyoQA (registered and activated by `manage.py runapp` / `seed_demo` when present).
DEFAULT_CONSENSUS_MODEL = Path(env_str("MYOQA_DEFAULT_CONSENSUS_MODEL", str(BASE_DIR / "ml" / "models" / "default")))

# --- Analysis core -----------------------------------------------------------------------------------------------
# Site-specific SAV variable names, merged over backend.cmr.sav.DEFAULT_NAME_PATTERNS, e.g.
# MYOQA_SAV_NAMES='{"endo": ["LV_INNER"], "epi": ["LV_OUTER"]}'
CMR_SAV_NAMES = env_json("MYOQA_SAV_NAMES", None)
# Site-specific DICOM SEG segment labels / RTSTRUCT ROI names (or codes "SCHEME:VALUE"), merged over
# backend.cmr.dicom_contours.DEFAULT_DICOM_NAMES, e.g. MYOQA_DICOM_CONTOUR_NAMES='{"endocardium": ["LV_INNER"]}'
CMR_DICOM_CONTOUR_NAMES = env_json("MYOQA_DICOM_CONTOUR_NAMES", None)
# Iron-overload thresholds (backend.cmr.relaxometry.iron_grade_table_from_dict); None = the 1.5 T defaults.
CMR_IRON_THRESHOLDS = env_json("MYOQA_IRON_THRESHOLDS", None)
CMR_MAX_UPLOAD_BYTES = env_int("MYOQA_MAX_UPLOAD_BYTES", 200_000_000)
CMR_MAX_CONTOUR_BYTES = env_int("MYOQA_MAX_CONTOUR_BYTES", 20_000_000)
CMR_PARSE_TIMEOUT_S = env_int("MYOQA_PARSE_TIMEOUT_S", 10)
# A team consensus is shown to trainees as contours only when voted from at least this many submissions (numbers
# only below it: a vote of 3 shows where two classmates agree).
TEAM_CONSENSUS_MIN_CONTOURS_SHOWN = env_int("MYOQA_TEAM_CONSENSUS_MIN_CONTOURS_SHOWN", 5)

# --- Audit log (backend/audit) ----------------------------------------------------------------------------------
# Access events (views, downloads) and change entries older than this many days are deleted by the daily prune
# (Celery beat, or `manage.py prune_audit` from cron); 0 keeps everything.
AUDIT_RETENTION_DAYS = env_int("MYOQA_AUDIT_RETENTION_DAYS", 365)
if AUDIT_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("MYOQA_AUDIT_RETENTION_DAYS must be 0 (keep everything) or more")
# How often the beat schedule prunes the audit log, in hours.
AUDIT_PRUNE_INTERVAL_H = env_int("MYOQA_AUDIT_PRUNE_INTERVAL_H", 24)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MYOQA_LOG_LEVEL", "INFO")},
}
