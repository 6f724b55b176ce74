"""One `environ.Env` for the whole project, and the service probes the settings share."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A `.env` next to manage.py is optional; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def service_reachable(url: str, *, default_port: int, timeout: float = 0.3) -> bool:
    """True when something accepts TCP connections at the host and port of `url`."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
