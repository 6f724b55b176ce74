"""Production's static storage works out each URL once (issue 13: ~20 `{% static %}` a
page): the same URLs as WhiteNoise's manifest storage, and unknown names still raise."""

from __future__ import annotations

import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from grocer.staticfiles import KeptURLsStaticFilesStorage


@pytest.fixture
def root(tmp_path):
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"paths": {"css/a.css": "css/a.1234.css"}, "version": "1.1", "hash": "x"})
    )
    return tmp_path


def test_each_url_is_worked_out_once_and_is_the_manifests(root, settings, monkeypatch):
    settings.DEBUG = False
    kept = KeptURLsStaticFilesStorage(location=root, base_url="/static/")
    plain = CompressedManifestStaticFilesStorage(location=root, base_url="/static/")
    assert kept.url("css/a.css") == plain.url("css/a.css") == "/static/css/a.1234.css"
    calls = []
    real = CompressedManifestStaticFilesStorage.url
    monkeypatch.setattr(
        CompressedManifestStaticFilesStorage,
        "url",
        lambda self, name, force=False: calls.append(name) or real(self, name, force),
    )
    assert kept.url("css/a.css") == "/static/css/a.1234.css"
    assert calls == []
    for _ in range(2):
        with pytest.raises(ValueError):
            kept.url("css/missing.css")
    assert calls == ["css/missing.css", "css/missing.css"]


def test_debug_asks_the_storage_every_time(root, settings):
    settings.DEBUG = True
    kept = KeptURLsStaticFilesStorage(location=root, base_url="/static/")
    assert kept.url("css/a.css") == "/static/css/a.css"
    assert kept._kept_urls == {}
