"""`Idempotency-Key` on POST: replayed, per token, refused with another body, 24 hours."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from api.models import IdempotencyRecord
from lists.models import ListEvent, ListItem

from .conftest import Api, make_token

pytestmark = pytest.mark.django_db


def _add(api, family_world, text="2 kg tomatoes", key="add-1"):
    return api.post(
        f"/api/v1/lists/{family_world['list'].id}/items", {"text": text}, idempotency_key=key
    )


def test_a_replay_returns_the_stored_answer_and_writes_once(api, family_world):
    first = _add(api, family_world)
    replay = _add(api, family_world)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay["ETag"] == first["ETag"] and replay["Location"] == first["Location"]
    assert replay["Idempotent-Replayed"] == "true"
    assert ListItem.objects.filter(name="tomatoes").count() == 1
    assert ListEvent.objects.filter(type="item.added").count() == 1
    # Without the key the same body is a new request (here: the merge rule answers).
    assert (
        api.post(
            f"/api/v1/lists/{family_world['list'].id}/items", {"text": "2 kg tomatoes"}
        ).json()["outcome"]
        == "merged"
    )


def test_the_same_key_with_another_body_is_422(api, family_world):
    _add(api, family_world)
    response = _add(api, family_world, text="bread")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert not ListItem.objects.filter(name="bread").exists()


def test_keys_are_private_to_each_token(client, family_world):
    mine = Api(client, make_token(family_world["member"]))
    theirs = Api(client, make_token(family_world["admin"]))
    assert _add(mine, family_world, text="bread").json()["outcome"] == "created"
    # Same key, other token: not a replay of someone else's answer.
    assert _add(theirs, family_world, text="bread").json()["outcome"] == "existing"


def test_keys_expire_after_24_hours(api, family_world):
    _add(api, family_world, text="bread")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    response = _add(api, family_world, text="bread")
    assert "Idempotent-Replayed" not in response
    assert response.json()["outcome"] == "existing"


def test_errors_are_not_stored_so_a_retry_runs_again(api, family_world, settings):
    settings.API_RATE_LIMIT = "1/m"
    assert _add(api, family_world, text="bread").status_code == 201
    limited = _add(api, family_world, text="jam", key="jam")
    assert limited.status_code == 429
    assert not IdempotencyRecord.objects.filter(key="jam").exists()


def test_a_bad_key_is_400(api, family_world):
    assert _add(api, family_world, key="x" * 256).status_code == 400
    assert _add(api, family_world, key="é").status_code == 400


def test_purge_forgets_only_expired_answers(api, family_world):
    from api.services import idempotency_purge_expired

    _add(api, family_world, text="bread", key="old")
    _add(api, family_world, text="jam", key="new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(days=2)
    )
    assert idempotency_purge_expired() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.postgres  # two threads on one database: the in-memory SQLite has no such thing
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_write_once(family_world):
    """Two requests with one key at the same moment: the second waits, then replays."""
    secret = make_token(family_world["member"])
    url = f"/api/v1/lists/{family_world['list'].id}/items"
    results = []
    barrier = threading.Barrier(2)

    def send():
        from django.test import Client

        barrier.wait()
        try:
            results.append(
                Api(Client(), secret).post(url, {"text": "honey"}, idempotency_key="race")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r.status_code for r in results) == [201, 201]
    assert results[0].json() == results[1].json()
    assert ListItem.objects.filter(name="honey").count() == 1
