"""Settings for the demo and the test suite: production settings with fixed, public development keys.

Never use in production: the keys below are in the repository.
"""

import os
import sys

os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-gonghui-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("GONGHUI_PII_KEY", "ZGV2LW9ubHktcGlpLWtleS1nb25naHVpLTMyYnl0ZXM=")
os.environ.setdefault("GONGHUI_SECURE_COOKIES", "0")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

from gonghui.settings import *  # noqa: E402,F403
from gonghui.settings import PASSWORD_HASHERS  # noqa: E402

if "pytest" in sys.modules and os.environ.get("GONGHUI_REAL_HASHER") != "1":
    # The test suite creates many users; argon2 at full cost would dominate its run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Served from the app directories by WhiteNoise's finders; no collectstatic needed for the demo.
STATIC_ROOT = None
