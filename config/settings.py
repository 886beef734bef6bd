"""Rapport's settings, driven by environment variables (DJANGO_SETTINGS_MODULE=config.settings).

This module is the one place settings are decided; it imports a few helpers so that it stays
readable: reading typed values and the secret key (config/env.py), the S3 storages
(config/storages.py) and the API schema's settings (config/api_schema.py).

Development and the demo run with no configuration at all: SQLite under ``var/``, a generated
secret key, and a broker-less Celery transport. Production sets ``DEBUG=0`` (the default), a
``SECRET_KEY``, ``DATABASE_URL``, ``CELERY_BROKER_URL`` and ``ALLOWED_HOSTS``; see docs/deploy.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import api_schema
from config.env import env_bool, env_int, env_list, secret_key
from config.storages import s3_storages

BASE_DIR = Path(__file__).resolve().parent.parent


# Everything the running app writes for itself (SQLite file, dev secret key, the broker-less
# queue, uploads) lives under var/, which git ignores.
VAR_DIR = Path(os.environ.get("RAPPORT_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# With DEBUG on, show the app's own 404 and 500 pages rather than Django's technical ones
# (`make demo` turns it on: demo users are not developers).
OWN_ERROR_PAGES = env_bool("OWN_ERROR_PAGES", False)

SECRET_KEY = secret_key(configured=os.environ.get("SECRET_KEY", ""), debug=DEBUG, var_dir=VAR_DIR)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "rubrics",
    "dialogues",
    "review",
    "exports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.UploadLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.QueueUnavailableMiddleware",
    "core.middleware.OwnErrorPagesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
                "core.context_processors.text_limits",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Database ---------------------------------------------------------------------------------

DATABASES: dict[str, dict[str, Any]] = {
    "default": dict(
        dj_database_url.config(
            env="DATABASE_URL",
            default=f"sqlite:///{VAR_DIR / 'rapport.sqlite3'}",
            conn_max_age=env_int("CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue on the timeout instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# A second connection to the same database for job progress. A long import holds its data in one
# transaction; progress written through this alias is committed at once and visible to the
# browser while that transaction is still open.
DATABASES["jobs"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
if DATABASES["jobs"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer: while an import holds the write lock a progress write gives up
    # quickly rather than stalling the job (progress is advisory; the final status is not).
    DATABASES["jobs"]["OPTIONS"] = {**DATABASES["default"]["OPTIONS"], "timeout": 0.2}

JOB_PROGRESS_DATABASE = "jobs"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------

CACHES: dict[str, dict[str, Any]]
if os.environ.get("CACHE_URL", "").startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are read from the shared cache when there is one, and written through to the
# database (signing out deletes both): one query fewer on every signed-in request. A memory
# cache is one per process, where a session signed out in one process would live on in the
# others' caches, so without CACHE_URL sessions are read from the database.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHES["default"]["BACKEND"].endswith("RedisCache")
    else "django.contrib.sessions.backends.db"
)

# The scoring page's rendered criteria (rubrics.parts), per rubric version,
# language and template: immutable, so every web process may keep its own copy in memory,
# the cheapest to read. RUBRIC_PARTS_CACHE names another alias of CACHES to share them instead.
CACHES["rubric_parts"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "rubric-parts",
    "TIMEOUT": None,
    "OPTIONS": {"MAX_ENTRIES": 256},
}
RUBRIC_PARTS_CACHE = os.environ.get("RUBRIC_PARTS_CACHE", "rubric_parts")

# --- Accounts ---------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule for passwords: its hook revokes a user's API tokens when the password changes.
    {"NAME": "core.tokens.RevokeApiTokensOnPasswordChange"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"
# Failed logins allowed from one client address for one user name in LOGIN_THROTTLE_WINDOW
# seconds; a user name and an address have higher ceilings of their own (see core/throttle.py).
LOGIN_THROTTLE_ATTEMPTS = env_int("LOGIN_THROTTLE_ATTEMPTS", 8)
LOGIN_THROTTLE_WINDOW = env_int("LOGIN_THROTTLE_WINDOW", 900)
# Days an API token works after it is made; a password change revokes them all sooner.
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 30)
if API_TOKEN_TTL_DAYS < 1:
    raise ImproperlyConfigured(f"API_TOKEN_TTL_DAYS must be 1 or more, not {API_TOKEN_TTL_DAYS}")
# Password reset requests allowed per client address and per e-mail address in the window.
PASSWORD_RESET_THROTTLE_ATTEMPTS = env_int("PASSWORD_RESET_THROTTLE_ATTEMPTS", 5)
PASSWORD_RESET_THROTTLE_WINDOW = env_int("PASSWORD_RESET_THROTTLE_WINDOW", 3600)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "rapport@localhost")

# --- Security ---------------------------------------------------------------------------------

# Production defaults are strict; a deployment behind a TLS-terminating proxy keeps them.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Built exports (immutable folders, one per version) on the local backend.
EXPORTS_ROOT = Path(os.environ.get("EXPORTS_ROOT", MEDIA_ROOT / "exports"))

# Where uploads wait for a worker and built exports are kept: the "uploads" and "exports"
# storages. "local" (the default, for make demo and one host) keeps them under MEDIA_ROOT and
# EXPORTS_ROOT; "s3" puts both in one bucket of any S3-compatible service, so web processes and
# workers on different hosts share them without a shared disk (docs/deploy.md#object-storage).
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local").strip().lower() or "local"
if STORAGE_BACKEND not in ("local", "s3"):
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}")
# The operator's S3 service: the storage bucket and the buckets leads import from and export to
# (BUCKETS_ALLOWED) are all reached at this endpoint with these credentials. Without a key
# pair boto3 looks for credentials the usual way (AWS_* variables, an instance role).
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "") or None
S3_REGION = os.environ.get("S3_REGION", "") or None
S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "") or None
S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "") or None
S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", "") or None  # "path" or "virtual"
S3_BUCKET = os.environ.get("S3_BUCKET", "")
# Every key Rapport writes in S3_BUCKET starts with this (a bucket shared with other uses).
S3_PREFIX = os.environ.get("S3_PREFIX", "").strip("/")
if STORAGE_BACKEND == "s3" and not S3_BUCKET:
    raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET")
# Trainers' file downloads: "stream" sends the bytes through Rapport; "presigned" answers, after
# the same access check and audit event, with a redirect to a URL of the bucket that works for
# EXPORT_PRESIGNED_SECONDS (s3 backend only; the zip of a whole version always streams).
EXPORT_DOWNLOAD = os.environ.get("EXPORT_DOWNLOAD", "stream").strip().lower() or "stream"
if EXPORT_DOWNLOAD not in ("stream", "presigned"):
    raise ImproperlyConfigured(
        f"EXPORT_DOWNLOAD must be stream or presigned, not {EXPORT_DOWNLOAD!r}"
    )
EXPORT_PRESIGNED_SECONDS = env_int("EXPORT_PRESIGNED_SECONDS", 300)
# Bucket prefixes leads may import from and export to, as bucket/prefix (or a bare bucket for
# all of it), comma-separated; empty (the default) allows none. See core/buckets.py.
BUCKETS_ALLOWED = env_list("BUCKETS_ALLOWED", [])


# MEDIA_ROOT and EXPORTS_ROOT, read when used (tests move them).
LOCAL_STORAGES: dict[str, dict[str, object]] = {
    "uploads": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "exports": {"BACKEND": "core.storage.ExportsFileSystemStorage"},
}
if STORAGE_BACKEND == "s3":
    STORAGES.update(
        s3_storages(
            bucket=S3_BUCKET,
            prefix=S3_PREFIX,
            endpoint_url=S3_ENDPOINT_URL,
            region=S3_REGION,
            access_key=S3_ACCESS_KEY_ID,
            secret_key=S3_SECRET_ACCESS_KEY,
            addressing_style=S3_ADDRESSING_STYLE,
            presigned_seconds=EXPORT_PRESIGNED_SECONDS,
        )
    )
else:
    STORAGES.update(LOCAL_STORAGES)
# Keys the reviewer pseudonyms in exports; keep it stable so a reviewer keeps one pseudonym
# across exports. Defaults to a value derived from SECRET_KEY.
EXPORT_PSEUDONYM_SALT = os.environ.get("EXPORT_PSEUDONYM_SALT", "")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Files in one upload. Public datasets are released as folders (CPsyCounD has 3,084 files), and
# Django's default of 100 refused them. Past the limit the import page and the API ask for an
# archive instead (core.middleware.UploadLimitsMiddleware); see docs/importing.md.
IMPORT_MAX_UPLOAD_FILES = env_int("IMPORT_MAX_UPLOAD_FILES", 10_000)
DATA_UPLOAD_MAX_NUMBER_FILES = IMPORT_MAX_UPLOAD_FILES
# A folder upload sends each file's path as a field of its own (folder_paths).
DATA_UPLOAD_MAX_NUMBER_FIELDS = IMPORT_MAX_UPLOAD_FILES + 1000
# One record (a JSONL line, an item of a JSON list, a line of a text file), one turn and one
# session's turns: a reader holds no more of a record than the limit, so a small upload that
# expands to one huge record cannot exhaust a worker. Past them the record is refused by itself.
IMPORT_MAX_RECORD_BYTES = env_int("IMPORT_MAX_RECORD_BYTES", 16 * 1024 * 1024)
IMPORT_MAX_TURN_CHARS = env_int("IMPORT_MAX_TURN_CHARS", 1_000_000)
IMPORT_MAX_TURNS = env_int("IMPORT_MAX_TURNS", 5_000)
# An archive may expand to this much in all, and to this many times its own size.
IMPORT_MAX_EXPANDED_BYTES = env_int("IMPORT_MAX_EXPANDED_BYTES", 20 * 1024**3)
IMPORT_MAX_EXPANSION_RATIO = env_int("IMPORT_MAX_EXPANSION_RATIO", 100)
# Days the stored files of a rejected batch are kept before manage.py imports_purge deletes them.
IMPORT_REJECTED_RETENTION_DAYS = env_int("IMPORT_REJECTED_RETENTION_DAYS", 30)
# Connections that build a large import's search documents at once, after it commits (the
# database's cores they may use; 1 builds them in one statement).
IMPORT_SEARCH_BUILD_CONNECTIONS = env_int("IMPORT_SEARCH_BUILD_CONNECTIONS", 2)

# --- Background jobs --------------------------------------------------------------------------

# With no broker configured, Celery still runs jobs in a real worker process: kombu's filesystem
# transport keeps the queue as files under var/celery/, so `make demo` needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip() or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = Path(os.environ.get("CELERY_FILESYSTEM_DIR", VAR_DIR / "celery" / "queue"))
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        # Without this kombu keeps its exchange tables in the current directory.
        "control_folder": str(_queue_dir.parent / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis redelivers an unacknowledged task after this many seconds; it must exceed the
    # longest job, or a second worker would start the same job while the first still runs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 6 * 60 * 60)
    }
else:
    # RabbitMQ (amqp://) has no visibility timeout: it redelivers when the consumer's connection
    # drops, and its own consumer_timeout bounds how long a task may stay unacknowledged (see
    # docs/deploy.md). Redis-only options would be passed to it for nothing.
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# A running job whose progress has not moved for this long is taken to be orphaned (its worker
# died): the broker's redelivery takes it over, its starter or a lead may retry it, and
# `manage.py jobs_reap` marks it failed.
JOB_STALE_AFTER_SECONDS = env_int("JOB_STALE_AFTER_SECONDS", 600)
# How often a running job's own thread touches its heartbeat, even while the job waits (for a
# lock, a long commit) and reports no progress; well under JOB_STALE_AFTER_SECONDS.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 30)
# A job still queued this long after it was queued was never taken by a worker (its message was
# lost, or no worker runs): `manage.py jobs_reap` marks it failed so that it can be retried.
# Keep it above the longest time a job may wait behind others (default 6 h, as the Redis
# visibility timeout).
JOB_QUEUED_LIMIT_SECONDS = env_int("JOB_QUEUED_LIMIT_SECONDS", 6 * 60 * 60)

# --- LLM judges -------------------------------------------------------------------------------

# The operator decides which API keys judges may use and which servers they may call; a lead
# only chooses among them (docs/deploy.md, "Threat model"). Each key comes from a variable
# RAPPORT_JUDGE_KEY_<NAME>, and a lead picks it by <name> in lower case: no other variable of
# the server's environment can ever be sent to a judge.
JUDGE_KEY_PREFIX = "RAPPORT_JUDGE_KEY_"
JUDGE_API_KEYS = {
    name[len(JUDGE_KEY_PREFIX) :].lower(): value
    for name, value in os.environ.items()
    if name.startswith(JUDGE_KEY_PREFIX) and len(name) > len(JUDGE_KEY_PREFIX) and value
}
# Hosts a judge's base URL may name: "api.openai.com", "vllm.internal:8000", "*.example.org".
# Empty means no judge can be called at all.
JUDGE_ALLOWED_HOSTS = env_list("JUDGE_ALLOWED_HOSTS", [])
# A listed host must still resolve to a public address, unless these switches say otherwise:
# loopback for a model server on the same machine (Ollama, vLLM), private ranges (10/8,
# 172.16/12, 192.168/16, fc00::/7) for one on the operator's own network. Link-local (cloud
# metadata), multicast and reserved addresses are refused whatever the settings.
JUDGE_ALLOW_LOOPBACK = env_bool("JUDGE_ALLOW_LOOPBACK", False)
JUDGE_ALLOW_PRIVATE_NETWORKS = env_bool("JUDGE_ALLOW_PRIVATE_NETWORKS", False)

# --- API --------------------------------------------------------------------------------------

# How many reverse proxies in front of Rapport append to X-Forwarded-For (nginx with
# $proxy_add_x_forwarded_for is one). The client's address is the entry that many places from
# the right; with 0 the header is ignored and the connection's own address is used. Throttles
# (the API's and the login and password reset forms') count per this address, so a header a
# client makes up must never be trusted: set it to exactly the number of proxies you run.
NUM_PROXIES = env_int("NUM_PROXIES", 0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured(f"NUM_PROXIES must be 0 or more, not {NUM_PROXIES}")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous call is answered 401 with a WWW-Authenticate header.
        "core.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.RapportAutoSchema",
    "EXCEPTION_HANDLER": "core.exception_handlers.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"auth": os.environ.get("API_AUTH_THROTTLE", "10/minute")},
    # DRF's default (None) would take the whole X-Forwarded-For header as the client's identity,
    # so rotating the header would get round every throttle.
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = api_schema.SPECTACULAR_SETTINGS
# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

RAPPORT_VERSION = "0.1.0"
NAVIGATION = [
    # (label, url name, roles that see it; None means every signed-in user)
    (_("Sessions"), "dialogues:session_list", {"lead"}),
    (_("Review"), "review:home", {"reviewer", "lead"}),
    (_("Agreement"), "review:agreement_home", {"lead"}),
    (_("Exports"), "exports:export_list", {"lead", "trainer"}),
    (_("Rubrics"), "rubrics:rubric_list", {"reviewer", "lead"}),
    (_("Jobs"), "core:job_list", None),
]
