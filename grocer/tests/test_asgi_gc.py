"""The ASGI module freezes what it loaded: the collector no longer walks it."""

from __future__ import annotations

import os
import subprocess
import sys

from grocer.env import BASE_DIR


def test_loading_the_asgi_application_freezes_the_objects_it_made():
    # In a process of its own: freezing the test runner's objects is not the point.
    code = "import gc, grocer.asgi; print(gc.get_freeze_count())"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "grocer.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # Django and the apps: well over 100,000 objects, out of every full collection.
    assert int(done.stdout.strip().splitlines()[-1]) > 50_000
