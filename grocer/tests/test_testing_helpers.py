"""The suite's own promises: a missing tool fails CI instead of skipping silently."""

from __future__ import annotations

import pytest

from grocer.testing import missing_tool


def test_a_missing_tool_fails_when_services_are_required(settings):
    settings.REQUIRE_SERVICES = True
    with pytest.raises(pytest.fail.Exception, match="GROCER_REQUIRE_SERVICES=1 but redis-server"):
        missing_tool("redis-server", hint="apt-get install redis-server")


def test_a_missing_tool_skips_with_a_hint_otherwise(settings):
    settings.REQUIRE_SERVICES = False
    with pytest.raises(pytest.skip.Exception, match="apt-get install redis-server"):
        missing_tool("redis-server", hint="apt-get install redis-server")


def test_the_private_redis_fixture_fails_without_redis_server_under_ci(
    settings, monkeypatch, request
):
    """lists/tests/conftest.py's private_redis used to skip even with the flag set."""
    import shutil

    settings.REQUIRE_SERVICES = True
    real_which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name == "redis-server" else real_which(name)
    )
    from lists.tests import conftest as lists_conftest

    fixture = lists_conftest.private_redis.__wrapped__  # the plain generator function
    with pytest.raises(pytest.fail.Exception):
        next(fixture(settings))
