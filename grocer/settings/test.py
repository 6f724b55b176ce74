"""Test settings: the real PostgreSQL and Redis when reachable, embedded fallbacks otherwise.

`GROCER_REQUIRE_SERVICES=1` (CI) turns a missing service into a hard failure instead of
a fallback, so that a green run always means the real services were exercised.
"""

import hashlib
import os

from django.core.exceptions import ImproperlyConfigured

from grocer.env import BASE_DIR, env, redis_channel_layer, service_reachable

from .base import *

REQUIRE_SERVICES = env.bool("GROCER_REQUIRE_SERVICES", default=False)
DEBUG = False
SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]

# Several checkouts (and xdist workers) may test against the same servers at once:
# each gets its own database name and Redis key prefix.
_checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:8]
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
TEST_RUN_ID = f"{_checkout}_{_worker}"

_pg_url = env("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/postgres")
POSTGRES_AVAILABLE = service_reachable(_pg_url, default_port=5432)
if POSTGRES_AVAILABLE:
    DATABASES = {"default": env.db_url_config(_pg_url)}
    DATABASES["default"]["TEST"] = {"NAME": f"test_grocer_{_checkout}"}
elif REQUIRE_SERVICES:
    raise ImproperlyConfigured(f"GROCER_REQUIRE_SERVICES=1 but PostgreSQL at {_pg_url} is down.")
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
REDIS_AVAILABLE = service_reachable(REDIS_URL, default_port=6379)
REDIS_KEY_PREFIX = f"grocer_test_{TEST_RUN_ID}"
if REDIS_AVAILABLE:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL, prefix=f"{REDIS_KEY_PREFIX}:asgi")}
    CACHES = {
        "default": {
            "BACKEND": "grocer.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
            # 2: values are JSON (grocer.cache.JSONSerializer); version 1 keys held pickles.
            "VERSION": 2,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
elif REQUIRE_SERVICES:
    raise ImproperlyConfigured(f"GROCER_REQUIRE_SERVICES=1 but Redis at {REDIS_URL} is down.")
else:
    REDIS_URL = ""
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Unit tests run tasks inline; tests of real delivery start a real worker explicitly.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the finders; tests never run collectstatic.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
