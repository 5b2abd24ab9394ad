"""Django settings, read from the environment.

DATABASE_URL selects the engine (postgres://… for PostgreSQL); without it lawledger keeps a SQLite
database in LAWLEDGER_HOME with WAL, synchronous=FULL and writers that BEGIN IMMEDIATE.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from lawledger.home import home_dir, sqlite_path

DEBUG = os.environ.get("LAWLEDGER_DEBUG") == "1"
PRODUCTION = os.environ.get("LAWLEDGER_PRODUCTION") == "1"


def _secret_key() -> str:
    from_env = os.environ.get("LAWLEDGER_SECRET_KEY")
    if from_env:
        return from_env
    # The web secret lives beside the data keys so that sessions survive restarts.
    path = home_dir() / "keys" / "django-secret"
    try:
        return path.read_text().strip()
    except OSError:
        return "lawledger-uninitialised-home-" + str(home_dir())


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = [h for h in os.environ.get("LAWLEDGER_ALLOWED_HOSTS",
                                            "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "lawledger.audit",
    "lawledger.crypto",
    "lawledger.access",
    "lawledger.firm",
    "lawledger.ledger",
    "lawledger.banking",
    "lawledger.billing",
    "lawledger.backup",
    "lawledger.apitokens",
    "lawledger.jurisdictions",
    "lawledger.documents",
    "lawledger.banking.feeds",
    "lawledger.portal",
    "lawledger.security",
    "lawledger.privacy",
    "axes",
    "ninja",  # serves the API docs' Swagger UI from its own static files (no CDN; CSP 'self')
    "lawledger.interfaces.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lawledger.interfaces.web.middleware_auth.SessionLimitsMiddleware",
    "lawledger.interfaces.web.middleware_auth.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "lawledger.interfaces.web.middleware.PrincipalMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lawledger.interfaces.urls"
WSGI_APPLICATION = "lawledger.interfaces.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # The same form `backup restore --to` takes, so a restored database can be opened as is.
        path = "/" + unquote(parsed.path).lstrip("/")
        if parsed.netloc or path == "/":
            raise ImproperlyConfigured("DATABASE_URL: write SQLite as sqlite:///absolute/path")
        return _sqlite_database(path)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(f"DATABASE_URL: unsupported scheme {parsed.scheme!r} "
                                   "(use postgres://… or sqlite:///absolute/path)")
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    options: dict[str, object] = {}
    host = unquote(parsed.hostname or "") or query.pop("host", "")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or query.pop("port", "") or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 0,
        "ATOMIC_REQUESTS": False,
        "TEST": {"NAME": os.environ.get("LAWLEDGER_TEST_DB_NAME", "test_lawledger")},
    }


def _sqlite_database(path: str | None = None) -> dict[str, object]:
    test_dir = os.environ.get("LAWLEDGER_TEST_DIR")
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path or str(sqlite_path()),
        "OPTIONS": {
            # Writers take the database lock at BEGIN, so a balance check and its posting can
            # never interleave with another writer (I3 under concurrency).
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=FULL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=30000;"
            ),
        },
        # A file, not :memory:, so that tests with real threads and processes share it.
        "TEST": {"NAME": os.path.join(test_dir, "test.sqlite3") if test_dir else None},
    }


DATABASES = {
    "default": _database_from_url(os.environ["DATABASE_URL"])
    if os.environ.get("DATABASE_URL") else _sqlite_database()
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "access.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Password step throttled by django-axes (SECURITY.md decision 3), which must come first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "lawledger.security.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_FAILURE_LIMIT = 5             # per username and address
AXES_USERNAME_FAILURE_LIMIT = 20   # per username from any address (ours: security/lockout.py)
AXES_COOLOFF_TIME = 0.25           # hours
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "lawledger.interfaces.web.views_auth.locked_out"
# The client address is the socket's unless a proxy count is configured: a forged
# X-Forwarded-For never picks the address that failures are counted against (B1).
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("LAWLEDGER_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",))
AXES_VERBOSE = False
OTP_TOTP_THROTTLE_FACTOR = 1

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("LAWLEDGER_TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("LAWLEDGER_STATIC_ROOT") or None  # served from the app (whitenoise)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host-: the browser only keeps them if Secure, Path=/ and no Domain (B9).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = os.environ.get("LAWLEDGER_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LAWLEDGER_LOG_LEVEL", "WARNING")},
}
