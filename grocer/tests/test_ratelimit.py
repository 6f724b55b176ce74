import json

import pytest
import time_machine
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
    # Up to a period and a share of the next: 3 hits at once need the previous window
    # to weigh at most 2 of 3 before one more fits.
    assert 0 < int(response["Retry-After"]) <= 60 + 20
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


@pytest.mark.redis
def test_a_dead_grocer_cache_lets_requests_through(settings):
    """The same with the project's backend, whose counting is one pipelined round trip."""
    settings.CACHES = {
        "default": {
            "BACKEND": "grocer.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    assert [limited_view(_post()).status_code for _ in range(5)] == [200] * 5


@pytest.mark.redis
def test_on_redis_a_hit_is_counted_in_one_pipeline_and_its_counter_expires(monkeypatch):
    from django.core.cache import cache

    assert hasattr(cache, "count_hit")

    def no_single_commands(*args, **kwargs):
        raise AssertionError("counted with add/incr/get instead of one pipeline")

    for name in ("add", "get"):
        monkeypatch.setattr(cache, name, no_single_commands)
    incr = cache.incr

    def only_give_back(key, delta=1, version=None):
        assert delta < 0, "counted with incr instead of one pipeline"
        return incr(key, delta, version)

    # A refused hit is given back with decr (incr by -1).
    monkeypatch.setattr(cache, "incr", only_give_back)
    with time_machine.travel(START + 10, tick=False):
        statuses = [limited_view(_post(ip="10.0.0.9")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    window = ratelimit._Window.at("test-view", "10.0.0.9", ratelimit.Rate.parse("3/m"), START + 10)
    client = cache._cache.get_client(write=True)
    key = cache.make_and_validate_key(window.current_key)
    # The refused fourth hit was given back.
    assert int(client.get(key)) == 3
    assert 0 < client.ttl(key) <= 2 * 60 + 1


# --- the sliding window, on a frozen clock -----------------------------------------------

# 10:00:00 UTC: the start of a one-minute and of a fifteen-minute window.
START = 1_800_000_000 - 1_800_000_000 % 900


def test_no_double_burst_across_a_window_boundary():
    """A fixed window allowed 3 at 0:59.5 and 3 more at 1:00.5 for "3/m"."""
    with time_machine.travel(START + 59.5, tick=False):
        assert [limited_view(_post()).status_code for _ in range(3)] == [200] * 3
    with time_machine.travel(START + 60.5, tick=False):
        assert limited_view(_post()).status_code == 429


def test_the_window_slides_one_request_back_at_a_time():
    """Three hits at the start of a minute: one more is allowed once a third of the next
    minute has passed (the previous window then weighs 2/3 of 3 = 2), not before."""
    rate = "3/m"
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            assert ratelimit.hit(scope="t", key="k", rate=rate) is None
        assert ratelimit.peek(scope="t", key="k", rate=rate) is not None
    with time_machine.travel(START + 60 + 18.5, tick=False):
        assert ratelimit.peek(scope="t", key="k", rate=rate) == 2  # 1.5 s, rounded up
    with time_machine.travel(START + 60 + 20.01, tick=False):
        assert ratelimit.peek(scope="t", key="k", rate=rate) is None
        assert ratelimit.hit(scope="t", key="k", rate=rate) is None
        assert ratelimit.hit(scope="t", key="k", rate=rate) is not None
    with time_machine.travel(START + 180, tick=False):  # two quiet windows: all forgotten
        assert [ratelimit.hit(scope="t", key="k", rate=rate) for _ in range(3)] == [None] * 3


@pytest.mark.parametrize("offset", [0, 14.5, 29.99, 45, 59.9])
def test_retry_after_is_exact(offset):
    """Waiting Retry-After seconds is enough, and a second less is not."""
    rate = "10/m"
    with time_machine.travel(START + offset, tick=False):
        for _ in range(10):
            ratelimit.hit(scope="r", key="k", rate=rate)
        wait = ratelimit.hit(scope="r", key="k", rate=rate)
    assert wait is not None and 1 <= wait <= 120
    with time_machine.travel(START + offset + wait, tick=False):
        assert ratelimit.peek(scope="r", key="k", rate=rate) is None
    if wait > 1:
        with time_machine.travel(START + offset + wait - 1, tick=False):
            assert ratelimit.peek(scope="r", key="k", rate=rate) is not None


def test_a_steady_client_under_the_rate_is_never_limited():
    """One request every 7.5 s against "10/m" (8 a minute), for ten minutes."""
    for step in range(80):
        with time_machine.travel(START + step * 7.5, tick=False):
            assert ratelimit.hit(scope="s", key="k", rate="10/m") is None, step


def test_refused_hits_do_not_extend_the_wait():
    with time_machine.travel(START + 30, tick=False):
        for _ in range(3):
            ratelimit.hit(scope="x", key="k", rate="3/m")
        waits = {ratelimit.hit(scope="x", key="k", rate="3/m") for _ in range(20)}
    assert len(waits) == 1 and None not in waits
    (wait,) = waits
    with time_machine.travel(START + 30 + wait, tick=False):
        assert ratelimit.hit(scope="x", key="k", rate="3/m") is None
