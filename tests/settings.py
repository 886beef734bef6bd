"""Test settings: the real settings, changed only where tests need it.

The suite runs on SQLite when DATABASE_URL is unset and on PostgreSQL when it is set.
"""

import os
import secrets

# A fresh random key per run: nothing in the repository is a secret key.
os.environ.setdefault("SECRET_KEY", "tests-" + secrets.token_urlsafe(48))

from config.settings import *  # noqa: F403
from config.settings import DATABASES, LOCAL_STORAGES, STORAGE_BACKEND, VAR_DIR
from config.settings import STORAGES as CONFIGURED_STORAGES

DEBUG = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["*"]

# Fast hashing: tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # The local disk, unless STORAGE_BACKEND=s3 and S3_* name a bucket; tests of the bucket
    # backend switch to the S3 test server themselves (tests/s3.py).
    **(
        LOCAL_STORAGES
        if STORAGE_BACKEND == "local"
        else {name: CONFIGURED_STORAGES[name] for name in LOCAL_STORAGES}
    ),
}
# Each parallel test process (pytest -n) has its own database, so its own files too: ids repeat
# across the databases, and uploads and exports are stored under their ids.
MEDIA_ROOT = VAR_DIR / ("test-media-" + os.environ.get("PYTEST_XDIST_WORKER", "main"))
EXPORTS_ROOT = MEDIA_ROOT / "exports"

# Jobs run inline unless a test starts a real worker (tests/core/test_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_IMPORTS = ["tests.jobtasks"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file rather than memory, so a worker process and the browser's live server can share
    # it with the test process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DATABASES["jobs"]["TEST"] = {"MIRROR": "default"}
# In tests "jobs" mirrors the default connection anyway; writing progress through "default"
# spares every test from declaring both aliases.
JOB_PROGRESS_DATABASE = "default"

# The scripted judge servers of the tests listen on loopback, as a local model server would.
# Keys come from RAPPORT_JUDGE_KEY_* as in production (a real worker's test sets one); a test
# that needs the standard test key asks for the judge_key fixture.
JUDGE_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
JUDGE_ALLOW_LOOPBACK = True
