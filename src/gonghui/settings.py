"""Production settings: everything that differs between installations comes from the environment.

Required: SECRET_KEY, GONGHUI_PII_KEY. Optional: DATABASE_URL (default: SQLite under ./var),
ALLOWED_HOSTS (comma-separated), GONGHUI_DEBUG=1, GONGHUI_SECURE_COOKIES=0 (plain-HTTP intranets),
GONGHUI_DATA_DIR.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("GONGHUI_DATA_DIR", Path.cwd() / "var"))


def _env(name, default=None, required=False):
    value = os.environ.get(name, default)
    if required and not value:
        raise ImproperlyConfigured(f"Environment variable {name} must be set")
    return value


def _flag(name, default="0"):
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = _env("SECRET_KEY", required=True)
# AES-256-GCM key for personal data at rest, 32 bytes base64 (urlsafe); see core/pii.py.
PII_KEY = _env("GONGHUI_PII_KEY", required=True)
DEBUG = _flag("GONGHUI_DEBUG")
ALLOWED_HOSTS = [h.strip() for h in _env("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in _env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "gonghui.core",
    "gonghui.accounts",
    "gonghui.orgs",
]
# Domain apps register themselves here as they land; each is optional for the others.
for _app in ("pairing", "hotline", "bargaining"):
    if (BASE_DIR / _app / "models.py").exists():
        INSTALLED_APPS.append(f"gonghui.{_app}")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gonghui.core.middleware.RequestIdMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gonghui.urls"
WSGI_APPLICATION = "gonghui.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gonghui.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        _env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'gonghui.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the worker and the web process read while one writes.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "gonghui.accounts.backends.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Lockout: 5 failures for one account from one address lock it for an hour.
AXES_FAILURE_LIMIT = int(_env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

SESSION_COOKIE_AGE = int(_env("SESSION_COOKIE_AGE", str(8 * 3600)))  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True  # idle sessions expire; active ones do not

# Chinese for everyone, whatever language the browser asks for (union PCs often run English systems).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token authentication, remembered per process for GONGHUI_AUTH_CACHE_SECONDS
        "gonghui.core.permissions.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["gonghui.core.permissions.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"public_intake": "20/hour"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gonghui API",
    "DESCRIPTION": "工会工作平台 REST API. Token auth: header `Authorization: Token <key>`.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name for a choice set that several fields share, so the schema (and check --deploy) is clean.
    "ENUM_NAME_OVERRIDES": {
        "NegotiationPartyEnum": [("workers", "职工方"), ("employer", "企业方")],
        "PlannedGroupKindEnum": "gonghui.pairing.models.PlannedJointUnion.Kind",
    },
}
# Swagger UI served from the app's own static files (drf-spectacular-sidecar): no CDN.
INSTALLED_APPS.append("drf_spectacular_sidecar")
SPECTACULAR_SETTINGS.update(
    SWAGGER_UI_DIST="SIDECAR", SWAGGER_UI_FAVICON_HREF="SIDECAR", REDOC_DIST="SIDECAR"
)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if _env("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _env("REDIS_URL"),
    }

# An API token's account, role, union and grants are read once per server process for this long:
# a revoked token or a changed role takes effect within it in every process (at once in the one
# that made the change).
GONGHUI_AUTH_CACHE_SECONDS = float(_env("GONGHUI_AUTH_CACHE_SECONDS", "10"))

# Largest upload we parse (Excel imports); bigger files are refused before parsing.
GONGHUI_MAX_UPLOAD_BYTES = int(_env("GONGHUI_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
# Local rule: enterprises under this many staff are micro enterprises (小微企业) for pairing.
GONGHUI_MICRO_THRESHOLD = int(_env("GONGHUI_MICRO_THRESHOLD", "50"))

_secure = not DEBUG and _flag("GONGHUI_SECURE_COOKIES", "1")
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SECURE_SSL_REDIRECT = _secure and _flag("GONGHUI_SSL_REDIRECT", "1")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(_env("SECURE_HSTS_SECONDS", "31536000" if _secure else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _secure
SECURE_HSTS_PRELOAD = _secure
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL", "WARNING")},
}
