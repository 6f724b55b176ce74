"""Production: no default secrets, HTTPS everywhere, PostgreSQL and Redis required."""

from django.core.exceptions import ImproperlyConfigured

from grocer.logs import logging_config

from .base import *
from .base import AWS_STORAGE_BUCKET_NAME, DATABASES, REDIS_URL, WHATSAPP_TASKS, env

DEBUG = False
# One JSON object per line, for the log collector.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(fmt=LOG_FORMAT, level=env("LOG_LEVEL", default="INFO"))
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
SECRET_KEY = env("SECRET_KEY")  # no default: a missing secret must stop the process
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY must be a long random value in production.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Kubernetes probes and Prometheus reach a pod by its address, which is then the Host
# header: without it in ALLOWED_HOSTS /readyz and /metrics answer 400 (web.yaml sets it).
if env("POD_IP", default=""):
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, env("POD_IP")]

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production needs DATABASE_URL pointing at PostgreSQL.")
if not REDIS_URL:
    raise ImproperlyConfigured("Production needs REDIS_URL.")

# Local photo storage only works when every process that reads or writes photos (each web
# process and the workers making thumbnails) shares one directory: one host (compose) says
# so with GROCER_ALLOW_LOCAL_MEDIA. Several pods each with their own disk would lose photos.
if not AWS_STORAGE_BUCKET_NAME and not env.bool("GROCER_ALLOW_LOCAL_MEDIA", default=False):
    raise ImproperlyConfigured(
        "Production needs AWS_STORAGE_BUCKET_NAME (photos in S3), or "
        "GROCER_ALLOW_LOCAL_MEDIA=true when web and workers share one host's media directory."
    )

# WhatsApp sends go to their own worker (docker-compose.yml, worker-whatsapp.yaml).
CELERY_WHATSAPP_QUEUE = env("CELERY_WHATSAPP_QUEUE", default="whatsapp")
CELERY_TASK_ROUTES = {task: {"queue": CELERY_WHATSAPP_QUEUE} for task in WHATSAPP_TASKS}

# TLS terminates at the proxy / ingress, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes hit the pods over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    **STORAGES,
    # WhiteNoise's CompressedManifestStaticFilesStorage, each URL worked out once.
    "staticfiles": {"BACKEND": "grocer.staticfiles.KeptURLsStaticFilesStorage"},
}
