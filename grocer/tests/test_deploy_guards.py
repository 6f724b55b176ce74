"""Two ways to publish what should stay private: the demo on the network, and production
mail that goes nowhere."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from grocer.env import BASE_DIR


def _make(*args: str) -> subprocess.CompletedProcess:
    # PYTHON=false: were the guard not first, building a virtualenv would fail at once
    # instead of installing anything.
    return subprocess.run(
        ["make", "--no-print-directory", *args, "PYTHON=false"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "grocer.lan"])
def test_make_run_refuses_the_demo_on_a_network_address(host):
    result = _make("run", f"HOST={host}")
    assert result.returncode != 0
    assert f"Refusing to serve the demo on HOST={host}" in result.stderr
    assert "grocer-demo" in result.stderr  # why
    assert f"make run HOST={host} DEMO_ON_NETWORK=yes" in result.stderr  # how to override
    assert "migrate" not in result.stdout  # stopped before doing anything


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("HOST=127.0.0.1",),
        ("HOST=localhost",),
        ("HOST=::1",),
        ("HOST=0.0.0.0", "DEMO_ON_NETWORK=yes"),
    ],
)
def test_loopback_or_an_explicit_yes_passes_the_guard(args):
    result = _make("run-host-check", *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def _deploy_check(**env: str) -> subprocess.CompletedProcess:
    db = settings.DATABASES["default"]
    full_env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("EMAIL_", "DJANGO_", "AWS_", "GROCER_ALLOW"))
        },
        "DJANGO_SETTINGS_MODULE": "grocer.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "grocer.example",
        "DATABASE_URL": f"postgres://{db.get('USER') or 'postgres'}@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "AWS_STORAGE_BUCKET_NAME": "grocer-ci",  # as .ci/run: production needs photo storage
        "GROCER_QUIET": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_without_email_fails_the_deploy_check():
    result = _deploy_check()
    assert result.returncode != 0
    assert "families.E001" in result.stderr
    assert "EMAIL_URL" in result.stderr


def test_production_with_email_passes_the_deploy_check():
    """What .ci/run does: production settings plus EMAIL_URL pass with no warning."""
    result = _deploy_check(EMAIL_URL="smtp+tls://grocer:secret@smtp.grocer.example:587")
    assert result.returncode == 0, result.stderr
    assert "families.E001" not in result.stderr
