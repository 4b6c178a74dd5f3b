"""Settings for Annuaire, read from the environment.

With no environment at all they point at the project's own PostgreSQL cluster
(`scripts/db.sh`, port 5442), so `.venv/bin/python manage.py ...` just works after `make demo`.
"""

import importlib.util
import os
from pathlib import Path

import dj_database_url

from annuaire.secret_key import load_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"{name}={value!r}: expected a boolean (1/0, true/false, yes/no)")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


LOCAL_CLUSTER_URL = "postgis://annuaire@127.0.0.1:{port}/annuaire".format(
    port=env_str("ANNUAIRE_PG_PORT", "5442")
)

DEBUG = env_bool("DJANGO_DEBUG", False)
# Never in the repository: DJANGO_SECRET_KEY, else generated on first run into var/secret_key (annuaire/secret_key.py).
SECRET_KEY = load_secret_key(os.environ.get("DJANGO_SECRET_KEY"),
                             Path(env_str("DJANGO_SECRET_KEY_FILE", str(BASE_DIR / "var" / "secret_key"))))
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "axes",
    "csp",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "procrastinate.contrib.django",
    "annuaire",
    "territoires",
    "dispositifs",
    "imports",
    "maps",
    "horaires",
    "traductions",
    "rest_framework.authtoken",
    "simple_history",
    "comptes",
    "espace",
    "bench",  # benchmark commands only (make bench); no models, no URLs
]

MIDDLEWARE = [
    "annuaire.middleware.ClientAddressMiddleware",
    "annuaire.middleware.RequestGuardMiddleware",
    "annuaire.db_router.ReplicaPinMiddleware",  # reads on a replica unless the client wrote (no-op without)
    "django.middleware.security.SecurityMiddleware",
    "annuaire.csp.PathPolicyMiddleware",
    "annuaire.limits.RefusedClientMiddleware",  # an API client already over the heavy rate: its 429 at once
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "annuaire.middleware.SessionMiddleware",  # these two leave an anonymous API read alone (for_sessions)
    # annuaire.middleware.for_pages: these four leave an API read alone (it needs none of them)
    "annuaire.middleware.LocaleMiddleware",
    "annuaire.middleware.LanguageFromQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "annuaire.middleware.AuthenticationMiddleware",
    "annuaire.middleware.HistoryRequestMiddleware",
    "annuaire.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "annuaire.urls"
WSGI_APPLICATION = "annuaire.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "annuaire" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annuaire.web.context_processors.web",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", LOCAL_CLUSTER_URL), conn_max_age=60, conn_health_checks=True
    )
}
DATABASES["default"]["ENGINE"] = "annuaire.postgis"  # GeoDjango's PostGIS, health check without a round trip
# Parallel test sessions (several developers on one cluster) each take their own test database.
DATABASES["default"]["TEST"] = {"NAME": env_str("ANNUAIRE_TEST_DB", "test_annuaire")}

# Database trouble is a fast, honest 503 (annuaire/dbguard.py, annuaire/errors.py). Web processes
# (annuaire/wsgi.py sets ANNUAIRE_WEB=1) get a server-side statement timeout and a client-side deadline per
# request, which also holds when PostgreSQL is hung; commands and the job worker may run long.
WEB_PROCESS = env_bool("ANNUAIRE_WEB", False)
DB_CONNECT_TIMEOUT = int(env_str("DB_CONNECT_TIMEOUT", "2"))  # seconds; libpq's minimum is 2
DB_STATEMENT_TIMEOUT = float(env_str("DB_STATEMENT_TIMEOUT", "4" if WEB_PROCESS else "0"))  # seconds, 0 = none
DB_REQUEST_DEADLINE = float(env_str("DB_REQUEST_DEADLINE", "5" if WEB_PROCESS else "0"))  # seconds, 0 = none
HEALTH_TIMEOUT = float(env_str("HEALTH_TIMEOUT", "0.9"))  # /healthz answers 503 past it


def db_options(options: dict | None = None) -> dict:
    """libpq options of every connection (replicas too): timeouts and TCP keepalives."""
    options = dict(options or {})
    server = options.get("options", "")
    if DB_STATEMENT_TIMEOUT:
        server += f" -c statement_timeout={int(DB_STATEMENT_TIMEOUT * 1000)}"
        server += f" -c idle_in_transaction_session_timeout={int(max(DB_STATEMENT_TIMEOUT, 1) * 6000)}"
    if server.strip():
        options["options"] = server.strip()
    options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
    options.update(keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3)
    return options


DATABASES["default"]["OPTIONS"] = db_options(DATABASES["default"].get("OPTIONS"))
# Read replicas (PostgreSQL streaming replication, `scripts/db.sh replica`): DATABASE_REPLICA_URLS,
# comma-separated, become the aliases replica1, replica2…; anonymous reads may go there, writes and a
# writer's own reads stay on the primary (annuaire/db_router.py). In tests a replica mirrors `default`.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", ""), 1):
    _replica = dj_database_url.parse(_url, conn_max_age=60, conn_health_checks=True)
    _replica.update(ENGINE=DATABASES["default"]["ENGINE"], OPTIONS=db_options(_replica.get("OPTIONS")),
                    TEST={"MIRROR": "default"})
    DATABASES[f"replica{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica{_number}")
DATABASE_ROUTERS = ["annuaire.db_router.ReplicaRouter"]
# After a write, a client reads from the primary for this long (a cookie; replication lag is far below).
REPLICA_PIN_SECONDS = int(env_str("REPLICA_PIN_SECONDS", "10"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [
    ("fr", "Français"),
    ("en", "English"),
    ("ar", "العربية"),
    ("ps", "پښتو"),
    ("fa", "فارسی"),
    ("ti", "ትግርኛ"),
    ("ru", "Русский"),
    ("uk", "Українська"),
]
LANGUAGES_BIDI = ["ar", "ps", "fa"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("ANNUAIRE_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Collected files are gzipped and fingerprinted (name.<hash>.css): WhiteNoise serves them with a
    # far-future `immutable` cache. Production serves only collected files; DEBUG also serves the sources.
    "staticfiles": {"BACKEND": "annuaire.staticfiles.StaticStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
# The DSFR assets (CSS, icons, Marianne fonts) shipped by django-dsfr, served locally; the app itself
# (models, template tags) is not needed, so only its static folder is used.
STATICFILES_DIRS = [Path(importlib.util.find_spec("dsfr").origin).resolve().parent / "static"]
MEDIA_ROOT = BASE_DIR / "var" / "media"

# Accounts (comptes/, espace/): login pages, and emails (invitations, password reset, freshness reminders)
# through Django's email backend: SMTP in production, files in var/mail/ for `make demo`.
LOGIN_URL = "espace:login"
LOGIN_REDIRECT_URL = "espace:tableau"
LOGOUT_REDIRECT_URL = "home"
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_str("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Annuaire <ne-pas-repondre@annuaire.local>")
# The public address used in emailed links (invitation, reminders), e.g. https://annuaire.example.org
SITE_URL = env_str("ANNUAIRE_SITE_URL", "http://127.0.0.1:8000")
# Freshness: a fiche not verified for this many months is stale (reminders, "Non vérifié depuis…").
FRESHNESS_MONTHS = int(env_str("ANNUAIRE_FRESHNESS_MONTHS", "6"))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "UNAUTHENTICATED_USER": None,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "Annuaire API",
    "DESCRIPTION": "Dispositifs d'intégration des réfugiés en France : recherche « près de chez moi », "
    "territoires, densité et exports. / Local integration actions for refugees in France.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,  # /api/schema/ describes the API, not itself
    # Endpoints drf-spectacular cannot see (plain views), GeoJSON answers, 400/429/503 (annuaire/openapi.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "annuaire.openapi.complete_schema"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TAGS": [
        {"name": "recherche", "description": "Ce qui est disponible près d'un lieu, local et national. / "
                                             "What is available near a place, local and national."},
        {"name": "dispositifs", "description": "Le catalogue des dispositifs publiés, en JSON ou GeoJSON. / "
                                               "The catalogue of published actions, JSON or GeoJSON."},
        {"name": "territoires", "description": "Communes (autocomplétion) et contours des départements. / "
                                               "Communes (autocomplete) and département outlines."},
    ],
}

# Imports refuse, before reading, what could exhaust the server (imports/limits.py; README "Importing").
IMPORT_MAX_FILE_MB = int(env_str("ANNUAIRE_IMPORT_MAX_FILE_MB", "200"))
IMPORT_MAX_UNCOMPRESSED_MB = int(env_str("ANNUAIRE_IMPORT_MAX_UNCOMPRESSED_MB", "300"))
IMPORT_MAX_COMPRESSION_RATIO = int(env_str("ANNUAIRE_IMPORT_MAX_COMPRESSION_RATIO", "100"))
IMPORT_MAX_CELLS = int(env_str("ANNUAIRE_IMPORT_MAX_CELLS", "5000000"))  # rows x columns of one sheet
IMPORT_MAX_CELL_CHARS = int(env_str("ANNUAIRE_IMPORT_MAX_CELL_CHARS", "131072"))
IMPORT_RUN_TIMEOUT_HOURS = int(env_str("ANNUAIRE_IMPORT_RUN_TIMEOUT_HOURS", "12"))  # then "running" means dead

# Geocoding: "offline" (territoires gazetteer only) or "ban" (Base Adresse Nationale, online).
GEOCODER = env_str("GEOCODER", "offline")
BAN_URL = env_str("BAN_URL", "https://api-adresse.data.gouv.fr")
BAN_TIMEOUT = float(env_str("BAN_TIMEOUT", "3"))

# Content translations: machine drafts from a LibreTranslate-compatible API (off when empty).
TRANSLATE_URL = env_str("TRANSLATE_URL", "")
TRANSLATE_API_KEY = env_str("TRANSLATE_API_KEY", "")
TRANSLATE_TIMEOUT = float(env_str("TRANSLATE_TIMEOUT", "10"))

# Map tiles for Leaflet pages; the project's own département outlines are drawn underneath.
TILES_URL = env_str("TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
# Web pages: DSFR's Marianne web font (~125 KB for its three weights) is left out by default so that a
# results page stays under 150 KB on a weak connection; a deployment on good networks may turn it on.
WEB_FONTS = env_bool("ANNUAIRE_WEB_FONTS", False)

# Cache shared by every gunicorn worker and the job runner (a table in PostgreSQL, created by
# `manage.py createcachetable`); it holds the per-client counters of annuaire/limits.py.
# MAX_ENTRIES: Django's default (300) would cull the counters of busy clients at random.
CACHES = {"default": {"BACKEND": "annuaire.limits.SharedDatabaseCache", "LOCATION": "annuaire_cache",
                      "OPTIONS": {"MAX_ENTRIES": 200_000}}}
# Heavy anonymous endpoints (couverture, maps, exports, densite): requests per client, "N/s|m|h"; "" turns it off.
HEAVY_RATE = env_str("ANNUAIRE_HEAVY_RATE", "30/m")
# Stored maps and couverture reports (written by the job runner, served as files).
MAPS_DIR = Path(env_str("ANNUAIRE_MAPS_DIR", str(BASE_DIR / "var" / "cartes")))
# Job runner (procrastinate on PostgreSQL): tasks live in <app>/tasks.py.
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = "tasks"
# Tasks outside <app>/tasks.py: the national exports' refresh (maps/exports/tasks.py).
PROCRASTINATE_IMPORT_PATHS = ["maps.exports.tasks"]
# Jobs run at once by one worker: a long periodic refresh never holds an import preview behind it
# (priorities in annuaire/jobs.py say which waiting job goes first).
PROCRASTINATE_WORKER_DEFAULTS = {"concurrency": int(env_str("ANNUAIRE_WORKER_CONCURRENCY", "2"))}
# A worker that starts defers the periodic jobs whose tick passed less than this many seconds ago
# (procrastinate's default, 10 minutes): a restart does not skip a refresh. The tests' worker sets 0.
PROCRASTINATE_PERIODIC_DEFAULTS = {"max_delay": int(env_str("ANNUAIRE_PERIODIC_MAX_DELAY", "600"))}
# National exports, written ahead by the job runner and served as files (maps/exports/stored.py).
EXPORTS_DIR = Path(env_str("ANNUAIRE_EXPORTS_DIR", str(BASE_DIR / "var" / "exports")))

# Debian 12 ships GDAL 3.6; Annuaire never hands user-supplied spatial reference files to GDAL.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]


def _not_a_refusal(record) -> bool:
    """A 429 is not written once per refused request (annuaire/limits.py counts them): a client looping on a
    heavy endpoint would write a line for each, a fifth of a refusal's cost."""
    return getattr(record, "status_code", None) != 429


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_refusals": {"()": "django.utils.log.CallbackFilter", "callback": _not_a_refusal}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["no_refusals"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- Production (issue #10): HTTPS behind the proxy, CSP, admin login throttling, API errors. ---
# Behind N reverse proxies (docker-compose.yml: Caddy, 1) the client is read from X-Forwarded-For
# (annuaire.middleware.ClientAddressMiddleware), for axes and the rate limits alike.
PROXY_COUNT = int(env_str("DJANGO_PROXY_COUNT", "0"))
# Longer query strings get a 400 (JSON under /api/); gunicorn's own request-line limit is 8190 bytes.
MAX_QUERY_STRING = int(env_str("ANNUAIRE_MAX_QUERY_STRING", "4096"))

HTTPS = env_bool("DJANGO_HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container's health check speaks plain HTTP
    SECURE_HSTS_SECONDS = int(env_str("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

_SELF, _NONE = "'self'", "'none'"
_TILES_ORIGIN = "/".join(TILES_URL.split("/")[:3]) if TILES_URL.startswith("http") else None
# base.html's one inline <style> (the system font when Marianne is off), allowed by its hash.
_BASE_STYLE_HASH = "'sha256-u85tie5eYkLK/MZCEC5vziJpUo/csnYJu+VcA1DD6W0='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF, _BASE_STYLE_HASH],
        "img-src": [_SELF, "data:", *([_TILES_ORIGIN] if _TILES_ORIGIN else [])],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": [_NONE],
    },
}
# Parts of the site that carry code we do not write (annuaire/csp.py): longest prefix wins.
_THIRD_PARTY_UI = {**CONTENT_SECURITY_POLICY["DIRECTIVES"], "style-src": [_SELF, "'unsafe-inline'"]}
CSP_PATH_POLICIES = {
    # folium map files: their inline scripts (folium's set-up, the embedded Leaflet) are allowed by hash,
    # per file (maps/views.py); folium writes style attributes.
    "/cartes/": {**_THIRD_PARTY_UI, "frame-ancestors": [_SELF]},
    "/admin/": _THIRD_PARTY_UI,
    "/api/docs/": _THIRD_PARTY_UI,
}

# Admin (and every other) login throttled by django-axes: after AXES_FAILURE_LIMIT failures from one
# client, it is refused, even with the right password, for AXES_COOLOFF_TIME hours (`manage.py axes_reset`).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(env_str("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = float(env_str("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "429.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# French JSON errors under /api/, whatever raised them (annuaire/errors.py).
REST_FRAMEWORK["EXCEPTION_HANDLER"] = "annuaire.errors.api_exception_handler"
REST_FRAMEWORK["DEFAULT_CONTENT_NEGOTIATION_CLASS"] = "annuaire.negotiation.StrictFormatNegotiation"
