"""WhiteNoise's manifest storage with each static URL worked out once per process.

`{% static %}` asks the storage for the URL on every use: the manifest lookup and a
`urljoin` each time, ~0.05 ms of CPU, and the list page writes about twenty of them
(bench/README.md). Outside DEBUG the manifest is read once, when the storage is made, so
a name's URL cannot change for the life of the storage (a test that overrides
STATIC_URL or STORAGES gets a new storage). Unknown names still raise, every time.
"""

from __future__ import annotations

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class KeptURLsStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._kept_urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force or settings.DEBUG:
            return super().url(name, force)
        url = self._kept_urls.get(name)
        if url is None:
            url = self._kept_urls[name] = super().url(name)
        return url
