"""Photo tests run against a real S3-compatible HTTP server (moto's server mode).

moto does not enforce pre-signed POST policies, which is exactly why these tests can
prove that the server-side check after upload keeps wrong and oversized files out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from io import BytesIO

import boto3
import httpx
import pytest
from botocore.client import Config
from PIL import Image

from families.tests.factories import MembershipFactory
from grocer.testing import free_port
from lists.tests.factories import ListItemFactory

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="session")
def moto_endpoint():
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: object

    def exists(self, key: str) -> bool:
        return "Contents" in self.client.list_objects_v2(Bucket=self.bucket, Prefix=key)

    def list(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(obj["Key"] for obj in listing.get("Contents", []))

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def put(self, key: str, data: bytes, content_type: str = "image/jpeg") -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)


@pytest.fixture
def s3(moto_endpoint, settings):
    """A fresh bucket on the moto server, and the default storage pointed at it."""
    bucket = f"grocer-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        **CREDENTIALS,
    )
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "region_name": REGION,
                "endpoint_url": moto_endpoint,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "addressing_style": "path",
                "signature_version": "s3v4",
                "file_overwrite": False,
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 300,
            },
        },
    }
    s3 = S3(endpoint=moto_endpoint, bucket=bucket, client=client)
    yield s3
    for key in s3.list():
        client.delete_object(Bucket=bucket, Key=key)
    client.delete_bucket(Bucket=bucket)


@pytest.fixture
def local_media(settings, tmp_path):
    """The embedded default: local files, in a directory of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (800, 600), color="tomato") -> bytes:
    out = BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def item(member):
    return ListItemFactory(grocery_list__family=member.family, name="oat milk")


@pytest.fixture
def stranger(db):
    """A member of another family."""
    return MembershipFactory()


def post_to_storage(slot: dict, data: bytes, *, filename="photo.jpg", content_type=None):
    """What the browser does with a slot: a multipart POST, fields first, file last."""
    fields = dict(slot["fields"])
    if content_type is not None and "Content-Type" in fields:
        fields["Content-Type"] = content_type
    return httpx.post(
        slot["url"],
        data=fields,
        files={"file": (filename, data, content_type or fields.get("Content-Type", ""))},
        timeout=30,
    )
