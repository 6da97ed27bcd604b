"""Settings for the B40 Registry: one module, configured by the environment."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"

# Old keys still accepted when checking signatures (sessions, password-reset
# links, certificate verification addresses), so a key can be rotated without
# every printed certificate reading as altered. Comma-separated.
SECRET_KEY_FALLBACKS = [
    key for key in os.environ.get("DJANGO_SECRET_KEY_FALLBACKS", "").split(",") if key
]

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "b40.apps.RegistryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_countries",
    "simple_history",
    "axes",
    "b40",
    "cities",
    "summits",
    "certificates",
    "offices",
    "applications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After authentication, so each historical record knows who made the change.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks every login (the admin's and the offices') before the
# usual backend and locks a username from an address after repeated failures.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("B40_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "offices/locked_out.html"
AXES_VERBOSE = False

LOGIN_URL = "offices:login"
LOGIN_REDIRECT_URL = "offices:dashboard"
LOGOUT_REDIRECT_URL = "b40:home"
# Invitations and password resets: a link valid for three days.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

ROOT_URLCONF = "b40.urls"

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
                "django.template.context_processors.i18n",
                "b40.context_processors.chrome",
            ],
        },
    },
]

WSGI_APPLICATION = "b40.wsgi.application"

if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` / `make test`, which start an "
        "embedded PostgreSQL, or point DATABASE_URL at a PostgreSQL server."
    )
DATABASES = {"default": dj_database_url.config(conn_max_age=60)}
# Parameters bound by the server, and each statement prepared once a connection
# has run it five times: PostgreSQL then stops planning it on every request
# (planning the city page's queries took five times as long as running them).
# Django turns psycopg's preparing off unless prepare_threshold is given.
# Behind a pooler in transaction mode, set DATABASE_PREPARED_STATEMENTS=0
# unless it keeps prepared statements (PgBouncer 1.21 or later with
# max_prepared_statements above 0).
if env_bool("DATABASE_PREPARED_STATEMENTS", True):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
# The registry's database is small enough to stay in memory, where reading a
# page at random costs what reading the next one does. With PostgreSQL's
# default (4, for disks) and statistics on its small tables, the planner scans
# a whole table for each city in the lists' subqueries rather than use the
# index: once analysed, the home page's queries took 1.1 ms instead of 0.4.
# Sent as a connection option; set DATABASE_RANDOM_PAGE_COST empty to keep the
# server's value (a pooler that refuses the option, or a database on disk).
_random_page_cost = os.environ.get("DATABASE_RANDOM_PAGE_COST", "1.0").strip()
if _random_page_cost:
    try:
        _cost = float(_random_page_cost)
    except ValueError:
        _cost = None
    if _cost is None or not 0 < _cost < float("inf"):
        raise ImproperlyConfigured(
            "DATABASE_RANDOM_PAGE_COST must be a positive number, "
            f"not {_random_page_cost!r}"
        )
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c random_page_cost={_cost:g}"
    ).strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("tr", _("Turkish")),
    ("bg", _("Bulgarian")),
    ("el", _("Greek")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Istanbul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"

# Kosovo is outside ISO 3166-1 proper; North Macedonia's name follows the 2018
# Prespa agreement in every language (some catalogues still carry older names).
COUNTRIES_OVERRIDE = {"XK": _("Kosovo"), "MK": _("North Macedonia")}

# Email: printed to the console unless an SMTP host is configured.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "B40 Registry <registry@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's public address, for links in emails sent outside a request.
B40_SITE_URL = os.environ.get("B40_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Where notices for the secretariat (a new request or application) go.
B40_SECRETARIAT_EMAIL = os.environ.get("B40_SECRETARIAT_EMAIL", "secretariat@localhost")

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "3600"))
    SECURE_CONTENT_TYPE_NOSNIFF = True
