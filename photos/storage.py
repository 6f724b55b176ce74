"""The few storage operations photos need, for S3 and for local files.

django-storages' `Storage` API has no pre-signed POST, no HEAD with the content type and
no per-request pre-signed GET that ignores the custom domain, so S3 goes through the
storage's own boto3 client. Local storage (the embedded default) takes uploads through a
Django view instead and serves files through a view that checks membership.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from storages.backends.s3 import S3Storage

# Storage errors worth retrying: the photo itself is fine, the store is not.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (BotoCoreError, ClientError, OSError)


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    # What S3 will serve it as; None for local files, which have no stored type.
    content_type: str | None


class S3PhotoStore:
    direct_to_storage = True

    def __init__(self, storage: S3Storage) -> None:
        self.storage = storage
        self.client = storage.connection.meta.client
        self.bucket = storage.bucket_name

    def _key(self, key: str) -> str:
        location = (self.storage.location or "").strip("/")
        return posixpath.join(location, key) if location else key

    def presigned_post(
        self, *, key: str, content_type: str, max_bytes: int, expires: int
    ) -> dict[str, Any]:
        """URL and form fields for one browser upload of at most `max_bytes` of that type.

        Not every S3-compatible server enforces the policy (moto does not), so the upload
        is checked again before it is recorded.
        """
        return self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=self._key(key),
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires,
        )

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return ObjectInfo(size=head["ContentLength"], content_type=head.get("ContentType"))

    def read(self, key: str, *, limit: int) -> bytes | None:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        try:
            return body.read(limit + 1)
        finally:
            body.close()

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
        )

    def delete(self, key: str) -> None:
        if key:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def private_url(self, key: str, *, expires: int) -> str | None:
        """A pre-signed GET on the bucket itself (never the public custom domain)."""
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=expires
        )

    def public_url(self, key: str) -> str | None:
        # The custom domain when one is configured (a CDN for logos), else pre-signed.
        return self.storage.url(key)


class LocalPhotoStore:
    direct_to_storage = False

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def stat(self, key: str) -> ObjectInfo | None:
        if not self.storage.exists(key):
            return None
        return ObjectInfo(size=self.storage.size(key), content_type=None)

    def read(self, key: str, *, limit: int) -> bytes | None:
        if not self.storage.exists(key):
            return None
        with self.storage.open(key, "rb") as handle:
            return handle.read(limit + 1)

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        # Keys are server-generated and unique; an existing file is an earlier attempt
        # of this same write (a retried task), so it is replaced, never renamed.
        if self.storage.exists(key):
            self.storage.delete(key)
        saved = self.storage.save(key, ContentFile(data))
        if saved != key:  # pragma: no cover - only a concurrent writer could cause it
            self.storage.delete(saved)
            raise OSError(f"could not store {key}")

    def open(self, key: str):
        return self.storage.open(key, "rb")

    def delete(self, key: str) -> None:
        if key:
            self.storage.delete(key)

    def private_url(self, key: str, *, expires: int) -> str | None:
        return None  # served by photos.views.image after the membership check

    def public_url(self, key: str) -> str | None:
        return None


PhotoStore = S3PhotoStore | LocalPhotoStore


def photo_store() -> PhotoStore:
    storage = storages["default"]
    if isinstance(storage, S3Storage):
        return S3PhotoStore(storage)
    return LocalPhotoStore(storage)
