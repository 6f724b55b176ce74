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


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright, shared by the session's tests."""
    import os
    import shutil

    from grocer.testing import CHROMIUM, CHROMIUM_ARGS, missing_tool

    if not shutil.which(CHROMIUM):
        missing_tool(CHROMIUM, hint="apt-get install chromium")
    # Sync Playwright runs an event loop in this thread; the ORM calls the tests make
    # around it are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_context(browser):
    """A fresh context (cookies, storage) at phone width: 360 px."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


@pytest.fixture
def live_daphne(transactional_db, request):
    """A real daphne process serving this test's database, cache and channel layer.

    Data the test writes (committed, thanks to `transactional_db`) is visible to the
    server, and events the server publishes go through the same Redis prefix.
    `@pytest.mark.daphne_env(NAME="value")` adds to the server's environment.
    """
    from grocer.testing import ServerProcess

    db = settings.DATABASES["default"]
    env = {"REDIS_URL": settings.REDIS_URL, "REDIS_KEY_PREFIX": settings.REDIS_KEY_PREFIX}
    if db["ENGINE"].endswith("postgresql"):
        from django.db import connection

        name = connection.settings_dict["NAME"]
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    else:
        pytest.skip("live_daphne needs PostgreSQL (the SQLite test database is in memory)")
    env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    env["GROCER_ACCEPT_TEST_HASHES"] = "true"
    for marker in request.node.iter_markers("daphne_env"):
        env.update(marker.kwargs)
    with ServerProcess(env=env) as server:
        yield server
