"""Otklik settings: one file, everything from the environment (see docs/ and README)."""

from __future__ import annotations

import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from otklik.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("OTKLIK_DATA_DIR", str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# OTKLIK_ENV=production switches on the production profile: DEBUG off, explicit
# SECRET_KEY and ALLOWED_HOSTS required, hashed static files (see docs/deploy.md).
PRODUCTION = env_str("OTKLIK_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)
# Under pytest the suite runs with immediate jobs and a throw-away key.
TESTING = env_bool("OTKLIK_TESTING", "pytest" in sys.modules)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG: в промышленном режиме (OTKLIK_ENV=production) должен быть выключен.")
SECRET_KEY = env_secret("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY: не задан. Задайте переменную окружения SECRET_KEY (или SECRET_KEY_FILE)."
        )
    # Development and demo: a random key kept in the data folder, so sessions survive restarts.
    _key_file = DATA_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text(encoding="utf-8").strip()

# Key for encrypting official accounts' credentials at rest. Comma-separated: the first
# encrypts, all decrypt (rotation). Falls back to a key derived from SECRET_KEY.
OTKLIK_ENCRYPTION_KEYS = env_list("OTKLIK_ENCRYPTION_KEYS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS: не задан. Перечислите через запятую имена сайта, например otklik.example.ru."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "otklik.directory",
    "otklik.regulation",
    "otklik.cases",
    "otklik.connectors",
    "otklik.triage",
    "otklik.notify",
    "otklik.reports",
    "otklik.api",
    "otklik.ops",
    "otklik.accounts",
    "ninja",  # serves the API docs' assets locally (no CDN; CSP 'self')
    "otklik.web",
]

MIDDLEWARE = [
    # ops: /healthz, /readyz before host checks; request ids, JSON access log, request metrics.
    "otklik.ops.middleware.RequestContextMiddleware",
    "otklik.api.middleware.RequestIdMiddleware",  # X-Request-ID on every response; API body limit
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "otklik.ops.middleware.SessionIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "otklik.web.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "otklik.urls"
WSGI_APPLICATION = "otklik.wsgi.application"
ASGI_APPLICATION = "otklik.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "otklik.web.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL: не удалось разобрать адрес базы данных ({exc}). "
            "Пример: postgres://otklik:пароль@127.0.0.1:5432/otklik"
        ) from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "otklik.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)

LANGUAGE_CODE = "ru"
CSRF_FAILURE_VIEW = "otklik.web.errors.csrf_failure"
# The user guide served at /help/ (docs/guide in a checkout; set it when installed from a wheel).
OTKLIK_GUIDE_DIR = env_str("OTKLIK_GUIDE_DIR", str(BASE_DIR / "docs" / "guide"))
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "otklik" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("OTKLIK_MEDIA_DIR", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)

# Background jobs: huey. SQLite storage in the data folder by default, Redis when
# REDIS_URL is set, immediate (synchronous, in-memory) in tests.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL: ожидается адрес вида redis://127.0.0.1:6379/0, получено {REDIS_URL!r}")
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", TESTING)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": env_str("HUEY_NAME", "otklik"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "otklik",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "otklik@localhost")
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (the demo's mail sink).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
# Files attached to one notification e-mail (the §23 report's PDF and XLSX), together; larger
# files are left out and the e-mail says so (the link to the report is always there).
OTKLIK_MAIL_MAX_ATTACHMENT_BYTES = env_int("OTKLIK_MAIL_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)

# Networks: each connector can be switched off; base URLs point at fakes in tests/demo.
VK_ENABLED = env_bool("VK_ENABLED", True)
VK_API_BASE_URL = env_str("VK_API_BASE_URL", "https://api.vk.com/method")
# VK's daily limit on wall.get per key; the sources page counts it down (0 = show only the rate).
VK_DAILY_CALLS = env_int("VK_DAILY_CALLS", 5000)
OK_ENABLED = env_bool("OK_ENABLED", True)
OK_API_BASE_URL = env_str("OK_API_BASE_URL", "https://api.ok.ru/fb.do")
TELEGRAM_ENABLED = env_bool("TELEGRAM_ENABLED", True)
TELEGRAM_API_BASE_URL = env_str("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot")
MAX_ENABLED = env_bool("MAX_ENABLED", True)
MAX_API_BASE_URL = env_str("MAX_API_BASE_URL", "https://platform-api.max.ru")
TELEGRAM_NOTIFY_BOT_TOKEN = env_secret("TELEGRAM_NOTIFY_BOT_TOKEN", "")
# Publications (issue 18 §2): a pending answer no delivery has touched for this long is
# delivered again (reconciled with the network first); one unconfirmed for this many
# minutes fails with its reason, for a person to retry or post by hand.
PUBLICATION_DELIVERY_TIMEOUT_SECONDS = env_int("PUBLICATION_DELIVERY_TIMEOUT_SECONDS", 120)
PUBLICATION_CONFIRM_MINUTES = env_int("PUBLICATION_CONFIRM_MINUTES", 15)
# Photos of collected messages are copied by the worker and shown from our origin
# (connectors/images.py). Off in tests (no test touches the internet; the tests of it switch
# it on against a local server, with private addresses allowed).
OTKLIK_IMAGE_FETCH = env_bool("OTKLIK_IMAGE_FETCH", not TESTING)
OTKLIK_IMAGE_FETCH_PRIVATE = env_bool("OTKLIK_IMAGE_FETCH_PRIVATE", False)

# Production hardening (see docs/deploy.md): on when DEBUG is off and TLS is in front.
SECURE_TLS = env_bool("SECURE_TLS", False)
if SECURE_TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    # Only when every subdomain is served over HTTPS too (docs/deploy.md).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# LOGGING: structured JSON logs, configured in the ops block at the end of this file.

if TESTING:
    # Tests create many users; the real hasher would make each one cost ~0.3 s.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# API (otklik/api): body limit, per-credential rate limits ("N/s|m|h|d", "0" = off). The limits
# are global across web processes only with a shared cache: Redis when REDIS_URL is set.
OTKLIK_API_MAX_BODY = env_int("OTKLIK_API_MAX_BODY", 1024 * 1024)
OTKLIK_API_RATE_LIMIT = env_str("OTKLIK_API_RATE_LIMIT", "600/m")
OTKLIK_API_SERVICE_RATE_LIMIT = env_str("OTKLIK_API_SERVICE_RATE_LIMIT", "1200/m")
if REDIS_URL and not TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# --- ops (otklik/ops): security, observability, personal data; see docs/deploy.md ---------------
for _key in OTKLIK_ENCRYPTION_KEYS:
    try:
        import base64 as _b64

        if len(_b64.urlsafe_b64decode(_key.encode())) != 32:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            "OTKLIK_ENCRYPTION_KEYS: каждый ключ — 32 байта в base64 (Fernet). "
            "Новый ключ выдаёт команда: otklik generate_encryption_key"
        ) from None
if PRODUCTION and not OTKLIK_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "OTKLIK_ENCRYPTION_KEYS: не задан. В промышленном режиме токены соцсетей шифруются отдельным ключом; "
        "создайте его командой otklik generate_encryption_key."
    )
# Sign-in: lockout per user name, throttle per address (stored in the database: all processes agree).
LOGIN_LOCKOUT_FAILURES = env_int("LOGIN_LOCKOUT_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
LOGIN_THROTTLE_PER_IP = env_int("LOGIN_THROTTLE_PER_IP", 20)
LOGIN_THROTTLE_WINDOW_MINUTES = env_int("LOGIN_THROTTLE_WINDOW_MINUTES", 10)
# Behind the shipped nginx config the client address comes in X-Real-IP.
OTKLIK_TRUST_X_REAL_IP = env_bool("OTKLIK_TRUST_X_REAL_IP", False)
# Sessions: absolute lifetime SESSION_COOKIE_AGE (above); sign-out after this many idle seconds.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 2 * 3600)
# Health and metrics: /readyz fails when the job consumer has not beaten for this long.
READYZ_MAX_JOB_LAG = env_int("READYZ_MAX_JOB_LAG", 180)
READYZ_CHECK_JOBS = env_bool("READYZ_CHECK_JOBS", True)
METRICS_TOKEN = env_secret("METRICS_TOKEN", "")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# Attachments (otklik/files/attachments.py): one size limit for every uploaded file.
OTKLIK_ATTACHMENT_MAX_BYTES = env_int("OTKLIK_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
# 152-ФЗ: months after closing a case when its author's data is anonymised, unless the
# municipality has its own retention policy (admin: «Сроки хранения персональных данных»).
OTKLIK_RETENTION_DEFAULT_MONTHS = env_int("OTKLIK_RETENTION_DEFAULT_MONTHS", 36)
# Backups: where `otklik backup` writes by default.
OTKLIK_BACKUP_DIR = Path(env_str("OTKLIK_BACKUP_DIR", str(DATA_DIR / "backups")))
# Logs: one JSON object per line with the request id (LOG_FORMAT=json, the production default).
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT: ожидается json или text, получено {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "otklik.ops.logging.RequestIdFilter"},
        # No token, key, password or citizen text in any line (issue 19 item 2).
        "redact": {"()": "otklik.ops.logging.RedactSecrets"},
    },
    "formatters": {
        "json": {"()": "otklik.ops.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id", "redact"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One access line per request comes from otklik.ops (with the request id); quiet in tests.
        "otklik.access": {"level": "WARNING" if TESTING else env_str("ACCESS_LOG_LEVEL", "INFO")},
        "django.server": {"level": "WARNING"},
        # One line per outgoing HTTP request (connectors, Telegram) is noise at INFO.
        "httpx": {"level": env_str("HTTPX_LOG_LEVEL", "WARNING")},
        "httpcore": {"level": "WARNING"},
        "pymorphy3": {"level": "WARNING"},  # "Loading dictionaries" in every process
        # The job consumer adds its own plain-text handler unless "huey" already has one.
        "huey": {"handlers": ["console"], "level": env_str("HUEY_LOG_LEVEL", "INFO"), "propagate": False},
    },
}
