"""Settings for Annuaire, read from the environment.

With no environment at all they point at the project's own PostgreSQL cluster
(`scripts/db.sh`, port 5442), so `.venv/bin/python manage.py ...` just works after `make demo`.
"""

import importlib.util
import os
from pathlib import Path

import dj_database_url

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
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production")
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
    "rest_framework.authtoken",
    "simple_history",
    "comptes",
    "espace",
    "bench",  # benchmark commands only (make bench); no models, no URLs
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "annuaire.web.middleware.LanguageFromQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# Parallel test sessions (several developers on one cluster) each take their own test database.
DATABASES["default"]["TEST"] = {"NAME": env_str("ANNUAIRE_TEST_DB", "test_annuaire")}
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
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
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

# Map tiles for Leaflet pages; the project's own département outlines are drawn underneath.
TILES_URL = env_str("TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
# Web pages: DSFR's Marianne web font (~125 KB for its three weights) is left out by default so that a
# results page stays under 150 KB on a weak connection; a deployment on good networks may turn it on.
WEB_FONTS = env_bool("ANNUAIRE_WEB_FONTS", False)

# Cache shared by every gunicorn worker and the job runner (a table in PostgreSQL, created by
# `manage.py createcachetable`); it holds the per-client counters of annuaire/limits.py.
CACHES = {"default": {"BACKEND": "annuaire.limits.SharedDatabaseCache", "LOCATION": "annuaire_cache"}}
# Heavy anonymous endpoints (couverture, maps, exports, densite): requests per client, "N/s|m|h"; "" turns it off.
HEAVY_RATE = env_str("ANNUAIRE_HEAVY_RATE", "30/m")
# Stored maps and couverture reports (written by the job runner, served as files).
MAPS_DIR = Path(env_str("ANNUAIRE_MAPS_DIR", str(BASE_DIR / "var" / "cartes")))
# Job runner (procrastinate on PostgreSQL): tasks live in <app>/tasks.py.
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = "tasks"

# Debian 12 ships GDAL 3.6; Annuaire never hands user-supplied spatial reference files to GDAL.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
