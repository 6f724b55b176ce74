"""Storage settings from the environment, checked in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from grocer.env import BASE_DIR

_PRINT = (
    "import json; from django.conf import settings; "
    "from grocer.middleware import build_content_security_policy as csp; "
    "print(json.dumps({'default': settings.STORAGES['default'], 'csp': csp()}))"
)


def _settings(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + _PRINT],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "grocer.settings.local",
            "GROCER_QUIET": "1",
            **env,
        },
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_bucket_photos_are_local_files():
    assert _settings()["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_a_bucket_switches_to_private_s3_and_opens_the_csp_to_it():
    result = _settings(
        AWS_STORAGE_BUCKET_NAME="grocer-photos",
        AWS_S3_REGION_NAME="eu-west-1",
        AWS_S3_ENDPOINT_URL="http://seaweed.local:8333",
        AWS_S3_CUSTOM_DOMAIN="cdn.example.org",
    )
    storage = result["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "grocer-photos"
    assert options["region_name"] == "eu-west-1"
    assert options["endpoint_url"] == "http://seaweed.local:8333"
    assert options["custom_domain"] == "cdn.example.org"
    assert options["addressing_style"] == "path"
    assert options["default_acl"] is None
    assert options["file_overwrite"] is False
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] <= 600
    directives = dict(part.strip().split(" ", 1) for part in result["csp"].split(";"))
    assert "http://seaweed.local:8333" in directives["connect-src"]
    assert "http://seaweed.local:8333" in directives["img-src"]
