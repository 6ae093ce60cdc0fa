"""Test settings: fast hasher, eager Celery, in-memory mail."""

import os

os.environ.setdefault("HELPDESK_TESTING", "1")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".run" / "test-media"  # noqa: F405
AXES_ENABLED = os.environ.get("AXES_ENABLED", "1") == "1"
