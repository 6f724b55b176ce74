"""The transactional outbox: a broker outage neither fails a request nor loses its tasks."""

from __future__ import annotations

import base64
import json
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from families.models import PushSubscription
from families.tests.factories import MembershipFactory
from grocer.outbox.models import OutboxMessage
from grocer.outbox.services import outbox_enqueue, outbox_relay
from lists.models import ListEvent, ListItem
from lists.tests.factories import GroceryListFactory

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def celery_broker(url: str):
    """The process's Celery app publishing (not running eagerly) to `url`."""
    from grocer.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)

    def reset_pools() -> None:
        from kombu import pools

        app.pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        # kombu's process-wide producer pools too: closed but still registered, they
        # fail every later eager .delay() of this process ("Acquire on closed pool":
        # Celery takes a producer for the serializer even when it runs a task eagerly).
        pools.reset()

    reset_pools()
    app.conf.broker_url, app.conf.task_always_eager = url, False
    try:
        yield app
    finally:
        reset_pools()
        app.conf.broker_url, app.conf.task_always_eager = saved


def queued_tasks(url: str, queue: str = "celery") -> list[tuple[str, list]]:
    """(task name, args) of every message waiting in the broker's queue."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        messages = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
    finally:
        client.close()
    out = []
    for message in messages:
        body = json.loads(base64.b64decode(message["body"]))
        out.append((message["headers"]["task"], body[0]))
    return out


@pytest.fixture
def push_on(settings):
    settings.WEBPUSH_VAPID_PRIVATE_KEY = "test-private"
    settings.WEBPUSH_VAPID_PUBLIC_KEY = "test-public"
    settings.OUTBOX_RELAY_GRACE_SECONDS = 0


def test_redis_down_item_adds_answer_and_their_notifications_go_out_after(private_redis, push_on):
    """Redis stopped: 20 adds, no 500, 20 items; once it is back the 20 pushes go out."""
    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    # Someone who could hear about the adds: without a subscription no task is queued.
    PushSubscription.objects.create(
        user=ben.user, endpoint="https://push.example/ben", p256dh="k", auth="a"
    )
    grocery_list = GroceryListFactory(family=ana.family)
    client = Client(raise_request_exception=False)
    client.force_login(ana.user)
    url = reverse("lists:item_add", kwargs={"list_id": grocery_list.id})

    with celery_broker(private_redis.url):
        private_redis.stop()
        codes = [
            client.post(url, {"text": f"snack {letter}{letter}"}).status_code
            for letter in "abcdefghijklmnopqrst"
        ]
        assert codes.count(500) == 0 and set(codes) <= {200, 302}, codes
        assert ListItem.objects.filter(grocery_list=grocery_list).count() == 20
        assert OutboxMessage.objects.count() == 20  # kept in PostgreSQL, not lost

        assert outbox_relay() == 0  # still down: nothing published, nothing dropped
        assert OutboxMessage.objects.count() == 20
        assert OutboxMessage.objects.filter(attempts=1).count() == 1

        private_redis.start()  # the same port again
        assert outbox_relay() == 20
    assert OutboxMessage.objects.count() == 0
    added = {
        str(pk)
        for pk in ListEvent.objects.filter(
            grocery_list=grocery_list, type="item.added"
        ).values_list("pk", flat=True)
    }
    tasks = queued_tasks(private_redis.url)
    assert {name for name, _ in tasks} == {"lists.tasks.notify_event"}
    assert sorted(args[0] for _, args in tasks) == sorted(added) and len(added) == 20


def test_the_fast_path_publishes_on_commit_and_keeps_no_row(private_redis, push_on):
    with celery_broker(private_redis.url), transaction.atomic():
        outbox_enqueue(task="lists.tasks.notify_event", args=["e1"])
        assert OutboxMessage.objects.count() == 1
        assert queued_tasks(private_redis.url) == []  # nothing before COMMIT
    assert OutboxMessage.objects.count() == 0
    assert queued_tasks(private_redis.url) == [("lists.tasks.notify_event", ["e1"])]


def test_a_rolled_back_write_enqueues_nothing(private_redis, push_on):
    with celery_broker(private_redis.url):
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox_enqueue(task="lists.tasks.notify_event", args=["e1"])
            raise RuntimeError("the write failed")
        assert outbox_relay() == 0
    assert OutboxMessage.objects.count() == 0
    assert queued_tasks(private_redis.url) == []


def test_the_relay_leaves_fresh_rows_to_their_fast_path(private_redis, settings):
    settings.OUTBOX_RELAY_GRACE_SECONDS = 60
    OutboxMessage.objects.create(task="lists.tasks.notify_event", args=["e1"])
    with celery_broker(private_redis.url):
        assert outbox_relay() == 0
    assert OutboxMessage.objects.count() == 1


def test_the_relay_runs_on_beat():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["outbox-relay"]
    assert entry["task"] == "grocer.outbox.tasks.relay_outbox"
    assert entry["schedule"] <= 60
