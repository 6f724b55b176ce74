"""The development default: runs with nothing but Python installed."""

import sys

from .base import *
from .base import DATABASES, REDIS_URL, env

DEBUG = env.bool("DEBUG", default=True)

if not env.bool("GROCER_QUIET", default=False) and "pytest" not in sys.modules:
    using = [
        "SQLite" if DATABASES["default"]["ENGINE"].endswith("sqlite3") else "PostgreSQL",
        "Redis" if REDIS_URL else "in-memory channels + eager Celery",
    ]
    print(
        f"*** Grocer development settings ({', '.join(using)}). "
        "Not for production: set DJANGO_SETTINGS_MODULE=grocer.settings.production. ***",
        file=sys.stderr,
    )
