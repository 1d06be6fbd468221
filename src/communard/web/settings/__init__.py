"""Django settings. Everything an operator can change comes from ``communard.web.config``."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF

from communard.web.config import Config
from communard.web.settings.security import tls_settings

CONFIG = Config.from_env()

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts

INSTALLED_APPS = [
    # First, so its createsuperuser and changepassword replace Django's (which record nothing).
    "communard.web.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "communard.web.core",
    "communard.web.records",
    "communard.web.councils",
    "communard.web.members",
    "communard.web.platforms",
    "communard.web.elections",
    # After elections: the clock runs duties in the order apps register them (elections first).
    "communard.web.polls",
    "communard.web.meetings",
    "communard.web.recalls",
    "communard.web.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A form body to the JSON API is a 415 before the CSRF check reads it as a form (issue 13).
    "communard.web.core.json_bodies.JsonBodiesOnlyMiddleware",
    # Answers only POST /api/recalls/petitions/{id}/signature on PostgreSQL, with Django's own
    # CSRF and login checks but without the rest of the stack: a constituency signs at once.
    "communard.web.recalls.sign_endpoint.SignEndpointMiddleware",
    # Answers only POST /api/polls/{id}/votes and /api/elections/{id}/ballots on PostgreSQL,
    # the same way, with one read before the one cast action (web/polls/casting_door.py).
    "communard.web.polls.casting_door.CastingDoor",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "communard.web.core.caching.PrivateWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a sign-in it refused into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "communard.web.urls"
WSGI_APPLICATION = "communard.web.wsgi.application"

# django-ninja's templates and static files, for the API's docs page (web/api.py: Swagger UI from
# this site, as the Content-Security-Policy requires, not from a CDN). Found without importing
# ninja: as an INSTALLED_APPS entry it would be imported whole by every command at start-up
# (0.3 s or more), not only where the API is served.
_ninja = importlib.util.find_spec("ninja")
assert _ninja is not None and _ninja.origin is not None
NINJA_DIR = Path(_ninja.origin).parent
STATICFILES_DIRS = [NINJA_DIR / "static"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [NINJA_DIR / "templates"],
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

# Argon2, never silently rehashed: each login's hash is committed to on the record
# (accounts/hashers.py says why).
PASSWORD_HASHERS = ["communard.web.accounts.hashers.RecordedArgon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Django's database sessions and model logins, each read with one plain query per request
# instead of a compiled ORM query (core/sessions.py; bench/cast_bench.py measures it).
SESSION_ENGINE = "communard.web.core.sessions"
# django-axes first: it refuses a locked-out sign-in before any password is checked, on every
# path that calls ``authenticate`` (the login page, the admin's login).
AUTHENTICATION_BACKENDS = [
    "communard.web.core.throttle.ThrottleBackend",
    "communard.web.core.sessions.LoginBackend",
]
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
# COMMUNARD_TLS: Secure cookies, HSTS, redirect to https, the proxy's header (security.py).
globals().update(tls_settings(CONFIG.tls))

# Sign-in throttling (docs/security.md): failures count per username AND client address, so
# nobody can lock a member out from afar; 10 wrong passwords pause that pair for 15 minutes
# after the last one, and a right password clears its count.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Refused attempts while paused are not counted: the time the page promises does not move.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "communard.web.core.throttle.client_address"
AXES_LOCKOUT_CALLABLE = "communard.web.core.throttle.lockout_response"
# Keep failures only, not a log of every member's sign-ins with their address and browser.
AXES_DISABLE_ACCESS_LOG = True

# Content-Security-Policy (docs/security.md): only this site's own files; no inline script,
# style or handler anywhere (templates and the pyramid picture use site.css); no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

COMMUNARD_SIGNING_KEY_PATH = CONFIG.signing_key_path
COMMUNARD_RECORD_SEALER = CONFIG.record_sealer
COMMUNARD_SEAL_BATCH_BYTES = CONFIG.seal_batch_bytes

# A database that cannot be reached is a 503 "try again shortly" (JSON with Retry-After for the
# APIs), not a 500 (core/database_faults.py). Innermost, so it sees a view's exception first.
MIDDLEWARE += ["communard.web.core.database_faults.DatabaseFaultMiddleware"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # One line per close with its parts' durations (web/polls/close_times.py).
    "loggers": {"communard.web.polls.close_times": {"level": "INFO"}},
}
