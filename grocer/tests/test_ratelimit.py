import json

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from grocer import ratelimit
from grocer.testing import free_port

pytestmark = pytest.mark.django_db


@ratelimit.ratelimit("test-view", "3/m")
def limited_view(request):
    return HttpResponse("ok")


def _post(ip="10.0.0.1", accept="text/html"):
    return RequestFactory().post("/", REMOTE_ADDR=ip, HTTP_ACCEPT=accept)


def test_rate_parsing():
    assert ratelimit.Rate.parse("5/m") == ratelimit.Rate(limit=5, period=60)
    assert ratelimit.Rate.parse("10/15m") == ratelimit.Rate(limit=10, period=900)
    assert ratelimit.Rate.parse("100/h") == ratelimit.Rate(limit=100, period=3600)


def test_over_the_limit_is_a_429_with_retry_after():
    statuses = [limited_view(_post()).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = limited_view(_post())
    response.render()
    assert 0 < int(response["Retry-After"]) <= 60
    assert b"Too many tries" in response.content


def test_limits_are_per_key():
    for _ in range(3):
        limited_view(_post(ip="10.0.0.1"))
    assert limited_view(_post(ip="10.0.0.1")).status_code == 429
    assert limited_view(_post(ip="10.0.0.2")).status_code == 200


def test_json_clients_get_json():
    for _ in range(3):
        limited_view(_post(accept="application/json"))
    response = limited_view(_post(accept="application/json"))
    assert response.status_code == 429
    assert json.loads(response.content)["retry_after"] > 0


def test_get_is_not_counted():
    for _ in range(5):
        assert limited_view(RequestFactory().get("/")).status_code == 200


def test_peek_and_reset():
    for _ in range(3):
        ratelimit.hit(scope="login", key="ana@example.com", rate="3/m")
    assert ratelimit.peek(scope="login", key="ana@example.com", rate="3/m") is not None
    ratelimit.reset(scope="login", key="ana@example.com", rate="3/m")
    assert ratelimit.peek(scope="login", key="ana@example.com", rate="3/m") is None


@pytest.mark.redis
def test_a_dead_cache_lets_requests_through(settings):
    """A Redis outage must not lock everyone out."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    assert [limited_view(_post()).status_code for _ in range(5)] == [200] * 5
