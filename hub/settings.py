"""Settings for the health hub, read from the environment (12-factor).

Every variable is listed in .env.example. Defaults give a working demo on SQLite;
production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and leaves DEBUG off.
"""

import datetime
import os
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment, "
            "or set DEBUG=1 for local development only."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")

INSTALLED_APPS = [
    "hub.apps.HubAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "taggit",
    "axes",
    "csp",
    # "ninja" for its templates and static files: the API docs load Swagger UI from here,
    # never from a CDN. corsheaders: CORS on /api/ only (CORS_URLS_REGEX below).
    "ninja",
    "corsheaders",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS headers for /api/ (before anything that may answer a request by itself).
    "corsheaders.middleware.CorsMiddleware",
    # 400 for control characters in the address, before the page cache or any view.
    "hub.middleware.ControlCharacterMiddleware",
    # 304s for conditional GETs, cached pages included; then whole public pages for
    # anonymous readers from the cache (articles/cache.py), before any session work.
    "django.middleware.http.ConditionalGetMiddleware",
    "articles.cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "hub.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"

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
                "hub.context_processors.site_links",
            ],
        },
    },
]

# SQLite under the git-ignored var/ so the demo needs no server; PostgreSQL in CI and
# production. Health checks let a worker recover by itself after a database restart.
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'hub.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}


def _prepare_threshold(value: str) -> int | None:
    if value.strip().lower() in ("", "off", "none"):
        return None  # never prepare: for poolers that cannot keep prepared statements
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured("DB_PREPARE_THRESHOLD must be a number or off.") from None


if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The task worker (`manage.py db_worker`) writes to the demo's database beside the
    # server: a transaction takes SQLite's write lock when it begins, so one that reads and
    # then writes never fails with "database is locked" on upgrading its lock (Django's
    # advice for SQLite under concurrent writers).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE"})

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast while the database is unreachable (503), and never let one query hold a
    # worker for long.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "3")),
            # Parameters sent apart from the SQL, so a page's statements are the same text
            # every time and psycopg prepares them after a few runs: PostgreSQL then skips
            # planning, which took longer than running most of them (0.9 ms against 0.3).
            "server_side_binding": True,
            "prepare_threshold": _prepare_threshold(os.environ.get("DB_PREPARE_THRESHOLD", "2")),
            "options": (
                f"-c statement_timeout={os.environ.get('DB_STATEMENT_TIMEOUT_MS', '15000')}"
                # Costs for a database on SSD or in memory, not spinning disks (the default,
                # 4, makes the planner scan small tables whole rather than use an index).
                f" -c random_page_cost={os.environ.get('DB_RANDOM_PAGE_COST', '1.1')}"
            ),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# How long a password-reset link works, in seconds (Django's default is three days).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(3 * 60 * 60)))

LANGUAGE_CODE = "en-gb"
# The zone editors work in: every date and time the admin shows, and the scheduling field,
# are in it. Stored times stay UTC (USE_TZ). An IANA name such as Europe/London.
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"TIME_ZONE {TIME_ZONE!r} is not a time zone: use an IANA name such as Europe/London."
    ) from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded images' renditions (the image library, articles/images.py). Local files by
# default; with several app servers, S3-compatible storage (docs/media.md). Never served
# from here directly: articles.views.image checks each request. Part of every backup.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "var" / "media")
# No route serves this prefix, and no web server may (docs/media.md): set so that Django's
# development and test servers, which serve MEDIA_URL themselves, never serve the files
# at the addresses the checking view answers (/images/...).
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
# redis (needs REDIS_URL), locmem (per process), or dummy (caches nothing: benchmarks).
CACHE_BACKEND = os.environ.get("CACHE_BACKEND", "redis" if REDIS_URL else "locmem")
_CACHE_BACKENDS = {
    "redis": {
        "BACKEND": "hub.cache_backends.RedisCache",
        "LOCATION": REDIS_URL,
        # A Redis that stops answering must cost a request half a second, not redis-py's
        # default of no timeout at all (nor a page-cache bump retried after a commit).
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    },
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
if CACHE_BACKEND not in _CACHE_BACKENDS or (CACHE_BACKEND == "redis" and not REDIS_URL):
    raise ImproperlyConfigured("CACHE_BACKEND must be redis (with REDIS_URL), locmem or dummy.")
CACHES = {"default": _CACHE_BACKENDS[CACHE_BACKEND]}

# Whole public pages for anonymous readers, from the cache (articles/cache.py). Every
# process must share the cache, or a publish seen by one worker would not reach another's
# pages: on by default with Redis only. Pages are dropped at once when content changes.
PAGE_CACHE = env_bool("PAGE_CACHE", CACHE_BACKEND == "redis")
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# Pages each process also keeps in its own memory (about 30 KB each), under the same keys.
PAGE_CACHE_LOCAL_PAGES = int(os.environ.get("PAGE_CACHE_LOCAL_PAGES", "200"))
# Search results too (each query is a page of its own; cached answers skip the rate limit).
PAGE_CACHE_SEARCH = env_bool("PAGE_CACHE_SEARCH")
# How long a CDN or proxy may keep a public page (s-maxage); browsers always revalidate.
# A retracted article can stay this long at a CDN: keep it short for health content.
PAGE_CDN_SECONDS = int(os.environ.get("PAGE_CDN_SECONDS", "30"))
# A page being rendered after its keys were retired is rendered once: other requests for
# it wait for that rendering up to PAGE_CACHE_WAIT_SECONDS (then render it themselves); the
# lock goes after PAGE_CACHE_LOCK_SECONDS even if its holder died (articles/cache.py).
PAGE_CACHE_LOCK_SECONDS = int(os.environ.get("PAGE_CACHE_LOCK_SECONDS", "10"))
PAGE_CACHE_WAIT_SECONDS = float(os.environ.get("PAGE_CACHE_WAIT_SECONDS", "3"))
# HTTP caches in front of the hub, purged by key after each change (hub/cache_purge.py):
# Varnish base URLs, comma-separated ("http://127.0.0.1:6091"; deploy/varnish/).
CACHE_PURGE_HOSTS = [
    host.strip() for host in os.environ.get("CACHE_PURGE_HOSTS", "").split(",") if host.strip()
]
# The shared secret each purge carries (X-Purge-Token); the VCL refuses purges without it
# (deploy/varnish/run.sh writes it into the VCL).
CACHE_PURGE_TOKEN = os.environ.get("CACHE_PURGE_TOKEN", "")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Health Hub <noreply@localhost>")

# The site's own address, used in e-mails and feeds where no request is at hand.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "Health Hub")
# Whose helplines the "Get help now" card shows first (Helpline.region; others are listed
# under "Help outside ..."): a country code, optionally with a region (GB, US, GB-SCT).
CRISIS_REGION = os.environ.get("CRISIS_REGION", "GB")
# Where readers can write to the publisher (the contact page); empty: the page offers the
# report form only.
CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "")

# Background tasks (webhook deliveries) are rows in the database, run by `manage.py
# db_worker` (docs/operations.md), so no new service to run.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Partners' webhooks (articles/webhooks.py): the waits before each retry of a failed
# delivery, in seconds (after the last one fails, it gives up), and whether a webhook may
# point at loopback or private addresses (on when DEBUG: the demo and tests post locally).
WEBHOOK_RETRY_DELAYS = [int(s) for s in env_list("WEBHOOK_RETRY_DELAYS", "60,300,1800,7200,43200")]
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", DEBUG)
# A reader's e-mail address on a problem report is deleted this many days after the report
# is resolved or dismissed (`manage.py purge_reader_addresses`, daily from cron).
PROBLEM_REPORT_EMAIL_DAYS = int(os.environ.get("PROBLEM_REPORT_EMAIL_DAYS", "30"))

# Articles are due for medical re-review this many months after approval.
REVIEW_INTERVAL_MONTHS = int(os.environ.get("REVIEW_INTERVAL_MONTHS", "12"))

# Bodies larger than this are refused with a form error instead of being rendered.
ARTICLE_BODY_MAX_CHARS = 200_000
# How often the article editor keeps the writer's unsaved text on the server.
ARTICLE_AUTOSAVE_SECONDS = 30
# Requests up to 12 MB are read so that an over-long paste gets that form error, with the
# author's text kept, rather than a bare "400 Bad Request". Cap request bodies at the proxy.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Topics are editorial objects created in the admin; never from free text.
TAGGIT_CASE_INSENSITIVE = True
TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING = True

# --- Security -----------------------------------------------------------------------
# Production is served over HTTPS only. Behind a TLS-terminating proxy (load balancer,
# nginx) that sets X-Forwarded-Proto, set TRUST_X_FORWARDED_PROTO=1 so Django knows the
# request was secure; never set it when clients can reach the app directly.
if env_bool("TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# Staff sessions end after eight hours, or when the browser closes.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Behind proxies, login protection, content security policy ---------------------------
# How many reverse proxies you run in front of the app (see hub/ratelimit.py). 0 means
# clients connect directly and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# django-axes: lock out a username from one address (not the address alone, so one bad
# actor behind a shared proxy cannot lock everybody out) for 15 minutes after 5 failures.
# The state lives in the shared cache (Redis) so every app server agrees; without Redis,
# in the database, which every process of a single-server install shares too.
AXES_HANDLER = (
    "axes.handlers.cache.AxesCacheHandler"
    if REDIS_URL
    else "axes.handlers.database.AxesDatabaseHandler"
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "hub.ratelimit.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# django-csp: nothing inline, nothing from elsewhere. JSON-LD blocks are data, not script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- The partner API (/api/v1/, docs/api.md) ---------------------------------------------
# Requests without a key: "limited" (API_ANONYMOUS_PER_MINUTE per client address) or "off"
# (401: every caller needs a key). Keys carry their own limit (ApiKey.rate_limit_per_minute).
API_ANONYMOUS = os.environ.get("API_ANONYMOUS", "limited")
if API_ANONYMOUS not in ("limited", "off"):
    raise ImproperlyConfigured("API_ANONYMOUS must be limited or off.")
API_ANONYMOUS_PER_MINUTE = int(os.environ.get("API_ANONYMOUS_PER_MINUTE", "30"))
# A key's requests are counted in the cache and added to its day's row (ApiKeyUsage) every
# this many requests: one write per N requests instead of one per request.
API_USAGE_FLUSH_EVERY = int(os.environ.get("API_USAGE_FLUSH_EVERY", "20"))
# What partners may do with the content, said in every article's payload.
API_LICENCE = os.environ.get(
    "API_LICENCE", "Republish unchanged with attribution and a link to the canonical URL."
)
API_ATTRIBUTION = os.environ.get("API_ATTRIBUTION", f"Content from {SITE_NAME}")
# Operations on their way out (docs/api.md, "Deprecation"): each entry's `path` is a regular
# expression matched against the request's path; its answers carry Deprecation, Sunset and
# a Link to `link`. Empty while v1 has nothing deprecated.
API_DEPRECATIONS: list[dict] = []

# django-cors-headers: any site may read the API from a browser, with GETs only, and
# without cookies (a key goes in a header); no other address gets CORS headers.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "OPTIONS")
CORS_ALLOW_HEADERS = ("authorization", "x-api-key", "if-none-match", "if-modified-since")
CORS_EXPOSE_HEADERS = ("ETag", "Last-Modified", "Retry-After", "Deprecation", "Sunset", "Link")

LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "hub.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
