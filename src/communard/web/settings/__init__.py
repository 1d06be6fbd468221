"""Django settings. Everything an operator can change comes from ``communard.web.config``."""

from __future__ import annotations

from pathlib import Path

from communard.web.config import Config

CONFIG = Config.from_env()

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "communard.web.core",
    "communard.web.records",
    "communard.web.councils",
    "communard.web.members",
    "communard.web.platforms",
    "communard.web.elections",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Answers only POST /api/elections/{id}/ballots, with Django's own CSRF and login checks but
    # without the rest of the stack: casting is the request every voter makes at once.
    "communard.web.elections.cast_endpoint.CastEndpointMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "communard.web.urls"
WSGI_APPLICATION = "communard.web.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {"default": CONFIG.database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 first: new and changed passwords are hashed with it; older hashes still verify.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Django's database sessions and model logins, each read with one plain query per request
# instead of a compiled ORM query (core/sessions.py; bench/cast_bench.py measures it).
SESSION_ENGINE = "communard.web.core.sessions"
AUTHENTICATION_BACKENDS = ["communard.web.core.sessions.LoginBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "me"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
USE_I18N = True
TIME_ZONE = CONFIG.time_zone
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = CONFIG.data_dir / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collectstatic (tests, first run) serve straight from the apps' static folders.
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

COMMUNARD_SIGNING_KEY_PATH = CONFIG.signing_key_path
COMMUNARD_RECORD_SEALER = CONFIG.record_sealer

# A database that cannot be reached is a 503 "try again shortly" (JSON with Retry-After for the
# APIs), not a 500 (core/database_faults.py). Innermost, so it sees a view's exception first.
MIDDLEWARE += ["communard.web.core.database_faults.DatabaseFaultMiddleware"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
