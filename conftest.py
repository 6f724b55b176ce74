"""Project-wide pytest setup: real services when present, a clear skip reason when not.

With GROCER_REQUIRE_SERVICES=1 the test settings refuse to load without PostgreSQL and
Redis, so nothing marked here can be skipped in CI.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from grocer.testing import clear_test_cache


def pytest_collection_modifyitems(config, items):
    available = {"postgres": settings.POSTGRES_AVAILABLE, "redis": settings.REDIS_AVAILABLE}
    for item in items:
        for marker, is_available in available.items():
            if not is_available and item.get_closest_marker(marker):
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"{marker} is not reachable on 127.0.0.1 "
                        "(GROCER_REQUIRE_SERVICES=1 makes this a failure)"
                    )
                )


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache."""
    clear_test_cache()
    yield
