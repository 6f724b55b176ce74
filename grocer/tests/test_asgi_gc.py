"""The ASGI module freezes what it loaded: the collector no longer walks it."""

from __future__ import annotations

from grocer.testing import printed_by_fresh_python


def test_loading_the_asgi_application_freezes_the_objects_it_made():
    # In a process of its own: freezing the test runner's objects is not the point.
    frozen = printed_by_fresh_python("import gc, grocer.asgi; print(gc.get_freeze_count())")
    # Django and the apps: well over 100,000 objects, out of every full collection.
    assert int(frozen) > 50_000
