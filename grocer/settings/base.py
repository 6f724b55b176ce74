"""Settings shared by every environment.

With no environment at all this is the embedded development default: SQLite, the
in-memory channel layer, a local-memory cache and eager Celery tasks. `DATABASE_URL`
switches to PostgreSQL and `REDIS_URL` to Redis for channels, the cache and Celery.
"""

from __future__ import annotations

from grocer.env import BASE_DIR, env, redis_channel_layer
from grocer.logs import logging_config

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Reverse proxies in front of daphne, whose X-Forwarded-For entries are believed: empty
# (none: the TCP peer is the client), a count ("1"), or CIDRs ("10.0.0.0/8,fd00::/8").
# The client is the right-most untrusted address (grocer/clientip.py); rate limits key
# on it. Run daphne WITHOUT --proxy-headers (that takes the left-most, forgeable one).
TRUSTED_PROXIES = env("TRUSTED_PROXIES", default="")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "grocer.outbox",
    "families",
    "lists",
    "shop",
    "vendors",
    "orders",
    "photos",
    # django-ninja in INSTALLED_APPS: the API docs use its bundled static files, no CDN.
    "ninja",
    "api",
]

MIDDLEWARE = [
    # First: its request id and timing cover everything below.
    "grocer.middleware.RequestObservabilityMiddleware",
    # Outside all the others, so it compresses what they wrote. Django pads gzipped
    # bodies with random bytes against BREACH, and CSRF tokens are masked per response.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "grocer.middleware.SecurityHeadersMiddleware",
    "grocer.middleware.DatabaseUnavailableMiddleware",
    "grocer.replicas.ReplicaReadsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The browser's language (Accept-Language), then the signed-in user's own setting
    # over it (grocer/middleware.py). After sessions and auth, before anything renders.
    "django.middleware.locale.LocaleMiddleware",
    "grocer.i18n.UserLanguageMiddleware",
    "api.middleware.ApiMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After CSRF: a forged form is still a 403. NUL / lone surrogates in the path, query
    # or form fields -> 400 (grocer/textguard.py).
    "grocer.textguard.TextGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "grocer.urls"
ASGI_APPLICATION = "grocer.asgi.application"
# Builds the socket stack grocer.asgi serves inside its guards (a setting, like
# ROOT_URLCONF, so that the project package never imports the apps above it).
WEBSOCKET_APPLICATION = "lists.routing.websocket_application"
WSGI_APPLICATION = None

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
            ],
            # The one money format (grocer/money.py), usable in every template.
            "builtins": ["grocer.templatetags.money"],
            # `{% id_url %}`, `{% url %}` reversed once per name (grocer/templatetags).
            "libraries": {"urls_once": "grocer.templatetags.urls_once"},
        },
    },
]

# Connections per process in Django's psycopg pool (0: no pool). A daphne process runs
# the sync part of each concurrent request in its own thread, so this is how many
# requests of one process can use the database at the same moment.
DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=16)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # 0 under daphne: ASGI runs each request's sync code in a thread of its own, and a
    # persistent connection per thread exhausted PostgreSQL's connections in the bench.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env("DATABASE_POOLER", default="") == "pgbouncer":
        # Transaction pooling hands each transaction a different server connection:
        # a server-side cursor (iterator()) would outlive its transaction.
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    elif DATABASE_POOL_SIZE and not DATABASES["default"]["CONN_MAX_AGE"]:
        # Without a pooler in front, a connection per request costs a PostgreSQL
        # backend start (several ms) on every request. Django's psycopg pool is shared
        # by the process's threads; a request holds a connection only while it runs.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 2,
            "max_size": DATABASE_POOL_SIZE,
            # Waiting longer than this for a connection answers 503, not a hang: the pool
            # also waits this long when PostgreSQL is down (it keeps reconnecting).
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=2.0),
        }
# Streaming read replicas (grocer/replicas.py): page reads of safe requests go to one that
# has caught up with the reader's own writes; everything else stays on the primary.
DATABASE_REPLICAS: list[str] = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[])):
    _alias = f"replica{_number}"
    DATABASES[_alias] = {
        **env.db_url_config(_url),
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
    DATABASES[_alias].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["grocer.replicas.ReplicaRouter"] if DATABASE_REPLICAS else []
DATABASE_REPLICA_MAX_LAG_BYTES = env.int("DATABASE_REPLICA_MAX_LAG_BYTES", default=16 * 1024**2)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=1.0)
# How long a browser's reads wait for a replica to replay its last write (then any replica).
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=300)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "families.User"
AUTHENTICATION_BACKENDS = [
    # The user row from the cache (families/auth.py); sessions made before it still name
    # Django's backend, which stays listed so they remain valid.
    "families.auth.CachedModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sessions from the cache, kept in PostgreSQL, served from it while Redis is down.
SESSION_ENGINE = "grocer.sessions"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env.bool("GROCER_ACCEPT_TEST_HASHES", default=False):
    # Only for daphne processes started by the test suite, whose users are hashed fast.
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "families:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# English, Spanish and Brazilian Portuguese (locale/<lang>/LC_MESSAGES, compiled .mo files
# committed so a fresh clone needs no gettext tools; .ci/check_translations.py keeps them
# complete and current). Dates, numbers and money follow the active language's formats.
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Security headers (see grocer/middleware.py) -----------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSP_EXTRA_IMG_SRC = env.list("CSP_EXTRA_IMG_SRC", default=[])
CSP_EXTRA_CONNECT_SRC = env.list("CSP_EXTRA_CONNECT_SRC", default=[])
CSP_EXTRA_FORM_ACTION = env.list("CSP_EXTRA_FORM_ACTION", default=[])
# JSON request bodies (grocer/jsonbody.py): larger -> 413, deeper -> 400.
GROCER_JSON_MAX_BYTES = env.int("GROCER_JSON_MAX_BYTES", default=64 * 1024)
GROCER_JSON_MAX_DEPTH = env.int("GROCER_JSON_MAX_DEPTH", default=32)

# --- Photos: S3 when a bucket is configured, local files otherwise ------------------
# Family photos are private: the bucket gets no public ACL and every photo is handed out
# as a short-lived pre-signed GET, per member request (see photos/storage.py).
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _s3_endpoint = env("AWS_S3_ENDPOINT_URL", default="") or None
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            "endpoint_url": _s3_endpoint,
            # Vendor logos only: family photos never go through the custom domain.
            "custom_domain": env("AWS_S3_CUSTOM_DOMAIN", default="") or None,
            # Local S3-compatible servers (SeaweedFS, MinIO) have no virtual-host DNS.
            "addressing_style": "path" if _s3_endpoint else None,
            "signature_version": "s3v4",
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("GROCER_PHOTO_URL_EXPIRY", default=300),
        },
    }
GROCER_PHOTO_MAX_BYTES = env.int("GROCER_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
GROCER_PHOTO_URL_EXPIRY = env.int("GROCER_PHOTO_URL_EXPIRY", default=300)
GROCER_PHOTO_RETENTION_DAYS = env.int("GROCER_PHOTO_RETENTION_DAYS", default=30)
if AWS_STORAGE_BUCKET_NAME:
    # Browsers upload to and load photos from the bucket: the CSP must allow it.
    _s3_origins = [
        f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com",
        f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{env('AWS_S3_REGION_NAME', default='us-east-1')}"
        ".amazonaws.com",
    ]
    if _s3_endpoint:
        _s3_origins = [_s3_endpoint.rstrip("/")]
    if env("AWS_S3_CUSTOM_DOMAIN", default=""):
        _s3_origins.append(f"https://{env('AWS_S3_CUSTOM_DOMAIN')}")
    CSP_EXTRA_IMG_SRC = [*CSP_EXTRA_IMG_SRC, *_s3_origins]
    CSP_EXTRA_CONNECT_SRC = [*CSP_EXTRA_CONNECT_SRC, *_s3_origins]

# --- Redis: channel layer, cache and Celery broker --------------------------------
# REDIS_URL holds what must never be evicted (channel layer, presence, Celery broker, the
# WhatsApp breaker): run it with `maxmemory-policy noeviction`. REDIS_CACHE_URL, when set,
# moves the cache (list pages, rate-limit counters) to an instance that may evict
# (`allkeys-lru` with a `maxmemory`). rediss:// URLs with `ssl_cert_reqs=required&
# ssl_ca_certs=...` and a password work for every client (README, "Data tier").
REDIS_URL = env("REDIS_URL", default="")
REDIS_CACHE_URL = env("REDIS_CACHE_URL", default="") or REDIS_URL
REDIS_KEY_PREFIX = env("REDIS_KEY_PREFIX", default="grocer")
# How often an open list page says it is still there. Each heartbeat re-joins the list's
# groups (Redis may have restarted empty) and answers with the list's last seq.
GROCER_LIVE_HEARTBEAT_SECONDS = env.float("GROCER_LIVE_HEARTBEAT_SECONDS", default=20.0)

if REDIS_URL:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL, prefix=f"{REDIS_KEY_PREFIX}:asgi")}
    CACHES = {
        "default": {
            "BACKEND": "grocer.cache.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
            # 2: values are JSON (grocer.cache.JSONSerializer); version 1 keys held pickles.
            "VERSION": 2,
            # A Redis outage must degrade to cache misses, never to a 500.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
# Redis redelivers a task nobody acknowledged within the visibility timeout, and with late
# acks a task waiting out its countdown is unacknowledged: countdowns and retry delays
# must stay under it, or the task runs twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # Lets several deployments (or test runs) share one Redis database without
    # consuming each other's tasks.
    "global_keyprefix": env("CELERY_BROKER_KEY_PREFIX", default=""),
}
if env("CELERY_UNACKED_RESTORE_SECONDS", default=""):
    # How often a worker sweeps for messages a dead worker left unacknowledged
    # (kombu's default is about every 100 s).
    CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"] = env.int(
        "CELERY_UNACKED_RESTORE_SECONDS"
    )
    CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_throttle"] = 1
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# WhatsApp sends wait on a 100 ms API round trip: on their own queue they get a worker
# sized for I/O (threads) while the default queue keeps prefork's enforced time limits.
# Empty (development, tests): the default queue.
CELERY_WHATSAPP_QUEUE = env("CELERY_WHATSAPP_QUEUE", default="")
WHATSAPP_TASKS = [
    "vendors.tasks.deliver_share",
    "vendors.tasks.drain_deliveries",
    "vendors.tasks.send_deliveries",
]
CELERY_TASK_ROUTES = (
    {task: {"queue": CELERY_WHATSAPP_QUEUE} for task in WHATSAPP_TASKS}
    if CELERY_WHATSAPP_QUEUE
    else {}
)
CELERY_TIMEZONE = TIME_ZONE
# Beat's state file: the image points it at a writable volume (the code dir is read-only).
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", default="celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_BEAT_SCHEDULE["photos-purge-deleted"] = {
    "task": "photos.tasks.purge_deleted_photos",
    "schedule": 6 * 60 * 60,
}
CELERY_BEAT_SCHEDULE["api-purge-idempotency-records"] = {
    "task": "api.tasks.purge_idempotency_records",
    "schedule": 60 * 60,
}
# The transactional outbox (grocer/outbox): tasks whose publish failed at commit (broker
# down) go out once it is back. The grace leaves fresh rows to their own fast path.
OUTBOX_RELAY_SECONDS = env.float("OUTBOX_RELAY_SECONDS", default=10)
OUTBOX_RELAY_GRACE_SECONDS = env.float("OUTBOX_RELAY_GRACE_SECONDS", default=10)
CELERY_BEAT_SCHEDULE["outbox-relay"] = {
    "task": "grocer.outbox.tasks.relay_outbox",
    "schedule": OUTBOX_RELAY_SECONDS,
}
# WhatsApp sends waiting for their next attempt (retry backoff, breaker cool-down) are
# rows with a due time in PostgreSQL; this sweep hands due ones to a worker. No wait lives
# in a countdown task that a dead worker would hold for the visibility timeout.
WHATSAPP_DUE_SWEEP_SECONDS = env.float("WHATSAPP_DUE_SWEEP_SECONDS", default=15)
CELERY_BEAT_SCHEDULE["vendors-dispatch-due-deliveries"] = {
    "task": "vendors.tasks.dispatch_due_deliveries",
    "schedule": WHATSAPP_DUE_SWEEP_SECONDS,
}

# --- Email --------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend",
)
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Grocer <grocer@localhost>")

# --- Money --------------------------------------------------------------------------
GROCER_CURRENCY = env("GROCER_CURRENCY", default="EUR")

# --- WhatsApp Cloud API (vendors) ------------------------------------------------------
# "Configured" means a token and a phone number id: without them (the embedded default)
# sharing offers a click-to-chat wa.me link instead of sending through the API.
WHATSAPP_API_BASE = env("WHATSAPP_API_BASE", default="https://graph.facebook.com")
WHATSAPP_API_VERSION = env("WHATSAPP_API_VERSION", default="v21.0")
WHATSAPP_TOKEN = env("WHATSAPP_TOKEN", default="")
WHATSAPP_PHONE_NUMBER_ID = env("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_APP_SECRET = env("WHATSAPP_APP_SECRET", default="")
WHATSAPP_VERIFY_TOKEN = env("WHATSAPP_VERIFY_TOKEN", default="")
WHATSAPP_TEMPLATE_NAME = env("WHATSAPP_TEMPLATE_NAME", default="")
WHATSAPP_TEMPLATE_LANGUAGE = env("WHATSAPP_TEMPLATE_LANGUAGE", default="en_US")
# The template goes out in the vendor's language (Vendor.language): Meta's code for each of
# LANGUAGES, the template approved under the same name in each. A language missing here
# falls back to WHATSAPP_TEMPLATE_LANGUAGE. Format: "es=es_ES,pt-br=pt_BR".
WHATSAPP_TEMPLATE_LANGUAGES = {
    "en": WHATSAPP_TEMPLATE_LANGUAGE,
    "es": "es",
    "pt-br": "pt_BR",
    **env.dict("WHATSAPP_TEMPLATE_LANGUAGES", default={}),
}
WHATSAPP_CONNECT_TIMEOUT = env.float("WHATSAPP_CONNECT_TIMEOUT", default=5.0)
WHATSAPP_READ_TIMEOUT = env.float("WHATSAPP_READ_TIMEOUT", default=15.0)
# Circuit breaker: after this many consecutive transient failures, stop calling the API
# for the cool-down; queued shares wait and go out once it closes.
WHATSAPP_BREAKER_FAIL_MAX = env.int("WHATSAPP_BREAKER_FAIL_MAX", default=5)
WHATSAPP_BREAKER_RESET_SECONDS = env.int("WHATSAPP_BREAKER_RESET_SECONDS", default=60)
# A send claimed longer ago than this, still without an answer, was cut off by a dead
# worker: it is marked "interrupted" instead of being sent again (at most one message).
# Must exceed the send task's hard time limit.
WHATSAPP_CLAIM_STALE_SECONDS = env.int("WHATSAPP_CLAIM_STALE_SECONDS", default=120)
WHATSAPP_MAX_RETRIES = env.int("WHATSAPP_MAX_RETRIES", default=8)
# Retry backoff: base * 2**retries seconds with full jitter, capped.
WHATSAPP_RETRY_BACKOFF_SECONDS = env.float("WHATSAPP_RETRY_BACKOFF_SECONDS", default=2)
WHATSAPP_RETRY_BACKOFF_MAX_SECONDS = env.float("WHATSAPP_RETRY_BACKOFF_MAX_SECONDS", default=600)
# A due send handed to a worker is not handed out again for this long: its task is
# queued or running. Past it, the task was lost (a dead worker) and the sweep re-sends it.
WHATSAPP_DISPATCH_LEASE_SECONDS = env.float("WHATSAPP_DISPATCH_LEASE_SECONDS", default=60)
# One drain task hands out this many due sends and sends them side by side on its
# process's pool of WHATSAPP_SEND_THREADS threads (vendors/tasks.py): one Celery message
# per batch instead of one per send.
WHATSAPP_DRAIN_BATCH = env.int("WHATSAPP_DRAIN_BATCH", default=32)
WHATSAPP_SEND_THREADS = env.int("WHATSAPP_SEND_THREADS", default=32)
# Where vendor links point (the scheme and host the vendor's phone can reach). Empty:
# taken from the request that shares the list.
GROCER_BASE_URL = env("GROCER_BASE_URL", default="")

# JSON lines in production (the image sets LOG_FORMAT=json), readable lines under
# `make run`; either way with the request id and without secrets (grocer/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="console")
LOGGING = logging_config(fmt=LOG_FORMAT, level=env("LOG_LEVEL", default="INFO"))
# One `grocer.access` line per request (method, path, route, status, time, statements).
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=False)
# Workers log through the same handler and format as everything else.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Metrics (grocer/metrics.py) ------------------------------------------------------
# Prometheus scrapes web processes at /metrics with "Authorization: Bearer <token>";
# without a token the endpoint does not exist (404).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Workers serve their metrics on this port (0: not at all).
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)

# Web Push (VAPID). Without both keys push is off; the in-app feed still works.
# Generate a pair: see README, "Offline and notifications".
WEBPUSH_VAPID_PUBLIC_KEY = env("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_VAPID_PRIVATE_KEY = env("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env("WEBPUSH_VAPID_SUBJECT", default="mailto:admin@localhost")
# Push endpoints are only ever these browser push services ("*." = any subdomain), on
# public addresses, over https (families/pushguard.py). WEBPUSH_EXTRA_HOSTS adds to the
# list; WEBPUSH_ALLOWED_NETWORKS (CIDRs) lets a self-hosted relay on a private network in.
WEBPUSH_ALLOWED_HOSTS = [
    "fcm.googleapis.com",  # Chrome, Edge, Opera, Samsung Internet
    "*.push.services.mozilla.com",  # Firefox
    "*.push.apple.com",  # Safari
    "*.notify.windows.com",  # legacy Edge
    *env.list("WEBPUSH_EXTRA_HOSTS", default=[]),
]
WEBPUSH_ALLOWED_NETWORKS = env.list("WEBPUSH_ALLOWED_NETWORKS", default=[])

# --- API (/api/v1) ---------------------------------------------------------------------
# Per token (or per browser session user); every answer reports the usage in RateLimit-*.
API_RATE_LIMIT = env("API_RATE_LIMIT", default="600/m")
