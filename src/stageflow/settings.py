"""Django settings, read from the environment so one build serves development and production."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DEBUG", False)
DATA_DIR = Path(os.environ.get("STAGEFLOW_DATA_DIR", PROJECT_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

_secret_key = os.environ.get("SECRET_KEY")
if not _secret_key:
    # A stable per-installation key kept beside the data, so sessions survive restarts without
    # a key ever being committed; production sets SECRET_KEY explicitly.
    _key_file = DATA_DIR / "secret_key"
    if not _key_file.exists():
        from django.core.management.utils import get_random_secret_key

        _key_file.write_text(get_random_secret_key())
        _key_file.chmod(0o600)
    _secret_key = _key_file.read_text().strip()
SECRET_KEY = _secret_key

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "stageflow.core",
    "stageflow.people",
    "stageflow.accounts",
    "stageflow.pipelines",
    "stageflow.sales",
    "stageflow.activities",
    "stageflow.packs.recruitment",
    "stageflow.quotes",
    "stageflow.scheduling",
    "stageflow.billing",
    "stageflow.packs.training",
    "stageflow.queues",
    "stageflow.qualification",
    "stageflow.jobs",
    "stageflow.reports",
    "stageflow.imports",
    "stageflow.intake",
    "stageflow.communications",
    "stageflow.automation",
    "stageflow.api",
    "stageflow.web",
    "stageflow.commands",
]

MIDDLEWARE = [
    "stageflow.core.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "stageflow.web.middleware.DomainErrorPagesMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "stageflow.urls"
WSGI_APPLICATION = "stageflow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stageflow.web.context_processors.navigation",
            ],
        },
    },
]

# SQLite is the zero-set-up default. Immediate transactions plus a busy timeout make concurrent
# writers queue instead of failing with "database is locked".
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    # A page cache of up to 64 MiB per connection (SQLite's default is 2 MiB) and reads
    # through a memory map: a list over 100k records touches thousands of pages, which the
    # default re-reads from the operating system on every request.
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=20000; PRAGMA synchronous=NORMAL;"
        " PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824;"
    ),
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = dict(_SQLITE_OPTIONS)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "stageflow.sqlite3"),
            "OPTIONS": dict(_SQLITE_OPTIONS),
            # Kept open between requests, as with DATABASE_URL: opening one, reading the
            # schema and warming its page cache cost ~5 ms of every request.
            "CONN_MAX_AGE": 60,
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not the shared in-memory database) so that tests with several threads see the
    # same locking behaviour as production.
    # One file per test process, so that two test runs in the same checkout never collide.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = ["stageflow.people.signin.LockoutModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Sign-in lock-out: this many failures for one user name within the window locks it for the window.
STAGEFLOW_SIGNIN_MAX_FAILURES = int(os.environ.get("STAGEFLOW_SIGNIN_MAX_FAILURES", "5"))
STAGEFLOW_SIGNIN_LOCK_MINUTES = int(os.environ.get("STAGEFLOW_SIGNIN_LOCK_MINUTES", "15"))
STAGEFLOW_PHONE_REGION = os.environ.get("STAGEFLOW_PHONE_REGION", "US")

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work (message delivery, scans) through Django's Tasks API: the database queue by
# default, Redis/RQ when REDIS_URL is set. `stageflow worker` runs either.
if REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    INSTALLED_APPS.append("django_rq")
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
_NODE_MODULES = PROJECT_DIR / "node_modules"
STATICFILES_DIRS = [("vendor/htmx", _NODE_MODULES / "htmx.org" / "dist"),
                    ("vendor/pico", _NODE_MODULES / "@picocss" / "pico" / "css"),
                    ("vendor/sortablejs", _NODE_MODULES / "sortablejs"),
                    ("vendor/chartjs", _NODE_MODULES / "chart.js" / "dist")]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
                    if not DEBUG else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "") == "1"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "stageflow@localhost")

# Text messages: "console" (printed), "file" (one file per message in SMS_FILE_DIR) or "http"
# (a JSON POST to SMS_HTTP_URL with a bearer SMS_HTTP_TOKEN).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
SMS_FILE_DIR = Path(os.environ.get("SMS_FILE_DIR", str(DATA_DIR / "sms")))
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "Stageflow")
# Where people reach this installation, for links in emails (e.g. https://crm.example.com).
STAGEFLOW_BASE_URL = os.environ.get("STAGEFLOW_BASE_URL", "http://127.0.0.1:8000")
# Outbound webhooks are signed with HMAC-SHA256 of the body under this secret.
STAGEFLOW_WEBHOOK_SECRET = os.environ.get("STAGEFLOW_WEBHOOK_SECRET", "")
STAGEFLOW_HTTP_TIMEOUT = float(os.environ.get("STAGEFLOW_HTTP_TIMEOUT", "10"))

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
STAGEFLOW_MAX_UPLOAD_BYTES = int(os.environ.get("STAGEFLOW_MAX_UPLOAD_MB", "10")) * 2**20
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Security: secure by default, relaxed only for local development over plain HTTP.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_insecure_http = env_flag("STAGEFLOW_INSECURE_HTTP", DEBUG)
SESSION_COOKIE_SECURE = not _insecure_http
CSRF_COOKIE_SECURE = not _insecure_http
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
