"""Sessions and the logged-in user come from the cache, and still work while Redis is down."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from families.models import User
from families.tests.factories import PASSWORD, MembershipFactory

pytestmark = [pytest.mark.django_db]

DEAD_REDIS = {
    "default": {
        "BACKEND": "grocer.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def _tables(captured) -> str:
    """The tables each query reads FROM (joins aside), space-separated."""
    return " ".join(
        query["sql"].split(" FROM ", 1)[1].split(" ", 1)[0]
        for query in captured.captured_queries
        if " FROM " in query["sql"]
    )


@pytest.mark.redis
def test_a_logged_in_request_reads_neither_session_nor_user_from_postgresql():
    membership = MembershipFactory()
    client = Client()
    client.force_login(membership.user)
    home = reverse("families:home")
    assert client.get(home, follow=True).status_code == 200  # fills the caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(home, follow=True)
    assert response.status_code == 200
    assert response.context["user"] == membership.user
    assert '"django_session"' not in _tables(captured)
    assert '"families_user"' not in _tables(captured)


@pytest.mark.redis
def test_a_password_change_ends_other_sessions_at_once():
    membership = MembershipFactory()
    other_device = Client()
    other_device.force_login(membership.user)
    assert other_device.get(reverse("families:home"), follow=True).context["user"].is_authenticated
    user = User.objects.get(pk=membership.user_id)
    user.set_password("a whole new secret phrase")
    user.save()
    response = other_device.get(reverse("families:home"), follow=True)
    assert not response.context["user"].is_authenticated


@pytest.mark.redis
def test_a_deactivated_user_is_logged_out_at_once():
    membership = MembershipFactory()
    client = Client()
    client.force_login(membership.user)
    assert client.get(reverse("families:home"), follow=True).context["user"].is_authenticated
    user = User.objects.get(pk=membership.user_id)
    user.is_active = False
    user.save()
    assert not client.get(reverse("families:home"), follow=True).context["user"].is_authenticated


def test_with_redis_down_login_pages_and_logout_still_work(settings):
    settings.CACHES = DEAD_REDIS
    membership = MembershipFactory()
    client = Client()
    response = client.post(
        reverse("login"), {"username": membership.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content[:500]
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    response = client.get(reverse("families:home"), follow=True)
    assert response.status_code == 200
    assert response.context["user"] == membership.user
    assert client.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert not client.get(reverse("families:home"), follow=True).context["user"].is_authenticated


def test_a_wrong_password_is_checked_once(settings, monkeypatch):
    from django.contrib.auth.hashers import MD5PasswordHasher

    membership = MembershipFactory()
    calls = []
    original = MD5PasswordHasher.verify
    monkeypatch.setattr(
        MD5PasswordHasher, "verify", lambda self, *a: calls.append(1) or original(self, *a)
    )
    response = Client().post(
        reverse("login"), {"username": membership.user.email, "password": "not it"}
    )
    assert response.status_code == 200
    assert len(calls) == 1


@pytest.mark.redis
def test_the_cached_user_and_session_are_json():
    """No pickles in Redis: the user row and the session are JSON, and the user rebuilt
    from it is the same row."""
    import json

    from django.core.cache import cache

    from families.auth import user_cache_key

    membership = MembershipFactory()
    client = Client()
    client.force_login(membership.user)
    assert client.get(reverse("families:home"), follow=True).status_code == 200

    def raw(key: str) -> bytes:
        return cache._cache.get_client(key).get(cache.make_key(key))

    user_row = json.loads(raw(user_cache_key(membership.user_id)))
    assert user_row["fields"]["email"] == membership.user.email
    session_key = client.cookies["sessionid"].value
    session = json.loads(raw(f"grocer.sessions{session_key}"))
    assert session["_auth_user_id"] == str(membership.user_id)
    response = client.get(reverse("families:home"), follow=True)
    user = response.context["user"]
    assert user == membership.user and user.email == membership.user.email
    assert user.password == User.objects.get(pk=membership.user_id).password
